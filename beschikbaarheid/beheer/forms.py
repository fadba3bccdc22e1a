"""Forms of the beheer blueprint."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, DateField, EmailField, FloatField, IntegerField, RadioField, SelectField, StringField, TelField, TextAreaField, URLField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError
from wtforms.widgets import HiddenInput, TextInput

from beschikbaarheid.form_messages import DutchParseErrors
from beschikbaarheid.free_text import FreeText
from beschikbaarheid.models import FORM_LABELS, SEGMENT_LABELS
from beschikbaarheid.register_io.parsing import parse_email, parse_phone, parse_postcode
from flask_wtf import FlaskForm

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)

IMPORT_KINDS = [
    SelectChoice("offerings", _l("Aanbod: aanbieders, locaties, contracten, plekken en wachttijden")),
    SelectChoice("products", _l("Productcatalogus")),
]


class ImportForm(FlaskForm):
    """Upload of a register CSV file into one region (validated whole; nothing is saved on any error)."""

    kind = RadioField(_l("Wat wilt u importeren?"), choices=IMPORT_KINDS, default="offerings",
                      validators=[InputRequired(_l("Kies wat u wilt importeren."))])
    # NUL characters are dropped: nobody types them and PostgreSQL cannot store them (it would be a 500).
    region = StringField(_l("Regio"), validators=[DataRequired(_l("Vul de naam van de regio in.")), Length(max=120), FreeText()],
                         filters=[lambda text: text.replace("\x00", "") if text else text])
    file = FileField(_l("CSV-bestand"), validators=[
        FileRequired(_l("Kies een bestand.")),
        FileAllowed(["csv", "txt"], _l("Alleen CSV-bestanden (.csv of .txt).")),
    ])
    dry_run = BooleanField(_l("Alleen controleren, niets opslaan"))


# -- keeping the register in the browser (catalogue, providers, locations, contracts, settings) -----

def _stripped(text: str | None) -> str | None:
    """Spaces around the value dropped and NUL characters removed (PostgreSQL cannot store them)."""
    return text.replace("\x00", "").strip() if text else text


class DecimalCommaField(FloatField):
    """A number typed the Dutch way ("51,4786") or the English way ("51.4786"): a text input, since a
    number input refuses the decimal comma in some browsers."""

    widget = TextInput()

    def process_formdata(self, valuelist):
        if valuelist:
            valuelist = [str(v).replace(",", ".").strip() for v in valuelist]
            if valuelist == [""]:
                self.data = None
                return
        super().process_formdata(valuelist)


FORM_CHOICES = [SelectChoice(value, label) for value, label in FORM_LABELS.items()]


class ProductForm(DutchParseErrors, FlaskForm):
    """A product of the region's catalogue; the iJw category follows from the code's first two digits."""

    code = StringField(_l("Productcode"), filters=[_stripped], validators=[
        DataRequired(_l("Vul de productcode in, bijvoorbeeld 43A10.")), Length(max=10, message=_l("Een productcode is hoogstens 10 tekens.")), FreeText()])
    name = StringField(_l("Naam"), filters=[_stripped], validators=[
        DataRequired(_l("Vul de naam van het product in.")), Length(max=200, message=_l("De naam is hoogstens 200 tekens.")), FreeText()])
    segment = SelectField(_l("Segment"), choices=[], coerce=int,
                          validators=[InputRequired(_l("Kies een segment (1 tot en met 5)."))])
    form = SelectField(_l("Vorm van hulp"), choices=FORM_CHOICES, validators=[InputRequired(_l("Kies een vorm van hulp."))])
    keywords = StringField(_l("Trefwoorden"), filters=[_stripped], validators=[
        Optional(), Length(max=500, message=_l("De trefwoorden zijn samen hoogstens 500 tekens.")), FreeText()])
    description = TextAreaField(_l("Omschrijving"), filters=[_stripped], validators=[
        Optional(), Length(max=2000, message=_l("De omschrijving is hoogstens 2000 tekens.")), FreeText()])
    waiting_norm_weeks = IntegerField(_l("Wachttijdnorm (weken)"), validators=[
        Optional(), NumberRange(1, 520, _l("Vul een norm in van 1 tot en met 520 weken, of laat het leeg voor de norm van de regio."))])

    parse_messages = {"waiting_norm_weeks": _l("Vul de norm in als een heel aantal weken, bijvoorbeeld 14."),
                      "segment": _l("Kies een segment (1 tot en met 5).")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Labels in the reader's language: made per request, not once at import.
        self.segment.choices = [SelectChoice(n, f"{n} – {label}") for n, label in SEGMENT_LABELS.items()]
        # WTForms' own "Not a valid choice" is English; any tampered option gets the field's Dutch message.
        self.segment.validate_choice = self.form.validate_choice = False

    def validate_segment(self, field):
        if field.data not in SEGMENT_LABELS:
            raise ValidationError(_l("Kies een segment (1 tot en met 5)."))

    def validate_form(self, field):
        if field.data not in FORM_LABELS:
            raise ValidationError(_l("Kies een vorm van hulp."))


class TryNeedForm(FlaskForm):
    """'Probeer een hulpvraag': read-only, sent with GET, so no CSRF token."""

    class Meta:
        csrf = False

    hulpvraag = StringField(_l("Hulpvraag"), filters=[_stripped], validators=[
        DataRequired(_l("Typ een hulpvraag, zoals een verwijzer dat doet.")), Length(max=120, message=_l("Hoogstens 120 tekens.")), FreeText()])


def _phone(form, field) -> None:
    if field.data:
        try:
            parse_phone(field.data)
        except ValueError:
            raise ValidationError(_l("Vul een telefoonnummer in met minstens 6 cijfers, bijvoorbeeld 0492-123456.")) from None


def _email(form, field) -> None:
    if field.data:
        try:
            parse_email(field.data)
        except ValueError:
            raise ValidationError(_l("Vul een geldig e-mailadres in, bijvoorbeeld intake@aanbieder.nl.")) from None


def _website(form, field) -> None:
    if field.data:
        parts = urlsplit(field.data)
        if parts.scheme not in ("http", "https") or "." not in parts.netloc or " " in field.data:
            raise ValidationError(_l("Vul het volledige webadres in, beginnend met https://, bijvoorbeeld https://www.aanbieder.nl."))


class ProviderContactsForm(FlaskForm):
    """The contact details referrers see with every result of the provider."""

    intake_email = EmailField(_l("E-mailadres intake"), filters=[_stripped], validators=[Length(max=254, message=_l("Hoogstens 254 tekens.")), _email])
    intake_phone = TelField(_l("Telefoonnummer intake"), filters=[_stripped], validators=[_phone])
    crisis_phone = TelField(_l("Crisistelefoon (24/7)"), filters=[_stripped], validators=[_phone])
    website = URLField(_l("Website"), filters=[_stripped], validators=[Length(max=300, message=_l("Hoogstens 300 tekens.")), _website])


class NewProviderForm(ProviderContactsForm):
    """A provider the region contracts for the first time: its name and the contact details referrers see."""

    name = StringField(_l("Naam van de aanbieder"), filters=[_stripped], validators=[
        DataRequired(_l("Vul de naam van de aanbieder in.")), Length(max=200, message=_l("Hoogstens 200 tekens.")), FreeText()])


def _postcode(form, field) -> None:
    if field.data:
        try:
            field.data = parse_postcode(field.data)
        except ValueError:
            raise ValidationError(_l("Vul een Nederlandse postcode in: 4 cijfers, eventueel met 2 letters (5701 of 5701 AB).")) from None


class LocationForm(DutchParseErrors, FlaskForm):
    """A provider's location; coordinates from the postcode unless typed."""

    name = StringField(_l("Naam van de locatie"), filters=[_stripped], validators=[
        DataRequired(_l("Vul de naam van de locatie in.")), Length(max=200, message=_l("Hoogstens 200 tekens.")), FreeText()])
    # The street of a provider's location is an address by purpose; other client data is still refused.
    street = StringField(_l("Straat en huisnummer"), filters=[_stripped], validators=[
        Optional(), Length(max=200, message=_l("Hoogstens 200 tekens.")), FreeText(allow=("address",))])
    postcode = StringField(_l("Postcode"), filters=[_stripped], validators=[
        DataRequired(_l("Vul de postcode in.")), FreeText(), _postcode])
    woonplaats = StringField(_l("Woonplaats"), filters=[_stripped], validators=[
        Optional(), Length(max=120, message=_l("Hoogstens 120 tekens.")), FreeText()])
    lat = DecimalCommaField(_l("Breedtegraad (lat)"), validators=[
        Optional(), NumberRange(50.0, 54.0, _l("De breedtegraad ligt in Nederland tussen 50 en 54 (lat en lon verwisseld?)."))])
    lon = DecimalCommaField(_l("Lengtegraad (lon)"), validators=[
        Optional(), NumberRange(2.5, 7.5, _l("De lengtegraad ligt in Nederland tussen 2,5 en 7,5 (lat en lon verwisseld?)."))])
    confirm_far = BooleanField(_l("Ja, de locatie ligt daar"))

    parse_messages = {"lat": _l("Vul de breedtegraad in als een getal, bijvoorbeeld 51,4786."),
                      "lon": _l("Vul de lengtegraad in als een getal, bijvoorbeeld 5,6597.")}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and (self.lat.data is None) != (self.lon.data is None):
            missing = self.lon if self.lon.data is None else self.lat
            missing.errors = [*missing.errors, _l("Vul beide coördinaten in, of geen van beide (dan bepaalt de postcode de plek).")]
            ok = False
        return ok


