"""The provider's answer to a referrer's "Klopt dit niet?" report: "klopt wel" with a short explanation."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from beschikbaarheid.free_text import FreeText
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
