"""Who may manage which user accounts, and the rule that keeps every region administered.

Plain values in, plain values out (no Flask, no database): the services ask the database for the
facts and these functions decide. Messages are Dutch msgids; the caller translates them.

- A region's administrator manages the users of its own region (User.region_id); the installation's
  administrator (a beheerder without a region, domain/regions.py) manages every user and is the only
  one who may appoint another administrator without a region.
- A provider's organisation administrator (an aanbieder user with is_org_admin) manages the aanbieder
  users of its own provider, and invites only aanbieder users of that provider.
- Nobody deactivates, demotes or moves themselves: a slip would lock the person out.
- The last active administrator of a region cannot be deactivated, demoted or moved to another region.
"""
from __future__ import annotations

from dataclasses import dataclass

from beschikbaarheid.domain.regions import is_installation_admin

ROLES = ("verwijzer", "aanbieder", "contractmanager", "beheerder")

N_ = str  # marks a Dutch text for pybabel; `_` translates it where it is shown
LAST_BEHEERDER = N_("Dit is de laatste actieve beheerder van de regio. Benoem eerst een andere beheerder.")
NOT_YOURSELF = N_("U kunt uw eigen account niet deactiveren en uw eigen rol of regio niet wijzigen.")
REGION_REQUIRED = N_("Kies een regio.")
OWN_REGION_ONLY = N_("U kunt alleen gebruikers in uw eigen regio uitnodigen of plaatsen.")
REGIONLESS_BEHEERDER = N_("Alleen een beheerder zonder regio mag een beheerder zonder regio benoemen.")
ROLE_NOT_ALLOWED = N_("Die rol kunt u niet toekennen.")


@dataclass(frozen=True)
class Standing:
    """What matters of an account for these rules."""

    id: int | None
    role: str
    region_id: int | None
    provider_id: int | None = None
    active: bool = True
    is_org_admin: bool = False


def is_org_admin(actor: Standing) -> bool:
    """An aanbieder user who administers its provider's colleagues."""
    return actor.role == "aanbieder" and actor.is_org_admin and actor.provider_id is not None


def may_manage(actor: Standing, target: Standing) -> bool:
    """The actor may see and change the target's account."""
    if actor.role == "beheerder":
        return is_installation_admin(actor.role, actor.region_id) or (target.region_id is not None and target.region_id == actor.region_id)
    if is_org_admin(actor):
        return target.role == "aanbieder" and target.provider_id == actor.provider_id
    return False


def assignable_roles(actor: Standing) -> tuple[str, ...]:
    """The roles the actor may give in an invitation or a change of role."""
    if actor.role == "beheerder":
        return ROLES
    if is_org_admin(actor):
        return ("aanbieder",)
    return ()


def placement_problems(actor: Standing, role: str, region_id: int | None) -> list[str]:
    """Why the actor may not give an account this role in this region (empty: it may)."""
    if role not in assignable_roles(actor):
        return [ROLE_NOT_ALLOWED]
    if actor.role != "beheerder":  # an organisation administrator: the region is its own account's
        return []
    installation = is_installation_admin(actor.role, actor.region_id)
    if region_id is None:
        if role == "beheerder" and installation:
            return []
        return [REGIONLESS_BEHEERDER if role == "beheerder" else REGION_REQUIRED]
    if not installation and region_id != actor.region_id:
        return [OWN_REGION_ONLY]
    return []


def keeps_a_beheerder(before: Standing, after: Standing, other_active_beheerders: int) -> bool:
    """False when `before` is its region's only active administrator and `after` no longer is one
    there (deactivated, another role or another region)."""
    was = before.active and before.role == "beheerder" and before.region_id is not None
    stays = after.active and after.role == "beheerder" and after.region_id == before.region_id
    return not was or stays or other_active_beheerders > 0


def change_problems(actor: Standing, before: Standing, after: Standing, other_active_beheerders: int) -> list[str]:
    """Why the actor may not turn account `before` into `after` (empty: it may)."""
    if not may_manage(actor, before):
        return [ROLE_NOT_ALLOWED]
    if actor.id is not None and actor.id == before.id and (before.role, before.region_id, before.active) != (after.role, after.region_id, after.active):
        return [NOT_YOURSELF]
    problems = []
    if (after.role, after.region_id) != (before.role, before.region_id):
        problems += placement_problems(actor, after.role, after.region_id)
    if not keeps_a_beheerder(before, after, other_active_beheerders):
        problems.append(LAST_BEHEERDER)
    return problems


def invitation_pending(invited: bool, logged_in_once: bool) -> bool:
    """Invited and never logged in: the invitation has not been accepted (accepting logs the user in)."""
    return invited and not logged_in_once
