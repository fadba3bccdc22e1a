"""Rules of keeping a region's register in the browser (beheer): product codes, contract periods,
the yearly extension and how far a location may lie from its postcode before it is questioned.

Pure Python, no Flask: the services in services/catalogue.py, services/contracts.py and
services/register_admin.py ask these functions and word the answers for people.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from beschikbaarheid.domain.geo import geodesic_km

# Two digits (the iJw category, JZ020) and a product code of up to eight letters or digits: as the
# CSV import of the catalogue accepts it (register_io/parsing.py).
PRODUCT_CODE = re.compile(r"^\d{2}[A-Z0-9]{1,8}$")
IJW_CATEGORIES = frozenset(str(n) for n in range(40, 56))
# A location farther than this from the centre of its postcode area is questioned, not refused:
# a PC4 area in the countryside can be several kilometres wide.
FAR_FROM_POSTCODE_KM = 5.0


def normalise_code(text: str) -> str:
    """'43a 10' -> '43A10': how a typed product code is stored."""
    return "".join((text or "").split()).upper()


def code_problem(code: str) -> str | None:
    """Why `code` cannot be a product code (a key of CODE_PROBLEMS), or None when it can."""
    if not code:
        return "empty"
    if not PRODUCT_CODE.fullmatch(code):
        return "shape"
    if code[:2] not in IJW_CATEGORIES:
        return "category"
    return None


def category_of(code: str) -> str:
    """The iJw category of a product code: its first two digits."""
    return code[:2]


def distance_from_centre(lat: float, lon: float, centre_lat: float, centre_lon: float) -> float:
    """Kilometres between a location and the centre of its postcode area."""
    return geodesic_km(lat, lon, centre_lat, centre_lon)


def is_far_from_postcode(km: float) -> bool:
    """A distance that makes a typed coordinate worth a second look."""
    return km > FAR_FROM_POSTCODE_KM


@dataclass(frozen=True)
class Period:
    """A contract period, both ends included; no end date: open-ended."""

    valid_from: dt.date
    valid_until: dt.date | None

    def overlaps(self, other: Period) -> bool:
        """The two periods share at least one day."""
        ends_before = self.valid_until is not None and self.valid_until < other.valid_from
        starts_after = other.valid_until is not None and other.valid_until < self.valid_from
        return not (ends_before or starts_after)


def period_problem(valid_from: dt.date | None, valid_until: dt.date | None) -> str | None:
    """'missing' without a start, 'order' when the end lies before the start, else None."""
    if valid_from is None:
        return "missing"
    if valid_until is not None and valid_until < valid_from:
        return "order"
    return None


def end_problem(period: Period, end: dt.date) -> str | None:
    """Why a contract cannot end on `end`: before its start ('before_start'), or after its
    current end ('after_end': that is an extension, not an end)."""
    if end < period.valid_from:
        return "before_start"
    if period.valid_until is not None and end > period.valid_until:
        return "after_end"
    return None


@dataclass(frozen=True)
class Extension:
    """One contract the yearly extension moves: its id and its end date before and after."""

    contract_id: int
    old_until: dt.date
    new_until: dt.date


def year_end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def plan_extension(contracts: Iterable[tuple[int, dt.date | None]], year: int) -> list[Extension]:
    """Contracts ending on 31 December of `year` move to 31 December of the next year; the rest
    (open-ended, ending another day) stay as they are. Running it twice changes nothing more:
    after the first run no contract ends on that day any more."""
    old, new = year_end(year), year_end(year + 1)
    return [Extension(cid, old, new) for cid, until in contracts if until == old]
