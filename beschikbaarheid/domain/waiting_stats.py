"""Waiting-time figures per product: range, median, P90, share above the region's norm, and the
value in force at a past moment replayed from the append-only history. Pure Python.

Percentiles use linear interpolation between closest ranks (Excel PERCENTILE.INC, numpy's default),
so a contract manager can check every figure in the XLSX export with Excel itself.
"""
from __future__ import annotations

import bisect
import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple


def percentile(values: Iterable[float], p: float) -> float | None:
    """The p-th percentile (0..100) by linear interpolation (PERCENTILE.INC); None for no values."""
    data = sorted(values)
    if not data:
        return None
    if not 0 <= p <= 100:
        raise ValueError("p must be between 0 and 100")
    rank = (len(data) - 1) * p / 100
    low = math.floor(rank)
    high = math.ceil(rank)
    if low == high:
        return float(data[low])
    return data[low] + (data[high] - data[low]) * (rank - low)


def median(values: Iterable[float]) -> float | None:
    """The median (the 50th percentile, same method)."""
    return percentile(values, 50)


@dataclass(frozen=True)
class WaitingStats:
    """Summary of the waiting weeks published for one product (or one product in one month)."""

    count: int
    minimum: int | None
    maximum: int | None
    median: float | None
    p90: float | None
    above_norm: int
    norm_weeks: int

    @property
    def share_above_norm(self) -> float | None:
        """Fraction of values strictly above the norm (a wait of exactly the norm meets it)."""
        return self.above_norm / self.count if self.count else None


def waiting_stats(values: Sequence[int | None], norm_weeks: int) -> WaitingStats:
    """Summarise known waiting weeks; unknown (None) values are left out of every figure."""
    known = [v for v in values if v is not None]
    return WaitingStats(
        count=len(known),
        minimum=min(known) if known else None,
        maximum=max(known) if known else None,
        median=median(known),
        p90=percentile(known, 90),
        above_norm=sum(1 for v in known if v > norm_weeks),
        norm_weeks=norm_weeks,
    )


class WaitingChange(NamedTuple):
    """One history row of the waiting_weeks field (kind create or update).

    A named tuple: a product's trend replays thousands of them per view, and tuples of plain
    values are no work for Python's garbage collector.
    """

    changed_at: dt.datetime
    old: int | None
    new: int | None


def to_int(text: str | None) -> int | None:
    """History stores values as text; anything that is not a whole number reads as unknown."""
    if text is None:
        return None
    try:
        return int(str(text).strip())
    except ValueError:
        return None


def value_at(
    changes: Sequence[WaitingChange], at: dt.datetime, *, born: dt.datetime | None, current: int | None
) -> int | None:
    """The waiting weeks in force at `at`, replayed from the offering's history.

    - the newest change at or before `at` decides;
    - before its first recorded change, the offering showed that change's old value;
    - an offering without waiting-time history has shown its current value since it was born;
    - before `born` (its first history row) the offering did not exist: None.
    """
    return values_at(changes, [at], born=born, current=current)[0]


def values_at(
    changes: Sequence[WaitingChange], moments: Sequence[dt.datetime], *, born: dt.datetime | None, current: int | None
) -> list[int | None]:
    """`value_at` for several moments at once (a month-by-month trend): the history is sorted once."""
    ordered = sorted(changes, key=lambda c: c.changed_at)
    times = [c.changed_at for c in ordered]
    values: list[int | None] = []
    for at in moments:
        if born is not None and at < born:
            values.append(None)
        elif not ordered:
            values.append(current)
        else:
            before = bisect.bisect_right(times, at)
            values.append(ordered[before - 1].new if before else ordered[0].old)
    return values


def to_number(text: str | None) -> float | None:
    """History text of a number that may have decimals (a realised wait); anything else reads as unknown."""
    if text is None:
        return None
    try:
        return float(str(text).strip().replace(",", "."))
    except ValueError:
        return None


# --- Expected against realised wait --------------------------------------------------------------
# "0 weken wachttijd is niet het geluid uit de praktijk": a provider whose children waited far longer
# than the wait it publishes is asked about it. Far longer means all three: at least REALISED_FACTOR
# times the expected wait, at least REALISED_MIN_EXTRA_WEEKS weeks more, and an average over at least
# REALISED_MIN_STARTED children (fewer starts say too little). contract/quality.py holds the SQL form.
REALISED_FACTOR = 2
REALISED_MIN_EXTRA_WEEKS = 4
REALISED_MIN_STARTED = 3


def realised_far_above_expected(expected_weeks: int | None, realised_weeks: float | None, started: int | None) -> bool:
    """The realised wait strongly exceeds the expected (published) one, over enough starts."""
    if expected_weeks is None or realised_weeks is None or started is None or started < REALISED_MIN_STARTED:
        return False
    return realised_weeks >= REALISED_FACTOR * expected_weeks and realised_weeks - expected_weeks >= REALISED_MIN_EXTRA_WEEKS


def weighted_realised(pairs: Iterable[tuple[float | None, int | None]]) -> tuple[float | None, int]:
    """The average realised wait over several offerings, each weighted by its starts; and the starts.

    An offering with "geen starts" (0) or without a figure adds nothing: the average is that of the
    children who actually started, as if all had been reported together.
    """
    total = started = 0
    for weeks, n in pairs:
        if weeks is not None and n:
            total += weeks * n
            started += n
    return (total / started if started else None), started
