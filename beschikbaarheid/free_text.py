"""The WTForms validator every free-text field of the app carries (tests/views/test_free_text.py checks that).

It refuses control characters (tab and line breaks only in a text area) and text that looks like
client data, with the Dutch message of the shared check in `domain/client_data.py`. A field added
later gets the same protection by adding `FreeText()` to its validators; a StringField or
TextAreaField of any FlaskForm without it fails the test.
"""
from __future__ import annotations

from flask_babel import gettext
from wtforms import TextAreaField
from wtforms.validators import ValidationError

from beschikbaarheid.domain.client_data import check_free_text


class FreeText:
    """No control characters and no client data (BSN, date of birth, address, phone, e-mail, name, case story).

    `max_length` adds the field's narrative limit (leave it None when a Length validator has it).
    No field passes the provider's own contact details: the forms' texts are about a provider
    (whose numbers are on its page) or anonymous; only the provider's own note allows them
    (domain/plausibility.py).
    """

    def __init__(self, max_length: int | None = None, allow: tuple[str, ...] = ()):
        self.max_length = max_length
        self.allow = allow  # kinds the field holds by purpose: ("address",) for a location's street

    def __call__(self, form, field) -> None:
        if not isinstance(field.data, str) or not field.data:
            return
        message = check_free_text(field.data, multiline=isinstance(field, TextAreaField), max_length=self.max_length, allow=self.allow, _=gettext)
        if message:
            raise ValidationError(message)
