"""Plek-alert rules: when does a matching offering "open up" for a referrer's saved search.

Plain values in and out (no Flask, no database): the job (services/alert_run.py) compares each
changed offering's figures now with the alert's snapshot (the figures it had when the alert last
looked at it) and mails the offerings these rules call openings.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

LIFETIME_DAYS = 60  # an alert expires unless renewed
MAX_ACTIVE_PER_USER = 20

# Why an offering is in a mail, in the order a mail lists them.
NEW_MATCH = "nieuw"  # it matches the search now and did not when the alert last looked at it
PLACE_FREED = "vrije_plek"  # free places went from 0 (or unknown) to 1 or more
INTAKE_REOPENED = "intake_open"  # intake went from gesloten or overleg to open
WAIT_WITHIN_MAX = "wachttijd"  # the wait fell to the referrer's maximum or below
KINDS = (NEW_MATCH, PLACE_FREED, INTAKE_REOPENED, WAIT_WITHIN_MAX)


@dataclass(frozen=True)
class Seen:
    """The figures of one offering as the alert last saw them: free places, intake, the wait that
    applies to its target groups, and whether it matched the search then (passed its filters)."""

    free_places: int | None
    intake_status: str
    waiting_weeks: int | None
    matches: bool = True


def openings(before: Seen | None, after: Seen, max_wait: int | None) -> tuple[str, ...]:
    """What opened up for an offering that matches the search now (empty: nothing), against how the
    alert last saw it.

    `before` None, or an offering that did not match then, newly matches; when it did not match only
    because its figures kept it out (intake closed, wait too long) the figure that opened up says
    why. `max_wait` is the referrer's maximum wait in weeks (None: no maximum, and the wait rule does
    not apply).
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
    if not kinds and not before.matches:
        return (NEW_MATCH,)
    return tuple(kinds)


def expiry(start: dt.datetime) -> dt.datetime:
    """When an alert saved or renewed at `start` stops."""
    return start + dt.timedelta(days=LIFETIME_DAYS)


def is_active(stopped_at: dt.datetime | None, expires_at: dt.datetime, now: dt.datetime) -> bool:
    """Neither stopped nor expired: the job evaluates it and it counts towards the limit."""
    return stopped_at is None and expires_at > now
