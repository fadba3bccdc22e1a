"""The daily plek-alert run (`run_alerts`, started by jobs/alerts.py): find what opened up for each
saved search (services/alerts.py) and mail it.

It does not run every saved search: it reads the offering changes since each alert was last checked
(`offering_change`, and contracts that started) and runs a search again only when a change of one
of its products, within the distance it looked, could open something up (domain/alerts.may_open). A
change that can only make an offering worse updates the snapshot's figures directly, so a later
improvement is still compared with the right value. Identical saved searches are run once.

Mail: at most one per alert per (Amsterdam) day, claimed before it is sent (services/mail_claims.py,
as the "Klopt dit niet?" mail): the day's `alert_mail` row is claimed ('sending') and committed before
the mail goes out (unique per alert and day); the snapshot moves on only in the transaction that
marks the mail sent. A failed send leaves the snapshot as it was, so the next run finds the same
openings and retries (up to ALERT_MAIL_MAX_ATTEMPTS the same day); a sent mail is never repeated.
"""
from __future__ import annotations

import datetime as dt
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, render_template
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from beschikbaarheid import mail as mailer
from beschikbaarheid import signed_links
from beschikbaarheid.domain import alerts as rules
from beschikbaarheid.domain import geo, scoring, wait_figures
from beschikbaarheid.domain.freshness import TZ, local_date
from beschikbaarheid.extensions import db
from beschikbaarheid.models import (
    AlertMail,
    AlertSeen,
    Contract,
    Location,
    Offering,
    OfferingChange,
    SearchAlert,
    User,
    utcnow,
)
from beschikbaarheid.search import service as search
from beschikbaarheid.search.forms import parse_search_args
from beschikbaarheid.services import mail_claims

from beschikbaarheid.services import alerts as saved

KIND_LABELS = {
    rules.NEW_MATCH: _l("past nu bij uw zoekopdracht"),
    rules.PLACE_FREED: _l("er is een plek vrijgekomen"),
    rules.INTAKE_REOPENED: _l("de intake is weer open"),
    rules.WAIT_WITHIN_MAX: _l("de wachttijd is binnen uw maximum gekomen"),
}


@dataclass
class AlertState:
    """What the job needs of an alert, as plain values."""

    id: int
    user_id: int
    query: str
    checked_at: dt.datetime | None
    lat: float | None
    lon: float | None
    reach_km: float | None
    product_ids: str
    last_mailed_day: dt.date | None

    @property
    def product_id_set(self) -> set[int]:
        return {int(p) for p in self.product_ids.split("|") if p}


def _snapshots(alert_ids: list[int]) -> dict[int, dict[int, rules.Seen]]:
    found: dict[int, dict[int, rules.Seen]] = defaultdict(dict)
    for start in range(0, len(alert_ids), 500):
        for row in db.session.execute(
            sa.select(AlertSeen.alert_id, AlertSeen.offering_id, AlertSeen.free_places, AlertSeen.intake_status, AlertSeen.waiting_weeks)
            .where(AlertSeen.alert_id.in_(alert_ids[start:start + 500]))
        ):
            found[row.alert_id][row.offering_id] = rules.Seen(row.free_places, row.intake_status, row.waiting_weeks)
    return found


@dataclass
class Change:
    """An offering that changed since some moment: where it is, its figures now, and whether the
    change could open something up (domain/alerts.may_open)."""

    offering_id: int
    product_id: int
    lat: float
    lon: float
    at: dt.datetime
    may_open: bool
    now: sa.Row  # free_places, intake_status, waiting_weeks, group_waits_raw, age_min, age_max, target_groups_raw


