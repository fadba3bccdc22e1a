"""Daily plek-alert job: run the referrers' saved searches that the day's changes touch and mail what opened up.

Thin like the feedback job: the job lock, the run record, and `services.alert_run.run_alerts`.
"""
from __future__ import annotations

import datetime as dt

from beschikbaarheid.models import utcnow
from beschikbaarheid.services.alert_run import AlertOutcome, run_alerts
from jobs.runs import JobResult, run_job

JOB = "alerts"


def run_alert_job(as_of: dt.datetime | None = None, *, use_lock: bool = True, send=None) -> JobResult:
    """Evaluate every active alert at `as_of` (default now) and mail openings, each alert at most once a day."""
    as_of = as_of or utcnow()
    kwargs = {"send": send} if send is not None else {}

    def work(heartbeat) -> AlertOutcome:
        return run_alerts(as_of, heartbeat=heartbeat, **kwargs)

    return run_job(JOB, work, as_of=as_of, use_lock=use_lock)
