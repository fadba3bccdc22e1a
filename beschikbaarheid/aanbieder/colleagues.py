"""'Collega's' (/aanbieder/collegas): a provider's organisation administrator (an aanbieder user with
is_org_admin) lists, invites, deactivates and reactivates the aanbieder users of its own provider.

Other aanbieder users get 403; another provider's user ids answer 404, as if absent. The changes go
through services/users.py (rules, audit trail) like the administrator's.
"""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from beschikbaarheid import accounts
from beschikbaarheid.auth import roles_required
from beschikbaarheid.beheer.user_forms import ActionForm, ColleagueInviteForm
from beschikbaarheid.beheer.users import me, run_action, send_invitation_after_response
from beschikbaarheid.domain import users as rules
from beschikbaarheid.extensions import db
from beschikbaarheid.models import User
from beschikbaarheid.services import users as user_changes

bp = Blueprint("colleagues", __name__, url_prefix="/aanbieder/collegas")

DB_ID = "int(max=2147483647)"


@bp.before_request
def _org_admins_only():
    """Only a provider's organisation administrators (anonymous visitors: to the login page)."""
    if current_user.is_authenticated and not rules.is_org_admin(user_changes.standing(me())):
        abort(403)


def _render(form: ColleagueInviteForm | None = None, problems: list[str] | None = None, status: int = 200):
    actor = me()
    return render_template("aanbieder/colleagues.html", colleagues=user_changes.search_users(actor), form=form or ColleagueInviteForm(formdata=None),
                           action_form=ActionForm(), problems=problems or [], pending=user_changes.is_pending, provider=actor.provider), status


@bp.route("/", methods=["GET", "POST"])
@roles_required("aanbieder")
def index():
    """The provider's users, and a form to invite a colleague."""
    if request.method == "GET":
        return _render()
    form = ColleagueInviteForm()
    if not form.validate_on_submit():
        return _render(form, status=400)
    try:
        user = user_changes.invite(me(), name=form.name.data, email=form.email.data, role="aanbieder", is_org_admin=form.is_org_admin.data)
    except accounts.AccountError as exc:
        db.session.rollback()
        return _render(form, exc.messages, getattr(exc, "status", 400))
    db.session.commit()
    send_invitation_after_response(user)
    flash(_("Uitnodiging verstuurd naar %(email)s. De link is 72 uur geldig.", email=user.email), "success")
    return redirect(url_for(".index"))


def _colleague_or_404(user_id: int) -> User:
    user = user_changes.managed_user(me(), user_id)
    if user is None:
        abort(404)
    return user


def _act(user_id: int, change, message: str, then=None):
    """An action on one colleague, answered by the colleagues page."""
    user = _colleague_or_404(user_id)
    refused = run_action(user, change, message, lambda problems, status: _render(problems=problems, status=status), then)
    return refused or redirect(url_for(".index"))


@bp.route(f"/<{DB_ID}:user_id>/deactiveren", methods=["POST"])
@roles_required("aanbieder")
def deactivate(user_id: int):
    """A colleague can no longer log in; every session of theirs ends."""
    return _act(user_id, user_changes.deactivate, _("%(name)s is gedeactiveerd en overal uitgelogd."))


@bp.route(f"/<{DB_ID}:user_id>/activeren", methods=["POST"])
@roles_required("aanbieder")
def reactivate(user_id: int):
    """A colleague can log in again."""
    return _act(user_id, user_changes.reactivate, _("%(name)s is weer actief."))


@bp.route(f"/<{DB_ID}:user_id>/opnieuw-uitnodigen", methods=["POST"])
@roles_required("aanbieder")
def resend(user_id: int):
    """A new invitation mail; older links stop working."""
    return _act(user_id, user_changes.resend_invitation, _("Nieuwe uitnodiging verstuurd naar %(email)s."), then=send_invitation_after_response)
