"""Region confinement for staff pages (contract managers, and administrators where they read a
region's data): which regions the logged-in user sees, and whether a provider or offering reached
by id lies in one of them. The rule itself is `domain.regions`; this module only asks the database.

Out-of-region objects answer 404, exactly like ids that do not exist.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, make_response, render_template

from beschikbaarheid.domain.regions import may_see, visible_regions
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Contract, Offering, Provider


def visible_region_ids(user) -> frozenset[int] | None:
    """The region ids `user` may see (None: every region; empty: none)."""
    return visible_regions(getattr(user, "role", ""), getattr(user, "region_id", None))


def has_no_region(user) -> bool:
    """A staff user confined to a region but without one: sees nothing."""
    return visible_region_ids(user) == frozenset()


def no_region_page():
    """Abort with the Dutch 'no region' page (403): no data at all for an account without a region."""
    abort(make_response(render_template("no_region.html"), 403))


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
    visible = visible_region_ids(user)
    return sa.true() if visible is None else Contract.region_id.in_(sorted(visible))


def visible_provider_filter(user):
    """SQL condition on Provider for lists: only providers with a contract in the user's regions."""
    if visible_region_ids(user) is None:
        return sa.true()
    return Provider.id.in_(sa.select(Contract.provider_id).where(visible_contract_filter(user)))
