"""The demo region looks like Een 10 voor de Jeugd, is the same every time, and its accounts work."""
from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict

from beschikbaarheid.demo import load_demo, plan_demo, reference_moment
from beschikbaarheid.demo.data import accounts as demo_accounts
from beschikbaarheid.domain.freshness import month_start
from beschikbaarheid.domain.geo import geodesic_km
from beschikbaarheid.extensions import db
from beschikbaarheid.models import (
    Contract,
    Feedback,
    NoMatchReport,
    SearchLog,
    Location,
    Municipality,
    Offering,
    OfferingChange,
    Pc4Area,
    Product,
    Provider,
    Region,
    User,
    Woonplaats,
)
from tests.helpers import csrf_token

AS_OF = dt.date(2026, 3, 15)
HELMOND = (51.479, 5.657)
MEMBER_CODES = {"0743", "0762", "1771", "1652", "0794", "1659", "0820", "0847", "0848", "0861", "0866"}
# domain.md, from the region's Actieplan Segment 2: contracted providers, waiting-time range in weeks
SEGMENT2 = {"43A09": (5, 2, 12), "43A10": (10, 1, 110), "43A14": (6, 0, 40), "43B99": (5, 1, 40)}
REAL_ORGANISATIONS = (
    "Lunet", "Combinatie Jeugdzorg", "Oosterpoort", "GGzE", "Dichterbij", "Karakter", "Sterk Huis", "Cello",
    "Lievegoed", "Pleegzorg Brabant", "Horizon", "Pluryn", "Idris", "Levvel", "Kompaan", "Lindenhout",
)


def _active_contract_holders(code: str) -> set[int]:
    rows = db.session.scalars(db.select(Contract).join(Product).where(Product.code == code)).all()
    return {c.provider_id for c in rows if c.is_active(AS_OF)}


def _existing_geonames_helmond() -> None:
    """Helmond as a GeoNames import leaves it, before the demo is loaded."""
    helmond = Municipality(cbs_code="0794", name="Helmond", province="Noord-Brabant", lat=51.48, lon=5.66)
    db.session.add(helmond)
    db.session.flush()
    db.session.add_all([
        Woonplaats(name="Helmond", municipality_id=helmond.id, lat=51.4811, lon=5.6611, source="geonames"),
        Pc4Area(pc4="5701", woonplaats="Helmond", municipality_id=helmond.id, lat=51.4701, lon=5.6501, source="geonames"),
    ])
    db.session.commit()


