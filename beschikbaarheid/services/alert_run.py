"""The daily plek-alert run (`run_alerts`, started by jobs/alerts.py): find what opened up for each
saved search (services/alerts.py) and mail it.

An alert watches every offering that matches its search (its snapshot, set by
services/alerts.baseline), so the run does not search again. It reads the offering changes since
each alert was last checked (`offering_change`, and contracts that started) and, for every change
of one of the alert's products within the distance it looks, decides whether the offering matches
the search now (the search's own filter, search/service.passes, and the contract) and whether it
opened up against the snapshot (domain/alerts.openings). A change that opens nothing up only
updates the snapshot, so a later improvement is compared with the right figures. Alerts without a
baseline (new to the job, or whose search could not run last time) get one, and alerts whose
region's catalogue changed are compared whole (`reconcile`): the only searches the run does.

Mail: at most one per alert per (Amsterdam) day, claimed before it is sent (services/mail_claims.py,
as the "Klopt dit niet?" mail): the day's `alert_mail` row is claimed ('sending') and committed before
the mail goes out (unique per alert and day); the openings enter the snapshot, and the alert's
check moves on, only in the transaction that marks the mail sent. A failed send leaves both as they
were, so the next run finds the same openings and retries (up to ALERT_MAIL_MAX_ATTEMPTS the same
day); a sent mail is never repeated.
"""
from __future__ import annotations

import dataclasses
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
from beschikbaarheid.domain import geo, scoring
from beschikbaarheid.domain.freshness import TZ, local_date
from beschikbaarheid.extensions import db
from beschikbaarheid.models import (
    AlertMail,
    AlertSeen,
    Contract,
    Location,
    Offering,
    OfferingChange,
    Product,
    SearchAlert,
    User,
    utcnow,
)
from beschikbaarheid.search import reads
from beschikbaarheid.search import service as search
from beschikbaarheid.search.forms import parse_search_args
from beschikbaarheid.services import alerts as saved
from beschikbaarheid.services import mail_claims

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
    catalogue_key: str | None

    @property
    def product_id_set(self) -> set[int]:
        return {int(p) for p in self.product_ids.split("|") if p}

    @property
    def has_baseline(self) -> bool:
        return self.checked_at is not None and self.lat is not None


# --- the day's changes ------------------------------------------------------------------------


@dataclass
class Change:
    """An offering that changed since some moment: when, and its figures now (`now`: the columns of
    search/reads.candidates that the filter reads, its product's contract today, its update time)."""

    offering_id: int
    product_id: int
    at: dt.datetime
    now: sa.Row


def changes_since(since: dt.datetime, day: dt.date) -> dict[int, list[Change]]:
    """Offering changes after `since` (not confirmations), offerings at a location edited since then,
    and offerings whose contract started or ended after `since`'s date up to `day`, per product id:
    the latest moment per offering, with its figures and contract on `day`."""
    latest: dict[int, dt.datetime] = {}

    def changed(oid: int, at: dt.datetime) -> None:
        latest[oid] = max(latest.get(oid, at), at)

    for oid, at in db.session.execute(
        sa.select(OfferingChange.offering_id, sa.func.max(OfferingChange.changed_at))
        .where(OfferingChange.changed_at > since, OfferingChange.kind != "confirm").group_by(OfferingChange.offering_id)
    ):
        changed(oid, at)
    for oid, at in db.session.execute(  # a location moved (or edited): its offerings may now be nearer or further
        sa.select(Offering.id, Location.updated_at).join(Location, Location.id == Offering.location_id)
        .where(Location.updated_at > since)
    ):
        changed(oid, at)
    after = local_date(since)
    for oid, valid_from, valid_until in db.session.execute(  # a contract's first day, or the day after its last
        sa.select(Offering.id, Contract.valid_from, Contract.valid_until)
        .join(Contract, sa.and_(Contract.provider_id == Offering.provider_id, Contract.product_id == Offering.product_id))
        .where(sa.or_(sa.and_(Contract.valid_from > after, Contract.valid_from <= day),
                      sa.and_(Contract.valid_until >= after, Contract.valid_until < day)))
    ):
        for first in (valid_from, valid_until + dt.timedelta(days=1) if valid_until else None):
            if first is not None and after < first <= day:
                changed(oid, dt.datetime.combine(first, dt.time(), TZ))
    per_product: dict[int, list[Change]] = defaultdict(list)
    ids = sorted(latest)
    for start in range(0, len(ids), 900):
        for row in db.session.execute(
            sa.select(Offering.id, Offering.product_id, Offering.age_min, Offering.age_max,
                      Offering.target_groups_raw.label("target_groups_raw"), Offering.intake_status, Offering.waiting_weeks,
                      Offering.free_places, Offering.updated_at, Location.lat, Location.lon,
                      Offering.group_waits_raw.label("group_waits_raw"),
                      reads.contracted(Product.region_id, day).label("contracted"))
            .join(Location, Location.id == Offering.location_id)
            .join(Product, Product.id == Offering.product_id)
            .where(Offering.id.in_(ids[start:start + 900]))
        ):
            per_product[row.product_id].append(Change(row.id, row.product_id, latest[row.id], row))
    return per_product


