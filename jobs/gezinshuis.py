"""Daily job: reduce placement requests older than two years to monthly counts (and delete their details).

Thin like the other jobs: the job lock, the run record, and services.placement_requests.reduce_old_details,
which is idempotent (a second run finds nothing left to reduce).
"""
from __future__ import annotations

import datetime as dt

from beschikbaarheid.domain.freshness import local_date
from beschikbaarheid.models import utcnow
from beschikbaarheid.services.placement_requests import reduce_old_details
from jobs.runs import JobResult, run_job

JOB = "gezinshuis-reduce"


def run_reduction_job(as_of: dt.datetime | None = None) -> JobResult:
    """Reduce what is older than two years on `as_of`'s day in Amsterdam (default now)."""
    as_of = as_of or utcnow()
    return run_job(JOB, lambda heartbeat: reduce_old_details(local_date(as_of)), as_of=as_of)
