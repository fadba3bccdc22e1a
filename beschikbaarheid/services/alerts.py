"""Plek-alerts: a referrer saves a search, renews or stops it, and the signed links of its mail.

An alert watches every offering that matches its search: the search's own filters within the
distance it looks (search/service.matching: its radius, or "verder weg" when few fit there). When
the alert is saved, renewed after a stop, or its search runs again after failing, those offerings'
figures become its snapshot (`alert_seen`, the baseline): only what opens up afterwards is mailed.
What "opened up" means is domain/alerts.py; the daily run that mails it is services/alert_run.py.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
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
from beschikbaarheid.search import reads
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
    write_baseline(alert, baseline(outcome), now)
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
        write_baseline(alert, baseline(search.prepare(query_args(alert.query), now=now)), now)
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


def matching_counts(alert_ids: list[int]) -> dict[int, int]:
    """Per alert, how many offerings matched its search when it last looked (what it watches now)."""
    if not alert_ids:
        return {}
    return dict(db.session.execute(
        sa.select(AlertSeen.alert_id, sa.func.count()).where(AlertSeen.alert_id.in_(alert_ids), AlertSeen.matches.is_(True))
        .group_by(AlertSeen.alert_id)
    ).all())


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


@dataclass
class Baseline:
    """Where an alert looks, which catalogue its need was matched against, and every offering that
    matches its search there now; `looks` is None when the search cannot run (a place or need no
    longer found)."""

    looks: dict | None  # SearchAlert columns: lat, lon, reach_km, product_ids, catalogue_key
    found: list[search.Match]

    @property
    def seen(self) -> dict[int, rules.Seen]:
        return {m.row.id: rules.Seen(m.row.free_places, m.row.intake_status, m.wait[0]) for m in self.found}


def baseline(outcome: search.SearchOutcome, reach_km: float | None = None) -> Baseline:
    """The baseline of a prepared search (search.prepare or run_search). The distance it looks is
    the search's own (its radius, or "verder weg" when few match within it), unless `reach_km`
    keeps the one an alert has: an alert looks as far as its search did when it was set."""
    if outcome.criteria is None:
        return Baseline(None, [])
    reach, found = search.matching(outcome, reach_km)
    looks = {"lat": outcome.place.lat, "lon": outcome.place.lon, "reach_km": reach,
             "product_ids": "|" + "|".join(str(p) for p in sorted(outcome.need.strengths)) + "|",
             "catalogue_key": reads.catalogue_key(outcome.region.id, outcome.catalogue)}
    return Baseline(looks, found)


def write_baseline(alert, base: Baseline, now: dt.datetime) -> None:
    """The alert's snapshot becomes `base`. `alert` is a SearchAlert or the job's AlertState; the rows
    are written with SQL (the job holds no ORM objects, so its many commits stay cheap). An alert
    whose search cannot run forgets where it looked, so the job tries it again the next day. Does
    not commit."""
    db.session.execute(sa.delete(AlertSeen).where(AlertSeen.alert_id == alert.id))
    seen = base.seen
    if seen:
        db.session.execute(sa.insert(AlertSeen), [
            {"alert_id": alert.id, "offering_id": oid, "free_places": s.free_places, "intake_status": s.intake_status,
             "waiting_weeks": s.waiting_weeks, "matches": True}
            for oid, s in seen.items()
        ])
    values = {"checked_at": now, **(base.looks or {"lat": None, "lon": None, "reach_km": None, "product_ids": "", "catalogue_key": None})}
    db.session.execute(sa.update(SearchAlert).where(SearchAlert.id == alert.id).values(**values)
                       .execution_options(synchronize_session=False))
    for key, value in values.items():
        setattr(alert, key, value)
