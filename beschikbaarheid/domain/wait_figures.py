"""The figures practice checks the expected wait against: children waiting, the realised wait and
waits per target group. One definition of each rule, used by the provider form, the CSV import and
the search (pure Python, no Flask).

Forward-looking ("verwachte wachttijd") and realised ("gerealiseerde wachttijd") waits are
different figures; they are shown side by side and never mixed.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping

from beschikbaarheid.domain.freshness import dutch

GENERAL = "algemeen"  # the applied wait is the offering's general one, not a target group's own
REALISED_MONTHS = 2  # the realised wait covers the two full calendar months before the report

# "Far from the expected wait" (a question, not a refusal): one wait is more than twice the other AND
# they are at least this many weeks apart. The ratio alone would ask about 1 vs 3 weeks (noise); the
# gap alone would ask about 40 vs 45 weeks (normal spread in a long wait).
FAR_RATIO = 2.0
FAR_MIN_GAP_WEEKS = 4.0

_DECIMAL_RE = re.compile(r"^\+?(\d{1,4})(?:[.,](\d+))?$")


def realised_period(today: dt.date) -> tuple[dt.date, dt.date]:
    """(first day, last day) of the two full calendar months before the month of `today`.

    `today` is the Amsterdam calendar day (freshness.local_date); a report on 3 December covers
    1 October to 30 November.
    """
    end = today.replace(day=1) - dt.timedelta(days=1)
    return period_start(end), end


def period_start(end: dt.date) -> dt.date:
    """The first day of the period that ends on `end` (the last day of its second month)."""
    start = end.replace(day=1)
    for _ in range(REALISED_MONTHS - 1):
        start = (start - dt.timedelta(days=1)).replace(day=1)
    return start


def parse_weeks(text: str | None, _=dutch) -> tuple[float | None, str | None]:
    """An average in weeks typed by a person, one decimal at most ('7,5' or '7.5'); (None, None) for empty."""
    value = (text or "").strip()
    if not value:
        return None, None
    if value.startswith("-"):
        return None, _("Dit getal kan niet negatief zijn.")
    match = _DECIMAL_RE.match(value)
    if not match:
        return None, _("Vul een getal in weken in, bijvoorbeeld 7 of 7,5.")
    whole, decimals = match.groups()
    if decimals and len(decimals.rstrip("0")) > 1:
        return None, _("Vul de wachttijd in met hoogstens één cijfer achter de komma.")
    return round(float(f"{whole}.{decimals or 0}"), 1), None


def realised_error(weeks: float | None, started: int | None, max_weeks: int, _=dutch) -> str | None:
    """Why a realised wait and its number of starts cannot be saved together, or None.

    Both empty: not reported. Started 0: "geen starts", so no average. Otherwise both are needed.
    """
    if weeks is not None and weeks > max_weeks:
        return _("Een gerealiseerde wachttijd van meer dan %(max)d weken kan niet kloppen.", max=max_weeks)
    if weeks is not None and started is None:
        return _("Vul ook in hoeveel jeugdigen gestart zijn; zonder aantal is het gemiddelde niet te wegen.")
    if weeks is not None and started == 0:
        return _("Bij 0 gestarte jeugdigen (geen starts) is er geen gemiddelde wachttijd: laat die leeg.")
    if weeks is None and started:
        return _("Vul de gemiddelde gerealiseerde wachttijd in van de %(n)d gestarte jeugdigen.", n=started)
    return None


def group_waits_errors(
    waits: Mapping[str, int], *, known: Iterable[str], served: Iterable[str] | None, max_weeks: int, _=dutch
) -> list[str]:
    """Why these waits per target group cannot be saved: unknown codes, groups the offering does not
    serve (not checked when `served` is None: not known yet), and weeks outside the range of the
    general waiting time."""
    known = set(known)
    problems = []
    unknown = sorted(c for c in waits if c not in known)
    if unknown:
        problems.append(_("Onbekende doelgroep: %(codes)s.", codes=", ".join(unknown)))
    not_served = [] if served is None else sorted(c for c in waits if c in known and c not in set(served))
    if not_served:
        problems.append(_("Een eigen wachttijd kan alleen voor een doelgroep waar het aanbod mee werkt: %(codes)s. "
                          "Vink de doelgroep aan of laat de wachttijd leeg.", codes=", ".join(not_served)))
    too_long = sorted(c for c, weeks in waits.items() if weeks > max_weeks)
    if too_long:
        problems.append(_("Een wachttijd van meer dan %(max)d weken kan niet kloppen (%(codes)s).",
                          max=max_weeks, codes=", ".join(too_long)))
    if any(weeks < 0 for weeks in waits.values()):
        problems.append(_("Dit getal kan niet negatief zijn."))
    return problems


def parse_group_waits(text: str) -> dict[str, int]:
    """'ASS=20|lvb=30' (the CSV and storage form) -> {'ASS': 20, 'LVB': 30}; ValueError with a Dutch reason."""
    waits: dict[str, int] = {}
    for part in (p.strip() for p in text.split("|")):
        if not part:
            continue
        code, sep, weeks = (s.strip() for s in part.partition("="))
        if not sep or not code or not re.fullmatch(r"\d{1,6}", weeks):
            raise ValueError(f"'{part}' is geen doelgroep met wachttijd; schrijf bijvoorbeeld ASS=20|LVB=30.")
        code = code.upper()
        if code in waits:
            raise ValueError(f"doelgroep {code} staat twee keer in de wachttijd per doelgroep.")
        waits[code] = int(weeks)
    return waits


def format_group_waits(waits: Mapping[str, int]) -> str:
    """{'LVB': 30, 'ASS': 20} -> 'ASS=20|LVB=30' (sorted, so equal waits are equal text)."""
    return "|".join(f"{code}={weeks}" for code, weeks in sorted(waits.items()))


def applied_wait(
    waiting_weeks: int | None, group_waits: Mapping[str, int], requested: Iterable[str]
) -> tuple[int | None, str]:
    """The wait that applies to a search, and whose it is: (weeks, GENERAL or a target-group code).

    A child of every requested group waits as long as the longest of their waits: a group's own wait
    where the offering has one, the general wait for the other requested groups. Without requested
    groups, or when none has its own wait, the general wait applies (so searches without groups are
    unchanged). On a tie a group's own wait is named (it was reported for that group). An unknown
    general wait that applies to a requested group makes the applied wait unknown.
    """
    requested = sorted(set(requested))
    own = [(group_waits[code], code) for code in requested if code in group_waits]
    if not own:
        return waiting_weeks, GENERAL
    longest_weeks = max(weeks for weeks, _code in own)
    longest_code = next(code for weeks, code in own if weeks == longest_weeks)  # alphabetical first on a tie
    if any(code not in group_waits for code in requested):
        if waiting_weeks is None:
            return None, GENERAL
        if waiting_weeks > longest_weeks:
            return waiting_weeks, GENERAL
    return longest_weeks, longest_code


def realised_far_from_expected(realised_weeks: float | None, expected_weeks: int | None) -> bool:
    """True when the realised wait is far from the expected one (FAR_RATIO and FAR_MIN_GAP_WEEKS)."""
    if realised_weeks is None or expected_weeks is None:
        return False
    low, high = sorted((float(realised_weeks), float(expected_weeks)))
    return high - low >= FAR_MIN_GAP_WEEKS and high > FAR_RATIO * low


def weeks_text(weeks: float) -> str:
    """7.0 -> '7', 7.5 -> '7,5' (Dutch decimal comma)."""
    return f"{weeks:.1f}".rstrip("0").rstrip(".").replace(".", ",")
