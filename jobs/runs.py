"""Run bookkeeping around a job: a `job_run` row per execution and the job-level lock.

Every job goes through `run_job`, so an operator sees in one table what ran, when, as of which
moment, how it ended, and which runs were skipped because another one held the lock.
"""
from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from beschikbaarheid.extensions import db
from beschikbaarheid.models import JobRun, utcnow
from jobs import locks

log = logging.getLogger(__name__)


@dataclass
class JobResult:
    """How a run ended: 'ok', 'failed' or 'locked' (another run had the lock), with the job's own result."""

    job: str
    status: str
    run_id: int
    result: Any = None
    error: str | None = None


def _summary(result: Any) -> str:
    summary = result.summary() if hasattr(result, "summary") else result
    try:
        return json.dumps(summary, default=str)
    except TypeError:
        return json.dumps(str(summary))


def run_job(
    job: str,
    work: Callable[[Callable[[], None]], Any],
    *,
    as_of: dt.datetime,
    dry_run: bool = False,
    use_lock: bool = True,
    lease: dt.timedelta = locks.DEFAULT_LEASE,
) -> JobResult:
    """Run `work(heartbeat)` under the job's lock and record the run; exceptions are recorded and re-raised.

    `heartbeat()` renews the lock lease; call it between chunks of a long run. A dry run takes no
    lock (it writes nothing). `use_lock=False` exists only so tests can prove the database
    constraint alone already prevents duplicates.
    """
    holder = locks.new_holder()
    run = JobRun(job=job, holder=holder, as_of=as_of, dry_run=dry_run, started_at=utcnow(), status="running")
    db.session.add(run)
    db.session.commit()
    run_id = run.id

    def finish(status: str, result: Any = None, error: str | None = None) -> JobResult:
        db.session.rollback()
        row = db.session.get(JobRun, run_id)
        row.status, row.finished_at, row.error = status, utcnow(), error
        row.summary = _summary(result) if result is not None else ""
        db.session.commit()
        return JobResult(job, status, run_id, result, error)

    locked = use_lock and not dry_run
    if locked and not locks.acquire(job, holder, lease):
        log.info("job %s skipped: another run holds the lock", job)
        return finish("locked")

    def heartbeat() -> None:
        if locked:
            locks.renew(job, holder, lease)

    try:
        result = work(heartbeat)
    except BaseException as exc:
        finish("failed", error=repr(exc)[:2000])
        raise
    finally:
        if locked:
            locks.release(job, holder)
    return finish("ok", result)


def recent_runs(job: str | None = None, limit: int = 20) -> list[JobRun]:
    """The latest runs, newest first (for `jobs status` and the contract manager's pages)."""
    stmt = db.select(JobRun).order_by(JobRun.started_at.desc(), JobRun.id.desc()).limit(limit)
    if job:
        stmt = stmt.where(JobRun.job == job)
    return list(db.session.scalars(stmt))
