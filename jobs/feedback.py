"""Daily "Klopt dit niet?" job: escalate reports unanswered for five working days, mail providers their new reports.

Thin like the reminder job: the job lock, the run record, and `services.feedback_daily.run_feedback_daily`.
"""
from __future__ import annotations

import datetime as dt

from beschikbaarheid.models import utcnow
from beschikbaarheid.services.feedback_daily import FeedbackOutcome, run_feedback_daily
from jobs.runs import JobResult, run_job

JOB = "feedback"


def run_feedback_job(as_of: dt.datetime | None = None, *, dry_run: bool = False, use_lock: bool = True, send=None) -> JobResult:
    """Escalate and mail whatever is due at `as_of` (default now), each mail at most once a day."""
    as_of = as_of or utcnow()
    kwargs = {"send": send} if send is not None else {}

    def work(heartbeat) -> FeedbackOutcome:
        return run_feedback_daily(as_of, dry_run=dry_run, heartbeat=heartbeat, **kwargs)

    return run_job(JOB, work, as_of=as_of, dry_run=dry_run, use_lock=use_lock)
