"""The provider dossier: everything the contract conversation with one provider needs on one page
(its offerings and flags, month-by-month compliance, recent history, reminders, calls, contracts)."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from beschikbaarheid.contract.calls import calls_for
from beschikbaarheid.contract.feedback import FeedbackCounts, feedback_counts, window_start
from beschikbaarheid.contract.quality import provider_flags
from beschikbaarheid.contract.region import Context
from beschikbaarheid.domain import compliance, freshness
from beschikbaarheid.domain.quality import Flag
from beschikbaarheid.extensions import db
from beschikbaarheid.models import CallLog, Contract, Location, Offering, OfferingChange, Product, Provider
from beschikbaarheid.services.offerings import provider_offerings
from beschikbaarheid.services.reminders import reminder_history

TREND_MONTHS = 12
HISTORY_ROWS = 40


@dataclass
class Dossier:
    """One provider as its dossier page shows it."""

    provider: Provider
    ctx: Context
    contracted: list[Offering]
    other: list[Offering]
    contracts: list[Contract]
    months: list[tuple[dt.date, bool | None]]
    history: list
    reminders: list
    calls: list[CallLog]
    flags: list[Flag]
    feedback: FeedbackCounts  # "Klopt dit niet?" reports on its contracted offerings, the last year

    @property
    def current(self) -> bool:
        """Current this month by the one rule (freshness.is_current)."""
        return freshness.is_current([o.updated_at for o in self.contracted], self.ctx.as_of)

    @property
    def fresh(self) -> int:
        """How many contracted offerings are not stale."""
        return sum(1 for o in self.contracted if not o.is_stale(self.ctx.as_of))

    def flags_for(self, offering_id: int) -> list[Flag]:
        """The flags shown next to one offering."""
        return [f for f in self.flags if f.offering_id == offering_id]


def _first_rows(provider_id: int) -> dict[int, dt.datetime]:
    """Each offering's first history row: before it, the offering did not exist."""
    return dict(db.session.execute(
        sa.select(OfferingChange.offering_id, sa.func.min(OfferingChange.changed_at))
        .join(Offering, Offering.id == OfferingChange.offering_id)
        .where(Offering.provider_id == provider_id)
        .group_by(OfferingChange.offering_id)
    ).tuples().all())


def monthly_status(provider_id: int, region_id: int, as_of: dt.datetime, months: int = TREND_MONTHS) -> list[tuple[dt.date, bool | None]]:
    """Per month (oldest first) whether this provider was current, replayed with `is_current` itself;
    None for months in which it held no contract in the region."""
    wanted = compliance.months_back(as_of, months)
    first_start, _ = compliance.month_bounds(wanted[0])
    offerings = db.session.execute(sa.select(Offering.id, Offering.product_id, Offering.updated_at).where(Offering.provider_id == provider_id)).all()
    contracts = db.session.scalars(sa.select(Contract).where(Contract.provider_id == provider_id, Contract.region_id == region_id)).all()
    activity: dict[int, list[dt.datetime]] = defaultdict(list)
    for offering_id, changed_at in db.session.execute(
        sa.select(OfferingChange.offering_id, OfferingChange.changed_at)
        .join(Offering, Offering.id == OfferingChange.offering_id)
        .where(Offering.provider_id == provider_id, OfferingChange.changed_at >= first_start)
    ):
        activity[offering_id].append(changed_at)
    for offering_id, first in _first_rows(provider_id).items():
        activity[offering_id].append(first)
    result: list[tuple[dt.date, bool | None]] = []
    for month in wanted:
        active = {c.product_id for c in contracts if c.is_active(compliance.contract_day(month, as_of))}
        if not active:
            result.append((month, None))
        elif month == wanted[-1]:
            result.append((month, compliance.is_current([u for _, pid, u in offerings if pid in active], as_of)))
        else:
            lists = [activity.get(oid) or ([updated_at] if updated_at else []) for oid, pid, updated_at in offerings if pid in active]
            result.append((month, compliance.provider_current_at(lists, compliance.month_last_instant(month))))
    return result


def recent_history(provider_id: int, region_id: int, limit: int = HISTORY_ROWS):
    """The provider's latest history rows across its offerings of the region's products, with product and location."""
    return db.session.execute(
        sa.select(OfferingChange, Product.code, Product.name, Location.name)
        .join(Offering, Offering.id == OfferingChange.offering_id)
        .join(Product, Product.id == Offering.product_id)
        .join(Location, Location.id == Offering.location_id)
        .where(Offering.provider_id == provider_id, Product.region_id == region_id)
        .order_by(OfferingChange.changed_at.desc(), OfferingChange.id.desc())
        .limit(limit)
    ).all()


def dossier(ctx: Context, provider: Provider, max_jump_weeks: int) -> Dossier:
    """Everything the contract conversation with one provider needs, on one page; a provider that also
    works in other regions shows only its offerings (and their history) of this region."""
    contracted, other = provider_offerings(provider.id, ctx.today)
    contracts = db.session.scalars(
        sa.select(Contract).options(joinedload(Contract.product))
        .where(Contract.provider_id == provider.id, Contract.region_id == ctx.region.id)
        .order_by(Contract.valid_from.desc(), Contract.id)
    ).all()
    return Dossier(
        provider=provider,
        ctx=ctx,
        contracted=[o for o in contracted if o.product.region_id == ctx.region.id],
        other=[o for o in other if o.product.region_id == ctx.region.id],
        contracts=list(contracts),
        months=monthly_status(provider.id, ctx.region.id, ctx.as_of),
        history=recent_history(provider.id, ctx.region.id),
        reminders=reminder_history(provider_id=provider.id, limit=24),
        calls=calls_for(provider.id),
        flags=provider_flags(ctx, provider.id, max_jump_weeks),
        feedback=feedback_counts(ctx, Offering.provider_id, window_start(ctx), None,
                                 Offering.provider_id == provider.id).get(provider.id, FeedbackCounts()),
    )
