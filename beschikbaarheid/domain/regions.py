"""Which purchasing regions a staff account may see: the one rule behind every region check.

A contract manager works for one region and sees only that region's data: its figures, and the
providers that hold a contract there (a provider may hold contracts in several regions). Without a
region a contract manager sees nothing.

An administrator (beheerder) of a region sees and changes only that region: its register, its
users and its audit trail, exactly as a contract manager is confined. An administrator without a
region is the installation's administrator: it keeps every region (an import of a new region's
catalogue creates that region, so somebody must be allowed to do that), and only such an
administrator may appoint another one. The CLI creates it with `users create --role beheerder
--all-regions`.
"""
from __future__ import annotations

# Roles that belong to a region (`flask users create --region` is required for them).
REGION_ROLES = ("contractmanager", "beheerder")
# Roles confined to their own region.
CONFINED_ROLES = ("contractmanager", "beheerder")


def visible_regions(role: str, region_id: int | None) -> frozenset[int] | None:
    """The region ids a staff role may see: None means every region, an empty set none at all."""
    if role == "beheerder" and region_id is None:
        return None  # the installation's administrator
    if role in CONFINED_ROLES:
        return frozenset({region_id}) if region_id else frozenset()
    return frozenset()


def is_installation_admin(role: str, region_id: int | None) -> bool:
    """A beheerder without a region: administers every region."""
    return role == "beheerder" and region_id is None


def may_see(visible: frozenset[int] | None, region_ids) -> bool:
    """True when one of `region_ids` (the regions an object belongs to) is visible."""
    return visible is None or bool(visible & set(region_ids))
