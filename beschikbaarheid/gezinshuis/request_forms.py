"""Forms of the request log: a new request and its outcome. Every field is checked by the rules in
domain/gezinshuis.py (one definition), whose Dutch messages land on the field they are about; the
typed-in fields also carry the shared FreeText check (no control characters, nothing client-like)."""
from __future__ import annotations

import datetime as dt

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectField, SelectMultipleField, StringField

from beschikbaarheid.beheer.forms import SelectChoice
from beschikbaarheid.domain import gezinshuis as rules
from beschikbaarheid.free_text import FreeText
from beschikbaarheid.models import TARGET_GROUPS


def _clean(value):
    """Trimmed, without NUL characters (PostgreSQL cannot store them; nobody types them)."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else value


class RequestForm(FlaskForm):
    """Age band (or an age that becomes the band), target groups, siblings, municipality, week."""

    age_band = SelectField(_l("Leeftijdscategorie"), choices=[SelectChoice("", _l("— kies —"))] + [SelectChoice(b, b) for b in rules.REQUEST_BANDS],
                           default="", validate_choice=False)
    age = StringField(_l("Of: leeftijd in jaren (wordt omgezet in de categorie en niet bewaard)"), filters=[_clean], validators=[FreeText()])
    target_groups = SelectMultipleField(_l("Doelgroepen"), choices=[SelectChoice(c, label) for c, label in TARGET_GROUPS.items()],
                                        validate_choice=False)
    siblings = StringField(_l("Broers en zussen die mee geplaatst moeten worden"), default="0", filters=[_clean], validators=[FreeText()])
    municipality = SelectField(_l("Gemeente"), choices=[], default="", validate_choice=False)
    week = StringField(_l("Week van de aanvraag"), filters=[_clean], validators=[FreeText()])

    def set_municipalities(self, municipalities) -> None:
        self.municipality.choices = [SelectChoice("", _l("— kies —"))] + [SelectChoice(str(m.id), m.name) for m in municipalities]
        self._municipality_ids = {m.id for m in municipalities}

    def check(self, today: dt.date) -> bool:
        """CSRF and the domain's rules; the resolved values in `self.values` when all is well."""
        ok = self.validate()
        band, band_problems = rules.resolve_band(self.age_band.data, self.age.data)
        siblings_text = self.siblings.data or "0"
        siblings = int(siblings_text) if siblings_text.isascii() and siblings_text.isdigit() and len(siblings_text) <= 2 else -1
        municipality = self.municipality.data or ""
        municipality_id = int(municipality) if municipality.isascii() and municipality.isdigit() and len(municipality) <= 9 else None
        week = rules.parse_week(self.week.data)
        problems = rules.request_problems(target_groups=self.target_groups.data or [], known_groups=TARGET_GROUPS, siblings=siblings,
                                          municipality_id=municipality_id, region_municipalities=self._municipality_ids,
                                          week=week, today=today)
        if band_problems:
            problems["age_band"] = band_problems
        for name, messages in problems.items():
            getattr(self, name).errors = [*getattr(self, name).errors, *(_(m) for m in messages)]
        self.values = dict(age_band=band, target_groups=self.target_groups.data or [], siblings=siblings,
                           municipality_id=municipality_id, requested_week=week)
        return ok and not problems


class OutcomeForm(FlaskForm):
    """The kind and week of a request's outcome; 'wacht nog' resets it."""

    outcome = SelectField(_l("Uitkomst"), choices=[SelectChoice(code, _l(label)) for code, label in rules.OUTCOMES.items()],
                          validate_choice=False)
    week = StringField(_l("Week van de uitkomst"), filters=[_clean], validators=[FreeText()])

    def check(self, requested_week: dt.date, today: dt.date) -> bool:
        """CSRF and the domain's rules; the resolved week in `self.outcome_week`."""
        ok = self.validate()
        self.outcome_week = rules.parse_week(self.week.data)
        problems = rules.outcome_problems(self.outcome.data, self.outcome_week, bool(self.week.data), requested_week, today)
        for name, messages in problems.items():
            getattr(self, name).errors = [*getattr(self, name).errors, *(_(m) for m in messages)]
        return ok and not problems
