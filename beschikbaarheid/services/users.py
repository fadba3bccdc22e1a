"""Every administrative change to a user account: invite, resend an invitation, change role or
region, deactivate and reactivate. Used by the administrator's pages, the provider's "Collega's"
page and the CLI.

Each function checks the rules (domain/users.py), changes the account, records an audit event in
the same transaction (services/audit.py) and leaves the commit to the caller, so a refusal saves
nothing. The invitation mail goes after the commit (`send_invitation_mail`).
"""
from __future__ import annotations

import dataclasses

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import gettext as _

from beschikbaarheid import accounts, mail
from beschikbaarheid.domain import users as rules
from beschikbaarheid.domain.gezinshuis import is_coordinator as coordinator_right
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Provider, Region, User, utcnow
from beschikbaarheid.services import audit

N_ = str  # marks a Dutch text for pybabel; the page translates it
ALREADY_ACCEPTED = N_("Deze gebruiker heeft de uitnodiging al aangenomen. Wachtwoord vergeten? Dat kan via de inlogpagina.")
DEACTIVATED = N_("Deze gebruiker is gedeactiveerd. Activeer het account eerst opnieuw.")

def placement_snapshot(user: User, *extra: str) -> dict[str, str | None]:
    """Role, region and provider (their names, not ids), referrer type, org-admin and coordinator flags: what the
    audit trail records and compares (old -> new), plus `extra` attributes."""
    values = audit.snapshot(user, ("role", "referrer_type", "is_org_admin", "is_coordinator", *extra))
    values["region"] = user.region.name if user.region else None
    values["provider"] = user.provider.name if user.provider else None
    return values


class Refused(accounts.AccountError):
    """A change the rules forbid (last administrator, yourself, another region): a 409 or 403, not a typo."""

    def __init__(self, messages: list[str], status: int = 409):
        super().__init__(messages)
        self.status = status


def standing(user: User) -> rules.Standing:
    """The facts of an account the rules look at."""
    return rules.Standing(id=user.id, role=user.role, region_id=user.region_id, provider_id=user.provider_id,
                          active=bool(user.active), is_org_admin=bool(user.is_org_admin))


def actor_standing(actor) -> rules.Standing:
    """The acting user's standing; the CLI acts as the installation's administrator."""
    if isinstance(actor, User):
        return standing(actor)
    return rules.Standing(id=None, role="beheerder", region_id=None)


def _audit_actor(actor):
    return actor if isinstance(actor, User) else (actor or "cli")


def managed_users_filter(actor: User):
    """SQL condition on User: the accounts the actor manages (domain/users.may_manage in SQL)."""
    me = standing(actor)
    if me.role == "beheerder":
        return sa.true() if me.region_id is None else User.region_id == me.region_id
    if rules.is_org_admin(me):
        return sa.and_(User.role == "aanbieder", User.provider_id == me.provider_id)
    return sa.false()


USER_LIST_LIMIT = 500  # a page lists at most this many accounts; a search narrows them down


def _found_filter(actor: User, query: str):
    """SQL condition: accounts the actor manages whose name or e-mail contains every word of `query`."""
    conditions = [managed_users_filter(actor)]
    for word in (query or "").strip().lower().split()[:5]:
        pattern = "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        conditions.append(sa.or_(sa.func.lower(User.name).like(pattern, escape="\\"), sa.func.lower(User.email).like(pattern, escape="\\")))
    return sa.and_(*conditions)


def search_users(actor: User, query: str = "") -> list[User]:
    """The accounts the actor manages whose name or e-mail contains `query`, by name (at most USER_LIST_LIMIT)."""
    stmt = sa.select(User).where(_found_filter(actor, query)).order_by(sa.func.lower(User.name), User.id).limit(USER_LIST_LIMIT)
    return list(db.session.scalars(stmt))


def count_users(actor: User, query: str = "") -> int:
    """How many accounts `search_users` would list without its limit."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(User).where(_found_filter(actor, query)))


def managed_user(actor: User, user_id: int) -> User | None:
    """The account, if it exists and the actor manages it (None otherwise: the caller answers 404)."""
    user = db.session.get(User, user_id)
    return user if user is not None and rules.may_manage(standing(actor), standing(user)) else None


def is_pending(user: User) -> bool:
    """Invited and not yet accepted."""
    return rules.invitation_pending(user.invited_at is not None, user.last_login_at is not None)


def _other_active_beheerders(user: User) -> int:
    """Active administrators of the user's region besides the user."""
    if user.region_id is None:
        return 0
    return db.session.scalar(sa.select(sa.func.count()).select_from(User).where(
        User.role == "beheerder", User.region_id == user.region_id, User.active.is_(True), User.id != user.id)) or 0