def test_demo_region_has_the_regions_shape_and_figures(app):
    with app.app_context():
        _existing_geonames_helmond()
        counts = load_demo(AS_OF)
        region = db.session.scalar(db.select(Region).where(Region.name == "Een 10 voor de Jeugd"))
        members = {m.cbs_code: m for m in region.municipalities}
        assert set(members) == MEMBER_CODES
        assert {m.subregion for m in members.values()} == {"Helmond", "Peelgemeenten", "Dommelvallei+", "Veldhoven"}
        assert {m.name for m in members.values() if m.subregion == "Peelgemeenten"} == {"Asten", "Deurne", "Gemert-Bakel", "Laarbeek", "Someren"}
        assert db.session.scalar(db.select(Municipality).where(Municipality.cbs_code == "0772")).region_id is None  # Eindhoven

        assert db.session.scalar(db.select(db.func.count()).select_from(Provider)) == counts["providers"] == 180
        assert 500 <= counts["offerings"] <= 900 and 25 <= counts["products"] <= 35
        assert {p.segment for p in region.products} == {1, 2, 3, 4, 5}

        for code, (contracted, low, high) in SEGMENT2.items():
            assert len(_active_contract_holders(code)) == contracted, code
            waits = db.session.scalars(db.select(Offering.waiting_weeks).join(Product).where(Product.code == code)).all()
            assert (min(waits), max(waits)) == (low, high), code
            history = db.session.scalars(
                db.select(OfferingChange.new_value).join(Offering).join(Product)
                .where(Product.code == code, OfferingChange.field == "waiting_weeks")
            ).all()
            assert all(low <= int(v) <= high for v in history), code

        # Figures are consistent; crisis answers within a week.
        offerings = db.session.scalars(db.select(Offering)).all()
        assert all(0 <= o.free_places <= o.capacity for o in offerings)
        assert all(o.waiting_weeks <= 1 for o in offerings if o.product.segment == 5)
        # Place facts: a PC4 belongs to its woonplaats, a kern to its municipality.
        gemert = db.session.scalar(db.select(Woonplaats).where(Woonplaats.name == "Gemert"))
        assert gemert.municipality.cbs_code == "1652" and gemert.source == "demo"
        assert (db.session.get(Pc4Area, "5702").woonplaats, db.session.get(Pc4Area, "5702").source) == ("Helmond", "demo")
        # Places GeoNames brought in first are joined to the region, never duplicated or moved.
        helmond = db.session.scalar(db.select(Municipality).where(Municipality.cbs_code == "0794"))
        assert (helmond.subregion, helmond.lat) == ("Helmond", 51.48)
        kept = db.session.scalars(db.select(Woonplaats).where(Woonplaats.name == "Helmond")).all()
        assert [(w.source, w.lat, w.lon) for w in kept] == [("geonames", 51.4811, 5.6611)]
        pc = db.session.get(Pc4Area, "5701")
        assert (pc.source, pc.lat, pc.lon) == ("geonames", 51.4701, 5.6501)

        from beschikbaarheid.places import resolve_place

        assert resolve_place("Gemert").cbs_code == "1652"  # the resolver sees the new places at once

        # What contract managers must see: laggards, intake stops, doubtful values, blind confirmations.
        this_month = month_start(reference_moment(AS_OF))
        last_update: dict[int, dt.datetime] = defaultdict(lambda: dt.datetime.min.replace(tzinfo=dt.timezone.utc))
        for o in offerings:
            last_update[o.provider_id] = max(last_update[o.provider_id], o.updated_at)
        stale = [p for p, at in last_update.items() if at < this_month]
        assert 0.15 <= len(stale) / len(last_update) <= 0.25
        assert all(o.stale == (o.updated_at < this_month) for o in offerings)

        assert any(o.intake_status == "gesloten" for o in offerings)
        assert any(o.intake_status == "overleg" for o in offerings)
        assert any(o.waiting_weeks == 0 and o.free_places == 0 for o in offerings)  # doubtful
        assert db.session.scalar(db.select(db.func.count()).where(OfferingChange.unusual_confirmed)) >= 1

        # Some providers have only confirmed 'unchanged' for at least six months.
        six_months_ago = month_start(reference_moment(AS_OF) - dt.timedelta(days=5 * 31))
        kinds: dict[int, set[str]] = defaultdict(set)
        rows = db.session.execute(
            db.select(Offering.provider_id, OfferingChange.kind).join(Offering).where(OfferingChange.changed_at >= six_months_ago)
        ).all()
        for provider_id, kind in rows:
            kinds[provider_id].add(kind)
        assert sum(1 for k in kinds.values() if k == {"confirm"}) >= 5

        # History covers the year, month by month, for the compliance trend.
        months = {(at.year, at.month) for at in db.session.scalars(db.select(OfferingChange.changed_at))}
        assert len(months) >= 12

        crisis_providers = {c.provider for c in db.session.scalars(db.select(Contract).join(Product).where(Product.segment == 5))}
        assert crisis_providers and all(p.crisis_phone for p in crisis_providers)

        locations = db.session.scalars(db.select(Location)).all()
        assert all(geodesic_km(*HELMOND, loc.lat, loc.lon) <= 40 for loc in locations)
        assert len({(loc.lat, loc.lon) for loc in locations}) == len(locations)
        assert any(loc.municipality.cbs_code == "0772" for loc in locations)  # Eindhoven, outside the region

        providers = db.session.scalars(db.select(Provider)).all()
        for provider in providers:
            assert not any(re.search(rf"\b{re.escape(real)}\b", provider.name, re.I) for real in REAL_ORGANISATIONS), provider.name
            assert provider.intake_email.endswith(".example") and provider.website.endswith(".example")
            assert provider.intake_phone


