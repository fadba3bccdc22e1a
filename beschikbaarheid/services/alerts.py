"""Plek-alerts: a referrer saves a search, renews or stops it, and the signed links of its mail.

Every evaluation runs the search itself (search/service.run_search, in-process), so an alert
matches exactly what the search page would show (its results and "verder weg"); what "opened up"
means is domain/alerts.py. What the search showed is kept per alert (`alert_seen`), so each change
is mailed once: the first evaluation, right when the alert is saved, only sets that baseline. The
daily run that mails what opened up is services/alert_run.py.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict

from beschikbaarheid import signed_links
from beschikbaarheid.domain import alerts as rules
from beschikbaarheid.domain.client_data import check_free_text
from beschikbaarheid.extensions import db
from beschikbaarheid.models import (
    TARGET_GROUPS,
    AlertSeen,
    SearchAlert,
    User,
    utcnow,
)
from beschikbaarheid.models.alerts import ALERT_QUERY_MAX
from beschikbaarheid.search import service as search
from beschikbaarheid.search.forms import parse_search_args

ALERT_HEADER = "X-Beschikbaarheid-Plekalert"
LINK_SALT = "plek-alert-v1"
TOKEN_PURPOSES = ("stop", "renew")
TOKEN_MAX_AGE_DAYS = 120  # longer than an alert lives: a stop link in an old mail still works



class AlertRefused(Exception):
    """An alert cannot be saved or renewed; the message is Dutch (or the reader's language) and safe to show."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


# --- saving, renewing, stopping ---------------------------------------------------------------


def normalised_query(outcome: search.SearchOutcome) -> str:
    """The search's parameters as one stable query string, with no more than the search needs: a
    postcode is kept as its PC4 (the search places it there anyway), defaults are left out."""
    data = outcome.input
    place = outcome.place
    pairs: list[tuple[str, str]] = []
    if data.regio:
        pairs.append(("regio", str(outcome.region.id) if outcome.region else data.regio))
    pairs.append(("locatie", place.pc4 if place is not None and place.kind == "pc4" and place.pc4 else data.locatie))
    pairs.append(("leeftijd", str(data.leeftijd)))
    if data.product:
        pairs.append(("product", data.product))
    if data.segment is not None:
        pairs.append(("segment", str(data.segment)))
    pairs.extend(("doelgroepen", g) for g in sorted(data.doelgroepen))
    if data.raw.get("max_km"):
        pairs.append(("max_km", f"{data.max_km:g}"))
    if data.max_wachttijd is not None:
        pairs.append(("max_wachttijd", str(data.max_wachttijd)))
    if data.ook_gesloten:
        pairs.append(("ook_gesloten", "1"))
    return urlencode(pairs)


def query_args(query: str) -> MultiDict:
    """A stored query string as the search reads it."""
    return MultiDict(parse_qsl(query, keep_blank_values=False))


def active_count(user_id: int, now: dt.datetime) -> int:
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(SearchAlert)
        .where(SearchAlert.user_id == user_id, SearchAlert.stopped_at.is_(None), SearchAlert.expires_at > now)
    ) or 0


def save_alert(user: User, args: Mapping, *, now: dt.datetime | None = None) -> tuple[SearchAlert, bool]:
    """Save the search `args` as an alert of `user` and set its baseline; (alert, created).

    The same search saved again renews the existing alert instead of making a second one. Raises
    AlertRefused for a search that does not run, a need that looks like client data, or when the
    user already has MAX_ACTIVE_PER_USER active alerts. Commits.
    """
    now = now or utcnow()
    outcome = search.run_search(args, now=now)
    if not outcome.ok:
        raise AlertRefused(_("Deze zoekopdracht is niet compleet of niet geldig. Zoek eerst met plaats, leeftijd en hulpvraag, en bewaar dan."))
    problem = check_free_text(outcome.input.product, multiline=False, _=_)
    if problem:
        raise AlertRefused(problem)
    query = normalised_query(outcome)
    if len(query) > ALERT_QUERY_MAX:
        raise AlertRefused(_("Deze zoekopdracht is te lang om te bewaren."))
    existing = db.session.scalars(
        sa.select(SearchAlert).where(SearchAlert.user_id == user.id, SearchAlert.query == query, SearchAlert.stopped_at.is_(None),
                                     SearchAlert.expires_at > now)
    ).first()
    if existing is not None:
        renew(existing, now=now)
        return existing, False
    if active_count(user.id, now) >= rules.MAX_ACTIVE_PER_USER:
        raise AlertRefused(_("U hebt al %(n)d actieve plek-alerts, het maximum. Stop er eerst een op de pagina Mijn zoekopdrachten.",
                             n=rules.MAX_ACTIVE_PER_USER))
    alert = SearchAlert(user_id=user.id, query=query, created_at=now, expires_at=rules.expiry(now), product_ids="")
    db.session.add(alert)
    db.session.flush()
    write_evaluation(alert, outcome, now)
    db.session.commit()
    return alert, True


