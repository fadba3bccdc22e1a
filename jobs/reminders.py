"""Daily reminder job: the rules decide whether today is a first-reminder, follow-up or escalation day.

The job is thin: it takes the job lock, records the run and calls `services.reminders.run_reminders`.
"""
from __future__ import annotations

import datetime as dt

from beschikbaarheid.models import utcnow
from beschikbaarheid.services.reminders import ReminderOutcome, run_reminders
from jobs.runs import JobResult, run_job

JOB = "reminders"


def run_reminder_job(as_of: dt.datetime | None = None, *, dry_run: bool = False, use_lock: bool = True, send=None) -> JobResult:
    """Send whatever reminders are due at `as_of` (default now), at most once each."""
    as_of = as_of or utcnow()
    kwargs = {"send": send} if send is not None else {}

    def work(heartbeat) -> ReminderOutcome:
        return run_reminders(as_of, dry_run=dry_run, heartbeat=heartbeat, **kwargs)

    return run_job(JOB, work, as_of=as_of, dry_run=dry_run, use_lock=use_lock)
