"""Loading the demo: the plan written to the database, with every offering's history replayed.

The history goes through `services.offerings`, the same path a provider's save takes, so
compliance trends and waiting-time charts see exactly what real use would have produced. Only the
timestamps depend on the reference date `as_of`.
"""
from __future__ import annotations

import datetime as dt
import time

import sqlalchemy as sa
from flask import current_app

from beschikbaarheid.accounts import AccountError, create_user, find_user_by_email
from beschikbaarheid.demo.data import accounts as demo_accounts
from beschikbaarheid.demo import placements
from beschikbaarheid.demo.data import catalogue, places
from beschikbaarheid.demo.data import providers as provider_parts
from beschikbaarheid.demo.gezinshuizen import load_gezinshuizen
from beschikbaarheid.demo.plan import HISTORY_MONTHS, DemoPlan, Session, plan_demo
from beschikbaarheid.domain.freshness import TZ, is_stale, month_start
from beschikbaarheid.extensions import db
from beschikbaarheid.models import (
    ComplianceSnapshot,
    Contract,
    Feedback,
    Location,
    Municipality,
    NoMatchReport,
    Offering,
    OfferingChange,
    Pc4Area,
    Product,
    Provider,
    Region,
    SearchLog,
    Woonplaats,
)
from beschikbaarheid.places import invalidate_place_index
from beschikbaarheid.register_io.service import refresh_statistics
from beschikbaarheid.services.offerings import (
    apply_update,
    as_text,
    confirm_unchanged,
    record_creation,
)

CREATION_AUTHOR = "Demoregio (eerste registratie)"


class DemoLoadError(Exception):
    """The demo cannot be loaded into this database (it is there already, or names clash); the message is Dutch."""


# --------------------------------------------------------------------------- timestamps


def reference_moment(as_of: dt.date) -> dt.datetime:
    """The instant the demo is 'now' for: the reference day at noon, Amsterdam time, in UTC."""
    return dt.datetime(as_of.year, as_of.month, as_of.day, 12, 0, tzinfo=TZ).astimezone(dt.timezone.utc)


def _month(as_of: dt.date, month: int) -> tuple[int, int]:
    """(year, month) of history month `month`, where HISTORY_MONTHS is the reference month."""
    index = as_of.year * 12 + as_of.month - 1 - (HISTORY_MONTHS - month)
    return index // 12, index % 12 + 1


def _moment(as_of: dt.date, month: int, u_day: float, u_time: float, *, late: bool = False) -> dt.datetime:
    """A working-hours moment in a history month; in the reference month always before the reference day."""
    year, mon = _month(as_of, month)
    minute = int(u_time * 600) % 60
    if month < HISTORY_MONTHS:
        day, hour = (28, 20) if late else (1 + int(u_day * 28), 8 + int(u_time * 10))
    elif as_of.day > 1:
        day, hour = (as_of.day - 1, 20) if late else (1 + int(u_day * (as_of.day - 1)), 8 + int(u_time * 10))
    else:  # the 1st: only the early hours of today belong to this month
        day, hour = (1, 6) if late else (1, int(u_time * 6))
    return dt.datetime(year, mon, day, hour, minute, tzinfo=TZ).astimezone(dt.timezone.utc)


def _creation_moment(as_of: dt.date, u: float) -> dt.datetime:
    """When an offering was first registered: early in history month 0."""
    year, mon = _month(as_of, 0)
    return dt.datetime(year, mon, 1 + int(u * 5), 9, int(u * 600) % 60, tzinfo=TZ).astimezone(dt.timezone.utc)


# --------------------------------------------------------------------------- loading


def demo_password() -> str:
    """The demo accounts' password: the DEMO_PASSWORD setting (environment overrides it), else the documented default."""
    return current_app.config.get("DEMO_PASSWORD") or demo_accounts.DEFAULT_PASSWORD


