"""Which region a beheerder may keep: the one check behind every page under /beheer/regio/<id>/.

One function on purpose (`admin_region_or_404`): when region confinement for beheerders lands in
domain/regions.py and region_access.py, this is the one place to point at it. A beheerder with a
region keeps only that region; one without a region (the installation's administrator) keeps all.
Another region answers 404, exactly like a region that does not exist.
"""
from __future__ import annotations

from flask import abort

from beschikbaarheid.extensions import db
from beschikbaarheid.models import Region


def in_region_or_404(model, object_id: int, region: Region):
    """A product or contract (anything with a region_id) of this region; another region's: 404."""
    found = db.session.get(model, object_id)
    if found is None or found.region_id != region.id:
        abort(404)
    return found


def admin_region_or_404(user, region_id: int) -> Region:
    """The region, if it exists and `user` keeps its register; else 404."""
    region = db.session.get(Region, region_id)
    own = getattr(user, "region_id", None)
    if region is None or (own is not None and own != region.id):
        abort(404)
    return region
