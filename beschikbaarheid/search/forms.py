"""Reading a search from a query string (web form and API alike), and the "geen passend aanbod" form.

One parser for both so the same input gets the same Dutch message everywhere. It only checks
form; the place, the need and the region are looked up by the service (search/service.py).
"""
from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from rapidfuzz import fuzz, process
from wtforms import HiddenField, RadioField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, ValidationError

from beschikbaarheid.domain import scoring
from beschikbaarheid.free_text import FreeText

try:  # WTForms 3.3 deprecates (value, label) tuples in favour of SelectChoice
    from wtforms.fields.choices import SelectChoice
except ImportError:  # pragma: no cover - older WTForms
    def SelectChoice(value, label):  # noqa: N802
        return (value, label)
from beschikbaarheid.models import FEEDBACK_REASONS, TARGET_GROUPS
from beschikbaarheid.models.feedback import FEEDBACK_TEXT_MAX

# Query parameters of a search, in the order errors are reported (the API reports the first).
FIELDS = ("regio", "locatie", "leeftijd", "product", "doelgroepen", "max_km", "max_wachttijd", "ook_gesloten",
          "sorteer", "weergave", "aantal")
MAX_AGE = 27  # the offering table allows ages up to 27 (extended youth care)
MAX_KM = 300.0  # the Netherlands is about 300 km across
MAX_WAITING_WEEKS = 520
MAX_TEXT = 120
REASON_MAX = 200
# How the page shows the results: a compact list to scan (the default) or the full cards.
VIEWS = ("lijst", "kaarten")
PAGE_SIZE = 10  # results shown at first; "toon meer" adds as many again
MAX_SHOWN = 100

_TRUE = {"1", "true", "ja", "on", "yes"}
_FALSE = {"0", "false", "nee", "off", "no", ""}


@dataclass(frozen=True)
class FieldError:
    """A problem with one parameter: machine code, Dutch message, things the user could type instead."""

    code: str
    message: str
    suggestions: tuple[str, ...] = ()
    reason: str = ""  # the message without its "Bedoelde u: ...?", for pages that link the suggestions


@dataclass
class SearchInput:
    """A parsed search; `raw` keeps what the user typed so the form can show it again."""

    raw: dict[str, object]
    locatie: str = ""
    leeftijd: int | None = None
    product: str = ""
    segment: int | None = None
    doelgroepen: list[str] = field(default_factory=list)
    max_km: float = 15.0
    max_wachttijd: int | None = None
    ook_gesloten: bool = False
    regio: str = ""
    sorteer: str = scoring.SORT_SCORE
    weergave: str = VIEWS[0]
    aantal: int = PAGE_SIZE
    errors: dict[str, FieldError] = field(default_factory=dict)

    @property
    def blank(self) -> bool:
        """Nothing asked yet: show the empty form, not errors."""
        return not any(self.raw.get(k) for k in ("locatie", "leeftijd", "product", "segment", "doelgroepen"))

    @property
    def missing_only(self) -> bool:
        """Every error is a required field still empty (while typing, that is not a mistake yet)."""
        return bool(self.errors) and all(e.code.endswith("_empty") for e in self.errors.values())

    def ordered_errors(self) -> list[tuple[str, FieldError]]:
        """Errors in the order of the form (and of the API's precedence)."""
        return [(name, self.errors[name]) for name in (*FIELDS, "segment") if name in self.errors]

    def first_error(self) -> tuple[str, FieldError] | None:
        ordered = self.ordered_errors()
        return ordered[0] if ordered else None


def _text(args: Mapping, name: str) -> str:
    value = args.get(name)
    return " ".join(str(value).split()) if value is not None else ""


def _number(text: str) -> float:
    """'12', '12,5' or '12.5' -> float (Dutch users type a comma); ValueError otherwise."""
    if not re.fullmatch(r"[+-]?\d+(?:[.,]\d+)?", text):
        raise ValueError(text)
    number = float(text.replace(",", "."))
    if not math.isfinite(number):  # 400 digits make float('inf'), and int(inf) raises
        raise ValueError(text)
    return number


