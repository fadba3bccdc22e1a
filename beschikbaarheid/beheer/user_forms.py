"""Forms for managing user accounts: an administrator's invitation and change of role, a provider's
invitation of a colleague, and the search box of the user list.

Choices that depend on who is asking (regions, providers) are filled in by the view; a posted value
outside them is refused by the form (an unknown provider or another region: 400, nothing saved).
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, RadioField, SelectField, StringField, ValidationError
from wtforms.validators import DataRequired, Email, InputRequired, Length

from beschikbaarheid import accounts
from beschikbaarheid.beheer.forms import SelectChoice
from beschikbaarheid.domain.client_data import CONTROL_MESSAGE
from beschikbaarheid.domain.gezinshuis import is_coordinator
from beschikbaarheid.domain.plain_text import has_control_characters
from beschikbaarheid.models import REFERRER_TYPES, ROLES


def _strip(value):
    """Pasted addresses and names often carry spaces; they are not part of them."""
    return value.strip() if isinstance(value, str) else value


def _no_nul(value):
    """NUL characters: nobody types them and PostgreSQL cannot store them."""
    return value.replace("\x00", "") if isinstance(value, str) else value


class PersonNameField(StringField):
    """The name of the account holder (a professional), not free text about a client: so not FreeText,
    whose name check would refuse "A. Jansen"; control characters are refused as everywhere."""

    def pre_validate(self, form):
        if self.data and has_control_characters(self.data, multiline=False):
            raise ValidationError(_(CONTROL_MESSAGE))


class PlacementForm(FlaskForm):
    """Role and what goes with it: referrer type, provider (and organisation administrator), region."""

    role = RadioField(_l("Rol"), choices=[SelectChoice(code, label) for code, label in ROLES.items()],
                      validators=[InputRequired(_l("Kies een rol."))])
    referrer_type = SelectField(_l("Soort verwijzer"), choices=[SelectChoice("", _l("— kies —"))] + [SelectChoice(c, label) for c, label in REFERRER_TYPES.items()],
                                default="", validate_choice=True)
    provider_id = SelectField(_l("Aanbieder"), choices=[], default="", validate_choice=True)
    is_org_admin = BooleanField(_l("Beheerder van de organisatie (mag collega's uitnodigen en deactiveren)"))
    region_id = SelectField(_l("Regio"), choices=[], default="", validate_choice=True)
    is_coordinator = BooleanField(_l("Coördinator gezinshuizen (coördinatiepunt van de regio)"))

    def set_choices(self, regions, providers, *, installation_admin: bool) -> None:
        """The regions and providers the administrator may choose from."""
        self.region_id.choices = ([SelectChoice("", _l("Geen: alle regio's (alleen voor een beheerder van de installatie)"))] if installation_admin else []) + \
            [SelectChoice(str(r.id), r.name) for r in regions]
        self.provider_id.choices = [SelectChoice("", _l("— kies —"))] + [SelectChoice(str(p.id), p.name) for p in providers]

    def validate_referrer_type(self, field):
        if self.role.data == "verwijzer" and not field.data:
            raise ValidationError(_l("Kies de soort verwijzer: een verwijzer heeft een verwijzerstype."))

    def validate_provider_id(self, field):
        if self.role.data == "aanbieder" and not field.data:
            raise ValidationError(_l("Kies de aanbieder: een aanbieder-gebruiker hoort bij één aanbieder."))

    # WTForms says "Not a valid choice" in English; ours says which value is unknown.
    _choice_messages = {
        "role": _l("Kies een rol uit de lijst."),
        "referrer_type": _l("Onbekende soort verwijzer: kies er een uit de lijst."),
        "provider_id": _l("Onbekende aanbieder: kies een aanbieder uit de lijst."),
        "region_id": _l("Kies een regio uit de lijst: u kunt alleen uw eigen regio kiezen."),
    }

    def validate(self, extra_validators=None) -> bool:
        """WTForms' checks, with Dutch messages for a value that is not among the choices."""
        ok = super().validate(extra_validators)
        for name, message in self._choice_messages.items():
            field = getattr(self, name)
            if field.errors and str(field.data) not in {str(choice.value) for choice in field.iter_choices()}:
                field.errors = [message]
        return ok

    def placement(self) -> dict:
        """The chosen values as the user service takes them; what another role does not use is dropped."""
        role = self.role.data
        return {
            "role": role,
            "region_id": int(self.region_id.data) if self.region_id.data else None,
            "provider_id": int(self.provider_id.data) if role == "aanbieder" and self.provider_id.data else None,
            "referrer_type": self.referrer_type.data if role == "verwijzer" else None,
            "is_org_admin": bool(self.is_org_admin.data) and role == "aanbieder",
            "is_coordinator": is_coordinator(role, bool(self.is_coordinator.data)),
        }


class PersonFields:
    """Name and e-mail address of somebody to invite."""

    name = PersonNameField(_l("Naam"), filters=[_strip, _no_nul], validators=[DataRequired(_l("Vul een naam in.")), Length(max=120)])
    email = EmailField(_l("E-mailadres"), filters=[_strip, _no_nul], validators=[
        DataRequired(_l("Vul een e-mailadres in.")), Email(_l("Dit is geen geldig e-mailadres.")), Length(max=254)])

    def validate_email(self, field):
        if accounts.find_user_by_email(field.data or ""):
            raise ValidationError(_l("Er bestaat al een gebruiker met dit e-mailadres."))


class InviteForm(PersonFields, PlacementForm):
    """An administrator's invitation: who, and in which role and region."""


class ColleagueInviteForm(PersonFields, FlaskForm):
    """A provider's organisation administrator invites a colleague of the same provider."""

    is_org_admin = BooleanField(_l("Ook beheerder van de organisatie (mag collega's uitnodigen en deactiveren)"))


class ActionForm(FlaskForm):
    """Only the CSRF token: deactivate, reactivate, resend."""