def relevant_changes(alert: AlertState, changes: Mapping[int, list[Change]], snapshot: Mapping[int, rules.Seen]) -> list[Change]:
    """The changes after the alert's last check of its products in the box around the distance it
    looks, or of offerings in its snapshot (one whose location moved away must be seen to leave)."""
    min_lat, max_lat, min_lon, max_lon = geo.bounding_box(alert.lat, alert.lon, alert.reach_km)
    return [
        c for pid in alert.product_id_set for c in changes.get(pid, ())
        if c.at > alert.checked_at and ((min_lat <= c.now.lat <= max_lat and min_lon <= c.now.lon <= max_lon)
                                        or c.offering_id in snapshot)
    ]


def _snapshots(alert_ids: set[int], offering_ids: list[int] | None) -> dict[int, dict[int, rules.Seen]]:
    """The snapshot rows of these alerts about these (changed) offerings (None: all their rows)."""
    columns = (AlertSeen.alert_id, AlertSeen.offering_id, AlertSeen.free_places, AlertSeen.intake_status, AlertSeen.waiting_weeks,
               AlertSeen.matches)
    if offering_ids is None:
        ids = sorted(alert_ids)
        queries = [sa.select(*columns).where(AlertSeen.alert_id.in_(ids[i:i + 900])) for i in range(0, len(ids), 900)]
    else:
        queries = [sa.select(*columns).where(AlertSeen.offering_id.in_(offering_ids[i:i + 900])) for i in range(0, len(offering_ids), 900)]
    found: dict[int, dict[int, rules.Seen]] = defaultdict(dict)
    for query in queries:
        for row in db.session.execute(query):
            if row.alert_id in alert_ids:
                found[row.alert_id][row.offering_id] = rules.Seen(row.free_places, row.intake_status, row.waiting_weeks, row.matches)
    return found


# --- one alert against its changes ------------------------------------------------------------


@dataclass
class Opening:
    """An offering that opened up for an alert: its figures now, how far from the searched place, and what opened up."""

    offering_id: int
    product_id: int
    updated_at: dt.datetime | None
    seen: rules.Seen
    km: float
    kinds: tuple[str, ...]


@dataclass
class Look:
    """What the changes mean for one alert: openings to mail, snapshot figures to keep without a
    mail, and (after a catalogue change) where the alert looks from now on."""

    openings: list[Opening] = field(default_factory=list)
    updates: dict[int, rules.Seen] = field(default_factory=dict)
    looks: dict | None = None


def criteria_of(query: str) -> scoring.Criteria | None:
    """The filters of a saved search (None when it no longer parses)."""
    data = parse_search_args(saved.query_args(query))
    return search.criteria_of(data) if data.leeftijd is not None and not data.errors else None


