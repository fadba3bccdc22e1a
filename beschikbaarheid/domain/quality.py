"""Doubtful published figures, flagged for the contract manager instead of silently accepted.

Pure Python: takes plain facts about offerings (current values plus a few dates from the history)
and returns flags with a Dutch explanation. "0 weken wachttijd is niet het geluid uit de praktijk";
long runs of blind "ongewijzigd" confirmations, big jumps and impossible capacities are asked
about in the provider conversation. Staleness is decided by `freshness.is_stale`, nowhere else.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from beschikbaarheid.domain.freshness import TZ, is_stale
from beschikbaarheid.domain.waiting_stats import realised_far_above_expected

CONFIRM_ONLY_MONTHS = 6  # confirmed unchanged for this long: ask whether the figures are really looked at
JUMP_WINDOW_MONTHS = 6  # jumps older than this are history, not a question for this conversation

N_ = str  # marks a Dutch label for pybabel; templates translate it where it is shown

# kind -> (Dutch label, severity); severity 'bad' = cannot be right, 'warn' = ask about it.
FLAG_KINDS: dict[str, tuple[str, str]] = {
    "zero_wait_no_place": (N_("0 weken wachttijd zonder vrije plek"), "bad"),
    "free_above_capacity": (N_("Meer vrije plekken dan capaciteit"), "bad"),
    "jump": (N_("Grote sprong in wachttijd"), "warn"),
    "realised_above_expected": (N_("Gerealiseerde wachttijd veel langer dan verwacht"), "warn"),
    "confirm_only": (f"Alleen ongewijzigd bevestigd, {CONFIRM_ONLY_MONTHS}+ maanden", "warn"),
    "zero_wait": (N_("0 weken wachttijd"), "warn"),
    "capacity_missing": (N_("Capaciteit ontbreekt"), "warn"),
    "stale": (N_("Niet bijgewerkt deze maand"), "warn"),
}


@dataclass(frozen=True)
class OfferingFacts:
    """What the rules look at for one offering."""

    offering_id: int
    capacity: int | None
    free_places: int | None
    waiting_weeks: int | None
    updated_at: dt.datetime | None
    last_update_kind: str | None = None
    unusual_confirmed: bool = False
    # When the figures last changed (last history row of kind create/update; else the first row).
    values_since: dt.datetime | None = None
    realised_wait_weeks: float | None = None  # average weeks to start of the children who started
    realised_started: int | None = None  # how many started (the n behind the average)


@dataclass(frozen=True)
class Flag:
    """One doubtful thing about one offering, with the numbers that make it doubtful."""

    kind: str
    offering_id: int
    detail: str
    at: dt.datetime | None = None  # when it happened (jumps), for sorting and display
    provider_confirmed: bool = False  # the provider was asked when saving and said it is right

    @property
    def label(self) -> str:
        return FLAG_KINDS[self.kind][0]

    @property
    def severity(self) -> str:
        return FLAG_KINDS[self.kind][1]


def months_before(at: dt.datetime, months: int) -> dt.datetime:
    """The same local day and time `months` calendar months earlier (clamped to the month's end)."""
    local = at.astimezone(TZ)
    year, month0 = divmod(local.year * 12 + local.month - 1 - months, 12)
    day = min(local.day, calendar.monthrange(year, month0 + 1)[1])
    return local.replace(year=year, month=month0 + 1, day=day)


def confirm_only_since(
    facts: OfferingFacts, now: dt.datetime, months: int = CONFIRM_ONLY_MONTHS, *, cutoff: dt.datetime | None = None
) -> dt.datetime | None:
    """When the figures last changed, if since then they were only confirmed for `months` or longer.

    The last action must be a confirmation (a figure saved since ends the run) made after the
    figures last changed; `values_since` at or before `months` ago makes it a long run. `cutoff`
    is that moment precomputed (months_before(now, months)) when many offerings are checked.
    """
    if facts.last_update_kind != "confirm" or facts.values_since is None or facts.updated_at is None:
        return None
    if facts.updated_at <= facts.values_since:
        return None
    if facts.values_since > (cutoff or months_before(now, months)):
        return None
    return facts.values_since


def is_large_jump(old: int | None, new: int | None, max_jump_weeks: int) -> bool:
    """A change of more than `max_jump_weeks` between two consecutive waiting times."""
    return old is not None and new is not None and abs(new - old) > max_jump_weeks


def _weeks(n: int) -> str:
    return "1 week" if n == 1 else f"{n} weken"


def _decimal(x: float) -> str:
    """A realised wait as a Dutch reader writes it: 12,5 (and 12, not 12,0)."""
    return f"{x:.1f}".replace(".", ",").removesuffix(",0")


def _places(n: int) -> str:
    return "1 vrije plek" if n == 1 else f"{n} vrije plekken"


def offering_flags(
    facts: OfferingFacts, now: dt.datetime, *, confirm_only_months: int = CONFIRM_ONLY_MONTHS, confirm_cutoff: dt.datetime | None = None
) -> list[Flag]:
    """Every flag that the offering's current figures and update pattern raise."""
    flags: list[Flag] = []
    oid = facts.offering_id
    confirmed = facts.unusual_confirmed
    if facts.waiting_weeks == 0:
        if facts.free_places == 0:
            flags.append(Flag("zero_wait_no_place", oid, "Wachttijd 0 weken terwijl er geen plek vrij is.", provider_confirmed=confirmed))
        else:
            free = "onbekend aantal vrije plekken" if facts.free_places is None else _places(facts.free_places)
            flags.append(Flag("zero_wait", oid, f"Wachttijd 0 weken ({free}): kan een jeugdige echt direct starten?",
                              provider_confirmed=confirmed))
    if facts.capacity is None:
        flags.append(Flag("capacity_missing", oid, "Geen capaciteit ingevuld: vrije plekken zijn niet te controleren."))
    elif facts.free_places is not None and facts.free_places > facts.capacity:
        flags.append(Flag("free_above_capacity", oid,
                          f"{facts.free_places} vrije plekken bij een capaciteit van {facts.capacity}."))
    if realised_far_above_expected(facts.waiting_weeks, facts.realised_wait_weeks, facts.realised_started):
        flags.append(Flag("realised_above_expected", oid,
                          f"Gerealiseerd {_decimal(facts.realised_wait_weeks)} weken (n = {facts.realised_started}) "
                          f"tegen {_weeks(facts.waiting_weeks)} verwacht."))
    since = confirm_only_since(facts, now, confirm_only_months, cutoff=confirm_cutoff)
    if since is not None:
        flags.append(Flag("confirm_only", oid,
                          f"Cijfers sinds {since.astimezone(TZ):%d-%m-%Y} niet veranderd, alleen als ongewijzigd bevestigd.",
                          at=since))
    if is_stale(facts.updated_at, now):
        when = "nooit bijgewerkt" if facts.updated_at is None else f"laatst bijgewerkt {facts.updated_at.astimezone(TZ):%d-%m-%Y}"
        flags.append(Flag("stale", oid, f"Niet bijgewerkt of bevestigd deze maand ({when}).", at=facts.updated_at))
    return flags


@dataclass(frozen=True)
class WaitingJump:
    """One saved change of the waiting time (a history row of kind update)."""

    offering_id: int
    changed_at: dt.datetime
    old: int | None
    new: int | None
    unusual_confirmed: bool = False


def jump_flags(changes: Iterable[WaitingJump], max_jump_weeks: int) -> list[Flag]:
    """A flag for every waiting-time change bigger than `max_jump_weeks` (the plausibility threshold)."""
    return [
        Flag(
            "jump", c.offering_id,
            f"Wachttijd van {_weeks(c.old)} naar {_weeks(c.new)} op {c.changed_at.astimezone(TZ):%d-%m-%Y} "
            f"(meer dan {max_jump_weeks} weken verschil).",
            at=c.changed_at, provider_confirmed=c.unusual_confirmed,
        )
        for c in changes
        if is_large_jump(c.old, c.new, max_jump_weeks)
    ]


def order_flags(flags: Iterable[Flag]) -> list[Flag]:
    """Most serious kinds first (the FLAG_KINDS order), then by offering."""
    rank = {kind: i for i, kind in enumerate(FLAG_KINDS)}
    return sorted(flags, key=lambda f: (rank[f.kind], f.offering_id, f.at or dt.datetime.min.replace(tzinfo=dt.timezone.utc)))
