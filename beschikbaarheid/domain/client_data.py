"""Client data in free text: the one check every free-text field of the app uses (pure, no Flask).

The app holds no client data (docs/domain.md, Privacy). Its free-text fields are about the supply:
a provider's note on an offering, a contract manager's note on a call with a provider, the
anonymous reason of a "geen passend aanbod" report. People still type a child's details into
them, so `find_client_data` refuses text that looks like any of these, and says what it found
(never the value itself, so the message can be logged and shown safely):

- a BSN: nine digits that pass the eleven test, however they are spaced ("123456782",
  "1234.56.782", "123 456 782", "123-45-6782"); nine-digit numbers that fail the test pass;
- a date of birth: a full date (13-03-2015, 13/3/15, 2015-03-13, "13 maart 2015") that lies more
  than a year in the past, or any date or year right after "geboren", "geb." or "geboortedatum".
  Future and recent dates ("vanaf 1-9-2026", "tot 15 januari") are what providers write about
  their intake, and pass;
- an e-mail address;
- a phone number: Dutch mobile and landline numbers (06-12345678, 040-1234567, 040 123 45 67,
  (040) 1234567) and international ones (+31 6 1234 5678, 0031..., +32 ...). Business service
  numbers (0800, 0900, 0906, 0909, 088) pass: no parent has one;
- a street with a house number ("Kerkstraat 12", "Lange Nieuwstraat 3a"); a number followed by a
  unit ("Ring 3 km", "Zorgpark 12 plekken") is not a house number;
- a person's name: initials with a surname ("J. de Vries", "A.B. Jansen") or a title with a name
  ("mevr. Bakker", "dhr. Jansen");
- a case narrative: wording about one particular child or family ("mijn zoon", "onze dochter",
  "de moeder van", "moeder van Sanne", "jongen van 12", "meisje (14)", a singular "cliënt" or
  "patiënt") and, per field, a length limit (`max_length`) that keeps notes to a few lines.

The provider's own contact details are not client data: `own` takes them (its intake phone
number and e-mail address as stored on the provider, the street of its location), and a phone
number, e-mail address or street that equals one of them passes. So a provider's note may say
"intake via 040-1234567" when that is the provider's intake number; any other number is refused
with a pointer to the contact fields. The anonymous no-match reason passes no `own` at all.

Plural, general wording passes: "jongeren van 12 tot 18 jaar", "cliënten met LVB", "ouders zijn
welkom bij de intake", "wachttijd 6 weken", "12 plekken", postcodes ("5611 AB"), product codes.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from beschikbaarheid.domain.freshness import dutch
from beschikbaarheid.domain.plain_text import has_control_characters

N_ = str  # marks a Dutch text for pybabel; `_` translates it where it is used

ADVICE = N_("Schrijf hier geen gegevens over een cliënt of diens familie (geen BSN, geboortedatum, adres, "
            "telefoonnummer, e-mailadres, naam of verhaal over een bepaald kind).")
MESSAGES = {
    "bsn": N_("De tekst lijkt een burgerservicenummer (BSN) te bevatten."),
    "birth_date": N_("De tekst lijkt een geboortedatum te bevatten (een datum van meer dan een jaar geleden)."),
    "email": N_("De tekst bevat een e-mailadres."),
    "phone": N_("De tekst bevat een telefoonnummer."),
    "address": N_("De tekst lijkt een adres (straat en huisnummer) te bevatten."),
    "name": N_("De tekst lijkt de naam van een persoon te bevatten (voorletters of aanhef met achternaam)."),
    "narrative": N_("De tekst lijkt over een bepaald kind of gezin te gaan."),
    "length": N_("De tekst is te lang: houd het bij hoogstens %(max)d tekens."),
}
KINDS = tuple(MESSAGES)


@dataclass(frozen=True)
class Finding:
    """What kind of client data was found (one of KINDS) and the Dutch (or translated) message."""

    kind: str
    message: str


# --- BSN -----------------------------------------------------------------------------------------

# Nine digits with at most one space, dot or dash between any two, not part of a longer number.
_NINE_DIGITS = re.compile(r"(?<!\d)(?<!\d[ .\-])\d(?:[ .\-]?\d){8}(?![ .\-]?\d)")


def passes_eleven_test(digits: str) -> bool:
    """The BSN eleven test: 9*d1 + 8*d2 + ... + 2*d8 - d9 is a multiple of 11 (and not all zeros)."""
    if len(digits) != 9 or not digits.isdigit() or not int(digits):
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1))) - int(digits[8])
    return total % 11 == 0


def _has_bsn(text: str) -> bool:
    return any(passes_eleven_test(re.sub(r"\D", "", m.group(0))) for m in _NINE_DIGITS.finditer(text))


# --- e-mail and phone ------------------------------------------------------------------------------

_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
# Dutch: 0 and nine more digits, or +31 / 0031 (optionally "(0)") and nine digits; separators between.
_PHONE_NL = re.compile(r"(?<![\d+])(?:(?:\+|00)\s?31\s?(?:\(0\)\s?)?|\(?0)(?:[\s\-.()/]{0,2}\d){9}(?!\d)")
_PHONE_INTL = re.compile(r"(?<![\d+])(?:\+|00)(?!31)[1-9]\d{0,2}(?:[\s\-.()/]{0,2}\d){6,12}(?!\d)")
_SERVICE_PREFIXES = ("0800", "0900", "0906", "0909", "088")


def _phone_digits(text: str) -> str:
    """A phone number as comparable digits: +31 and 0031 become 0, '(0)' is dropped."""
    digits = re.sub(r"\D", "", text.replace("(0)", ""))
    if text.lstrip().startswith("+"):
        digits = "00" + digits
    if digits.startswith("0031"):
        digits = "0" + digits[4:]
    return digits


# --- dates -----------------------------------------------------------------------------------------

_MONTHS = {
    "januari": 1, "jan": 1, "februari": 2, "feb": 2, "maart": 3, "mrt": 3, "mar": 3, "april": 4, "apr": 4, "mei": 5,
    "juni": 6, "jun": 6, "juli": 7, "jul": 7, "augustus": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "oktober": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}
_NUMERIC_DATE = re.compile(r"(?<![\d/.\-])(\d{1,2})\s?[-/.]\s?(\d{1,2})\s?[-/.]\s?(\d{4}|\d{2})(?![\d/\-]|\.\d)")
_ISO_DATE = re.compile(r"(?<![\d/.\-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\d\-])")
_WRITTEN_DATE = re.compile(
    r"(?<!\d)(\d{1,2})\s*(" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?\s+(\d{4}|'\d{2})(?!\d)",
    re.IGNORECASE,
)
_BIRTH_WORDS = re.compile(r"\b(?:geboren|geb\.|geb\b|geboortedatum|geboortejaar|geboren\s+op)\s*:?\s*(?:op\s+|in\s+)?\d", re.IGNORECASE)


def _full_year(text: str, today: dt.date) -> int:
    digits = int(text.lstrip("'"))
    if len(text.lstrip("'")) == 4:
        return digits
    return 2000 + digits if 2000 + digits <= today.year + 1 else 1900 + digits


def _dates(text: str, today: dt.date):
    """Every valid full date in the text (numeric d-m-y, ISO y-m-d, '13 maart 2015')."""
    found = []
    for m in _NUMERIC_DATE.finditer(text):
        found.append((_full_year(m.group(3), today), int(m.group(2)), int(m.group(1))))
    for m in _ISO_DATE.finditer(text):
        found.append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
    for m in _WRITTEN_DATE.finditer(text):
        found.append((_full_year(m.group(3), today), _MONTHS[m.group(2).lower()], int(m.group(1))))
    for year, month, day in found:
        try:
            yield dt.date(year, month, day)
        except ValueError:
            continue


def _has_birth_date(text: str, today: dt.date) -> bool:
    if _BIRTH_WORDS.search(text):
        return True
    limit = today - dt.timedelta(days=365)
    return any(date < limit for date in _dates(text, today))


# --- addresses, names and narratives ------------------------------------------------------------------

_STREET_SUFFIXES = ("straat", "laan", "weg", "plein", "singel", "gracht", "kade", "dijk", "dreef", "steeg", "markt",
                    "hof", "pad", "park", "baan", "ring", "wal", "plantsoen", "boulevard", "allee", "dam", "erf")
_UNITS = ("weken", "week", "wk", "jaar", "jr", "plekken", "plek", "plaatsen", "km", "kilometer", "m", "uur", "min",
          "minuten", "dagen", "dag", "maanden", "mnd", "kinderen", "jongeren", "cliënten", "clienten", "bedden",
          "personen", "groepen", "keer", "x", "procent")
_ADDRESS = re.compile(
    r"\b([A-Za-zÀ-ÿ'\-]*(?:" + "|".join(_STREET_SUFFIXES) + r"))\s+(\d{1,4})(?!\d)(?:\s?-?\s?[a-zA-Z](?![a-zA-Z])|\s?-\s?\d{1,4})?"
    r"(?!\s*(?:" + "|".join(_UNITS) + r")\b)(?![%,.]\d|%)",
    re.IGNORECASE,
)
_SURNAME = r"(?:(?:van|de|der|den|te|ten|ter|het|'t|op|in)\s+)*[A-Z][a-zà-ÿ]+(?:-[A-Z][a-zà-ÿ]+)?"
_INITIALS_NAME = re.compile(r"(?<![\w.])(?!N\.B\.|P\.S\.)(?:[A-Z]\.\s?){1,4}\s?" + _SURNAME)
_TITLE_NAME = re.compile(r"\b(?:dhr|mevr|mw|mej|meneer|mevrouw|de heer)\.?\s+(?:[A-Z]\.\s?)*" + _SURNAME)
_NARRATIVE = [
    re.compile(r"\b(?:mijn|ons|onze|haar|zijn|hun)\s+(?:zoon|zoontje|dochter|dochtertje|kind|kindje|kleinkind|kleinzoon|"
               r"kleindochter|pleegkind|pleegzoon|pleegdochter|broer|broertje|zus|zusje|neef|nicht|cliënt|client|pupil)\b", re.IGNORECASE),
    re.compile(r"\bde\s+(?:moeder|vader|oma|opa|voogd|pleegmoeder|pleegvader|stiefmoeder|stiefvader)\s+van\b", re.IGNORECASE),
    re.compile(r"\b(?:moeder|vader|oma|opa|voogd|ouders|pleegouders)\s+van\s+[A-Z]"),
    re.compile(r"\b(?:cliënt|cliënte|client|cliente|patiënt|patiënte|patient)\b", re.IGNORECASE),
    re.compile(r"\b(?:jongen|meisje|zoon|dochter|baby|peuter|kleuter|puber)\s+(?:van\s+|\(\s*)\d{1,2}(?:\s*(?:jaar|jr|j)\b)?"
               r"(?!\s*(?:tot|t/m|-|en|of)\b)(?!\s*-)", re.IGNORECASE),
]


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


class _Own:
    """The provider's own contact details, in comparable forms."""

    def __init__(self, own: Iterable[str | None]):
        items = [o for o in own if o]
        self.phones = {_phone_digits(m.group(0)) for o in items for m in _PHONE_NL.finditer(o)}
        self.phones |= {_phone_digits(m.group(0)) for o in items for m in _PHONE_INTL.finditer(o)}
        self.emails = {m.group(0).casefold() for o in items for m in _EMAIL.finditer(o)}
        self.texts = [_normal(o) for o in items]

    def has_phone(self, number: str) -> bool:
        return _phone_digits(number) in self.phones

    def has_address(self, address: str) -> bool:
        wanted = _normal(address)
        return any(wanted in text for text in self.texts)


