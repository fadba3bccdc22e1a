"""Dutch words for values WTForms cannot parse: a form mixin shared by the app's forms.

WTForms reports an unparsable date, time, number or choice in English ("Not a valid integer
value"); a form that lists `parse_messages` ({field name: Dutch message}) says it in Dutch instead.
"""
from __future__ import annotations


class DutchParseErrors:
    """Mix in before FlaskForm; `parse_messages` replaces the parse error of each named field."""

    parse_messages: dict = {}

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        for name, message in self.parse_messages.items():
            field = getattr(self, name)
            if field.errors and field.raw_data and field.raw_data[0] and field.data is None:
                field.errors = [message]
        return ok