class ContractForm(DutchParseErrors, FlaskForm):
    """Contract the provider for a product at one of its locations."""

    product_code = StringField(_l("Productcode"), filters=[_stripped], validators=[
        DataRequired(_l("Vul de productcode in, bijvoorbeeld 43A10.")), Length(max=10, message=_l("Een productcode is hoogstens 10 tekens.")), FreeText()])
    location_id = SelectField(_l("Locatie"), coerce=int, validators=[InputRequired(_l("Kies een locatie."))])
    valid_from = DateField(_l("Ingangsdatum"), validators=[InputRequired(_l("Vul de ingangsdatum in."))])
    valid_until = DateField(_l("Einddatum (leeg: onbepaalde tijd)"), validators=[Optional()])

    parse_messages = {"valid_from": _l("Dit is geen geldige datum (jjjj-mm-dd)."), "valid_until": _l("Dit is geen geldige datum (jjjj-mm-dd)."),
                      "location_id": _l("Kies een locatie van deze aanbieder.")}

    def __init__(self, *args, locations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.location_id.choices = [SelectChoice(loc.id, loc.name) for loc in locations]
        self.location_id.validate_choice = False

    def validate_location_id(self, field):
        if field.data not in {choice.value if hasattr(choice, "value") else choice[0] for choice in field.choices}:
            raise ValidationError(_l("Kies een locatie van deze aanbieder."))


class EndContractForm(DutchParseErrors, FlaskForm):
    """The contract's last day."""

    end = DateField(_l("Laatste dag van het contract"), validators=[InputRequired(_l("Vul de laatste dag van het contract in."))])

    parse_messages = {"end": _l("Dit is geen geldige datum (jjjj-mm-dd).")}


class ExtendPreviewForm(DutchParseErrors, FlaskForm):
    """Which year's contracts to extend: read-only (a preview), sent with GET, so no CSRF token."""

    class Meta:
        csrf = False

    jaar = IntegerField(_l("Contracten die aflopen op 31 december van"), validators=[
        InputRequired(_l("Vul het jaar in.")), NumberRange(2000, 2100, _l("Vul een jaar in tussen 2000 en 2100."))])

    parse_messages = {"jaar": _l("Vul het jaar in als getal, bijvoorbeeld 2026.")}


class ExtendForm(DutchParseErrors, FlaskForm):
    """Confirm the previewed extension; `expected` is how many contracts the preview showed."""

    year = IntegerField(widget=HiddenInput(), validators=[InputRequired(_l("Vul het jaar in.")), NumberRange(2000, 2100, _l("Vul een jaar in tussen 2000 en 2100."))])
    expected = IntegerField(widget=HiddenInput(), validators=[InputRequired(_l("Bekijk eerst het overzicht.")), NumberRange(0, 1_000_000)])

    parse_messages = {"year": _l("Vul het jaar in als getal, bijvoorbeeld 2026."), "expected": _l("Bekijk eerst het overzicht.")}


class RegionSettingsForm(DutchParseErrors, FlaskForm):
    """The region's policy figures; empty optional fields mean the installation's setting."""

    compliance_target = IntegerField(_l("Nalevingsdoel (%)"), validators=[
        InputRequired(_l("Vul het nalevingsdoel in als percentage, bijvoorbeeld 90.")), NumberRange(1, 100, _l("Het nalevingsdoel ligt tussen 1 en 100 procent."))])
    waiting_norm_weeks = IntegerField(_l("Wachttijdnorm van de regio (weken)"), validators=[
        InputRequired(_l("Vul de wachttijdnorm in weken in, bijvoorbeeld 14.")), NumberRange(1, 520, _l("De wachttijdnorm ligt tussen 1 en 520 weken."))])
    reminder_followup_days = IntegerField(_l("Tweede herinnering na (dagen)"), validators=[
        Optional(), NumberRange(1, 28, _l("Vul 1 tot en met 28 dagen in, of laat het leeg."))])
    reminder_escalate_days = IntegerField(_l("Op de bellijst na (dagen)"), validators=[
        Optional(), NumberRange(1, 28, _l("Vul 1 tot en met 28 dagen in, of laat het leeg."))])
    search_default_km = IntegerField(_l("Standaard zoekafstand (km)"), validators=[
        Optional(), NumberRange(1, 300, _l("Vul 1 tot en met 300 km in, of laat het leeg."))])

    parse_messages = {name: _l("Vul een heel getal in.") for name in (
        "compliance_target", "waiting_norm_weeks", "reminder_followup_days", "reminder_escalate_days", "search_default_km")}

    def __init__(self, *args, defaults=None, **kwargs):
        """`defaults` are the installation's follow-up and escalation days (to check their order)."""
        super().__init__(*args, **kwargs)
        self._defaults = defaults or {}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok:
            followup = self.reminder_followup_days.data or self._defaults.get("reminder_followup_days", 7)
            escalate = self.reminder_escalate_days.data or self._defaults.get("reminder_escalate_days", 14)
            if escalate <= followup:
                self.reminder_escalate_days.errors = [*self.reminder_escalate_days.errors, _l(
                    "De bellijst komt na de tweede herinnering: vul meer dagen in dan bij de tweede herinnering (%(n)d).", n=followup)]
                ok = False
        return ok
