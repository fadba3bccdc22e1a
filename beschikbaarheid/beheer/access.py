"""Which region a beheerder may keep: the one check behind every page under /beheer/regio/<id>/.

`admin_region_or_404` is region_access.region_or_404, the confinement every role shares
(domain/regions.py): a beheerder with a region keeps only that region, one without a region (the
installation's administrator) keeps all. Another region answers 404, exactly like a region that
does not exist.
"""
from __future__ import annotations

from flask import abort

from beschikbaarheid.extensions import db
from beschikbaarheid.models import Region
from beschikbaarheid.region_access import region_or_404


def in_region_or_404(model, object_id: int, region: Region):
    """A product or contract (anything with a region_id) of this region; another region's: 404."""
    found = db.session.get(model, object_id)
    if found is None or found.region_id != region.id:
        abort(404)
    return found


def admin_region_or_404(user, region_id: int) -> Region:
    """The region, if it exists and `user` keeps its register; else 404."""
    return region_or_404(user, region_id)