def look(alert: AlertState, criteria: scoring.Criteria, relevant: list[Change], snapshot: Mapping[int, rules.Seen]) -> Look:
    """Each changed offering as the alert's search sees it now: it matches when it is under a
    contract today, within the distance the alert looks and passes the search's filters; against
    the snapshot, domain/alerts.openings says what opened up."""
    found = Look()
    for change in relevant:
        row = change.now
        km = geo.geodesic_km(alert.lat, alert.lon, row.lat, row.lon)
        ok, wait = search.passes(row, criteria, search.split_groups(row.target_groups_raw))
        matches = bool(row.contracted) and km <= alert.reach_km and ok
        now = rules.Seen(row.free_places, row.intake_status, wait[0], matches)
        before = snapshot.get(change.offering_id)
        kinds = rules.openings(before, now, criteria.max_waiting_weeks) if matches else ()
        if kinds:
            found.openings.append(Opening(change.offering_id, change.product_id, row.updated_at, now, km, kinds))
        elif before is not None and before != now:
            found.updates[change.offering_id] = now
    return found


def reconcile(criteria: scoring.Criteria, base: saved.Baseline, snapshot: Mapping[int, rules.Seen]) -> Look:
    """An alert whose region's catalogue changed (its need may cover other products now): every
    offering that matches its search now (`base`, a fresh baseline) against the whole snapshot.
    What matched before and no longer does is kept as not matching."""
    found = Look(looks=base.looks)
    for match in base.found:
        now = rules.Seen(match.row.free_places, match.row.intake_status, match.wait[0])
        before = snapshot.get(match.row.id)
        kinds = rules.openings(before, now, criteria.max_waiting_weeks)
        if kinds:
            found.openings.append(Opening(match.row.id, match.row.product_id, match.row.updated_at, now, match.km, kinds))
        elif before != now:
            found.updates[match.row.id] = now
    current = {m.row.id for m in base.found}
    for oid, before in snapshot.items():
        if before.matches and oid not in current:
            found.updates[oid] = dataclasses.replace(before, matches=False)
    return found


def write_seen(alert_id: int, seen: Mapping[int, rules.Seen]) -> None:
    """Put these offerings' figures into the alert's snapshot (replacing what it had of them). Does not commit."""
    if not seen:
        return
    db.session.execute(sa.delete(AlertSeen).where(AlertSeen.alert_id == alert_id, AlertSeen.offering_id.in_(list(seen))))
    db.session.execute(sa.insert(AlertSeen), [
        {"alert_id": alert_id, "offering_id": oid, "free_places": s.free_places, "intake_status": s.intake_status,
         "waiting_weeks": s.waiting_weeks, "matches": s.matches}
        for oid, s in seen.items()
    ])


# --- the run ----------------------------------------------------------------------------------


@dataclass
class DueMail:
    """One alert's mail of the day: its openings (with names and contacts), where it goes."""

    alert_id: int
    recipient: str
    query: str
    openings: list[MailItem]
    retry: bool = False


@dataclass
class MailItem:
    """One opening as the mail lists it."""

    offering_id: int
    provider_name: str
    product: str
    place: str
    km: float
    kinds: tuple[str, ...]
    waiting_weeks: int | None
    free_places: int | None
    intake_status: str
    updated_at: dt.datetime | None
    intake_phone: str | None
    intake_email: str | None


@dataclass
class AlertOutcome:
    """What one run did: printed by the CLI, stored on the JobRun."""

    as_of: dt.datetime
    active: int = 0
    looked: int = 0  # alerts with changes of their products within their distance
    changes: int = 0  # changed offerings of the run
    refreshed: int = 0  # snapshot rows updated without a mail
    baselines: int = 0  # alerts that got a baseline (each identical search run once)
    planned: list[DueMail] = field(default_factory=list)
    sent: list[DueMail] = field(default_factory=list)
    failed: list[tuple[DueMail, str]] = field(default_factory=list)
    skipped: list[DueMail] = field(default_factory=list)  # another run had the claim
    seconds: dict[str, float] = field(default_factory=dict)  # where the run's time went

    def summary(self) -> dict:
        return {"as_of": self.as_of.isoformat(), "active": self.active, "looked": self.looked, "changes": self.changes,
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
                  SearchAlert.reach_km, SearchAlert.product_ids, SearchAlert.last_mailed_day, SearchAlert.catalogue_key)
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


