"""The coordinator's anonymous request log: log a request, log (or reset) its outcome, and reduce
requests older than two years to monthly counts.

The rules (bands, weeks, what is too old) are in domain/gezinshuis.py; this module only reads and
writes. `log_request` and `set_outcome` leave the commit to the caller, so a refusal saves nothing;
`reduce_old_details` is one transaction of its own (the daily job and `flask gezinshuis reduce`).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from beschikbaarheid.domain import gezinshuis as rules
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Municipality, PlacementRequest, PlacementRequestMonth

PAGE_SIZE = 25
STATUSES = ("alle", "wachtend", "uitkomst")  # the list's filter: every request, still waiting, with an outcome


def region_municipalities(region_id: int) -> list[Municipality]:
    """The municipalities of the region by name: where a request can come from."""
    return list(db.session.scalars(sa.select(Municipality).where(Municipality.region_id == region_id).order_by(Municipality.name)))


def region_request(region_id: int, request_id: int) -> PlacementRequest | None:
    """A request of the region (None for another region's or an unknown id: the caller answers 404)."""
    found = db.session.get(PlacementRequest, request_id)
    return found if found is not None and found.region_id == region_id else None


@dataclass
class RequestPage:
    """One page of the region's requests, newest first, with the counts the filter shows."""

    rows: list[PlacementRequest]
    total: int
    page: int
    pages: int
    counts: dict[str, int] = field(default_factory=dict)


def request_page(region_id: int, status: str, page: int) -> RequestPage:
    """The region's requests (all, still waiting, or with an outcome) by week of request, newest first."""
    base = sa.select(PlacementRequest).where(PlacementRequest.region_id == region_id)
    waiting = PlacementRequest.outcome == "wachtend"
    counted = dict(db.session.execute(
        sa.select(waiting, sa.func.count()).where(PlacementRequest.region_id == region_id).group_by(waiting)).all())
    counts = {"wachtend": counted.get(True, 0), "uitkomst": counted.get(False, 0)}
    counts["alle"] = counts["wachtend"] + counts["uitkomst"]
    if status == "wachtend":
        base = base.where(waiting)
    elif status == "uitkomst":
        base = base.where(~waiting)
    total = counts.get(status, counts["alle"])
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, page), pages)
    rows = list(db.session.scalars(base.order_by(PlacementRequest.requested_week.desc(), PlacementRequest.id.desc())
                                   .offset((page - 1) * PAGE_SIZE).limit(PAGE_SIZE)))
    return RequestPage(rows, total, page, pages, counts)


def log_request(region_id: int, *, age_band: str, target_groups, siblings: int, municipality_id: int,
                requested_week: dt.date) -> PlacementRequest:
    """A new request, still waiting (not committed). The caller checked it with domain.request_problems."""
    request = PlacementRequest(region_id=region_id, age_band=age_band, siblings=siblings, municipality_id=municipality_id,
                               requested_week=rules.monday(requested_week), outcome="wachtend", outcome_week=None)
    request.target_groups = target_groups
    db.session.add(request)
    db.session.flush()
    return request


def set_outcome(request: PlacementRequest, outcome: str, week: dt.date | None) -> None:
    """The request's outcome and its week (not committed); 'wachtend' resets it to still waiting."""
    request.outcome = outcome
    request.outcome_week = None if outcome == "wachtend" else rules.monday(week)


@dataclass
class ReductionOutcome:
    """How many detailed requests were reduced, into how many month rows, before which week."""

    cutoff: dt.date
    reduced: int = 0
    months: int = 0

    def summary(self) -> dict:
        return {"cutoff": self.cutoff.isoformat(), "reduced": self.reduced, "months": self.months}


def reduce_old_details(today: dt.date) -> ReductionOutcome:
    """Requests from before the cutoff week become counts per region, month, band and outcome (added
    to the month rows already there) and their details are deleted, in one transaction. Running it
    again finds nothing left to reduce."""
    outcome = ReductionOutcome(rules.detail_cutoff(today))
    old = db.session.execute(
        sa.select(PlacementRequest.id, PlacementRequest.region_id, PlacementRequest.requested_week, PlacementRequest.age_band,
                  PlacementRequest.outcome, PlacementRequest.outcome_week)
        .where(PlacementRequest.requested_week < outcome.cutoff)
    ).all()
    if not old:
        db.session.rollback()
        return outcome
    by_region: dict[int, list] = {}
    for _id, region_id, *row in old:
        by_region.setdefault(region_id, []).append(row)
    for region_id, rows in by_region.items():
        for (month, band, kind), (count, weeks) in rules.reduce_requests(rows).items():
            existing = db.session.scalar(sa.select(PlacementRequestMonth).where(
                PlacementRequestMonth.region_id == region_id, PlacementRequestMonth.month == month,
                PlacementRequestMonth.age_band == band, PlacementRequestMonth.outcome == kind))
            if existing is None:
                db.session.add(PlacementRequestMonth(region_id=region_id, month=month, age_band=band, outcome=kind,
                                                     requests=count, weeks_to_outcome_total=weeks))
            else:
                existing.requests += count
                existing.weeks_to_outcome_total += weeks
            outcome.months += 1
    ids = [row[0] for row in old]
    deleted = 0
    for i in range(0, len(ids), 500):
        deleted += db.session.execute(sa.delete(PlacementRequest).where(PlacementRequest.id.in_(ids[i:i + 500]))).rowcount
    if deleted != len(ids):  # another run reduced some of them meanwhile: count nothing twice
        db.session.rollback()
        return ReductionOutcome(outcome.cutoff)
    db.session.commit()
    outcome.reduced = deleted
    return outcome
