"""Forms of the beheer blueprint."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, RadioField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from beschikbaarheid.free_text import FreeText
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
