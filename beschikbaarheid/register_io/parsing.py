"""Reading register CSV files into checked rows, without a database, so every rule is unit-tested.

Nothing here touches the session: checks that need the register (does the product exist, where is
this postcode) happen in `service.py`. Messages are Dutch because administrators read them.
"""
from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import math
import re
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email

from beschikbaarheid.domain import wait_figures
from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.domain.plausibility import Limits
from beschikbaarheid.domain.plain_text import (
    has_control_characters,
    restore_formula,
    strip_control,
)
from beschikbaarheid.models.core import (
    CATEGORY_LABELS,
    INTAKE_STATUSES,
    TARGET_GROUPS,
    FormOfCare,
)

UTC = dt.timezone.utc

PRODUCT_COLUMNS = ("code", "naam", "categorie", "segment", "vorm", "trefwoorden")
PRODUCT_REQUIRED = ("code", "naam", "segment", "vorm")

OFFERING_COLUMNS = (
    "aanbieder", "aanbieder_email", "aanbieder_telefoon", "locatie", "straat", "postcode", "woonplaats",
    "lat", "lon", "productcode", "capaciteit", "vrije_plekken", "wachttijd_weken", "leeftijd_min",
    "leeftijd_max", "doelgroepen", "aanmelding", "laatst_bijgewerkt",
    # Optional (issue 15), last so that tools reading the older columns by position keep working.
    "wachtenden", "gerealiseerde_wachttijd_weken", "gestart_aantal", "wachttijd_doelgroepen",
)
OFFERING_REQUIRED = ("aanbieder", "locatie", "productcode", "capaciteit", "vrije_plekken", "wachttijd_weken", "aanmelding")

# File column -> Offering field, for the figures apply_update may change.
FIGURE_COLUMNS = {
    "capaciteit": "capacity",
    "vrije_plekken": "free_places",
    "wachttijd_weken": "waiting_weeks",
    "aanmelding": "intake_status",
    "leeftijd_min": "age_min",
    "leeftijd_max": "age_max",
    "doelgroepen": "target_groups",
    "wachtenden": "waiting_count",
    "gerealiseerde_wachttijd_weken": "realised_wait_weeks",
    "gestart_aantal": "realised_started",
    "wachttijd_doelgroepen": "group_waits",
}
AGE_MAX = 27
DEFAULT_AGE = {"age_min": 0, "age_max": 18}
MAX_COUNT = 100_000  # far above any real capacity or wait; keeps values inside a 32-bit column
# Generous box around the Netherlands: providers just across the border are fine, swapped lat/lon is not.
LAT_RANGE = (50.0, 54.0)
LON_RANGE = (2.5, 7.5)
FUTURE_TOLERANCE = dt.timedelta(minutes=5)  # clocks of the exporting system may run a little ahead

CONTROL_MESSAGE = ("{what} bevat een onzichtbaar stuurteken (bijvoorbeeld een piep- of escapeteken uit geplakte "
                   "tekst). Verwijder het en probeer het opnieuw.")

_LINE_WHITESPACE = re.compile(r"[\t\r\n]+")
_PRODUCT_CODE = re.compile(r"^\d{2}[A-Z0-9]{1,8}$")
_POSTCODE = re.compile(r"^([1-9]\d{3})\s*([A-Za-z]{2})?$")
_DMY = re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_INTAKE_ALIASES = {
    **{code: code for code in INTAKE_STATUSES},
    **{label.lower(): code for code, label in INTAKE_STATUSES.items()},
    "aanmeldstop": "gesloten",
    "alleen na overleg": "overleg",
}