def changes_since(since: dt.datetime, now: dt.datetime) -> dict[int, list[Change]]:
    """Offering changes after `since` (not confirmations), and offerings whose contract started
    since then, per product id."""
    rows: list[tuple[int, dt.datetime, bool]] = [
        (oid, at, rules.may_open(field, old, new) if kind == "update" else True)
        for oid, at, kind, field, old, new in db.session.execute(
            sa.select(OfferingChange.offering_id, OfferingChange.changed_at, OfferingChange.kind, OfferingChange.field,
                      OfferingChange.old_value, OfferingChange.new_value)
            .where(OfferingChange.changed_at > since, OfferingChange.kind != "confirm")
        )
    ]
    started = db.session.execute(
        sa.select(Offering.id, Contract.valid_from)
        .join(Contract, sa.and_(Contract.provider_id == Offering.provider_id, Contract.product_id == Offering.product_id))
        .where(Contract.valid_from > local_date(since), Contract.valid_from <= local_date(now))
    ).all()
    for oid, valid_from in started:
        rows.append((oid, dt.datetime.combine(valid_from, dt.time(), TZ), True))
    if not rows:
        return {}
    ids = sorted({oid for oid, _at, _may in rows})
    where: dict[int, sa.Row] = {}
    for start in range(0, len(ids), 900):
        for row in db.session.execute(
            sa.select(Offering.id, Offering.product_id, Location.lat, Location.lon, Offering.free_places, Offering.intake_status,
                      Offering.waiting_weeks, Offering.group_waits_raw, Offering.age_min, Offering.age_max, Offering.target_groups_raw)
            .join(Location, Location.id == Offering.location_id).where(Offering.id.in_(ids[start:start + 900]))
        ):
            where[row.id] = row
    per_product: dict[int, list[Change]] = defaultdict(list)
    for oid, at, may in rows:
        if oid in where:
            row = where[oid]
            per_product[row.product_id].append(Change(oid, row.product_id, row.lat, row.lon, at, may, row))
    return per_product


def relevant_changes(alert: AlertState, changes: Mapping[int, list[Change]]) -> list[Change]:
    """The changes after the alert's last check of its products within the distance it looked."""
    if alert.lat is None or alert.reach_km is None:
        return []
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(alert.lat, alert.lon, alert.reach_km)
    return [
        c for pid in alert.product_id_set for c in changes.get(pid, ())
        if c.at > alert.checked_at and min_lat <= c.lat <= max_lat and min_lon <= c.lon <= max_lon
    ]


def criteria_of(query: str) -> scoring.Criteria | None:
    """The hard filters of a saved search (None when it no longer parses)."""
    data = parse_search_args(saved.query_args(query))
    if data.leeftijd is None:
        return None
    return scoring.Criteria(age=data.leeftijd, required_groups=frozenset(data.doelgroepen), max_waiting_weeks=data.max_wachttijd,
                            include_closed=data.ook_gesloten)


def seen_now(change: Change, criteria: scoring.Criteria) -> rules.Seen:
    """An offering's figures now as this search would show them (the wait of its target groups)."""
    row = change.now
    wait = row.waiting_weeks
    if criteria.required_groups and row.group_waits_raw:
        wait = wait_figures.applied_wait(row.waiting_weeks, wait_figures.parse_group_waits(row.group_waits_raw), criteria.required_groups)[0]
    return rules.Seen(row.free_places, row.intake_status, wait)


def could_open(alert: AlertState, relevant: list[Change], snapshot: Mapping[int, rules.Seen]) -> bool:
    """Whether a change could be an opening for this alert: the offering now passes the search's
    filters (scoring.eligible) within the distance it looked, and compared with the snapshot the
    rules call it one. Only then the search itself runs, to confirm it is shown and to mail it."""
    candidates = [c for c in relevant if c.may_open]
    if not candidates:
        return False
    criteria = criteria_of(alert.query)
    if criteria is None:
        return True  # let the search say what is wrong
    for change in candidates:
        row = change.now
        seen = seen_now(change, criteria)
        groups = frozenset(g for g in row.target_groups_raw.split("|") if g)
        if not scoring.eligible(age_min=row.age_min, age_max=row.age_max, groups=groups, intake_status=row.intake_status,
                                waiting_weeks=seen.waiting_weeks, criteria=criteria):
            continue
        if geo.geodesic_km(alert.lat, alert.lon, change.lat, change.lon) > alert.reach_km:
            continue
        if rules.openings(snapshot.get(change.offering_id), seen, criteria.max_waiting_weeks):
            return True
    return False