def invite(actor, *, email: str, name: str, role: str, region_id: int | None = None, provider_id: int | None = None,
           referrer_type: str | None = None, is_org_admin: bool = False, is_coordinator: bool = False) -> User:
    """Create an account that waits for its holder to choose a password through the mailed link (not
    committed). An organisation administrator invites aanbieder colleagues of its own provider only."""
    me = actor_standing(actor)
    if rules.is_org_admin(me):
        role, provider_id, region_id, referrer_type = "aanbieder", me.provider_id, me.region_id, None
    problems = rules.placement_problems(me, role, region_id)
    if problems:
        raise Refused(problems, status=403)
    user = accounts.create_user(email=email, name=name, role=role, password=accounts.unusable_password(),
                                provider=provider_id, referrer_type=referrer_type or None, region_id=region_id)
    user.is_org_admin = bool(is_org_admin) and role == "aanbieder"
    user.is_coordinator = coordinator_right(role, bool(is_coordinator))
    user.invited_at = utcnow()
    db.session.flush()
    audit.record(_audit_actor(actor), region_id=region_id, action="user.invite", entity="user", entity_id=user.id,
                 summary=f"{user.name} <{user.email}>",
                 changes=audit.diff({}, placement_snapshot(user, "email", "name")))
    return user


def resend_invitation(actor, user: User) -> None:
    """A new invitation link; older links stop working (the unusable password is replaced). Only for an
    invitation that has not been accepted: an account in use keeps its password."""
    if not is_pending(user):
        raise Refused([ALREADY_ACCEPTED])
    if not user.active:
        raise Refused([DEACTIVATED])
    accounts.set_unusable_password(user)
    user.invited_at = utcnow()
    audit.record(_audit_actor(actor), region_id=user.region_id, action="user.resend", entity="user", entity_id=user.id,
                 summary=f"{user.name} <{user.email}>")


def _set_active(actor, user: User, active: bool) -> None:
    before = standing(user)
    after = dataclasses.replace(before, active=active)
    problems = rules.change_problems(actor_standing(actor), before, after, _other_active_beheerders(user))
    if problems:
        raise Refused(problems)
    if user.active == active:
        return
    user.active = active  # deactivation ends every session of the user (models.core)
    audit.record(_audit_actor(actor), region_id=user.region_id, action="user.reactivate" if active else "user.deactivate",
                 entity="user", entity_id=user.id, summary=f"{user.name} <{user.email}>",
                 changes={"active": [audit.as_text(not active), audit.as_text(active)]})


def deactivate(actor, user: User) -> None:
    """No more logins and every session ends; the account stays, so history keeps its author (not committed)."""
    _set_active(actor, user, False)


def reactivate(actor, user: User) -> None:
    """The account can log in again with its old password (not committed)."""
    _set_active(actor, user, True)


def change_placement(actor, user: User, *, role: str, region_id: int | None, provider_id: int | None = None,
                     referrer_type: str | None = None, is_org_admin: bool = False, is_coordinator: bool = False) -> bool:
    """A new role, region, provider, referrer type or coordinator right (not committed); True when anything changed.
    The user's sessions end when role, provider or region change (models.core)."""
    before = standing(user)
    after = rules.Standing(id=user.id, role=role, region_id=region_id, provider_id=provider_id, active=user.active)
    problems = rules.change_problems(actor_standing(actor), before, after, _other_active_beheerders(user))
    if problems:
        raise Refused(problems, status=403 if rules.ROLE_NOT_ALLOWED in problems or rules.OWN_REGION_ONLY in problems else 409)
    role_problems, provider_obj = accounts.role_data_problems(role, provider_id, referrer_type or None)
    if role_problems:
        raise accounts.AccountError(role_problems)
    old = placement_snapshot(user)
    user.role, user.region = role, (db.session.get(Region, region_id) if region_id is not None else None)
    user.provider = provider_obj
    user.referrer_type = referrer_type if role == "verwijzer" else None
    user.is_org_admin = bool(is_org_admin) and role == "aanbieder"
    user.is_coordinator = coordinator_right(role, bool(is_coordinator))  # only a contract manager or administrator holds it
    changes = audit.diff(old, placement_snapshot(user))
    if not changes:
        return False
    audit.record(_audit_actor(actor), region_id=region_id if region_id is not None else before.region_id, action="user.role",
                 entity="user", entity_id=user.id, summary=f"{user.name} <{user.email}>", changes=changes)
    return True


def provider_choices(actor: User, visible_provider_filter) -> list[Provider]:
    """Providers an invited aanbieder user can belong to: those the actor sees, by name."""
    return list(db.session.scalars(sa.select(Provider).where(visible_provider_filter).order_by(Provider.name)))


def send_invitation_mail(user_id: int, inviter: str) -> None:
    """Mail the invitation link (after the commit, typically after the response). Sends nothing when
    the invitation is no longer open."""
    from beschikbaarheid.signed_links import external_url

    user = db.session.get(User, user_id)
    if user is None or not user.active or not is_pending(user):
        return
    context = {"user": user, "inviter": inviter, "link": external_url("auth.accept_invitation", token=accounts.make_invitation_token(user)),
               "hours": accounts.invitation_max_age() // 3600, "base_url": current_app.config["PUBLIC_BASE_URL"]}
    mail.send(mail.Mail(
        to=user.email,
        subject=_("Uitnodiging voor de Beschikbaarheidswijzer jeugdhulp"),
        text=render_template("auth/invitation_mail.txt", **context),
        html=render_template("auth/invitation_mail.html", **context),
        headers={"Auto-Submitted": "auto-generated"},
    ))