def renew(alert: SearchAlert, *, now: dt.datetime | None = None) -> None:
    """Let the alert run LIFETIME_DAYS from now. A stopped or expired alert starts again with a new
    baseline (what opened up while it did not run is not mailed). Commits."""
    now = now or utcnow()
    if not rules.is_active(alert.stopped_at, alert.expires_at, now):
        if active_count(alert.user_id, now) >= rules.MAX_ACTIVE_PER_USER:
            raise AlertRefused(_("U hebt al %(n)d actieve plek-alerts, het maximum. Stop er eerst een op de pagina Mijn zoekopdrachten.",
                                 n=rules.MAX_ACTIVE_PER_USER))
        alert.stopped_at = None
        outcome = search.run_search(query_args(alert.query), now=now)
        write_evaluation(alert, outcome, now)
    alert.renewed_at = now
    alert.expires_at = rules.expiry(now)
    db.session.commit()


def stop(alert: SearchAlert, *, now: dt.datetime | None = None) -> None:
    """Stop the alert (no more evaluations or mails); stopping twice changes nothing. Commits."""
    if alert.stopped_at is None:
        alert.stopped_at = now or utcnow()
    db.session.commit()


def own_alert(user_id: int, alert_id: int) -> SearchAlert | None:
    """The alert if it belongs to this user (someone else's is as good as absent)."""
    alert = db.session.get(SearchAlert, alert_id)
    return alert if alert is not None and alert.user_id == user_id else None


def user_alerts(user_id: int) -> list[SearchAlert]:
    """A user's alerts, newest first (stopped ones too, so the list says what happened)."""
    return list(db.session.scalars(
        sa.select(SearchAlert).where(SearchAlert.user_id == user_id).order_by(SearchAlert.created_at.desc(), SearchAlert.id.desc())
    ))


def describe(query: str) -> list[tuple[str, str]]:
    """The saved search in words, e.g. [('Hulpvraag', 'gezinshuis'), ('Plaats', '5701'), ...]."""
    data = parse_search_args(query_args(query))
    parts = []
    if data.product:
        parts.append((_("Hulpvraag"), data.product))
    if data.segment is not None:
        parts.append((_("Segment"), str(data.segment)))
    parts.append((_("Postcode of woonplaats"), data.locatie))
    if data.leeftijd is not None:
        parts.append((_("Leeftijd"), _("%(n)d jaar", n=data.leeftijd)))
    if data.doelgroepen:
        parts.append((_("Doelgroepen"), ", ".join(str(TARGET_GROUPS.get(g, g)) for g in data.doelgroepen)))
    if data.raw.get("max_km"):
        parts.append((_("Maximale afstand"), _("%(km)s km", km=f"{data.max_km:g}")))
    if data.max_wachttijd is not None:
        parts.append((_("Maximale wachttijd"), _("%(n)d weken", n=data.max_wachttijd)))
    if data.ook_gesloten:
        parts.append((_("Ook met intakestop"), _("ja")))
    return parts


# --- signed links in the mail -----------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=LINK_SALT)


def make_token(alert_id: int, purpose: str) -> str:
    """A signed token that lets whoever holds the mail stop or renew this one alert, without login."""
    if purpose not in TOKEN_PURPOSES:
        raise ValueError(f"unknown alert link purpose {purpose!r}")
    return _serializer().dumps({"a": int(alert_id), "u": purpose})


def load_token(token: str) -> tuple[int, str]:
    """(alert id, purpose) of a valid token; signed_links.LinkExpired / LinkInvalid otherwise."""
    try:
        payload = _serializer().loads(token, max_age=TOKEN_MAX_AGE_DAYS * 86400)
    except SignatureExpired as exc:
        raise signed_links.LinkExpired() from exc
    except BadSignature as exc:
        raise signed_links.LinkInvalid() from exc
    if not isinstance(payload, dict) or payload.get("u") not in TOKEN_PURPOSES or not isinstance(payload.get("a"), int):
        raise signed_links.LinkInvalid()
    return payload["a"], payload["u"]


# --- evaluation -------------------------------------------------------------------------------


def current_seen(outcome: search.SearchOutcome) -> dict[int, rules.Seen]:
    """What the search shows now (results and "verder weg"), as the rules compare it."""
    return {r.offering_id: rules.Seen(r.free_places, r.intake_status, r.waiting_weeks) for r in (*outcome.results, *outcome.far)}


def write_evaluation(alert, outcome: search.SearchOutcome, now: dt.datetime, **extra) -> None:
    """The alert's snapshot becomes what the search shows now, and it remembers where it looked.
    `alert` is a SearchAlert or the job's AlertState; the row is written with SQL (the job holds no
    ORM objects, so its many commits stay cheap). Does not commit."""
    db.session.execute(sa.delete(AlertSeen).where(AlertSeen.alert_id == alert.id))
    seen = current_seen(outcome) if outcome.ok else {}
    if seen:
        db.session.execute(sa.insert(AlertSeen), [
            {"alert_id": alert.id, "offering_id": oid, "free_places": s.free_places, "intake_status": s.intake_status,
             "waiting_weeks": s.waiting_weeks}
            for oid, s in seen.items()
        ])
    values = {"checked_at": now, **extra}
    if outcome.ok:
        # Far results appear when few fit within the radius: then changes that far away matter too.
        few = outcome.nearby_total < int(current_app.config["SEARCH_MIN_NEARBY_RESULTS"])
        values.update(lat=outcome.place.lat, lon=outcome.place.lon, reach_km=outcome.far_km if few else outcome.radius_km,
                      product_ids="|" + "|".join(str(p) for p in sorted(outcome.need.strengths)) + "|")
    db.session.execute(sa.update(SearchAlert).where(SearchAlert.id == alert.id).values(**values)
                       .execution_options(synchronize_session=False))
    for key, value in values.items():
        setattr(alert, key, value)