def refresh_seen(alert: AlertState, relevant: list[Change], snapshot: Mapping[int, rules.Seen]) -> list[dict]:
    """New snapshot figures for the changed offerings this alert had seen, with the wait that
    applies to its target groups (rows for one bulk UPDATE)."""
    mine = [c for c in relevant if c.offering_id in snapshot]
    if not mine:
        return []
    criteria = criteria_of(alert.query) or scoring.Criteria(age=0)
    updates = {}
    for change in mine:
        seen = seen_now(change, criteria)
        updates[change.offering_id] = {"a": alert.id, "o": change.offering_id, "f": seen.free_places, "i": seen.intake_status,
                                       "w": seen.waiting_weeks}
    return list(updates.values())


def _update_seen(rows: list[dict]) -> None:
    if rows:
        table = AlertSeen.__table__
        db.session.execute(
            sa.update(table).where(table.c.alert_id == sa.bindparam("a"), table.c.offering_id == sa.bindparam("o"))
            .values(free_places=sa.bindparam("f"), intake_status=sa.bindparam("i"), waiting_weeks=sa.bindparam("w")),
            rows,
        )


# --- the run ----------------------------------------------------------------------------------


@dataclass
class DueMail:
    """One alert's mail of the day: its openings (result rows and what changed), where it goes."""

    alert_id: int
    recipient: str
    query: str
    openings: list[tuple[search.ResultRow, tuple[str, ...]]]
    retry: bool = False


@dataclass
class AlertOutcome:
    """What one run did: printed by the CLI, stored on the JobRun."""

    as_of: dt.datetime
    active: int = 0
    searched: int = 0  # alerts whose search ran
    searches: int = 0  # distinct searches run (identical saved searches share one)
    refreshed: int = 0  # snapshot rows updated without a search
    baselines: int = 0
    planned: list[DueMail] = field(default_factory=list)
    sent: list[DueMail] = field(default_factory=list)
    failed: list[tuple[DueMail, str]] = field(default_factory=list)
    skipped: list[DueMail] = field(default_factory=list)  # another run had the claim
    seconds: dict[str, float] = field(default_factory=dict)  # where the run's time went

    def summary(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "active": self.active, "searched": self.searched, "searches": self.searches,
                "refreshed": self.refreshed, "baselines": self.baselines, "planned": len(self.planned),
                "sent": len(self.sent), "failed": len(self.failed), "skipped": len(self.skipped),
                "phase_seconds": {k: round(v, 2) for k, v in self.seconds.items()}}


def _settings() -> tuple[int, dt.timedelta]:
    config = current_app.config
    return (int(config.get("ALERT_MAIL_MAX_ATTEMPTS", 5)), dt.timedelta(minutes=int(config.get("ALERT_MAIL_STUCK_MINUTES", 30))))


def _due_alerts(as_of: dt.datetime, day: dt.date, now: dt.datetime) -> tuple[list[AlertState], dict[int, sa.Row]]:
    """Active alerts of active referrers not yet mailed today (or whose mail today failed or got stuck)."""
    max_attempts, stuck_after = _settings()
    alerts = [AlertState(*row) for row in db.session.execute(
        sa.select(SearchAlert.id, SearchAlert.user_id, SearchAlert.query, SearchAlert.checked_at, SearchAlert.lat, SearchAlert.lon,
                  SearchAlert.reach_km, SearchAlert.product_ids, SearchAlert.last_mailed_day)
        .join(User, User.id == SearchAlert.user_id)
        .where(SearchAlert.stopped_at.is_(None), SearchAlert.expires_at > as_of, User.active.is_(True), User.role == "verwijzer")
        .order_by(SearchAlert.id)
    )]
    today = {row.alert_id: row for row in db.session.execute(
        sa.select(AlertMail.alert_id, AlertMail.status, AlertMail.attempts, AlertMail.claimed_at).where(AlertMail.day == day))}
    due = []
    for alert in alerts:
        row = today.get(alert.id)
        if row is not None and not (
            (row.status == "failed" and row.attempts < max_attempts)
            or (row.status == "sending" and row.claimed_at is not None and row.claimed_at <= now - stuck_after)
        ):
            continue
        if alert.last_mailed_day == day:
            continue
        due.append(alert)
    return due, today