@dataclass(frozen=True)
class LineError:
    """One problem in an import file; `line` is the file line (header = 1), None for the file as a whole."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"regel {self.line}: {self.message}" if self.line else self.message


class ImportFailed(Exception):
    """The file was refused as a whole; `errors` lists every problem found, nothing was saved."""

    def __init__(self, errors: list[LineError]):
        self.errors = sorted(errors, key=lambda e: (e.line or 0))
        super().__init__("; ".join(str(e) for e in self.errors[:5]))

    @property
    def bad_lines(self) -> int:
        """Number of distinct file lines with at least one problem."""
        return len({e.line for e in self.errors if e.line})


class ImportConflict(ImportFailed):
    """Someone changed the same rows while the import ran; trying again is safe."""

    def __init__(self):
        super().__init__([LineError(None, "Iemand anders wijzigde tegelijk dezelfde gegevens. Er is niets opgeslagen; probeer het opnieuw.")])


@dataclass(frozen=True)
class ProductRow:
    """A checked line of a product file."""

    line: int
    code: str
    name: str
    category: str
    segment: int
    form: str
    keywords: str | None  # None when the file has no trefwoorden column: keep what is stored


@dataclass
class OfferingRow:
    """A checked line of an offering file; dicts hold only what the file says, absent means 'keep'."""

    line: int
    provider: str
    location: str
    product_code: str
    provider_fields: dict = field(default_factory=dict)  # intake_email / intake_phone, only when filled in
    address: dict = field(default_factory=dict)  # street / postcode / woonplaats, only when filled in
    lat: float | None = None
    lon: float | None = None
    figures: dict = field(default_factory=dict)  # Offering field -> value, for the columns in the file
    updated_at: dt.datetime | None = None  # aware UTC; None: the import time

    @property
    def provider_key(self) -> str:
        return fold(self.provider)

    @property
    def location_key(self) -> tuple[str, str]:
        return fold(self.provider), fold(self.location)

    @property
    def key(self) -> tuple[str, str, str]:
        """Provider + location + product: what identifies an offering across imports."""
        return fold(self.provider), fold(self.location), self.product_code


@dataclass
class Parsed:
    """What a file yielded: checked rows, every problem, and the columns it has."""

    rows: list
    errors: list[LineError]
    columns: tuple[str, ...] = ()
    delimiter: str = ","


def fold(name: str) -> str:
    """Matching key for names typed by people: case and runs of spaces do not make a new provider."""
    return " ".join(name.split()).casefold()


def clean_name(name: str) -> str:
    """Names are stored with single spaces and no padding."""
    return " ".join(name.split())


# ---------------------------------------------------------------------------------------------
# Reading the table


def decode(data: bytes | str) -> str:
    """UTF-8 with or without BOM; anything else is refused with the line of the first bad byte."""
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ImportFailed(
                [LineError(line, "het bestand is geen UTF-8. Sla het op als 'CSV UTF-8' en probeer het opnieuw.")]
            ) from None
    if "\x00" in text:  # a binary file; PostgreSQL cannot store NUL characters either (it would be a 500)
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportFailed([LineError(line, "het bestand bevat een NUL-teken, dus het is geen tekstbestand. Sla het op als 'CSV UTF-8'.")])
    return text


def detect_delimiter(text: str) -> str:
    """';' (Dutch Excel) or ',' (everything else), decided by counting in the header line."""
    header = text.split("\n", 1)[0]
    counts = {d: header.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _normalise_header(name: str) -> str:
    return "_".join(strip_control(name, keep="").strip().lower().split())


def read_table(data: bytes | str, columns: tuple[str, ...], required: tuple[str, ...]):
    """Split a file into (columns, [(line, {column: cell})], errors, delimiter); blank lines are skipped."""
    text = decode(data)
    if not text.strip():
        return (), [], [LineError(1, "het bestand is leeg.")], ","
    delimiter = detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        return (), [], [LineError(1, f"kopregel onleesbaar ({exc}).")], delimiter
    names = [_normalise_header(h) for h in header]
    errors: list[LineError] = []
    allowed = ", ".join(columns)
    for name in sorted({n for n in names if n and n not in columns}):
        errors.append(LineError(1, f"onbekende kolom '{name}'. Toegestaan zijn: {allowed}."))
    for name in sorted({n for n in names if n and names.count(n) > 1}):
        errors.append(LineError(1, f"kolom '{name}' staat er meer dan één keer in."))
    for name in required:
        if name not in names:
            errors.append(LineError(1, f"verplichte kolom '{name}' ontbreekt."))
    if errors:
        return tuple(names), [], errors, delimiter

    rows: list[tuple[int, dict]] = []
    last_line = reader.line_num
    while True:
        start = last_line + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(LineError(start, f"regel onleesbaar ({exc})."))
            break
        last_line = reader.line_num
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(names) and not any(c.strip() for c in cells[len(names):]):
            cells = cells[: len(names)]  # trailing separators as spreadsheets write them
        if len(cells) != len(names):
            sep = "puntkomma" if delimiter == ";" else "komma" if delimiter == "," else "tab"
            errors.append(
                LineError(start, f"{len(cells)} velden in plaats van {len(names)} (scheidingsteken: {sep}). "
                                 "Staat er een scheidingsteken in een waarde zonder aanhalingstekens?")
            )
            continue
        row = {}
        for name, cell in zip(names, cells):
            if not name:
                if cell.strip():
                    errors.append(LineError(start, "waarde in een kolom zonder kop."))
                continue
            if has_control_characters(cell, multiline=True):
                # Refused, and left out of the messages that quote the cell (they reach terminals).
                errors.append(LineError(start, CONTROL_MESSAGE.format(what=f"kolom '{name}'")))
                cell = strip_control(cell, keep="")
            # A line break or tab in a quoted cell (Alt+Enter in Excel) is whitespace in a one-line value.
            cell = _LINE_WHITESPACE.sub(" ", cell)
            # An export neutralises formula-like cells for Excel ('=...); reading it back undoes that.
            row[name] = restore_formula(cell.strip())
        rows.append((start, row))
    return tuple(n for n in names if n), rows, errors, delimiter


# ---------------------------------------------------------------------------------------------
# Cell parsers: each returns the value or raises ValueError with a Dutch reason.


def parse_count(text: str, label: str, *, allow_empty: bool = True) -> int | None:
    """A non-negative whole number; decimals are refused rather than silently rounded."""
    if text == "":
        if allow_empty:
            return None
        raise ValueError(f"{label} is leeg.")
    if not re.fullmatch(r"[+-]?\d+", text):
        raise ValueError(f"{label} '{text}' is geen geheel getal.")
    value = int(text)
    if value < 0:
        raise ValueError(f"{label} mag niet negatief zijn ({value}).")
    if value > MAX_COUNT:
        raise ValueError(f"{label} {value} is onwaarschijnlijk groot.")
    return value


def parse_coordinate(text: str, label: str, bounds: tuple[float, float]) -> float | None:
    """A decimal degree; a decimal comma (Dutch spreadsheets) is accepted."""
    if text == "":
        return None
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        raise ValueError(f"{label} '{text}' is geen getal.") from None
    if not math.isfinite(value) or not bounds[0] <= value <= bounds[1]:
        raise ValueError(f"{label} {text} ligt niet in of bij Nederland (verwacht {bounds[0]:g} tot {bounds[1]:g}; lat en lon verwisseld?).")
    return value


def parse_postcode(text: str) -> str:
    """'5701', '5701AB' or '5701 ab' -> '5701' / '5701 AB' (the stored form)."""
    match = _POSTCODE.fullmatch(text.strip())
    if not match:
        raise ValueError(f"postcode '{text}' is geen Nederlandse postcode (1234 of 1234 AB).")
    digits, letters = match.groups()
    return f"{digits} {letters.upper()}" if letters else digits


@functools.lru_cache(maxsize=4096)
def _valid_email(text: str) -> bool:
    """Syntax check, remembered: a provider's address repeats on every row of its offerings."""
    try:
        # test_environment only adds the reserved '.test' domain (demo data); no DNS during imports.
        validate_email(text, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        return False
    return True


def parse_email(text: str) -> str:
    """An address that could receive mail (syntax only: no DNS look-ups during an import)."""
    if not _valid_email(text):
        raise ValueError(f"e-mailadres '{text}' is ongeldig.")
    if len(text) > 254:
        raise ValueError("e-mailadres is te lang.")
    return text


def parse_phone(text: str) -> str:
    """Free text (e.g. '0492-123456 (24/7)') with at least 6 digits, so a shifted column is caught."""
    if len(text) > 40:
        raise ValueError("telefoonnummer is langer dan 40 tekens.")
    if sum(c.isdigit() for c in text) < 6:
        raise ValueError(f"telefoonnummer '{text}' is ongeldig.")
    return text


def parse_timestamp(text: str, now: dt.datetime) -> dt.datetime:
    """ISO date or date-time (naive = Amsterdam time) or d-m-jjjj as spreadsheets rewrite it; aware UTC."""
    value: dt.datetime | None = None
    try:
        value = dt.datetime.fromisoformat(text)
    except ValueError:
        match = _DMY.fullmatch(text)
        if match:
            d, m, y, hh, mm, ss = match.groups()
            try:
                value = dt.datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
            except ValueError:
                value = None
    if value is None:
        raise ValueError(f"laatst_bijgewerkt '{text}' is geen datum (jjjj-mm-dd of jjjj-mm-ddTuu:mm).")
    if value.tzinfo is None:
        value = value.replace(tzinfo=TZ)
    value = value.astimezone(UTC)
    if value > now + FUTURE_TOLERANCE:
        raise ValueError(f"laatst_bijgewerkt '{text}' ligt in de toekomst.")
    if value.year < 2000:
        raise ValueError(f"laatst_bijgewerkt '{text}' is onwaarschijnlijk oud.")
    return value


def parse_target_groups(text: str) -> list[str]:
    """'ASS|lvb' -> ['ASS', 'LVB']; unknown codes are refused with the list of valid ones."""
    codes = sorted({part.strip().upper() for part in text.split("|") if part.strip()})
    unknown = [c for c in codes if c not in TARGET_GROUPS]
    if unknown:
        raise ValueError(
            f"onbekende doelgroep {', '.join(repr(u) for u in unknown)}. Gebruik: {', '.join(TARGET_GROUPS)}."
        )
    return codes


def parse_realised_weeks(text: str) -> float | None:
    """An average in weeks, one decimal at most (decimal comma or point), by the form's rule."""
    weeks, error = wait_figures.parse_weeks(text)
    if error:
        raise ValueError(f"gerealiseerde wachttijd '{text}': {error[:1].lower()}{error[1:]}")
    return weeks


def group_waits_problem(waits: dict[str, int], target_groups, max_weeks: int) -> str | None:
    """Why waits per target group cannot be imported (the form's rules), or None. `target_groups`:
    the offering's groups after the import, None while unknown (the register decides later)."""
    problems = wait_figures.group_waits_errors(waits, known=TARGET_GROUPS, served=target_groups, max_weeks=max_weeks)
    return f"wachttijd_doelgroepen: {' '.join(problems)}" if problems else None


def parse_intake(text: str) -> str:
    """open / gesloten / overleg (the Dutch labels are understood too)."""
    code = _INTAKE_ALIASES.get(text.strip().lower())
    if not code:
        raise ValueError(f"aanmelding '{text}' is ongeldig; gebruik open, gesloten of overleg.")
    return code


def _text(row: dict, column: str, label: str, max_len: int, problems: list[str], *, required: bool = False) -> str:
    value = clean_name(row.get(column, ""))
    if required and not value:
        problems.append(f"{label} is leeg.")
    if len(value) > max_len:
        problems.append(f"{label} is langer dan {max_len} tekens.")
    return value


# ---------------------------------------------------------------------------------------------
# Files


def parse_products(data: bytes | str) -> Parsed:
    """Check a product file: code, naam, categorie, segment, vorm, trefwoorden."""
    columns, table, errors, delimiter = read_table(data, PRODUCT_COLUMNS, PRODUCT_REQUIRED)
    rows: list[ProductRow] = []
    first_line: dict[str, int] = {}
    forms = {f.value for f in FormOfCare}
    for line, row in table:
        problems: list[str] = []
        code = row.get("code", "").replace(" ", "").upper()
        if not code:
            problems.append("code is leeg.")
        elif not _PRODUCT_CODE.fullmatch(code):
            problems.append(f"code '{code}' heeft niet de vorm 2 cijfers + productcode (bijv. 43A10).")
        elif code[:2] not in CATEGORY_LABELS:
            problems.append(f"code '{code}' begint niet met een iJw-categorie (40 tot en met 55).")
        elif code in first_line:
            problems.append(f"code '{code}' staat ook al in regel {first_line[code]}.")
        name = _text(row, "naam", "naam", 200, problems, required=True)
        category = row.get("categorie", "")
        if category and code[:2] and category != code[:2]:
            problems.append(f"categorie '{category}' is niet gelijk aan de eerste twee cijfers van code '{code}'.")
        segment = None
        segment_text = row.get("segment", "")
        if segment_text not in {"1", "2", "3", "4", "5"}:
            problems.append(f"segment '{segment_text}' is ongeldig; gebruik 1 tot en met 5.")
        else:
            segment = int(segment_text)
        form = row.get("vorm", "").lower()
        if form not in forms:
            problems.append(f"vorm '{row.get('vorm', '')}' is ongeldig; gebruik {', '.join(sorted(forms))}.")
        keywords = " ".join(row["trefwoorden"].split()) if "trefwoorden" in row else None
        if problems:
            errors.extend(LineError(line, p) for p in problems)
            continue
        first_line[code] = line
        rows.append(ProductRow(line, code, name, code[:2], segment, form, keywords))
    return Parsed(rows, errors, columns, delimiter)


def parse_offerings(data: bytes | str, *, now: dt.datetime, max_wait_weeks: int = Limits.max_waiting_weeks) -> Parsed:
    """Check an offering file cell by cell; register look-ups (products, places) come later.

    `max_wait_weeks` is the form's limit for a waiting time (PLAUSIBILITY_MAX_WAITING_WEEKS), used
    for the realised wait and the waits per target group."""
    columns, table, errors, delimiter = read_table(data, OFFERING_COLUMNS, OFFERING_REQUIRED)
    rows: list[OfferingRow] = []
    for line, row in table:
        problems: list[str] = []

        def attempt(parser, *args):
            try:
                return parser(*args)
            except ValueError as exc:
                problems.append(str(exc))
                return None

        provider = _text(row, "aanbieder", "aanbieder", 200, problems, required=True)
        location = _text(row, "locatie", "locatie", 200, problems, required=True)
        code = row.get("productcode", "").replace(" ", "").upper()
        if not code:
            problems.append("productcode is leeg.")
        provider_fields = {}
        if row.get("aanbieder_email"):
            provider_fields["intake_email"] = attempt(parse_email, row["aanbieder_email"])
        if row.get("aanbieder_telefoon"):
            provider_fields["intake_phone"] = attempt(parse_phone, row["aanbieder_telefoon"])
        address = {}
        if row.get("straat"):
            address["street"] = _text(row, "straat", "straat", 200, problems)
        if row.get("postcode"):
            address["postcode"] = attempt(parse_postcode, row["postcode"])
        if row.get("woonplaats"):
            address["woonplaats"] = _text(row, "woonplaats", "woonplaats", 120, problems)
        lat = attempt(parse_coordinate, row.get("lat", ""), "lat", LAT_RANGE)
        lon = attempt(parse_coordinate, row.get("lon", ""), "lon", LON_RANGE)
        if (row.get("lat", "") == "") != (row.get("lon", "") == ""):
            problems.append("vul lat en lon allebei in, of laat ze allebei leeg.")
        # A row without any place is fine when the location exists or another row places it;
        # the service checks that once per location.

        figures: dict = {}
        labels = {"capaciteit": "capaciteit", "vrije_plekken": "vrije plekken", "wachttijd_weken": "wachttijd (weken)"}
        for column, label in labels.items():
            if column in row:
                figures[FIGURE_COLUMNS[column]] = attempt(parse_count, row[column], label)
        for column in ("leeftijd_min", "leeftijd_max"):
            if column in row:
                fieldname = FIGURE_COLUMNS[column]
                value = attempt(parse_count, row[column], column.replace("_", " "))
                if value is not None and value > AGE_MAX:
                    problems.append(f"{column.replace('_', ' ')} {value} is hoger dan {AGE_MAX}.")
                figures[fieldname] = DEFAULT_AGE[fieldname] if value is None else value
        if "aanmelding" in row:
            figures["intake_status"] = attempt(parse_intake, row["aanmelding"])
        if "doelgroepen" in row:
            figures["target_groups"] = attempt(parse_target_groups, row["doelgroepen"])
        for column, label in (("wachtenden", "wachtenden"), ("gestart_aantal", "gestart aantal")):
            if column in row:
                figures[FIGURE_COLUMNS[column]] = attempt(parse_count, row[column], label)
        if "gerealiseerde_wachttijd_weken" in row:
            figures["realised_wait_weeks"] = attempt(parse_realised_weeks, row["gerealiseerde_wachttijd_weken"])
        if {"gerealiseerde_wachttijd_weken", "gestart_aantal"} & row.keys() and not problems:
            problem = wait_figures.realised_error(figures.get("realised_wait_weeks"), figures.get("realised_started"), max_wait_weeks)
            if problem:
                problems.append(f"gerealiseerde wachttijd en gestart_aantal: {problem[:1].lower()}{problem[1:]}")
        if "wachttijd_doelgroepen" in row:
            waits = figures["group_waits"] = attempt(wait_figures.parse_group_waits, row["wachttijd_doelgroepen"])
            if waits and (problem := group_waits_problem(waits, None, max_wait_weeks)):
                problems.append(problem)
        capacity, free = figures.get("capacity"), figures.get("free_places")
        if capacity is not None and free is not None and free > capacity:
            problems.append(f"vrije plekken ({free}) is meer dan de capaciteit ({capacity}).")
        age_min, age_max = figures.get("age_min"), figures.get("age_max")
        if age_min is not None and age_max is not None and age_min > age_max:
            problems.append(f"leeftijd min ({age_min}) is hoger dan leeftijd max ({age_max}).")
        updated_at = attempt(parse_timestamp, row["laatst_bijgewerkt"], now) if row.get("laatst_bijgewerkt") else None

        if problems:
            errors.extend(LineError(line, p) for p in problems)
            continue
        rows.append(
            OfferingRow(line=line, provider=provider, location=location, product_code=code,
                        provider_fields=provider_fields, address=address, lat=lat, lon=lon,
                        figures=figures, updated_at=updated_at)
        )
    return Parsed(rows, errors, columns, delimiter)
