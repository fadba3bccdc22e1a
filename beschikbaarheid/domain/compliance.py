"""Update compliance against the region's monthly target: month arithmetic, shares, and history replay.

Pure Python (no Flask, no database). "Is this provider current?" is decided in ONE place,
`freshness.is_current` (every offering under an active contract updated or confirmed this
month; staleness itself comes from `freshness.is_stale`); this module re-uses it for the dashboard,
for segments/products (the same rule applied to the provider's offerings of that segment/product)
and for closed months (replaying the history to the offering's `updated_at` as it was then).
"""
from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from beschikbaarheid.domain.freshness import TZ, is_current, local_date, month_start
from beschikbaarheid.domain.reminders import MONTHS_NL

__all__ = [
    "Share",
    "is_current",
    "month_first",
    "month_bounds",
    "month_last_instant",
    "months_back",
    "contract_day",
    "updated_at_as_of",
    "provider_current_at",
    "month_label",
]

# Every history row stamps the offering's updated_at (create by import, update, confirm), so the
# updated_at an offering had at time t is the latest history row at or before t.
ACTIVITY_KINDS = ("create", "update", "confirm")


@dataclass(frozen=True)
class Share:
    """`current` of `contracted` providers were up to date; compared with the region's target share."""

    current: int
    contracted: int
    target: float

    @property
    def share(self) -> float | None:
        """Fraction 0..1, None when nobody is contracted (a share of nothing is not 0%)."""
        return self.current / self.contracted if self.contracted else None

    @property
    def meets_target(self) -> bool | None:
        """True when the share reaches the target; compared on counts so 9/10 against 0.90 is exact."""
        if not self.contracted:
            return None
        return self.current >= self.needed

    @property
    def needed(self) -> int:
        """Providers that must be current to reach the target (rounded up: 90% of 11 is 10)."""
        # The tiny epsilon keeps 0.9 * 10 (= 9.000000000000002 in floats) at 9.
        return math.ceil(self.target * self.contracted - 1e-9)

    @property
    def short_of_target(self) -> int:
        """How many more providers must update to reach the target (0 when it is reached)."""
        return max(0, self.needed - self.current)

    @property
    def not_current(self) -> int:
        return self.contracted - self.current


def month_first(at: dt.datetime | dt.date) -> dt.date:
    """First day of the Amsterdam calendar month of a moment (or of a date)."""
    if isinstance(at, dt.datetime):
        return month_start(at).date()
    return at.replace(day=1)


def _add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_bounds(month: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) of a calendar month as aware Amsterdam datetimes (DST-proof)."""
    start = dt.datetime.combine(month.replace(day=1), dt.time(0), tzinfo=TZ)
    end = dt.datetime.combine(_add_months(month.replace(day=1), 1), dt.time(0), tzinfo=TZ)
    return start, end


def month_last_instant(month: dt.date) -> dt.datetime:
    """The last moment of a month: the as-of moment at which a closed month is judged."""
    return month_bounds(month)[1] - dt.timedelta(microseconds=1)


def months_back(as_of: dt.datetime, n: int) -> list[dt.date]:
    """The `n` months ending with the month of `as_of`, oldest first."""
    current = month_first(as_of)
    return [_add_months(current, -i) for i in range(n - 1, -1, -1)]


def contract_day(month: dt.date, as_of: dt.datetime) -> dt.date:
    """The day whose contracts form a month's denominator: today for the running month, else its last day."""
    if month == month_first(as_of):
        return local_date(as_of)
    return _add_months(month, 1) - dt.timedelta(days=1)


def month_label(month: dt.date, short: bool = False) -> str:
    """Dutch label, e.g. 'november 2026' or 'nov 26' for chart axes."""
    name = MONTHS_NL[month.month - 1]
    return f"{name[:3]} {month.year % 100:02d}" if short else f"{name} {month.year}"


def updated_at_as_of(activity: Iterable[dt.datetime], at: dt.datetime) -> dt.datetime | None:
    """The offering's updated_at as it was at `at`: its latest history row not after `at`."""
    earlier = [t for t in activity if t <= at]
    return max(earlier) if earlier else None


def provider_current_at(offerings_activity: Sequence[Sequence[dt.datetime]], at: dt.datetime) -> bool:
    """Replay `is_current` at a past moment from each contracted offering's history timestamps.

    An offering whose first history row lies after `at` did not exist yet and does not count.
    """
    existing = [times for times in offerings_activity if not times or min(times) <= at]
    return is_current([updated_at_as_of(times, at) for times in existing], at)