def evaluate(as_of: dt.datetime, now: dt.datetime, alerts: list[AlertState], outcome: AlertOutcome,
             heartbeat: Callable[[], None] | None = None) -> list[tuple[AlertState, search.SearchOutcome, dict]]:
    """Run the searches that changes call for; write baselines and unchanged snapshots, and return
    the alerts with openings (alert, search outcome, {offering id: kinds}), not yet written."""
    checked = [a.checked_at for a in alerts if a.checked_at is not None]
    changes = changes_since(min(checked), now) if checked else {}
    relevant = {a.id: relevant_changes(a, changes) for a in alerts if a.checked_at is not None}
    snapshots = _snapshots([a.id for a in alerts if relevant.get(a.id)])
    to_search: list[AlertState] = []
    seen_updates: list[dict] = []
    checked_ids: list[int] = []
    for alert in alerts:
        if alert.checked_at is None or alert.lat is None:  # no baseline yet, or its search did not run last time
            to_search.append(alert)
        elif could_open(alert, relevant[alert.id], snapshots.get(alert.id, {})):
            to_search.append(alert)
        else:
            # Nothing opens up: the snapshot takes the new figures (a later improvement is compared with them).
            seen_updates.extend(refresh_seen(alert, relevant[alert.id], snapshots.get(alert.id, {})))
            checked_ids.append(alert.id)
    _update_seen(seen_updates)
    outcome.refreshed = len(seen_updates)
    started = time.perf_counter()
    for start in range(0, len(checked_ids), 500):
        db.session.execute(sa.update(SearchAlert).where(SearchAlert.id.in_(checked_ids[start:start + 500]))
                           .values(checked_at=now).execution_options(synchronize_session=False))
    db.session.commit()

    by_query: dict[str, list[AlertState]] = defaultdict(list)
    for alert in to_search:
        by_query[alert.query].append(alert)
    with_openings = []
    for n, (query, group) in enumerate(by_query.items(), 1):
        if heartbeat and n % 200 == 0:
            heartbeat()
        result = search.run_search(saved.query_args(query), now=as_of)
        outcome.searches += 1
        outcome.searched += len(group)
        seen = saved.current_seen(result) if result.ok else {}
        for alert in group:
            if alert.checked_at is None:
                saved.write_evaluation(alert, result, now)
                outcome.baselines += 1
                continue
            max_wait = result.input.max_wachttijd
            found = rules.compare(snapshots.get(alert.id, {}), seen, max_wait) if result.ok else {}
            if found:
                with_openings.append((alert, result, found))
            else:
                saved.write_evaluation(alert, result, now)
        if n % 100 == 0:
            db.session.commit()
    db.session.commit()
    outcome.seconds["searches"] = time.perf_counter() - started
    return with_openings


def build_mail(due: DueMail, as_of: dt.datetime) -> mailer.Mail:
    """The Dutch mail (text and HTML): the openings, a link to the search, the renew and stop links."""
    items = [
        {
            "provider": row.provider_name, "product": f"{row.product_code} {row.product_name}",
            "place": row.location_name + (f", {row.woonplaats}" if row.woonplaats else ""),
            "km": row.km, "what": [str(KIND_LABELS[k]) for k in kinds], "wait": row.waiting_weeks,
            "free": row.free_places, "intake": row.intake_status,
            "updated": format_date(local_date(row.updated_at), "d MMMM yyyy") if row.updated_at else None,
            "phone": row.intake_phone, "email": row.intake_email,
        }
        for row, kinds in due.openings
    ]
    search_url = signed_links.external_url("search.index") + "?" + due.query
    context = dict(
        items=items, criteria=saved.describe(due.query), search_url=search_url,
        renew_url=signed_links.external_url("alerts.link", token=saved.make_token(due.alert_id, "renew")),
        stop_url=signed_links.external_url("alerts.link", token=saved.make_token(due.alert_id, "stop")),
        list_url=signed_links.external_url("alerts.index"), lifetime_days=rules.LIFETIME_DAYS,
    )
    return mailer.Mail(
        to=due.recipient,
        subject=_("Plek-alert: %(n)d plek(ken) die passen bij uw zoekopdracht", n=len(items)),
        text=render_template("email/alert.txt", **context),
        html=render_template("email/alert.html", **context),
        headers={saved.ALERT_HEADER: f"{due.alert_id}/{local_date(as_of).isoformat()}"},
        tag=due,
    )


