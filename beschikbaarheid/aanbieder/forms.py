"""Provider forms: the answer to a referrer's "Klopt dit niet?" report, the gezinshuis profile and its monthly endings."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, IntegerField, SelectField, SelectMultipleField, TextAreaField
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from beschikbaarheid.beheer.forms import SelectChoice
from beschikbaarheid.domain.gezinshuis import HOUSEHOLD_BANDS, HOUSEHOLD_KINDS, NOTES_MAX, SPECIALISMS
from beschikbaarheid.form_messages import DutchParseErrors
from beschikbaarheid.free_text import FreeText
from beschikbaarheid.models import TARGET_GROUPS
from beschikbaarheid.models.feedback import FEEDBACK_ANSWER_MAX


class AnswerForm(FlaskForm):
    """The explanation is required: the referrer sees it on the card ("klopt wel — ...")."""

    text = TextAreaField(
        _l("Uitleg"),
        validators=[
            InputRequired(message=_l("Leg kort uit waarom de gegevens kloppen.")),
            Length(max=FEEDBACK_ANSWER_MAX, message=_l("Houd de uitleg kort: maximaal %(n)d tekens.", n=FEEDBACK_ANSWER_MAX)),
            FreeText(),
        ],
        # NUL characters are dropped: nobody types them and PostgreSQL cannot store them (it would be a 500).
        filters=[lambda text: text.replace("\x00", "") if text else text],
        description=_l("Verwijzers zien deze uitleg bij het resultaat, bijvoorbeeld 'wachttijd klopt; de plek is vanaf maandag vrij'."),
    )


# -- The gezinshuis profile (aanbieder/gezinshuis.py) --------------------------------------------------

def household_field(kind: str, band: str) -> str:
    """Form field name of one household count: ('placed', '18+') -> 'h_placed_18plus'."""
    return f"h_{kind}_{band.replace('-', '_').replace('+', 'plus')}"


def _count_field(label):
    return IntegerField(label, default=0, validators=[Optional(), NumberRange(0, 99, _l("Vul een aantal in van 0 tot 99."))])


class GezinshuisProfileForm(DutchParseErrors, FlaskForm):
    """Places, ages, household (counts per age band), siblings, groups, specialisms, 'plek vrij per', notes.

    The form parses; the rules (taken <= allowed, ...) are domain/gezinshuis.profile_errors.
    """

    places_allowed = IntegerField(_l("Toegestane plekken"), validators=[InputRequired(_l("Vul het aantal toegestane plekken in.")), NumberRange(0, 99)])
    places_taken = IntegerField(_l("Bezette plekken"), validators=[InputRequired(_l("Vul het aantal bezette plekken in.")), NumberRange(0, 99)])
    age_min = IntegerField(_l("Leeftijd vanaf (jaar)"), validators=[InputRequired(_l("Vul de leeftijd vanaf in.")), NumberRange(0, 99)])
    age_max = IntegerField(_l("Leeftijd tot en met (jaar)"), validators=[InputRequired(_l("Vul de leeftijd tot en met in.")), NumberRange(0, 99)])
    siblings_together = BooleanField(_l("Broers en zussen kunnen samen geplaatst worden"))
    siblings_max = IntegerField(_l("Hoeveel kinderen samen (broers en zussen)"), validators=[Optional(), NumberRange(0, 99)])
    target_groups = SelectMultipleField(_l("Doelgroepen"), choices=[SelectChoice(c, label) for c, label in TARGET_GROUPS.items()],
                                        widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(), validate_choice=True)
    specialisms = SelectMultipleField(_l("Specialismen"), choices=[SelectChoice(c, _l(label)) for c, label in SPECIALISMS.items()],
                                      widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(), validate_choice=True)
    free_from = DateField(_l("Plek vrij per"), validators=[Optional()])
    notes = TextAreaField(_l("Praktische notities voor de match"), validators=[Length(max=NOTES_MAX, message=_l("Maximaal %(n)d tekens.", n=NOTES_MAX)), FreeText()],
                          filters=[lambda text: text.replace("\x00", "") if text else text])

    parse_messages = {
        "places_allowed": _l("Vul een heel getal in."), "places_taken": _l("Vul een heel getal in."),
        "age_min": _l("Vul een leeftijd in jaren in."), "age_max": _l("Vul een leeftijd in jaren in."),
        "siblings_max": _l("Vul een heel getal in."), "free_from": _l("Vul een datum in, bijvoorbeeld 2026-03-01."),
    }

    def household(self) -> dict[tuple[str, str], int]:
        return {(kind, band): getattr(self, household_field(kind, band)).data or 0 for kind in HOUSEHOLD_KINDS for band in HOUSEHOLD_BANDS}

    def values(self) -> dict:
        """The parsed values for services/gezinshuis.save_profile."""
        return {
            "places_allowed": self.places_allowed.data, "places_taken": self.places_taken.data,
            "age_min": self.age_min.data, "age_max": self.age_max.data,
            "siblings_together": self.siblings_together.data, "siblings_max": self.siblings_max.data or 0,
            "household": self.household(), "target_groups": self.target_groups.data or [], "specialisms": self.specialisms.data or [],
            "free_from": self.free_from.data, "notes": self.notes.data or "",
        }


for _kind, _kind_label in HOUSEHOLD_KINDS.items():
    for _band in HOUSEHOLD_BANDS:
        setattr(GezinshuisProfileForm, household_field(_kind, _band), _count_field(_l("%(band)s jaar", band=_band)))
        GezinshuisProfileForm.parse_messages = {**GezinshuisProfileForm.parse_messages,
                                                household_field(_kind, _band): _l("Vul een aantal in van 0 tot 99.")}


class EndingsForm(DutchParseErrors, FlaskForm):
    """The number of unplanned endings (breakdowns) of placements in one month."""

    month = SelectField(_l("Maand"), validators=[InputRequired(_l("Kies een maand."))])
    count = IntegerField(_l("Aantal onvoorziene beëindigingen"), validators=[InputRequired(_l("Vul een aantal in (0 als er geen waren).")),
                                                                          NumberRange(0, 20, _l("Vul een aantal in van 0 tot 20."))])
    parse_messages = {"count": _l("Vul een heel getal in.")}