def set_baselines(as_of: dt.datetime, now: dt.datetime, alerts: list[AlertState], outcome: AlertOutcome,
                  heartbeat: Callable[[], None] | None = None) -> None:
    """Give alerts without a baseline one (identical saved searches share one search). Commits."""
    by_query: dict[str, list[AlertState]] = defaultdict(list)
    for alert in alerts:
        by_query[alert.query].append(alert)
    for n, (query, group) in enumerate(by_query.items(), 1):
        if heartbeat and n % 200 == 0:
            heartbeat()
        base = saved.baseline(search.prepare(saved.query_args(query), now=as_of))
        for alert in group:
            saved.write_baseline(alert, base, now)
            outcome.baselines += 1
        if n % 100 == 0:
            db.session.commit()
    db.session.commit()


def catalogue_keys(as_of: dt.datetime) -> set[str]:
    """The fingerprints of the regions' catalogues now (search/reads.catalogue_key)."""
    return {reads.catalogue_key(r.id, reads.catalogue(r.id)) for r in reads.regions()}


def evaluate(as_of: dt.datetime, now: dt.datetime, alerts: list[AlertState], outcome: AlertOutcome) -> list[tuple[AlertState, Look]]:
    """Look at the changes for each alert with a baseline (or, when its region's catalogue changed,
    at its whole search again): write what opened nothing up and move their check on; return the
    alerts with openings (written when their mail is sent). Commits."""
    keys = catalogue_keys(as_of)
    recatalogued = [a for a in alerts if a.catalogue_key not in keys]
    alerts = [a for a in alerts if a.catalogue_key in keys]
    checked = [a.checked_at for a in alerts]
    changes = changes_since(min(checked), local_date(as_of)) if checked else {}
    outcome.changes = sum(len(c) for c in changes.values())
    snapshots = _snapshots({a.id for a in alerts}, sorted({c.offering_id for cs in changes.values() for c in cs})) if changes else {}
    snapshots.update(_snapshots({a.id for a in recatalogued}, None) if recatalogued else {})
    relevant = {a.id: relevant_changes(a, changes, snapshots.get(a.id, {})) for a in alerts}
    criteria: dict[str, scoring.Criteria | None] = {}
    looked: list[tuple[AlertState, Look]] = []
    for alert in [*alerts, *recatalogued]:
        if alert.query not in criteria:
            criteria[alert.query] = criteria_of(alert.query)
        if criteria[alert.query] is None:
            continue
        if alert.catalogue_key not in keys:
            base = saved.baseline(search.prepare(saved.query_args(alert.query), now=as_of), alert.reach_km)
            looked.append((alert, reconcile(criteria[alert.query], base, snapshots.get(alert.id, {}))))
        elif relevant[alert.id]:
            looked.append((alert, look(alert, criteria[alert.query], relevant[alert.id], snapshots.get(alert.id, {}))))
    outcome.looked = len(looked)
    updates = [{"a": alert.id, "o": oid, "f": s.free_places, "i": s.intake_status, "w": s.waiting_weeks, "m": s.matches}
               for alert, found in looked for oid, s in found.updates.items()]
    if updates:  # rows that are in the snapshot already (a new row is always an opening)
        table = AlertSeen.__table__
        db.session.execute(
            sa.update(table).where(table.c.alert_id == sa.bindparam("a"), table.c.offering_id == sa.bindparam("o"))
            .values(free_places=sa.bindparam("f"), intake_status=sa.bindparam("i"), waiting_weeks=sa.bindparam("w"),
                    matches=sa.bindparam("m")),
            updates,
        )
    outcome.refreshed = len(updates)
    with_openings = [(alert, found) for alert, found in looked if found.openings]
    waiting = {alert.id for alert, _found in with_openings}
    for alert, found in looked:
        if found.looks is not None and alert.id not in waiting:
            db.session.execute(sa.update(SearchAlert).where(SearchAlert.id == alert.id).values(**found.looks)
                               .execution_options(synchronize_session=False))
    checked_ids = [a.id for a in [*alerts, *recatalogued] if a.id not in waiting]
    for start in range(0, len(checked_ids), 500):
        db.session.execute(sa.update(SearchAlert).where(SearchAlert.id.in_(checked_ids[start:start + 500]))
                           .values(checked_at=now).execution_options(synchronize_session=False))
    db.session.commit()
    return with_openings