def _claim(due: DueMail, day: dt.date, token: str, now: dt.datetime, stuck_before: dt.datetime) -> bool:
    """Take today's mail row of this alert (mail_claims.claim); the caller commits the claims before sending."""
    values = dict(status="sending", opening_count=len(due.openings), claim_token=token, claimed_at=now, error=None)
    return mail_claims.claim(AlertMail.__table__, {"alert_id": due.alert_id, "day": day}, values, retry=due.retry,
                             stuck_before=stuck_before)


def _finish(due: DueMail, outcome_of: dict[int, tuple[AlertState, search.SearchOutcome]], day: dt.date, token: str,
            status: str, now: dt.datetime, error: str | None = None) -> None:
    """Record the outcome of our claim; a sent mail moves the alert's snapshot on (one transaction)."""
    ours = mail_claims.finish(AlertMail.__table__, {"alert_id": due.alert_id, "day": day}, token, status, error, utcnow())
    if status == "sent" and ours:
        alert, found = outcome_of[due.alert_id]
        saved.write_evaluation(alert, found, now, last_mailed_day=day)
    db.session.commit()


def run_alerts(as_of: dt.datetime, *, heartbeat: Callable[[], None] | None = None, send: Callable = mailer.send_many) -> AlertOutcome:
    """Evaluate every active alert and mail each one with openings, at most once a day."""
    outcome = AlertOutcome(as_of=as_of)
    now = utcnow()
    day = local_date(as_of)
    started = time.perf_counter()
    alerts, today = _due_alerts(as_of, day, now)
    outcome.active = len(alerts)
    found = evaluate(as_of, now, alerts, outcome, heartbeat)
    outcome.seconds["selection"] = time.perf_counter() - started - outcome.seconds.get("searches", 0.0)
    if not found:
        return outcome
    started = time.perf_counter()
    emails = dict(db.session.execute(sa.select(User.id, User.email).where(User.id.in_({a.user_id for a, _o, _f in found}))).all())
    outcome_of = {}
    mails = []
    for alert, result, kinds in found:
        rows = [r for r in (*result.results, *result.far) if r.offering_id in kinds]
        due = DueMail(alert.id, emails[alert.user_id], alert.query, [(r, kinds[r.offering_id]) for r in rows], retry=alert.id in today)
        outcome_of[alert.id] = (alert, result)
        mails.append(build_mail(due, as_of))
        outcome.planned.append(due)
    token = str(uuid.uuid4())
    stuck_before = now - _settings()[1]
    owned = []
    for n, m in enumerate(mails, 1):
        if heartbeat and n % 100 == 0:
            heartbeat()
        (owned if _claim(m.tag, day, token, now, stuck_before) else outcome.skipped).append(m)
    db.session.commit()  # every claim is in the database before the first mail goes out
    if not owned:
        return outcome

    def finish(d: DueMail, status: str, error: str | None) -> None:
        _finish(d, outcome_of, day, token, status, now, error)
        if status == "sent":
            outcome.sent.append(d)
        else:  # the snapshot stays as it was: the next run finds the same openings
            outcome.failed.append((d, error))

    mail_claims.send_claimed(AlertMail.__table__, token, owned, send, finish)
    outcome.seconds["mails"] = time.perf_counter() - started
    return outcome
