"""The call log: a contract manager records a phone call to a provider that lags behind, and the
pages show the latest calls next to the provider. The call list also holds referrers' "Klopt dit
niet?" reports the provider left unanswered for five working days (`escalated_reports`)."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from beschikbaarheid.domain.feedback import working_days_after
from beschikbaarheid.domain.freshness import local_date
from beschikbaarheid.extensions import db
from beschikbaarheid.models import CallLog, Contract, Feedback, Offering, Provider


def log_call(provider: Provider, user, *, called_at: dt.datetime, outcome: str, note: str) -> CallLog:
    """Record who called the provider, when, the outcome and a short note (commits)."""
    call = CallLog(provider_id=provider.id, user_id=user.id, called_at=called_at, outcome=outcome, note=note)
    db.session.add(call)
    db.session.commit()
    return call


def last_calls(provider_ids: Iterable[int] | None = None) -> dict[int, CallLog]:
    """The most recent call (by when it took place) per provider, for the given providers or all."""
    if provider_ids is not None:
        provider_ids = list(provider_ids)
        if not provider_ids:
            return {}
    ranked = sa.select(
        CallLog.id,
        sa.func.row_number().over(partition_by=CallLog.provider_id, order_by=(CallLog.called_at.desc(), CallLog.id.desc())).label("rn"),
    )
    if provider_ids is not None:
        ranked = ranked.where(CallLog.provider_id.in_(provider_ids))
    ranked = ranked.subquery()
    rows = db.session.scalars(sa.select(CallLog).join(ranked, ranked.c.id == CallLog.id).where(ranked.c.rn == 1))
    return {c.provider_id: c for c in rows}


def calls_for(provider_id: int, limit: int = 50) -> list[CallLog]:
    """A provider's calls, newest first, for its dossier."""
    return list(
        db.session.scalars(
            sa.select(CallLog)
            .options(joinedload(CallLog.user))
            .where(CallLog.provider_id == provider_id)
            .order_by(CallLog.called_at.desc(), CallLog.id.desc())
            .limit(limit)
        )
    )


@dataclass(frozen=True)
class EscalatedReport:
    """An open "Klopt dit niet?" report on the call list, with its age in working days."""

    feedback: Feedback
    provider: Provider
    working_days: int


CALL_LIST_REPORTS = 50  # the oldest shown; the page says how many more there are


def escalated_reports(region_id: int, as_of: dt.datetime) -> tuple[list[EscalatedReport], int]:
    """Open reports the daily job put on the call list, on offerings contracted in the region: the
    CALL_LIST_REPORTS oldest, and how many there are in all."""
    in_region = (
        sa.select(Contract.id)
        .where(Contract.region_id == region_id, Contract.provider_id == Offering.provider_id, Contract.product_id == Offering.product_id)
        .exists()
    )
    on_list = (Feedback.answered_at.is_(None), Feedback.escalated_at.is_not(None), in_region)
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(Feedback).join(Offering, Offering.id == Feedback.offering_id).where(*on_list)
    )
    rows = db.session.execute(
        sa.select(Feedback, Provider)
        .join(Offering, Offering.id == Feedback.offering_id)
        .join(Provider, Provider.id == Offering.provider_id)
        .options(joinedload(Feedback.offering).joinedload(Offering.product), joinedload(Feedback.offering).joinedload(Offering.location))
        .where(*on_list)
        .order_by(Feedback.created_at, Feedback.id)
        .limit(CALL_LIST_REPORTS)
    ).all()
    today = local_date(as_of)
    return [EscalatedReport(f, p, working_days_after(local_date(f.created_at), today)) for f, p in rows], total