def find_client_data(
    text: str | None,
    *,
    max_length: int | None = None,
    own: Iterable[str | None] = (),
    today: dt.date | None = None,
    allow: Iterable[str] = (),
    _=dutch,
) -> Finding | None:
    """The first kind of client data found in `text` (see the module docstring), or None.

    `max_length` is the field's limit (case narratives are long); `own` the provider's own contact
    details, which pass; `today` the date dates of birth are measured from; `allow` kinds a field
    holds by purpose (a provider location's street: "address"); `_` translates.
    """
    if not text or not text.strip():
        return None
    today = today or dt.date.today()
    mine = _Own(own)
    kind = None
    if max_length is not None and len(text.strip()) > max_length:
        kind = "length"
    elif _has_bsn(text):
        kind = "bsn"
    elif any(m.group(0).casefold() not in mine.emails for m in _EMAIL.finditer(text)):
        kind = "email"
    else:
        without_mail = _EMAIL.sub(" ", text)
        phones = [m.group(0) for m in (*_PHONE_NL.finditer(without_mail), *_PHONE_INTL.finditer(without_mail))]
        if any(not _phone_digits(p).startswith(_SERVICE_PREFIXES) and not mine.has_phone(p) for p in phones):
            kind = "phone"
        elif _has_birth_date(without_mail, today):
            kind = "birth_date"
        elif "address" not in allow and any(not mine.has_address(m.group(0)) for m in _ADDRESS.finditer(without_mail)):
            kind = "address"
        elif _INITIALS_NAME.search(without_mail) or _TITLE_NAME.search(without_mail):
            kind = "name"
        elif any(pattern.search(without_mail) for pattern in _NARRATIVE):
            kind = "narrative"
    if kind is None:
        return None
    first = _(MESSAGES[kind], max=max_length) if kind == "length" else _(MESSAGES[kind])
    return Finding(kind, f"{first} {_(ADVICE)}")


CONTROL_MESSAGE = N_("De tekst bevat een onzichtbaar stuurteken (bijvoorbeeld uit geplakte tekst). Verwijder het of typ de tekst opnieuw.")


def check_free_text(
    text: str | None,
    *,
    multiline: bool,
    max_length: int | None = None,
    own: Iterable[str | None] = (),
    today: dt.date | None = None,
    allow: Iterable[str] = (),
    _=dutch,
) -> str | None:
    """The message for text a free-text field refuses, or None: control characters first, then client data.

    `multiline` allows tab and line breaks (a text area); the rest is `find_client_data`'s.
    """
    if has_control_characters(text, multiline=multiline):
        return _(CONTROL_MESSAGE)
    finding = find_client_data(text, max_length=max_length, own=own, today=today, allow=allow, _=_)
    return finding.message if finding else None