def _load_places(region) -> dict[str, object]:
    """Municipalities, woonplaatsen and PC4 areas; existing rows (e.g. from GeoNames) are kept as they are."""
    codes = [m[0] for m in places.MUNICIPALITIES]
    existing = {m.cbs_code: m for m in db.session.scalars(db.select(Municipality).where(Municipality.cbs_code.in_(codes)))}
    municipalities = {}
    for cbs, name, subregion, lat, lon in places.MUNICIPALITIES:
        m = existing.get(cbs)
        if m is None:
            m = Municipality(cbs_code=cbs, name=name, province=places.PROVINCE, lat=lat, lon=lon)
            db.session.add(m)
        elif m.lat is None or m.lon is None:
            m.lat, m.lon = lat, lon
        if subregion and m.region_id is None:
            m.region, m.subregion = region, subregion
        municipalities[cbs] = m
    db.session.flush()

    ids = [m.id for m in municipalities.values()]
    known_wp = {(w.name, w.municipality_id) for w in db.session.scalars(db.select(Woonplaats).where(Woonplaats.municipality_id.in_(ids)))}
    all_pc4 = [pc for w in places.WOONPLAATSEN for pc in w[4]]
    known_pc4 = set(db.session.scalars(db.select(Pc4Area.pc4).where(Pc4Area.pc4.in_(all_pc4))))
    added_wp = added_pc4 = 0
    for name, cbs, lat, lon, pc4s in places.WOONPLAATSEN:
        m = municipalities[cbs]
        if (name, m.id) not in known_wp:
            db.session.add(Woonplaats(name=name, municipality_id=m.id, lat=lat, lon=lon, source="demo"))
            added_wp += 1
        for pc in pc4s:
            if pc not in known_pc4:
                db.session.add(Pc4Area(pc4=pc, woonplaats=name, municipality_id=m.id, lat=lat, lon=lon, source="demo"))
                added_pc4 += 1
    return {"municipalities": municipalities, "woonplaatsen_added": added_wp, "pc4_added": added_pc4}


def load_demo(as_of: dt.date | None = None) -> dict:
    """Load the demo region into the current app's database in one transaction; returns counts.

    Raises DemoLoadError when the demo region (or one of its provider names) is already there.
    """
    started = time.perf_counter()
    as_of = as_of or dt.datetime.now(TZ).date()
    if db.session.scalar(db.select(Region.id).where(Region.name == places.REGION_NAME)):
        raise DemoLoadError(f"De regio '{places.REGION_NAME}' bestaat al; er is niets geladen.")
    plan = plan_demo()
    clash = db.session.scalars(db.select(Provider.name).where(Provider.name.in_([p.name for p in plan.providers]))).first()
    if clash:
        raise DemoLoadError(f"Er bestaat al een aanbieder met de naam '{clash}'; er is niets geladen.")

    try:
        with db.session.no_autoflush:
            region = Region(name=places.REGION_NAME, compliance_target=0.90, waiting_norm_weeks=14)
            db.session.add(region)
            place_info = _load_places(region)
            municipalities = place_info["municipalities"]

            products = {
                spec.code: Product(
                    region=region, code=spec.code, name=spec.name, category=spec.category, segment=spec.segment,
                    form=spec.form, description=spec.description, keywords=spec.keywords,
                )
                for spec in catalogue.PRODUCTS
            }
            providers = [
                Provider(name=p.name, intake_email=p.intake_email, intake_phone=p.intake_phone,
                         crisis_phone=p.crisis_phone, website=p.website)
                for p in plan.providers
            ]
            locations = [
                Location(provider=providers[loc.provider], name=loc.name, street=loc.street, postcode=loc.postcode,
                         woonplaats=loc.woonplaats, municipality=municipalities[loc.cbs_code], lat=loc.lat, lon=loc.lon)
                for loc in plan.locations
            ]
            contracts = [
                Contract(region=region, provider=providers[c.provider], product=products[c.code],
                         valid_from=c.valid_from, valid_until=c.valid_until)
                for c in plan.contracts
            ]
            db.session.add_all([*products.values(), *providers, *locations, *contracts])
            db.session.flush()  # ids for the users and for the history's authors

            users = _load_users(region, providers, plan)
            db.session.flush()
            provider_index = {id(p): i for i, p in enumerate(providers)}
            author_of = {provider_index[id(u.provider)]: u for u in users if u.provider is not None}

            offerings: list[Offering] = []
            practice: list = []  # history rows of the practice figures, inserted in bulk
            history = 0
            for planned in plan.offerings:
                first = planned.states[0]
                created = _creation_moment(as_of, planned.creation_u)
                offering = Offering(
                    provider=providers[planned.provider], location=locations[planned.location],
                    product=products[planned.code], capacity=first["capacity"], free_places=first["free_places"],
                    waiting_weeks=first["waiting_weeks"], intake_status=first["intake_status"], note=first["note"],
                    age_min=planned.age_min, age_max=planned.age_max, updated_at=created,
                    updated_by=CREATION_AUTHOR, last_update_kind="import", unusual_confirmed=False, stale=False,
                )
                offering.target_groups = planned.groups
                db.session.add(offering)
                history += len(record_creation(offering, author=CREATION_AUTHOR, via="demo", now=created))
                if planned.figures is not None:
                    history += _practice_rows(offering, planned.figures[0], kind="create", author=CREATION_AUTHOR, via="demo",
                                              user_id=None, when=created, into=practice)
                offering.group_waits = planned.group_waits
                offerings.append(offering)
            history += _replay_history(plan, offerings, providers, author_of, as_of, practice)
            reference = reference_moment(as_of)
            this_month = month_start(reference)
            for offering in offerings:
                offering.stale = is_stale(offering.updated_at, reference)
                if offering.realised_started is not None and offering.updated_at is not None:
                    # the two full calendar months before the report: they end on the last day before its month
                    offering.realised_period_end = month_start(offering.updated_at).date() - dt.timedelta(days=1)
            _insert_practice_rows(practice)
            _load_feedback(plan, offerings, reference)
            searches = _load_searches(plan, region, products, as_of)
            gezinshuizen = load_gezinshuizen(region, as_of, reference)
            placements.load_placement_requests(region, municipalities, as_of)  # the coordinator's anonymous requests
            updated_providers = {o.provider.id for o in offerings if o.updated_at >= this_month}
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise

    refresh_statistics()
    invalidate_place_index()
    return {
        "region": places.REGION_NAME,
        "as_of": as_of.isoformat(),
        "municipalities": len(places.MEMBER_CODES),
        "neighbour_municipalities": len(places.MUNICIPALITIES) - len(places.MEMBER_CODES),
        "subregions": len(places.SUBREGIONS),
        "woonplaatsen": place_info["woonplaatsen_added"],
        "pc4_areas": place_info["pc4_added"],
        "products": len(products),
        "providers": len(providers),
        "locations": len(locations),
        "contracts": len(contracts),
        "offerings": len(offerings),
        "history": history,
        "users": len(users),
        "providers_updated_this_month": len(updated_providers),
        "feedback": len(plan.feedback),
        **searches,
        **gezinshuizen,
        "seconds": round(time.perf_counter() - started, 2),
    }