def _dump() -> list:
    """Every fact a user could see, keyed by names (not ids), in a stable order."""
    select = db.select
    out: list = []
    out += [("provider", *r) for r in db.session.execute(select(
        Provider.name, Provider.intake_email, Provider.intake_phone, Provider.crisis_phone, Provider.website))]
    out += [("location", *r) for r in db.session.execute(select(
        Provider.name, Location.name, Location.street, Location.postcode, Location.woonplaats, Municipality.cbs_code,
        Location.lat, Location.lon).join(Location.provider).join(Location.municipality))]
    out += [("contract", *r) for r in db.session.execute(select(
        Provider.name, Product.code, Contract.valid_from, Contract.valid_until).join(Contract.provider).join(Contract.product))]
    offering_key = (Provider.name, Location.name, Product.code)

    def joined(stmt):
        return (stmt.join(Provider, Offering.provider_id == Provider.id).join(Location, Offering.location_id == Location.id)
                .join(Product, Offering.product_id == Product.id))

    out += [("offering", *r) for r in db.session.execute(joined(select(
        *offering_key, Offering.capacity, Offering.free_places, Offering.waiting_weeks, Offering.intake_status,
        Offering.age_min, Offering.age_max, Offering.target_groups_raw, Offering.note, Offering.updated_at,
        Offering.updated_by, Offering.last_update_kind, Offering.stale, Offering.waiting_count, Offering.realised_wait_weeks,
        Offering.realised_started, Offering.realised_period_end, Offering.group_waits_raw)))]
    out += [("feedback", *r) for r in db.session.execute(joined(select(
        *offering_key, Feedback.created_at, Feedback.reason, Feedback.answered_at, Feedback.answer, Feedback.escalated_at
    ).join(Offering, Feedback.offering_id == Offering.id)))]
    out += [("search", *r) for r in db.session.execute(select(
        SearchLog.day, SearchLog.product_code, SearchLog.segment, SearchLog.municipality_code, SearchLog.age_band,
        SearchLog.within_radius_count))]
    out += [("history", *r) for r in db.session.execute(joined(select(
        *offering_key, OfferingChange.changed_at, OfferingChange.kind, OfferingChange.field, OfferingChange.old_value,
        OfferingChange.new_value, OfferingChange.author, OfferingChange.via, OfferingChange.unusual_confirmed,
    ).join(Offering, OfferingChange.offering_id == Offering.id)))]
    out += [("user", *r) for r in db.session.execute(select(
        User.email, User.role, User.referrer_type, Provider.name).outerjoin(User.provider))]
    out += [("woonplaats", *r) for r in db.session.execute(select(
        Woonplaats.name, Municipality.cbs_code, Woonplaats.lat, Woonplaats.lon).join(Woonplaats.municipality))]
    return sorted(out, key=repr)


def test_demo_tells_the_story_of_figures_practice_believes(app):
    """Waiting lists on segment 2 except begeleiding naar zelfstandig wonen, gezinshuis waits near two
    years, providers whose realised waits are far above their claim, waits per target group, answered,
    open and escalated reports, and a year of searches and "geen passend aanbod" flags."""
    from beschikbaarheid.contract.quality import quality_page
    from beschikbaarheid.contract.region import context_for
    from beschikbaarheid.contract.shortage import shortage_overview

    with app.app_context():
        load_demo(AS_OF)
        region = db.session.scalar(db.select(Region).where(Region.name == "Een 10 voor de Jeugd"))
        ctx = context_for(region, reference_moment(AS_OF), app.config)
        shortage = {ps.product.code: ps.now for ps in shortage_overview(ctx)}
        for code in ("43A09", "43A10", "43A14"):
            assert shortage[code].waiting > 0 and shortage[code].reported == shortage[code].offerings, code
        assert shortage["43B99"].waiting == 0 and shortage["43B99"].reported > 0
        assert max(db.session.scalars(db.select(Offering.waiting_weeks).join(Product).where(Product.code == "43A10"))) >= 100
        assert quality_page(ctx, 12, kind="realised_above_expected").total >= 3
        assert db.session.scalar(db.select(db.func.count()).select_from(Offering).where(Offering.group_waits_raw.like("%ASS=%"))) >= 3
        feedback = db.session.scalars(db.select(Feedback)).all()
        assert sum(f.answered_at is not None for f in feedback) > sum(f.answered_at is None for f in feedback) > 0
        assert any(f.escalated_at is not None and f.answered_at is None for f in feedback)
        assert {f.answer for f in feedback} == {None, "update", "klopt"}
        days = db.session.execute(db.select(db.func.min(SearchLog.day), db.func.max(SearchLog.day), db.func.count())).one()
        assert days[0] <= AS_OF - dt.timedelta(days=330) and days[1] <= AS_OF and days[2] >= 2000
        zero = db.session.scalar(db.select(db.func.count()).select_from(SearchLog).where(SearchLog.within_radius_count == 0))
        assert 0 < db.session.scalar(db.select(db.func.count()).select_from(NoMatchReport)) < zero


def test_same_reference_date_gives_identical_data(app):
    assert plan_demo() == plan_demo()
    with app.app_context():
        load_demo(AS_OF)
        first = _dump()
        db.session.remove()
        db.drop_all()
        db.create_all()
        load_demo(AS_OF)
        second = _dump()
    assert len(first) > 10_000
    assert first == second


