"""The coordination point's blueprint and its two doors.

- The coordinator (a contract manager or administrator holding the right user.is_coordinator) sees
  every page, for its own region only (an installation administrator picks the region).
- A logged-in referrer sees the best-match list, not the overview's management pages nor the log.
"""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, request
from flask_login import current_user, login_required

from beschikbaarheid import region_access
from beschikbaarheid.contract.region import regions, resolve_region
from beschikbaarheid.domain.gezinshuis import is_coordinator
from beschikbaarheid.models import Region

bp = Blueprint("gezinshuis", __name__, url_prefix="/gezinshuizen")


def user_is_coordinator(user) -> bool:
    return user.is_authenticated and is_coordinator(user.role, user.is_coordinator)


def coordinator_required(view):
    """Only the coordinator; anyone else logged in gets 403, anonymous users go to the login."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not user_is_coordinator(current_user):
            abort(403)
        if region_access.has_no_region(current_user):
            region_access.no_region_page()
        return view(*args, **kwargs)

    return wrapped


def matcher_required(view):
    """The coordinator or a logged-in referrer (verwijzer)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not (user_is_coordinator(current_user) or current_user.role == "verwijzer"):
            abort(403)
        if current_user.role != "verwijzer" and region_access.has_no_region(current_user):
            region_access.no_region_page()
        return view(*args, **kwargs)

    return wrapped


def coordinator_region() -> Region:
    """The coordinator's region (an installation administrator: ?regio=, its own or the first)."""
    requested = request.args.get("regio", "")
    region = resolve_region(current_user, int(requested) if requested.isascii() and requested.isdigit() and len(requested) <= 9 else None)
    if region is None:
        abort(404)
    return region


def region_choices() -> list:
    """The regions to pick from: all of them for an installation administrator, none (no picker) for
    a coordinator bound to one region or a referrer."""
    if not user_is_coordinator(current_user) or region_access.visible_region_ids(current_user) is not None:
        return []
    return regions()