def _replay_history(plan: DemoPlan, offerings: list, providers: list, author_of: dict, as_of: dt.date, practice: list) -> int:
    """Every planned save and confirmation through the real service; returns the history rows added.

    Each offering sees its own events in time order. Across offerings the order is free, so the
    events are grouped by month and by what they write: the history rows then share their columns
    and are inserted in a few large batches instead of a thousand small ones.
    """
    events = []
    for index, planned in enumerate(plan.offerings):
        sessions = [(s, planned.states[s.month]) for s in plan.sessions[planned.provider]]
        if planned.late_states is not None:
            sessions += [
                (Session(s.month, 0.0, s.u_time, "update", "form", s.author, late=True), planned.late_states[s.month])
                for s in plan.sessions[planned.provider]
            ]
        sessions.sort(key=lambda e: (e[0].month, e[0].late))
        shown = planned.states[0]
        for session, state in sessions:
            writes = "confirm" if session.kind == "confirm" or state == shown else "update"
            if session.kind == "update":
                shown = state
            has_user = session.via != "link" and planned.provider in author_of
            events.append(((session.month, session.late, writes, has_user, index), session, state))
    events.sort(key=lambda e: e[0])

    rows_added = 0
    for (_month, _late, _writes, _has_user, index), session, state in events:
        planned, offering = plan.offerings[index], offerings[index]
        when = _moment(as_of, session.month, session.u_day, session.u_time, late=session.late) + dt.timedelta(seconds=index % 50)
        user = author_of.get(planned.provider)
        if session.via == "link":  # as Actor.for_link records a reminder-link save
            author, user_id = f"link:{providers[planned.provider].intake_email}", None
        else:
            author = user.email if user else plan.providers[planned.provider].staff[session.author]
            user_id = user.id if user else None
        if session.kind == "confirm":
            rows = [confirm_unchanged(offering, author=author, via=session.via, user_id=user_id, now=when)]
        else:
            rows = apply_update(
                offering, dict(state), author=author, via=session.via, user_id=user_id, now=when,
                unusual_confirmed=planned.unusual_month == session.month and not session.late,
            )
            if planned.figures is not None and not session.late:
                rows = _with_practice(offering, rows, planned.figures[session.month], author, session.via, user_id, when, practice)
        for row in filter(None, rows):
            if row.unusual_confirmed is None:  # its column default, made explicit so all rows batch alike
                row.unusual_confirmed = False
        rows_added += len(rows)
    return rows_added


PRACTICE_FIELDS = ("waiting_count", "realised_wait_weeks", "realised_started")


