"""Referrers' "Klopt dit niet?" reports as the contract manager counts them: received, answered, still
open, put on the call list, and the median time to an answer, per product or per provider."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from beschikbaarheid.contract.region import Context, is_contracted
from beschikbaarheid.domain.waiting_stats import median
from beschikbaarheid.extensions import db
from beschikbaarheid.models import FEEDBACK_REASONS, Feedback, Offering

WINDOW_DAYS = 365  # the pages count the reports of the last year


@dataclass
class FeedbackCounts:
    """Reports on a group of offerings within a period."""

    received: int = 0
    answered: int = 0
    escalated: int = 0
    response_days: list[float] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def open(self) -> int:
        return self.received - self.answered

    @property
    def median_response_days(self) -> float | None:
        """Median days from the report to the provider's answer, over the answered ones."""
        return median(self.response_days)


class days_between(FunctionElement):
    """Days (a float) from the first timestamp to the second, computed in the database: a year of
    national reports is ten thousand rows, and turning their timestamps into Python datetimes cost
    more than the rest of the page."""

    type = sa.Float()
    name = "days_between"
    inherit_cache = True


@compiles(days_between)
def _days_between(element, compiler, **kw) -> str:  # PostgreSQL
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(EXTRACT(EPOCH FROM ({end} - {start})) / 86400.0)"


@compiles(days_between, "sqlite")
def _days_between_sqlite(element, compiler, **kw) -> str:
    start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"(julianday({end}) - julianday({start}))"


def feedback_counts(ctx: Context, group_by, since: dt.datetime, until: dt.datetime | None = None, *conditions,
                    on: dt.date | None = None) -> dict[int, FeedbackCounts]:
    """Per value of `group_by` (an Offering column: product or provider), the reports made in [since,
    until) on the region's offerings contracted `on` (default today), in one query that returns only
    numbers (the days to each answer for the medians). An answer given after `until` does not count
    as answered within the period."""
    until = until or ctx.as_of
    answered = sa.and_(Feedback.answered_at.is_not(None), Feedback.answered_at < until)
    escalated = sa.and_(Feedback.escalated_at.is_not(None), Feedback.escalated_at < until)
    out: dict[int, FeedbackCounts] = defaultdict(FeedbackCounts)
    for key, reason, days, late in db.session.execute(
        sa.select(group_by, Feedback.reason, sa.case((answered, days_between(Feedback.created_at, Feedback.answered_at))),
                  sa.case((escalated, 1), else_=0))
        .join(Offering, Offering.id == Feedback.offering_id)
        .where(Feedback.created_at >= since, Feedback.created_at < until, is_contracted(ctx.region.id, on or ctx.today), *conditions)
    ):
        counts = out[key]
        counts.received += 1
        counts.reasons[reason] = counts.reasons.get(reason, 0) + 1
        if days is not None:
            counts.answered += 1
            counts.response_days.append(float(days))
        counts.escalated += late
    return dict(out)


def window_start(ctx: Context) -> dt.datetime:
    """The first moment of the period the pages count."""
    return ctx.as_of - dt.timedelta(days=WINDOW_DAYS)


REASONS = FEEDBACK_REASONS  # the fixed list, in its order, for the columns of a download
