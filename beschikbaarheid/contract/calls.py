"""The call log: a contract manager records a phone call to a provider that lags behind, and the
pages show the latest calls next to the provider."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from beschikbaarheid.extensions import db
from beschikbaarheid.models import CallLog, Provider


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
