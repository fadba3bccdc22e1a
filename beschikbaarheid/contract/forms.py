"""Forms of the contract blueprint: the call log a contract manager fills in after phoning a provider."""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from wtforms import DateField, HiddenField, StringField, TextAreaField, TimeField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length

from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.form_messages import DutchParseErrors
from beschikbaarheid.free_text import FreeText
from flask_wtf import FlaskForm
from beschikbaarheid.models import utcnow
from beschikbaarheid.models.contract_mgmt import CALL_NOTE_MAX, CALL_OUTCOMES


def without_nul(text: str | None) -> str | None:
    """Drop NUL characters: nobody types them and PostgreSQL cannot store them (it would be a 500)."""
    return text.replace("\x00", "") if text else text


class CallLogForm(DutchParseErrors, FlaskForm):
    """Date, time, outcome and a short note about the provider (never about a client)."""

    called_on = DateField(
        _l("Datum van het gesprek"),
        validators=[InputRequired(_l("Vul de datum van het gesprek in."))],
        format="%Y-%m-%d",
    )
    called_time = TimeField(
        _l("Tijd"),
        validators=[InputRequired(_l("Vul de tijd van het gesprek in (uu:mm)."))],
        format="%H:%M",
    )
    # A plain field checked against the outcome codes (the template writes the <select> itself).
    outcome = StringField(
        _l("Uitkomst"),
        validators=[DataRequired(_l("Kies de uitkomst van het gesprek.")), AnyOf(list(CALL_OUTCOMES), _l("Kies een van de uitkomsten uit de lijst.")), FreeText()],
    )
    note = TextAreaField(
        _l("Notitie over de aanbieder"),
        # About the provider, never about a client: no BSN, date of birth, address, phone, e-mail, name or case story.
        validators=[Length(max=CALL_NOTE_MAX, message=_l("De notitie mag hoogstens %(n)d tekens zijn.", n=CALL_NOTE_MAX)), FreeText()],
        filters=[without_nul],
    )
    next = HiddenField()

    # WTForms reports bad dates/times in English; the Dutch text is ours.
    parse_messages = {
        "called_on": _l("Dit is geen geldige datum (jjjj-mm-dd)."),
        "called_time": _l("Dit is geen geldige tijd (uu:mm)."),
    }

    def __init__(self, *args, now: dt.datetime | None = None, **kwargs):
        """`now` is the moment the checks compare with; a new form starts at that date and time."""
        super().__init__(*args, **kwargs)
        self._now = now or utcnow()
        if not self.is_submitted():
            local = self._now.astimezone(TZ)
            self.called_on.data = self.called_on.data or local.date()
            self.called_time.data = self.called_time.data or local.time().replace(second=0, microsecond=0)

    def validate(self, extra_validators=None) -> bool:
        """WTForms' checks with Dutch parse errors, plus: not in the future and not over a year ago."""
        ok = super().validate(extra_validators)  # DutchParseErrors: Dutch parse errors first
        if ok:
            called = self.called_at
            if called > self._now + dt.timedelta(minutes=5):
                self.called_on.errors = [*self.called_on.errors, _l("Een gesprek kan niet in de toekomst liggen.")]
                ok = False
            elif called < self._now - dt.timedelta(days=366):
                self.called_on.errors = [*self.called_on.errors, _l("Een gesprek van meer dan een jaar geleden kan niet meer worden vastgelegd.")]
                ok = False
        return ok

    @property
    def called_at(self) -> dt.datetime:
        """The call's moment as an aware datetime (entered in Amsterdam time)."""
        return dt.datetime.combine(self.called_on.data, self.called_time.data, tzinfo=TZ)

    @property
    def clean_note(self) -> str:
        """The note as stored: trimmed, with plain newlines."""
        return (self.note.data or "").strip().replace("\r\n", "\n")
