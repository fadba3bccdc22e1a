"""Waiting times of the region's contracted offer per product: range, median, P90 and the share
above the norm today, one product's month-by-month trend replayed from the history, and the export."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from beschikbaarheid.contract.region import SOURCE, Context, is_contracted
from beschikbaarheid.domain import compliance, waiting_stats
from beschikbaarheid.domain.waiting_stats import WaitingChange, WaitingStats, to_int
from beschikbaarheid.exports import Table, percent
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Contract, Offering, OfferingChange, Product

TREND_MONTHS = 12


@dataclass
class ProductWaiting:
    """One product's row on the page: contracted providers, the spread of its waiting weeks, how many are stale."""

    product: Product
    providers: int
    stats: WaitingStats
    stale: int


def norm_for(ctx: Context, product: Product) -> int:
    """The waiting-time norm a product is measured against: its own (set in the catalogue), else the region's."""
    return product.waiting_norm_weeks or ctx.norm_weeks


def waiting_overview(ctx: Context) -> list[ProductWaiting]:
    """Per product of the catalogue: contracted providers and the spread of published waiting weeks.

    The database returns one row per product and waiting time (with how many offerings publish it
    and how many of those are stale), so tens of thousands of offerings arrive as a few thousand rows.
    """
    providers = dict(db.session.execute(
        sa.select(Contract.product_id, sa.func.count(sa.distinct(Contract.provider_id)))
        .where(Contract.region_id == ctx.region.id, Contract.is_active(ctx.today))
        .group_by(Contract.product_id)
    ).tuples().all())
    values: dict[int, list[int | None]] = defaultdict(list)
    stale: dict[int, int] = defaultdict(int)
    for product_id, weeks, n, n_stale in db.session.execute(
        sa.select(Offering.product_id, Offering.waiting_weeks, sa.func.count(), sa.func.count(sa.case((Offering.is_stale(ctx.as_of), 1))))
        .where(is_contracted(ctx.region.id, ctx.today))
        .group_by(Offering.product_id, Offering.waiting_weeks)
    ):
        values[product_id] += [weeks] * n
        stale[product_id] += n_stale
    catalogue = db.session.scalars(sa.select(Product).where(Product.region_id == ctx.region.id).order_by(Product.segment, Product.code))
    return [
        ProductWaiting(product, providers.get(product.id, 0), waiting_stats.waiting_stats(values.get(product.id, []), norm_for(ctx, product)),
                       stale.get(product.id, 0))
        for product in catalogue
        if product.id in providers or product.id in values
    ]


def waiting_trend(ctx: Context, product: Product, months: int = TREND_MONTHS) -> list[tuple[dt.date, WaitingStats]]:
    """Per month end (the running month: now) the waiting weeks in force, replayed from the history."""
    offerings = db.session.execute(
        sa.select(Offering.id, Offering.provider_id, Offering.waiting_weeks, Offering.updated_at).where(Offering.product_id == product.id)
    ).all()
    of_product = sa.select(Offering.id).where(Offering.product_id == product.id)
    changes: dict[int, list[WaitingChange]] = defaultdict(list)
    created: set[int] = set()  # offerings whose waiting-time history starts with their creation
    for oid, at, kind, old, new in db.session.execute(
        sa.select(OfferingChange.offering_id, OfferingChange.changed_at, OfferingChange.kind, OfferingChange.old_value,
                  OfferingChange.new_value)
        .where(OfferingChange.offering_id.in_(of_product), OfferingChange.field == "waiting_weeks",
               OfferingChange.kind.in_(("create", "update")))
        .order_by(OfferingChange.changed_at, OfferingChange.id)
    ):
        if kind == "create" and oid not in changes:
            created.add(oid)
        changes[oid].append(WaitingChange(at, to_int(old), to_int(new)))
    # Before a creation row the offering showed nothing (that row's old value), so only the others
    # need their first history row of any kind to know since when they existed; an offering without
    # any history has existed since its last update.
    others = [oid for oid, *_ in offerings if oid not in created]
    born: dict[int, dt.datetime | None] = dict.fromkeys(created)
    if others:
        born.update(db.session.execute(
            sa.select(OfferingChange.offering_id, sa.func.min(OfferingChange.changed_at))
            .where(OfferingChange.offering_id.in_(others))
            .group_by(OfferingChange.offering_id)
        ).tuples().all())
    wanted = compliance.months_back(ctx.as_of, months)
    days = [compliance.contract_day(month, ctx.as_of) for month in wanted]
    # Per provider, for each month: a contract for this product active on that month's contract day.
    active = db.session.execute(
        sa.select(Contract.provider_id, *(sa.func.max(sa.case((Contract.is_active(day), 1), else_=0)) for day in days))
        .where(Contract.region_id == ctx.region.id, Contract.product_id == product.id)
        .group_by(Contract.provider_id)
    ).all()
    # In UTC like the history's timestamps: comparing datetimes of one time zone is much cheaper.
    moments = [compliance.month_last_instant(m).astimezone(dt.timezone.utc) for m in wanted[:-1]] + [ctx.as_of]
    per_offering = {
        oid: (provider_id, waiting_stats.values_at(changes.get(oid, []), moments, born=born.get(oid, updated_at), current=weeks))
        for oid, provider_id, weeks, updated_at in offerings
    }
    series = []
    for i, month in enumerate(wanted):
        contracted = {provider_id for provider_id, *in_month in active if in_month[i]}
        values = [replayed[i] for provider_id, replayed in per_offering.values() if provider_id in contracted]
        series.append((month, waiting_stats.waiting_stats(values, norm_for(ctx, product))))
    return series


@dataclass
class WaitingPage:
    """The overview, the product whose trend is shown, and that trend."""

    overview: list[ProductWaiting]
    chosen: Product | None
    trend: list[tuple[dt.date, WaitingStats]]


def waiting_page(ctx: Context, product_id: int | None) -> WaitingPage:
    """The overview and the trend of the asked product, or else of the product with the most waiting times."""
    overview = waiting_overview(ctx)
    chosen = next((pw.product for pw in overview if pw.product.id == product_id), None)
    if chosen is None and overview:
        chosen = max(overview, key=lambda pw: (pw.stats.count, -pw.product.id)).product
    return WaitingPage(overview, chosen, waiting_trend(ctx, chosen) if chosen is not None else [])


def waiting_table(ctx: Context) -> Table:
    """The overview as a download, with the norm and how the percentiles are computed."""
    rows = []
    for pw in waiting_overview(ctx):
        s = pw.stats
        rows.append([pw.product.code, pw.product.name, pw.product.segment, pw.providers, s.count, s.minimum, s.maximum,
                     None if s.median is None else float(s.median), None if s.p90 is None else float(s.p90), norm_for(ctx, pw.product),
                     s.above_norm, percent(s.share_above_norm), pw.stale])
    return Table(
        title=f"Wachttijden per product — {ctx.region.name}",
        source=SOURCE,
        as_of=ctx.as_of,
        columns=["Productcode", "Product", "Segment", "Gecontracteerde aanbieders", "Aanbod met wachttijd", "Minimum (weken)",
                 "Maximum (weken)", "Mediaan (weken)", "P90 (weken)", "Norm (weken)", "Boven norm", "Aandeel boven norm (%)",
                 "Waarvan niet bijgewerkt deze maand"],
        rows=rows,
        notes=[("Regio", ctx.region.name), ("Eenheid", "gecontracteerd aanbod (product op een locatie) met een ingevulde wachttijd"),
               ("Percentielen", "lineaire interpolatie (zoals Excel PERCENTIEL.INC)")],
        sheet="Wachttijden",
    )