def test_cli_loads_once_and_its_accounts_log_in(app, runner, monkeypatch):
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    result = runner.invoke(args=["users", "demo-list"])
    assert result.exit_code == 0 and "geen demo-accounts" in result.output

    result = runner.invoke(args=["demo", "load", "--if-empty"])  # reference date: today
    assert result.exit_code == 0, result.output
    assert "180 aanbieders" in result.output and "11 gemeenten" in result.output
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count()).select_from(OfferingChange))
        stale = db.session.scalar(db.select(db.func.count()).select_from(Offering).where(Offering.stale))
        assert 0 < stale < db.session.scalar(db.select(db.func.count()).select_from(Offering))

    again = runner.invoke(args=["demo", "load", "--if-empty"])
    assert again.exit_code == 0 and "niet opnieuw geladen" in again.output
    refused = runner.invoke(args=["demo", "load"])
    assert refused.exit_code != 0 and "bestaat al" in refused.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(OfferingChange)) == before
        assert db.session.scalar(db.select(db.func.count()).select_from(Region)) == 1

    listing = runner.invoke(args=["users", "demo-list"])
    assert listing.exit_code == 0
    assert demo_accounts.DEFAULT_PASSWORD in listing.output
    for email, *_rest in demo_accounts.ACCOUNTS:
        assert email in listing.output

    # Every account works with the listed password and lands on its role's pages.
    with app.app_context():
        users = db.session.scalars(db.select(User)).all()
        assert {u.role for u in users} == {"verwijzer", "aanbieder", "contractmanager", "beheerder"}
        assert {u.referrer_type for u in users if u.role == "verwijzer"} == {"01", "02", "03", "04", "05"}
        assert all(u.provider is not None for u in users if u.role == "aanbieder")
    for email, *_rest in demo_accounts.ACCOUNTS:
        client = app.test_client()
        token = csrf_token(client, "/account/inloggen")
        response = client.post(
            "/account/inloggen", data={"email": email, "password": demo_accounts.DEFAULT_PASSWORD, "csrf_token": token}
        )
        assert response.status_code == 302 and "inloggen" not in response.headers["Location"], email


def test_if_empty_leaves_a_database_with_another_region_alone(app, runner):
    with app.app_context():
        db.session.add(Region(name="Andere regio"))
        db.session.commit()
    result = runner.invoke(args=["demo", "load", "--if-empty", "--as-of", "2026-03-15"])
    assert result.exit_code == 0 and "niet opnieuw geladen" in result.output
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Provider)) == 0


def test_demo_password_comes_from_the_environment(app, monkeypatch, database_url):
    from beschikbaarheid import create_app
    from beschikbaarheid.demo import demo_password

    with app.app_context():
        assert demo_password() == demo_accounts.DEFAULT_PASSWORD
    monkeypatch.setenv("DEMO_PASSWORD", "een-ander-wachtwoord")
    other = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="test")
    with other.app_context():
        assert demo_password() == "een-ander-wachtwoord"


def test_demo_refuses_production_without_own_password(monkeypatch, database_url):
    """The published demo password must never guard a beheerder account in production."""
    from beschikbaarheid import create_app

    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("DEMO_PASSWORD", raising=False)
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="production")
    result = app.test_cli_runner().invoke(args=["demo", "load"])
    assert result.exit_code != 0 and "DEMO_PASSWORD" in result.output


def test_demo_gezinshuizen_have_profiles_places_now_and_soon_and_a_coordinator(app):
    from beschikbaarheid.domain.gezinshuis import Child, Home, match, profile_errors
    from beschikbaarheid.models import GezinshuisEnding, GezinshuisProfile

    with app.app_context():
        load_demo(AS_OF)
        profiles = db.session.scalars(db.select(GezinshuisProfile)).all()
        providers = {p.location.provider_id for p in profiles}
        assert len(providers) == 10 and len(profiles) >= 10  # the ten gezinshuis providers of segment 2, every home
        assert all(profile_errors({**{f: getattr(p, f) for f in ("places_allowed", "places_taken", "age_min", "age_max",
                                                                   "siblings_together", "siblings_max", "free_from")},
                                   "household": p.household}, AS_OF) == {} for p in profiles)
        free_now = [p for p in profiles if p.free_places > 0]
        soon = [p for p in profiles if p.free_places == 0 and p.free_from and p.free_from <= AS_OF + dt.timedelta(weeks=8)]
        assert len(free_now) >= 3 and len(soon) >= 3
        assert all(p.vacant_since and p.vacant_since < AS_OF for p in free_now)
        assert sum(1 for p in profiles if "ZWAAR" in p.specialisms) >= 2
        assert sum(1 for p in profiles if len({band for _kind, band in p.household}) >= 2) >= len(profiles) // 2
        assert db.session.scalar(db.select(db.func.sum(GezinshuisEnding.count))) >= 5  # a year of unplanned endings
        assert db.session.scalar(db.select(User.is_coordinator).where(User.email == demo_accounts.COORDINATOR))
        # The story: a home near Helmond takes a 13-year-old with LVB and a younger brother now.
        child = Child(age=13, siblings=1, groups=frozenset({"LVB"}))
        fits = [p for p in profiles if match(child, Home(p.age_min, p.age_max, p.free_places, p.free_from, p.siblings_together,
                                                          p.siblings_max, p.household, frozenset(p.target_groups), frozenset(p.specialisms),
                                                          geodesic_km(*HELMOND, p.location.lat, p.location.lon)), AS_OF, 8).fits]
        assert fits