def _practice_rows(offering: Offering, figures: dict, *, kind: str, author: str, via: str, user_id, when, into: list) -> int:
    """Set children waiting and the realised wait, with a history row per changed figure (as a save
    would); the rows are collected in `into` and bulk-inserted at the end (thousands of them)."""
    added = 0
    for name in PRACTICE_FIELDS:
        old, new = getattr(offering, name), figures[name]
        if as_text(old) == as_text(new):
            continue
        setattr(offering, name, new)
        into.append((offering, {"changed_at": when, "author": author, "user_id": user_id, "via": via, "kind": kind, "field": name,
                                "old_value": None if kind == "create" else as_text(old), "new_value": as_text(new),
                                "unusual_confirmed": False}))
        added += 1
    return added


def _with_practice(offering: Offering, rows: list, figures: dict, author: str, via: str, user_id, when, into: list) -> list:
    """A save's rows plus those of the practice figures; a save that changed only those is an update, not a confirmation."""
    extra = _practice_rows(offering, figures, kind="update", author=author, via=via, user_id=user_id, when=when, into=into)
    if not extra:
        return rows
    if len(rows) == 1 and rows[0].kind == "confirm":
        db.session.expunge(rows[0])
        rows = []
        offering.last_update_kind = "update"
        if offering.values_changed_at is None or when > offering.values_changed_at:
            offering.values_changed_at = when
    return rows + [None] * extra


def _insert_practice_rows(collected: list) -> None:
    """The practice figures' history in one bulk insert, once the offerings have their ids."""
    db.session.flush()
    if collected:
        db.session.execute(OfferingChange.__table__.insert(), [{**row, "offering_id": offering.id} for offering, row in collected])
        # past history written past the ORM: the stored closed months must go (docs/contract.md, one rule)
        db.session.execute(sa.delete(ComplianceSnapshot))


def _load_feedback(plan: DemoPlan, offerings: list, reference: dt.datetime) -> None:
    """The planned "Klopt dit niet?" reports; open ones older than a working week are on the call list."""
    rows = []
    for f in plan.feedback:
        created = reference - dt.timedelta(days=f.days_ago, hours=(f.days_ago * 7) % 9)
        answered = created + dt.timedelta(days=f.answer_days) if f.answer_days is not None else None
        late = (answered or reference) - created > dt.timedelta(days=7)  # 5 working days
        rows.append(Feedback(offering=offerings[f.offering], created_at=created, reason=f.reason, referrer_type=f.referrer_type,
                             answered_at=answered, answer=f.answer, answer_text=f.answer_text,
                             answered_by=offerings[f.offering].provider.intake_email if answered else None,
                             escalated_at=created + dt.timedelta(days=7) if late else None))
    db.session.add_all(rows)


def _load_searches(plan: DemoPlan, region, products: dict, as_of: dt.date) -> dict:
    """A year of anonymous searches and "geen passend aanbod" flags, in two bulk inserts."""
    db.session.flush()
    searches, reports = [], []
    for s in plan.searches:
        product = products.get(s.code) if s.code else None
        facts = {"day": as_of - dt.timedelta(days=s.days_ago), "region_id": region.id, "need_kind": "code" if product else "segment",
                 "product_id": product.id if product else None, "product_code": product.code if product else None,
                 "segment": product.segment if product else s.segment, "category": product.category if product else None,
                 "municipality_code": s.municipality, "pc4": None, "age_band": s.age_band, "result_count": s.shown,
                 "within_radius_count": s.within}
        searches.append({**facts, "source": "web", "ref": None})
        if s.no_match_reason is not None:
            reports.append({**facts, "referrer_type": "01", "reason": s.no_match_reason})
    db.session.execute(SearchLog.__table__.insert(), searches)
    db.session.execute(NoMatchReport.__table__.insert(), reports)
    return {"search_log": len(searches), "no_match_reports": len(reports)}


def _load_users(region, providers: list, plan: DemoPlan) -> list:
    """The demo accounts, validated like any other account; one whose e-mail exists is left alone."""
    password = demo_password()
    by_name = {p.name: providers[i] for i, p in enumerate(plan.providers)}
    users = []
    for email, name, role, referrer_type, named in demo_accounts.ACCOUNTS:
        if find_user_by_email(email) is not None:
            continue
        provider = by_name[provider_parts.NAMED_PROVIDERS[named][0]] if named is not None else None
        try:
            users.append(create_user(email=email, name=name, role=role, password=password, provider=provider,
                                     referrer_type=referrer_type, region_id=region.id))
        except AccountError as exc:  # e.g. a DEMO_PASSWORD that is too short
            raise DemoLoadError(f"Demo-account {email}: {' '.join(exc.messages)}") from None
    return users

