"""Calendar quarters for the quarterly report: parsing "2026-K3", the quarter's months and bounds,
and the last full quarter before a day. Pure Python."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_PATTERN = re.compile(r"^(\d{4})-[KkQq]([1-4])$")


class QuarterError(ValueError):
    """Not a quarter we can report on; the message is Dutch and shown to the user."""


@dataclass(frozen=True, order=True)
class Quarter:
    """A calendar quarter, e.g. Quarter(2026, 3) = July to September 2026."""

    year: int
    number: int

    @property
    def key(self) -> str:
        """How the quarter is written in URLs and file names: '2026-K3'."""
        return f"{self.year}-K{self.number}"

    @property
    def label(self) -> str:
        """How a Dutch reader names it: 'K3 2026'."""
        return f"K{self.number} {self.year}"

    @property
    def months(self) -> list[dt.date]:
        """The first day of each of its three months."""
        return [dt.date(self.year, 3 * self.number - 2 + i, 1) for i in range(3)]

    @property
    def first_day(self) -> dt.date:
        return self.months[0]

    @property
    def last_day(self) -> dt.date:
        nxt = self.next()
        return dt.date(nxt.year, 3 * nxt.number - 2, 1) - dt.timedelta(days=1)

    def next(self) -> Quarter:
        return Quarter(self.year + 1, 1) if self.number == 4 else Quarter(self.year, self.number + 1)

    def previous(self) -> Quarter:
        return Quarter(self.year - 1, 4) if self.number == 1 else Quarter(self.year, self.number - 1)


def quarter_of(day: dt.date) -> Quarter:
    """The quarter a day lies in."""
    return Quarter(day.year, (day.month - 1) // 3 + 1)


def last_full_quarter(today: dt.date) -> Quarter:
    """The most recent quarter that has ended before `today`: the report's default."""
    return quarter_of(today).previous()


def recent_quarters(today: dt.date, n: int = 8) -> list[Quarter]:
    """The running quarter and the `n - 1` before it, newest first (the choice offered)."""
    out = [quarter_of(today)]
    while len(out) < n:
        out.append(out[-1].previous())
    return out


def parse_quarter(text: str | None, today: dt.date, *, oldest_year: int = 2000) -> Quarter:
    """'2026-K3' (also Q3) into a Quarter that has started by `today`; QuarterError otherwise."""
    match = _PATTERN.match((text or "").strip())
    if not match:
        raise QuarterError(f"'{(text or '')[:20]}' is geen kwartaal. Gebruik de vorm 2026-K3 (jaar, K en 1 tot en met 4).")
    quarter = Quarter(int(match.group(1)), int(match.group(2)))
    if quarter.year < oldest_year:
        raise QuarterError(f"Kwartaal {quarter.label} ligt vóór {oldest_year}; daar zijn geen gegevens van.")
    if quarter > quarter_of(today):
        raise QuarterError(f"Kwartaal {quarter.label} is nog niet begonnen.")
    return quarter
