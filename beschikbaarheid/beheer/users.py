"""The administrator's user pages (/beheer/gebruikers): list and search, invite, change role or
region, deactivate and reactivate, resend an invitation. Thin: every change goes through
services/users.py, which checks the rules and records the audit trail.

A region's administrator reaches only the users of its region; any other id is a 404, as if absent.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from beschikbaarheid import accounts, region_access
from beschikbaarheid.auth import after_response, roles_required
from beschikbaarheid.beheer.user_forms import ActionForm, InviteForm, PlacementForm
from beschikbaarheid.domain.regions import is_installation_admin
from beschikbaarheid.extensions import db
from beschikbaarheid.models import User
from beschikbaarheid.services import users as user_changes

bp = Blueprint("beheer_users", __name__, url_prefix="/beheer/gebruikers")

DB_ID = "int(max=2147483647)"
RESULTS_ID = "gebruikers-resultaat"  # the table the live filter (htmx) replaces


def me() -> User:
    """The logged-in user as a database row (the actor of every change)."""
    return db.session.get(User, current_user.id)


def _with_choices(form: PlacementForm) -> PlacementForm:
    """The regions and providers this administrator may choose from."""
    actor = me()
    form.set_choices(region_access.visible_region_list(actor),
                     user_changes.provider_choices(actor, region_access.visible_provider_filter(actor)),
                     installation_admin=is_installation_admin(actor.role, actor.region_id))
    return form


def _user_or_404(user_id: int) -> User:
    user = user_changes.managed_user(me(), user_id)
    if user is None:
        abort(404)
    return user


def _wants_rows() -> bool:
    """htmx asked for the result table only (the live filter)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == RESULTS_ID \
        and request.headers.get("HX-History-Restore-Request") != "true"


@bp.route("/")
@roles_required("beheerder")
def index():
    """Users of the region with role, last login and open invitations; ?q= searches name and e-mail."""
    query = request.args.get("q", "").replace("\x00", "")[:100]
    users = user_changes.search_users(me(), query)
    template = "beheer/_user_rows.html" if _wants_rows() else "beheer/users.html"
    return render_template(template, users=users, total=user_changes.count_users(me(), query), q=query,
                           pending=user_changes.is_pending, results_id=RESULTS_ID)


def send_invitation_after_response(user: User) -> None:
    """Mail the invitation once the response is out (as reset mails go); a failure is logged."""
    after_response(user_changes.send_invitation_mail, user.id, me().name)


@bp.route("/uitnodigen", methods=["GET", "POST"])
@roles_required("beheerder")
def invite():
    """Invite somebody by e-mail: the account waits until its holder chooses a password through the link."""
    form = _with_choices(InviteForm())
    if request.method == "GET":
        form.region_id.data = str(me().region_id or "")
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            user = user_changes.invite(me(), name=form.name.data, email=form.email.data, **form.placement())
        except user_changes.Refused as exc:
            db.session.rollback()
            return render_template("beheer/user_invite.html", form=form, problems=exc.messages), exc.status
        except accounts.AccountError as exc:
            db.session.rollback()
            return render_template("beheer/user_invite.html", form=form, problems=exc.messages), 400
        db.session.commit()
        send_invitation_after_response(user)
        flash(_("Uitnodiging verstuurd naar %(email)s. De link is 72 uur geldig.", email=user.email), "success")
        return redirect(url_for(".detail", user_id=user.id))
    return render_template("beheer/user_invite.html", form=form, problems=[]), status


def _render_detail(user: User, form: PlacementForm | None = None, problems: list[str] | None = None, status: int = 200):
    if form is None:
        form = _with_choices(PlacementForm(formdata=None))
        form.role.data, form.referrer_type.data = user.role, user.referrer_type or ""
        form.provider_id.data, form.region_id.data = str(user.provider_id or ""), str(user.region_id or "")
        form.is_org_admin.data = user.is_org_admin
        form.is_coordinator.data = user.is_coordinator
    return render_template("beheer/user_detail.html", user=user, form=form, action_form=ActionForm(), problems=problems or [],
                           pending=user_changes.is_pending(user)), status


@bp.route(f"/<{DB_ID}:user_id>", methods=["GET", "POST"])
@roles_required("beheerder")
def detail(user_id: int):
    """One account: its facts, a change of role or region, and the buttons to (de)activate or re-invite."""
    user = _user_or_404(user_id)
    if request.method == "GET":
        return _render_detail(user)
    form = _with_choices(PlacementForm())
    if not form.validate():
        return _render_detail(user, form, status=400)
    try:
        changed = user_changes.change_placement(me(), user, **form.placement())
    except user_changes.Refused as exc:
        db.session.rollback()
        return _render_detail(db.session.get(User, user_id), form, exc.messages, exc.status)
    except accounts.AccountError as exc:
        db.session.rollback()
        return _render_detail(db.session.get(User, user_id), form, exc.messages, 400)
    db.session.commit()
    flash(_("Rol, regio en rechten van %(name)s opgeslagen.", name=user.name) if changed
          else _("Er is niets gewijzigd."), "success" if changed else "info")
    return redirect(url_for(".detail", user_id=user.id))


def run_action(user: User, change, message: str, render_refusal, then=None):
    """Apply one account action (deactivate, reactivate, resend) posted with a CSRF token: commit, run
    `then(user)` (e.g. queue the mail), flash `message` (with %(name)s / %(email)s). A refusal is
    answered by `render_refusal(problems, status)` and saves nothing; None means done."""
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        change(me(), user)
    except user_changes.Refused as exc:
        db.session.rollback()
        return render_refusal(exc.messages, exc.status)
    db.session.commit()
    if then is not None:
        then(user)
    flash(message % {"name": user.name, "email": user.email}, "success")
    return None


def _act(user_id: int, change, message: str, then=None):
    """An action on one account of the region, answered by its page."""
    user = _user_or_404(user_id)
    refused = run_action(user, change, message, lambda problems, status: _render_detail(user, problems=problems, status=status), then)
    return refused or redirect(url_for(".detail", user_id=user.id))


@bp.route(f"/<{DB_ID}:user_id>/deactiveren", methods=["POST"])
@roles_required("beheerder")
def deactivate(user_id: int):
    """No more logins; every session ends. The account stays, so the history keeps its author."""
    return _act(user_id, user_changes.deactivate, _("%(name)s is gedeactiveerd en overal uitgelogd."))


@bp.route(f"/<{DB_ID}:user_id>/activeren", methods=["POST"])
@roles_required("beheerder")
def reactivate(user_id: int):
    """The account can log in again."""
    return _act(user_id, user_changes.reactivate, _("%(name)s is weer actief."))


@bp.route(f"/<{DB_ID}:user_id>/opnieuw-uitnodigen", methods=["POST"])
@roles_required("beheerder")
def resend(user_id: int):
    """A new invitation mail with a new link; older links stop working."""
    return _act(user_id, user_changes.resend_invitation, _("Nieuwe uitnodiging verstuurd naar %(email)s."), then=send_invitation_after_response)