def mail_items(found: list[tuple[AlertState, Look]]) -> dict[int, list[MailItem]]:
    """Per alert, its openings (nearest first) with the names and contacts a mail shows."""
    openings = [o for _alert, seen in found for o in seen.openings]
    ids = sorted({o.offering_id for o in openings})
    about: dict[int, sa.Row] = {}
    for start in range(0, len(ids), 900):
        about.update(reads.details(ids[start:start + 900]))
    products = dict(db.session.execute(
        sa.select(Product.id, Product.code + " " + Product.name).where(Product.id.in_({o.product_id for o in openings}))).all())

    def item(o: Opening) -> MailItem:
        where = about[o.offering_id]
        town = where.woonplaats or where.municipality
        return MailItem(
            offering_id=o.offering_id, provider_name=where.provider_name, product=products[o.product_id],
            place=where.location_name + (f", {town}" if town else ""), km=o.km, kinds=o.kinds, waiting_weeks=o.seen.waiting_weeks,
            free_places=o.seen.free_places, intake_status=o.seen.intake_status, updated_at=o.updated_at,
            intake_phone=where.intake_phone, intake_email=where.intake_email,
        )

    return {alert.id: [item(o) for o in sorted(seen.openings, key=lambda o: o.km)] for alert, seen in found}


def build_mail(due: DueMail, as_of: dt.datetime) -> mailer.Mail:
    """The Dutch mail (text and HTML): the openings, a link to the search, the renew and stop links."""
    items = [
        {
            "provider": o.provider_name, "product": o.product, "place": o.place, "km": o.km,
            "what": [str(KIND_LABELS[k]) for k in o.kinds], "wait": o.waiting_weeks, "free": o.free_places,
            "intake": o.intake_status, "updated": format_date(local_date(o.updated_at), "d MMMM yyyy") if o.updated_at else None,
            "phone": o.intake_phone, "email": o.intake_email,
        }
        for o in due.openings
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


def _finish(due: DueMail, looks: Mapping[int, Look], day: dt.date, token: str, status: str, now: dt.datetime,
            error: str | None = None) -> None:
    """Record the outcome of our claim; a sent mail puts its openings into the alert's snapshot and
    moves its check on (one transaction)."""
    ours = mail_claims.finish(AlertMail.__table__, {"alert_id": due.alert_id, "day": day}, token, status, error, utcnow())
    if status == "sent" and ours:
        found = looks[due.alert_id]
        write_seen(due.alert_id, {o.offering_id: o.seen for o in found.openings})
        db.session.execute(sa.update(SearchAlert).where(SearchAlert.id == due.alert_id)
                           .values(checked_at=now, last_mailed_day=day, **(found.looks or {}))
                           .execution_options(synchronize_session=False))
    db.session.commit()


def run_alerts(as_of: dt.datetime, *, heartbeat: Callable[[], None] | None = None, send: Callable = mailer.send_many) -> AlertOutcome:
    """Evaluate every active alert and mail each one with openings, at most once a day."""
    outcome = AlertOutcome(as_of=as_of)
    now = utcnow()
    day = local_date(as_of)
    started = time.perf_counter()
    alerts, today = _due_alerts(as_of, day, now)
    outcome.active = len(alerts)
    with_baseline = [a for a in alerts if a.has_baseline]
    set_baselines(as_of, now, [a for a in alerts if not a.has_baseline], outcome, heartbeat)
    outcome.seconds["baselines"] = time.perf_counter() - started
    started = time.perf_counter()
    found = evaluate(as_of, now, with_baseline, outcome)
    outcome.seconds["changes"] = time.perf_counter() - started
    if not found:
        return outcome
    started = time.perf_counter()
    emails = dict(db.session.execute(sa.select(User.id, User.email).where(User.id.in_({a.user_id for a, _look in found}))).all())
    items = mail_items(found)
    looks = {alert.id: seen for alert, seen in found}
    mails = []
    for alert, _look in found:
        due = DueMail(alert.id, emails[alert.user_id], alert.query, items[alert.id], retry=alert.id in today)
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
        _finish(d, looks, day, token, status, now, error)
        if status == "sent":
            outcome.sent.append(d)
        else:  # the snapshot stays as it was: the next run finds the same openings
            outcome.failed.append((d, error))

    mail_claims.send_claimed(AlertMail.__table__, token, owned, send, finish)
    outcome.seconds["mails"] = time.perf_counter() - started
    return outcome