def _group_list(args: Mapping) -> list[str]:
    """doelgroepen as repeated parameters (form checkboxes) or comma separated (API)."""
    values = args.getlist("doelgroepen") if hasattr(args, "getlist") else [args.get("doelgroepen") or ""]
    out: list[str] = []
    for value in values:
        for part in str(value or "").split(","):
            part = part.strip()
            if part and part.upper() not in out:
                out.append(part.upper())
    return out


def parse_search_args(args: Mapping, *, default_km: float = 15.0) -> SearchInput:
    """Typed search input with a Dutch error per wrong field; unknown parameters are ignored."""
    raw = {name: _text(args, name) for name in (*FIELDS, "segment")}
    raw["doelgroepen"] = _group_list(args)
    data = SearchInput(raw=raw, max_km=default_km)
    errors = data.errors

    data.regio = raw["regio"][:MAX_TEXT]
    data.locatie = raw["locatie"]
    if not data.locatie:
        errors["locatie"] = FieldError("place_empty", _("Vul een postcode of woonplaats in."))
    elif len(data.locatie) > MAX_TEXT:
        errors["locatie"] = FieldError("place_invalid", _("Dit is te lang voor een postcode of woonplaats (maximaal %(n)d tekens).", n=MAX_TEXT))

    age = raw["leeftijd"]
    if not age:
        errors["leeftijd"] = FieldError("age_empty", _("Vul de leeftijd van het kind in."))
    else:
        try:
            number = _number(age)
        except ValueError:
            errors["leeftijd"] = FieldError("age_invalid", _("Vul de leeftijd in als een heel getal, bijvoorbeeld 12."))
        else:
            if number != int(number):
                errors["leeftijd"] = FieldError("age_invalid", _("Vul de leeftijd in hele jaren in, bijvoorbeeld 12."))
            elif not 0 <= number <= MAX_AGE:
                errors["leeftijd"] = FieldError("age_out_of_range", _("De leeftijd moet tussen 0 en %(n)d jaar liggen.", n=MAX_AGE))
            else:
                data.leeftijd = int(number)

    data.product = raw["product"]
    segment = raw["segment"]
    if segment:
        if segment.isascii() and segment.isdigit() and len(segment) <= 3 and 1 <= int(segment) <= 9:
            data.segment = int(segment)
        else:
            errors["segment"] = FieldError("segment_invalid", _("Kies een segment uit de lijst."))
    if len(data.product) > MAX_TEXT:
        errors["product"] = FieldError("need_invalid", _("De hulpvraag is te lang (maximaal %(n)d tekens). Noem het product, geen casus.", n=MAX_TEXT))
    elif not data.product and data.segment is None and "segment" not in errors:
        errors["product"] = FieldError("need_empty", _("Vul een hulpvraag in: een product, productcode of segment."))

    unknown = [g for g in raw["doelgroepen"] if g not in TARGET_GROUPS]
    if unknown:
        choices = {code: f"{code} {label}" for code, label in TARGET_GROUPS.items()}
        suggestions: list[str] = []
        for wrong in unknown:
            hit = process.extractOne(wrong, choices, scorer=fuzz.WRatio, score_cutoff=75)
            if hit and hit[2] not in suggestions:
                suggestions.append(hit[2])
        errors["doelgroepen"] = FieldError(
            "target_group_unknown",
            _("Onbekende doelgroep: %(unknown)s. Kies uit: %(choices)s.", unknown=", ".join(unknown)[:80], choices=", ".join(TARGET_GROUPS)),
            tuple(suggestions),
        )
    else:
        data.doelgroepen = list(raw["doelgroepen"])

    km = raw["max_km"]
    if km:
        try:
            value = _number(km)
        except ValueError:
            errors["max_km"] = FieldError("max_km_invalid", _("Vul de maximale afstand in als een getal in kilometers, bijvoorbeeld 15."))
        else:
            if not 1 <= value <= MAX_KM:
                errors["max_km"] = FieldError("max_km_out_of_range", _("De maximale afstand moet tussen 1 en %(n)d km liggen.", n=MAX_KM))
            else:
                data.max_km = value

    wait = raw["max_wachttijd"]
    if wait:
        try:
            value = _number(wait)
        except ValueError:
            errors["max_wachttijd"] = FieldError("max_wait_invalid", _("Vul de maximale wachttijd in als een heel aantal weken, bijvoorbeeld 8."))
        else:
            if value != int(value) or not 0 <= value <= MAX_WAITING_WEEKS:
                errors["max_wachttijd"] = FieldError(
                    "max_wait_out_of_range", _("De maximale wachttijd moet een heel aantal weken tussen 0 en %(n)d zijn.", n=MAX_WAITING_WEEKS)
                )
            else:
                data.max_wachttijd = int(value)

    closed = raw["ook_gesloten"].lower()
    if closed in _TRUE:
        data.ook_gesloten = True
    elif closed not in _FALSE:
        errors["ook_gesloten"] = FieldError("ook_gesloten_invalid", _("ook_gesloten moet 0 of 1 zijn."))

    order = raw["sorteer"].lower()
    if order in scoring.SORTS:
        data.sorteer = order
    elif order:
        errors["sorteer"] = FieldError("sort_invalid", _("Sorteer op score, afstand of wachttijd."))
    view = raw["weergave"].lower()
    if view in VIEWS:
        data.weergave = view
    elif view:
        errors["weergave"] = FieldError("view_invalid", _("Kies als weergave 'lijst' of 'kaarten'."))
    shown = raw["aantal"]
    if shown:
        if shown.isascii() and shown.isdigit() and len(shown) <= 3 and 1 <= int(shown) <= MAX_SHOWN:
            data.aantal = int(shown)
        else:
            errors["aantal"] = FieldError("count_invalid", _("Het aantal getoonde resultaten moet een heel getal tussen 1 en %(n)d zijn.", n=MAX_SHOWN))
    return data


