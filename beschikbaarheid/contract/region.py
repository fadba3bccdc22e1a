"""The frame of every contract-manager figure: which region, at which moment, with which policy
numbers, and which of the region's offerings are under an active contract that day."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from beschikbaarheid.domain import freshness
from beschikbaarheid.domain.regions import visible_regions
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Contract, Offering, Product, Region

SOURCE = "Beschikbaarheidswijzer"


@dataclass(frozen=True)
class Context:
    """Region, moment and the region's policy numbers: what a page and its export report against."""

    region: Region
    as_of: dt.datetime
    target: float
    norm_weeks: int

    @property
    def local(self) -> dt.datetime:
        """The moment in Amsterdam time, as printed on the page."""
        return self.as_of.astimezone(freshness.TZ)

    @property
    def today(self) -> dt.date:
        """Today in Amsterdam: the day whose contracts count."""
        return freshness.local_date(self.as_of)

    @property
    def year(self) -> int:
        """The contract year the denominator names."""
        return self.local.year

    @property
    def denominator(self) -> str:
        """Who is counted, in the words of the export notes."""
        return f"gecontracteerde aanbieders {self.year} (contract actief op {self.local:%d-%m-%Y})"

    @property
    def source_line(self) -> str:
        """'Bron: ..., peildatum ..., noemer: ...' as printed under every figure."""
        return f"Bron: {SOURCE}, peildatum {self.local:%d-%m-%Y %H:%M}, noemer: {self.denominator}"


def regions() -> list[Region]:
    """All regions by name, for an administrator's region picker."""
    return list(db.session.scalars(sa.select(Region).order_by(Region.name)))


def resolve_region(user, requested_id: int | None) -> Region | None:
    """A confined user (contract manager) always sees their own region and never picks another
    (no region: None); an administrator the requested, their own or the first one."""
    visible = visible_regions(getattr(user, "role", ""), getattr(user, "region_id", None))
    if visible is not None:
        return db.session.get(Region, next(iter(visible))) if visible else None
    for region_id in (requested_id, getattr(user, "region_id", None)):
        found = db.session.get(Region, region_id) if region_id else None
        if found:
            return found
    return db.session.scalar(sa.select(Region).order_by(Region.name).limit(1))


def context_for(region: Region, as_of: dt.datetime, config) -> Context:
    """The region's own target and waiting norm, else the settings' defaults."""
    target = region.compliance_target if region.compliance_target is not None else config["COMPLIANCE_TARGET"]
    norm = region.waiting_norm_weeks if region.waiting_norm_weeks is not None else config["WAITING_NORM_WEEKS"]
    return Context(region, as_of, float(target), int(norm))


def contracted_pairs(region_id: int, on: dt.date):
    """(provider_id, product_id) under an active contract in the region on `on`, each pair once."""
    return (
        sa.select(Contract.provider_id, Contract.product_id)
        .where(Contract.region_id == region_id, Contract.is_active(on))
        .distinct()
        .subquery("k")
    )


def is_contracted(region_id: int, on: dt.date):
    """SQL condition on Offering: its provider holds an active contract for its product in the region."""
    return sa.exists(
        sa.select(1).where(
            Contract.region_id == region_id,
            Contract.provider_id == Offering.provider_id,
            Contract.product_id == Offering.product_id,
            Contract.is_active(on),
        )
    )


def products_by_id(ids: Iterable[int | None]) -> dict[int, Product]:
    """The products behind a set of ids (one query), to name them on a page."""
    wanted = [i for i in set(ids) if i]
    if not wanted:
        return {}
    return {p.id: p for p in db.session.scalars(sa.select(Product).where(Product.id.in_(wanted)))}
