"""Plek-alert pages: save a search (POST from the results page), "Mijn zoekopdrachten" with renew and
stop, and the signed links of the mail, which work without login (GET shows, POST acts: mail
scanners prefetch links)."""
from __future__ import annotations

from urllib.parse import parse_qsl

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.datastructures import MultiDict
from wtforms import HiddenField

from beschikbaarheid import signed_links
from beschikbaarheid.auth import roles_required
from beschikbaarheid.domain import alerts as rules
from beschikbaarheid.domain.freshness import local_date
from beschikbaarheid.extensions import db
from beschikbaarheid.models import SearchAlert, utcnow
from beschikbaarheid.services import alerts as service

bp = Blueprint("alerts", __name__, url_prefix="/mijn-zoekopdrachten")
DB_ID = "int(max=2147483647)"  # as the other blueprints: a longer number is a 404, not a 500


class AlertForm(FlaskForm):
    """Save a search: its query string (the results page fills it in)."""

    q = HiddenField()


class ActionForm(FlaskForm):
    """Renew or stop: only the CSRF token."""


@bp.app_context_processor
def _alert_lifetime():
    """The search page's "Bewaar als plek-alert" and the link page say how long an alert runs."""
    return {"alert_lifetime_days": rules.LIFETIME_DAYS}


@bp.after_request
def _not_stored(response):
    """These pages show saved searches (a place, an age, a need): no cache keeps them."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _rows(alerts: list[SearchAlert]) -> list[dict]:
    now = utcnow()
    watched = service.matching_counts([a.id for a in alerts])
    return [{"alert": a, "criteria": service.describe(a.query), "active": rules.is_active(a.stopped_at, a.expires_at, now),
             "expired": a.stopped_at is None and a.expires_at <= now, "matching": watched.get(a.id, 0)} for a in alerts]


def _index_page(status: int = 200, error: str | None = None):
    alerts = service.user_alerts(current_user.id)
    return render_template("alerts/index.html", rows=_rows(alerts), form=ActionForm(), error=error,
                           max_active=rules.MAX_ACTIVE_PER_USER, lifetime_days=rules.LIFETIME_DAYS), status


@bp.get("/")
@roles_required("verwijzer")
def index():
    """Mijn zoekopdrachten: the referrer's own plek-alerts."""
    return _index_page()


@bp.post("/bewaren")
@roles_required("verwijzer")
def save():
    """Save the search on the results page as a plek-alert (the same search again renews it)."""
    form = AlertForm()
    if not form.validate():
        return _index_page(400, _("Het formulier is verlopen. Zoek opnieuw en bewaar de zoekopdracht dan nog eens."))
    try:
        _alert, created = service.save_alert(current_user, MultiDict(parse_qsl(form.q.data or "")))
    except service.AlertRefused as refused:
        db.session.rollback()
        return _index_page(400, refused.message)
    if created:
        flash(_("Plek-alert bewaard. U krijgt een e-mail zodra er een passende plek vrijkomt (hooguit één per dag)."), "success")
    else:
        flash(_("Deze zoekopdracht had u al bewaard; de plek-alert is verlengd."), "success")
    return redirect(url_for(".index"))


def _own(alert_id: int) -> SearchAlert:
    alert = service.own_alert(current_user.id, alert_id)
    if alert is None:
        abort(404)
    return alert


@bp.post(f"/<{DB_ID}:alert_id>/verlengen")
@roles_required("verwijzer")
def renew(alert_id: int):
    """Renew one's own alert: it runs another LIFETIME_DAYS from now."""
    alert = _own(alert_id)
    if not ActionForm().validate():
        return _index_page(400, _("Het formulier is verlopen. Probeer het opnieuw."))
    try:
        service.renew(alert)
    except service.AlertRefused as refused:
        db.session.rollback()
        return _index_page(400, refused.message)
    flash(_("Plek-alert verlengd tot %(day)s.", day=_day(alert.expires_at)), "success")
    return redirect(url_for(".index"))


@bp.post(f"/<{DB_ID}:alert_id>/stoppen")
@roles_required("verwijzer")
def stop(alert_id: int):
    """Stop one's own alert."""
    alert = _own(alert_id)
    if not ActionForm().validate():
        return _index_page(400, _("Het formulier is verlopen. Probeer het opnieuw."))
    service.stop(alert)
    flash(_("Plek-alert gestopt. U krijgt over deze zoekopdracht geen e-mail meer."), "success")
    return redirect(url_for(".index"))


def _day(moment) -> str:
    return format_date(local_date(moment), "d MMMM yyyy")


def _link_error(error: signed_links.SignedLinkError):
    return render_template("alerts/link_error.html", message=error.message, code=error.status), error.status


@bp.route("/link/<token>", methods=["GET", "POST"])
def link(token: str):
    """A mail's stop or renew link: the signed token is the credential, no login needed."""
    try:
        alert_id, purpose = service.load_token(token)
    except signed_links.SignedLinkError as error:
        return _link_error(error)
    alert = db.session.get(SearchAlert, alert_id)
    if alert is None:
        return _link_error(signed_links.LinkInvalid())
    form = ActionForm()
    if not form.validate_on_submit():
        status = 400 if form.is_submitted() else 200
        return render_template("alerts/link.html", alert=alert, purpose=purpose, criteria=service.describe(alert.query),
                               form=form, token=token, done=False, expires=_day(alert.expires_at)), status
    error = None
    if purpose == "stop":
        service.stop(alert)
    else:
        try:
            service.renew(alert)
        except service.AlertRefused as refused:
            db.session.rollback()
            error = refused.message
    return render_template("alerts/link.html", alert=alert, purpose=purpose, criteria=service.describe(alert.query),
                           form=form, token=token, done=error is None, error=error,
                           expires=_day(alert.expires_at)), 400 if error else 200