class NoMatchForm(FlaskForm):
    """'Geen passend aanbod': the search it is about (its query string) and an optional short reason."""

    q = HiddenField()
    reason = TextAreaField(
        _l("Toelichting (optioneel)"),
        validators=[Length(max=REASON_MAX, message=_l("Houd de toelichting kort: maximaal %(n)d tekens.", n=REASON_MAX)), FreeText()],
        # NUL characters are dropped: nobody types them and PostgreSQL cannot store them (it would be a 500).
        filters=[lambda text: text.replace("\x00", "") if text else text],
        description=_l("Kort, bijvoorbeeld 'geen plek voor broers en zussen samen'. Vul geen namen of andere gegevens van het kind in."),
    )


def _no_nul(text):
    """NUL characters are dropped: nobody types them and PostgreSQL cannot store them (it would be a 500)."""
    return text.replace("\x00", "") if text else text


class FeedbackForm(FlaskForm):
    """'Klopt dit niet?' on a result: the search it came from (query string), a reason from the list,
    and a short text (required with 'anders'). Nothing about the child."""

    q = HiddenField()
    reason = RadioField(
        _l("Wat klopt er niet?"),
        choices=[SelectChoice(code, label) for code, label in FEEDBACK_REASONS.items()],
        # Our own Dutch message for a value not in the list (WTForms' own is English).
        validate_choice=False,
        validators=[InputRequired(message=_l("Kies wat er niet klopt.")),
                    AnyOf(list(FEEDBACK_REASONS), message=_l("Kies een reden uit de lijst."))],
    )
    text = TextAreaField(
        _l("Toelichting (bij 'anders' verplicht)"),
        validators=[Length(max=FEEDBACK_TEXT_MAX, message=_l("Houd de toelichting kort: maximaal %(n)d tekens.", n=FEEDBACK_TEXT_MAX)),
                    FreeText()],
        filters=[_no_nul],
        description=_l("Kort, over het aanbod. Vul geen naam, geboortedatum of andere gegevens van het kind in."),
    )

    def validate_text(self, field) -> None:
        if self.reason.data == "anders" and not (field.data or "").strip():
            raise ValidationError(_("Beschrijf kort wat er niet klopt (bij 'anders' verplicht)."))
