"""Region confinement for staff pages (contract managers and administrators): which regions the
logged-in user sees, and whether a region, provider or offering reached by id lies in one of them. The rule itself is `domain.regions`; this module only asks the database.

Out-of-region objects answer 404, exactly like ids that do not exist.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, make_response, render_template

from beschikbaarheid.domain.regions import may_see, visible_regions
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Contract, Offering, Provider, Region


def visible_region_ids(user) -> frozenset[int] | None:
    """The region ids `user` may see (None: every region; empty: none)."""
    return visible_regions(getattr(user, "role", ""), getattr(user, "region_id", None))


def has_no_region(user) -> bool:
    """A staff user confined to a region but without one: sees nothing."""
    return visible_region_ids(user) == frozenset()


def no_region_page():
    """Abort with the Dutch 'no region' page (403): no data at all for an account without a region."""
    abort(make_response(render_template("no_region.html"), 403))


def region_visible(user, region_id: int | None) -> bool:
    """The user sees this region (a region id of None, an installation-wide object: administrators without a region only)."""
    visible = visible_region_ids(user)
    return visible is None or (region_id is not None and may_see(visible, {region_id}))


def region_or_404(user, region_id: int) -> Region:
    """The region, if it exists and the user sees it; else 404 (as if it did not exist)."""
    region = db.session.get(Region, region_id)
    if region is None or not region_visible(user, region_id):
        abort(404)
    return region


def region_filter(user, column):
    """SQL condition on a region id column (Region.id, Product.region_id, ...): the user's regions only."""
    visible = visible_region_ids(user)
    return sa.true() if visible is None else column.in_(sorted(visible))


def visible_region_list(user) -> list[Region]:
    """The regions the user sees, by name (an administrator's region picker)."""
    return list(db.session.scalars(sa.select(Region).where(region_filter(user, Region.id)).order_by(Region.name)))


def provider_regions(provider_id: int) -> set[int]:
    """The regions in which the provider holds (or held) a contract."""
    return set(db.session.scalars(sa.select(Contract.region_id).where(Contract.provider_id == provider_id).distinct()))


def provider_or_404(user, provider_id: int) -> Provider:
    """The provider, if it exists and holds a contract in a region `user` sees; else 404."""
    provider = db.session.get(Provider, provider_id)
    if provider is None or not provider_visible(user, provider_id):
        abort(404)
    return provider


def provider_visible(user, provider_id: int) -> bool:
    """The provider holds a contract in one of the user's regions (administrators: every provider)."""
    visible = visible_region_ids(user)
    return visible is None or may_see(visible, provider_regions(provider_id))


def offering_visible(user, offering: Offering) -> bool:
    """The offering's product belongs to one of the user's regions (products are per region)."""
    return may_see(visible_region_ids(user), {offering.product.region_id})


def visible_contract_filter(user):
    """SQL condition on Contract: only contracts in the user's regions."""
    return region_filter(user, Contract.region_id)


def visible_provider_filter(user):
    """SQL condition on Provider for lists: only providers with a contract in the user's regions."""
    if visible_region_ids(user) is None:
        return sa.true()
    return Provider.id.in_(sa.select(Contract.provider_id).where(visible_contract_filter(user)))
