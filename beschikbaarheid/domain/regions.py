"""Which purchasing regions a staff account may see: the one rule behind every region check.

A contract manager works for one region and sees only that region's data: its figures, and the
providers that hold a contract there (a provider may hold contracts in several regions). Without a
region a contract manager sees nothing. An administrator (beheerder) keeps the register of every
region (imports create regions, exports are per region), so region confinement does not apply to
that role; its region is the one its pages open with.
"""
from __future__ import annotations

# Roles that belong to a region (`flask users create --region` is required for them).
REGION_ROLES = ("contractmanager", "beheerder")
# Roles confined to their own region.
CONFINED_ROLES = ("contractmanager",)


def visible_regions(role: str, region_id: int | None) -> frozenset[int] | None:
    """The region ids a staff role may see: None means every region, an empty set none at all."""
    if role in CONFINED_ROLES:
        return frozenset({region_id}) if region_id else frozenset()
    if role == "beheerder":
        return None
    return frozenset()


def may_see(visible: frozenset[int] | None, region_ids) -> bool:
    """True when one of `region_ids` (the regions an object belongs to) is visible."""
    return visible is None or bool(visible & set(region_ids))
