"""Shortage per product for the region: children waiting, free places and contracted capacity of the
contracted offer, with how many offerings reported a count of children waiting (the coverage that is
every figure's denominator), and one product's month-by-month trend replayed from the history."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import sqlalchemy as sa

from beschikbaarheid.contract.region import SOURCE, Context, is_contracted
from beschikbaarheid.contract.waiting import replay_figures
from beschikbaarheid.domain import compliance
from beschikbaarheid.exports import Table, percent
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Offering, Product

TREND_MONTHS = 12
FIELDS = ("waiting_count", "free_places", "capacity")


@dataclass
class Shortage:
    """Sums over contracted offerings, each with how many offerings the sum is over."""

    offerings: int = 0  # contracted offerings: the denominator
    reported: int = 0  # of which reported children waiting
    waiting: int = 0
    free_reported: int = 0
    free: int = 0
    capacity_reported: int = 0
    capacity: int = 0

    @property
    def coverage(self) -> float | None:
        """Share of the contracted offerings that reported how many children wait."""
        return self.reported / self.offerings if self.offerings else None

    def add(self, waiting: int | None, free: int | None, capacity: int | None) -> None:
        """Count one offering's figures in (unknown ones only in the denominator)."""
        self.offerings += 1
        if waiting is not None:
            self.reported += 1
            self.waiting += waiting
        if free is not None:
            self.free_reported += 1
            self.free += free
        if capacity is not None:
            self.capacity_reported += 1
            self.capacity += capacity


@dataclass
class ProductShortage:
    product: Product
    now: Shortage


@dataclass
class ShortagePage:
    """Every product's shortage today, the region's total, the chosen product and its trend."""

    products: list[ProductShortage]
    total: Shortage
    chosen: Product | None
    trend: list[tuple[dt.date, Shortage]]


def shortage_overview(ctx: Context) -> list[ProductShortage]:
    """Per product of the catalogue with contracted offerings: the sums of today's figures (one query)."""
    counted = sa.func.count
    rows = db.session.execute(
        sa.select(Offering.product_id, counted(), counted(Offering.waiting_count), sa.func.coalesce(sa.func.sum(Offering.waiting_count), 0),
                  counted(Offering.free_places), sa.func.coalesce(sa.func.sum(Offering.free_places), 0),
                  counted(Offering.capacity), sa.func.coalesce(sa.func.sum(Offering.capacity), 0))
        .where(is_contracted(ctx.region.id, ctx.today))
        .group_by(Offering.product_id)
    ).all()
    sums = {pid: Shortage(*(int(v) for v in rest)) for pid, *rest in rows}
    catalogue = db.session.scalars(sa.select(Product).where(Product.region_id == ctx.region.id).order_by(Product.segment, Product.code))
    return [ProductShortage(p, sums[p.id]) for p in catalogue if p.id in sums]


def shortage_at(ctx: Context, months: list[dt.date], product_ids: list[int] | None = None, replayed=None) -> dict[int, list[Shortage]]:
    """Per product, the sums at each month end (the running month: now), replayed from the history
    (or from `replayed`, a replay_figures result with at least FIELDS for these months)."""
    replayed, provider_of = replayed or replay_figures(ctx, months, FIELDS, product_ids)
    out: dict[int, list[Shortage]] = {}
    for oid, (product_id, figures) in replayed.values.items():
        waiting, free, capacity = (figures[f] for f in FIELDS)
        pair = (provider_of[oid], product_id)
        for i in range(len(months)):
            if pair in replayed.contracted[i] and replayed.existed(oid, i):
                if product_id not in out:
                    out[product_id] = [Shortage() for _ in months]
                out[product_id][i].add(waiting[i], free[i], capacity[i])
    return out


def shortage_page(ctx: Context, product_id: int | None) -> ShortagePage:
    """The overview, and the trend of the asked product or else of the product with the most children waiting."""
    products = shortage_overview(ctx)
    total = Shortage()
    for ps in products:
        for name in vars(total):
            setattr(total, name, getattr(total, name) + getattr(ps.now, name))
    chosen = next((ps.product for ps in products if ps.product.id == product_id), None)
    if chosen is None and products:
        chosen = max(products, key=lambda ps: (ps.now.waiting, ps.now.reported, -ps.product.id)).product
    trend = []
    if chosen is not None:
        months = compliance.months_back(ctx.as_of, TREND_MONTHS)
        series = shortage_at(ctx, months, [chosen.id]).get(chosen.id) or [Shortage() for _ in months]
        trend = list(zip(months, series))
    return ShortagePage(products, total, chosen, trend)


COLUMNS = ["Productcode", "Product", "Segment", "Gecontracteerd aanbod", "Met aantal wachtenden", "Dekking (%)", "Wachtenden",
           "Met vrije plekken", "Vrije plekken", "Met capaciteit", "Capaciteit"]


def shortage_row(product: Product, s: Shortage) -> list:
    """One product's row in a download."""
    return [product.code, product.name, product.segment, s.offerings, s.reported, percent(s.coverage), s.waiting,
            s.free_reported, s.free, s.capacity_reported, s.capacity]


def shortage_notes(ctx: Context) -> list[tuple[str, str]]:
    """What the sums are over: the denominators of a shortage download."""
    return [("Regio", ctx.region.name),
            ("Noemer", "gecontracteerd aanbod (product op een locatie) met een actief contract op de peildatum"),
            ("Dekking", "aandeel van dat aanbod dat een aantal wachtenden opgaf; de sommen tellen alleen opgegeven aantallen"),
            ("Wachtenden", "jeugdigen die zijn aangemeld en wachten op de start (aantallen, niets over een kind)")]


def shortage_table(ctx: Context) -> Table:
    """Today's shortage per product, as a download."""
    return Table(
        title=f"Tekort per product — {ctx.region.name}",
        source=f"{SOURCE} (opgave aanbieders per aanbod)",
        as_of=ctx.as_of,
        columns=COLUMNS,
        rows=[shortage_row(ps.product, ps.now) for ps in shortage_overview(ctx)],
        notes=shortage_notes(ctx),
        sheet="Tekort per product",
    )
