"""What the search reads from the register: the regions, a region's catalogue (and its fingerprint),
the candidate offerings around a place, and the names and contacts of the offerings shown.

search/service.py turns these rows into ranked, explained results; the plek-alert run
(services/alert_run.py) reads the same catalogue, contract rule and details.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from rapidfuzz import fuzz, process

from beschikbaarheid.domain import geo
from beschikbaarheid.domain.matching import CatalogueProduct, split_keywords
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Contract, Location, Municipality, Offering, Product, Provider, Region
from beschikbaarheid.search.forms import FieldError
from beschikbaarheid.services import feedback


@dataclass(frozen=True)
class RegionInfo:
    id: int
    name: str
    default_km: float | None = None  # the region's own default radius (None: SEARCH_DEFAULT_MAX_KM)


def regions() -> list[RegionInfo]:
    """All regions, first created first (the default region is the first)."""
    return [
        RegionInfo(r.id, r.name, r.search_default_km)
        for r in db.session.execute(sa.select(Region.id, Region.name, Region.search_default_km).order_by(Region.id))
    ]


def resolve_region(text: str, all_regions: list[RegionInfo]) -> RegionInfo | FieldError:
    """A region by id or name (case-insensitive); empty means the only/first region."""
    if not all_regions:
        return FieldError("region_missing", _("Er is nog geen regio ingericht; zoeken kan nog niet."))
    if not text:
        return all_regions[0]
    for region in all_regions:
        if text.isascii() and text.isdigit() and region.id == int(text):
            return region
        if region.name.casefold() == text.casefold():
            return region
    names = [r.name for r in all_regions]
    close = [m[0] for m in process.extract(text, names, scorer=fuzz.WRatio, limit=3, score_cutoff=50)]
    return FieldError("region_unknown", _("Onbekende regio: '%(name)s'.", name=text[:60]), tuple(close or names[:5]))


def catalogue(region_id: int) -> list[CatalogueProduct]:
    """The region's active products, by code: what a typed need is matched against (a deactivated
    product is no longer offered, so the search does not find it)."""
    return [
        CatalogueProduct(p.id, p.code, p.name, p.category, p.segment, p.form, split_keywords(p.keywords))
        for p in db.session.execute(
            sa.select(Product.id, Product.code, Product.name, Product.category, Product.segment, Product.form, Product.keywords)
            .where(Product.region_id == region_id, Product.active.is_(True))
            .order_by(Product.code)
        )
    ]


def catalogue_key(region_id: int, products: list[CatalogueProduct]) -> str:
    """A fingerprint of a region's catalogue as a need is matched against it: it changes when a
    product is added, deactivated or renamed, or its keywords change."""
    text = repr((region_id, [(p.id, p.code, p.name, p.category, p.segment, p.form, tuple(p.keywords)) for p in products]))
    return hashlib.sha256(text.encode()).hexdigest()


def candidates(region_id: int, product_ids, lat: float, lon: float, km: float, age: int, day: dt.date) -> list[sa.Row]:
    """The contracted offerings of these products at a location in the box around (lat, lon) that
    holds the circle of `km`, for a child of `age`, with what filtering and scoring need: one query
    over the coordinates index."""
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(lat, lon, km)
    # Executed on the session's connection (SQLAlchemy Core): these are plain rows, often a thousand,
    # and the ORM's result handling cost a third more CPU per row than the search could afford.
    return db.session.connection().execute(
        sa.select(  # Search.top unpacks the rows in this order
            Offering.id, Offering.product_id, Offering.age_min, Offering.age_max, Offering.target_groups_raw.label("target_groups_raw"),
            Offering.intake_status, Offering.waiting_weeks, Offering.free_places, Offering.updated_at, Location.lat, Location.lon,
            Offering.group_waits_raw.label("group_waits_raw"), feedback.open_count(Offering.id).label("open_reports"),
        )
        .join(Location, Location.id == Offering.location_id)
        .where(
            Location.lat.between(min_lat, max_lat),
            Location.lon.between(min_lon, max_lon),
            Offering.product_id.in_(list(product_ids)),
            Offering.age_min <= age,
            Offering.age_max >= age,
            contracted(region_id, day),
        )
    ).all()


def contracted(region_id, day: dt.date) -> sa.Exists:
    """The offering (of the enclosing query) is under a contract of the region active on `day`.
    `region_id` is a value or a column (e.g. the offering's product's region)."""
    return (
        sa.select(Contract.id)
        .where(
            Contract.region_id == region_id,
            Contract.provider_id == Offering.provider_id,
            Contract.product_id == Offering.product_id,
            Contract.is_active(day),
        )
        .exists()
    )


def details(offering_ids: list[int]) -> dict[int, sa.Row]:
    """Names, address and contact details of the offerings shown (a page shows a few dozen at most)."""
    if not offering_ids:
        return {}
    rows = db.session.execute(
        sa.select(
            Offering.id, Offering.provider_id, Location.name.label("location_name"), Location.postcode, Location.woonplaats,
            Municipality.name.label("municipality"), Provider.name.label("provider_name"),
            Provider.intake_phone, Provider.intake_email, Provider.crisis_phone, Provider.website,
            Offering.waiting_count, Offering.realised_wait_weeks, Offering.realised_started, Offering.realised_period_end,
        )
        .join(Location, Location.id == Offering.location_id)
        .join(Provider, Provider.id == Offering.provider_id)
        .outerjoin(Municipality, Municipality.id == Location.municipality_id)
        .where(Offering.id.in_(offering_ids))
    )
    return {row.id: row for row in rows}
