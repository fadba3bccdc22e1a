"""Plek-alert rules: when does a matching offering "open up" for a referrer's saved search.

Plain values in and out (no Flask, no database): the job (services/alert_run.py) compares what the
search shows now with what it showed at the previous evaluation (the alert's snapshot) and mails
the offerings these rules call openings.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

LIFETIME_DAYS = 60  # an alert expires unless renewed
MAX_ACTIVE_PER_USER = 20

# Why an offering is in a mail, in the order a mail lists them.
NEW_MATCH = "nieuw"  # it matches the search now and did not at the previous evaluation
PLACE_FREED = "vrije_plek"  # free places went from 0 (or unknown) to 1 or more
INTAKE_REOPENED = "intake_open"  # intake went from gesloten or overleg to open
WAIT_WITHIN_MAX = "wachttijd"  # the wait fell to the referrer's maximum or below
KINDS = (NEW_MATCH, PLACE_FREED, INTAKE_REOPENED, WAIT_WITHIN_MAX)


@dataclass(frozen=True)
class Seen:
    """The figures of one offering as a search showed them: free places, intake, the wait that applies."""

    free_places: int | None
    intake_status: str
    waiting_weeks: int | None


def openings(before: Seen | None, after: Seen, max_wait: int | None) -> tuple[str, ...]:
    """What opened up between two looks at one offering of the search's results (empty: nothing).

    `before` None: not among the results last time, so it newly matches. `max_wait` is the
    referrer's maximum wait in weeks (None: no maximum, and the wait rule does not apply).
    """
    if before is None:
        return (NEW_MATCH,)
    kinds = []
    if not before.free_places and (after.free_places or 0) > 0:
        kinds.append(PLACE_FREED)
    if before.intake_status in ("gesloten", "overleg") and after.intake_status == "open":
        kinds.append(INTAKE_REOPENED)
    if (max_wait is not None and after.waiting_weeks is not None and after.waiting_weeks <= max_wait
            and (before.waiting_weeks is None or before.waiting_weeks > max_wait)):
        kinds.append(WAIT_WITHIN_MAX)
    return tuple(kinds)


def compare(snapshot: Mapping[int, Seen], current: Mapping[int, Seen], max_wait: int | None) -> dict[int, tuple[str, ...]]:
    """Per offering id of the current results, what opened up since the snapshot (only those with something)."""
    found = {}
    for offering_id, now in current.items():
        kinds = openings(snapshot.get(offering_id), now, max_wait)
        if kinds:
            found[offering_id] = kinds
    return found


def may_open(field: str | None, old: str | None, new: str | None) -> bool:
    """Could this change of one offering field (as the history records it, text values) make an
    opening for some search? Changes that only make an offering worse (fewer places, a longer wait,
    intake closing, a new note) cannot, so the job need not run the searches they touch."""
    if field is None:  # a new offering
        return True
    if field == "free_places":
        return _number(new) > _number(old)
    if field == "waiting_weeks":
        return new is not None and (old is None or _number(new) < _number(old))
    if field == "intake_status":
        return new == "open"
    # Age range, target groups and group waits decide whether the offering matches at all.
    return field in ("age_min", "age_max", "target_groups", "group_waits")


def _number(value: str | None) -> float:
    try:
        return float(value) if value not in (None, "") else 0.0
    except ValueError:
        return 0.0


def expiry(start: dt.datetime) -> dt.datetime:
    """When an alert saved or renewed at `start` stops."""
    return start + dt.timedelta(days=LIFETIME_DAYS)


def is_active(stopped_at: dt.datetime | None, expires_at: dt.datetime, now: dt.datetime) -> bool:
    """Neither stopped nor expired: the job evaluates it and it counts towards the limit."""
    return stopped_at is None and expires_at > now
