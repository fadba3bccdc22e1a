"""Daily job: set `Offering.stale` from `freshness.is_stale`, the one rule for stale data.

The flag is derived data for fast filtering; flipping it does not bump the offering's version
(optimistic concurrency protects what providers type, not this flag), so a provider editing at
00:05 on the first of the month never gets a spurious conflict.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from beschikbaarheid.domain.freshness import is_stale
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Offering, utcnow
from jobs.runs import JobResult, run_job

JOB = "staleness"
CHUNK = 500


@dataclass
class StalenessOutcome:
    """How many offerings the run looked at and flipped."""

    as_of: dt.datetime
    total: int = 0
    marked_stale: int = 0
    marked_fresh: int = 0

    def summary(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "total": self.total, "marked_stale": self.marked_stale, "marked_fresh": self.marked_fresh}


def mark_stale_offerings(now: dt.datetime) -> StalenessOutcome:
    """Bring every offering's stale flag in line with is_stale(updated_at, now); only changed rows are written."""
    outcome = StalenessOutcome(as_of=now)
    to_stale: list[int] = []
    to_fresh: list[int] = []
    for offering_id, updated_at, stale in db.session.execute(sa.select(Offering.id, Offering.updated_at, Offering.stale)):
        outcome.total += 1
        should = is_stale(updated_at, now)
        if should != bool(stale):
            (to_stale if should else to_fresh).append(offering_id)
    table = Offering.__table__
    # The extra staleness condition (the rule's SQL form) guards against a provider saving between
    # our read and write: a row updated meanwhile no longer matches and keeps the flag its save gave it.
    for i in range(0, len(to_stale), CHUNK):
        result = db.session.execute(
            sa.update(table).where(table.c.id.in_(to_stale[i:i + CHUNK]), Offering.is_stale(now)).values(stale=True)
        )
        outcome.marked_stale += result.rowcount
    for i in range(0, len(to_fresh), CHUNK):
        result = db.session.execute(
            sa.update(table).where(table.c.id.in_(to_fresh[i:i + CHUNK]), ~Offering.is_stale(now)).values(stale=False)
        )
        outcome.marked_fresh += result.rowcount
    db.session.commit()
    return outcome


def run_staleness_job(as_of: dt.datetime | None = None) -> JobResult:
    """The staleness job as the scheduler and `jobs run-once staleness` run it (locked, logged)."""
    as_of = as_of or utcnow()
    return run_job(JOB, lambda heartbeat: mark_stale_offerings(as_of), as_of=as_of)
