"""The gezinshuis change path: which locations are gezinshuizen, saving a profile (vacancy days, the
audit trail, refusals), the monthly confirmation and the endings."""
import datetime as dt

import pytest

from beschikbaarheid.domain import freshness
from beschikbaarheid.extensions import db
from beschikbaarheid.models import AuditEvent, Contract, GezinshuisEnding, Offering, utcnow
from beschikbaarheid.services import gezinshuis
from beschikbaarheid.services.offerings import Actor, confirm_all
from tests import factories


def _values(**kw):
    values = {"places_allowed": 4, "places_taken": 3, "age_min": 0, "age_max": 18, "siblings_together": False, "siblings_max": 0,
              "household": {("placed", "8-11"): 3}, "target_groups": ["LVB"], "specialisms": [], "free_from": None, "notes": ""}
    values.update(kw)
    return values


def _home(region=None, code="43A10", name="Gezinshuis", form="wonen"):
    location = factories.location(factories.provider())
    factories.offering(location, factories.product(code, name, region, 2 if form != "crisis" else 5, form))
    return location


def test_a_gezinshuis_is_a_location_with_a_gezinshuis_product_under_an_active_contract_of_the_region(app):
    with app.app_context():
        region = factories.region()
        home = _home(region)
        renamed = _home(region, "43X01", "Specialistisch gezinshuis")
        crisis = _home(region, "46A02", "Crisisplek gezinshuis", "crisis")
        group = _home(region, "43A14", "Woongroep")
        ended = _home(region, "43A10")
        db.session.execute(db.update(Contract).where(Contract.provider_id == ended.provider_id).values(valid_until=dt.date(2021, 12, 31)))
        elsewhere = _home(factories.region("Andere regio"))
        today = freshness.local_date(utcnow())
        found = [loc.id for loc, _profile in gezinshuis.region_gezinshuizen(region.id, today)]
        assert sorted(found) == sorted([home.id, renamed.id])
        assert gezinshuis.gezinshuis_location_ids(crisis.provider_id) == set()
        assert gezinshuis.gezinshuis_location_ids(group.provider_id) == set()
        assert gezinshuis.gezinshuis_location_ids(elsewhere.provider_id) == {elsewhere.id}


def test_a_place_coming_free_starts_the_vacancy_and_filling_it_ends_it(app):
    with app.app_context():
        home = _home()
        day1 = dt.datetime(2026, 3, 2, 9, tzinfo=dt.timezone.utc)
        profile = gezinshuis.save_profile(home, _values(), author="a@b.nl", now=day1)
        assert profile.free_places == 1 and profile.vacant_since == dt.date(2026, 3, 2)
        later = day1 + dt.timedelta(days=10)
        profile = gezinshuis.save_profile(home, _values(places_taken=2, household={("placed", "8-11"): 2}), author="a@b.nl", now=later)
        assert profile.vacant_since == dt.date(2026, 3, 2)  # the same vacancy, now two places
        profile = gezinshuis.save_profile(home, _values(places_taken=4, household={("placed", "8-11"): 4}), author="a@b.nl", now=later)
        assert profile.vacant_since is None and profile.updated_at == later and profile.updated_by == "a@b.nl"
        actions = list(db.session.scalars(db.select(AuditEvent.action)))
        assert actions == ["gezinshuis.update"] * 3  # one per save, in the provider's region


def test_a_refused_profile_saves_nothing(app):
    with app.app_context():
        home = _home()
        with pytest.raises(gezinshuis.ProfileRefused) as refused:
            gezinshuis.save_profile(home, _values(places_taken=5, notes="Bel 06-12345678"), author="a@b.nl")
        assert set(refused.value.errors) == {"places_taken", "notes"}
        db.session.rollback()
        assert gezinshuis.profile_for(home) is None
        assert db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)) == 0


def test_confirming_all_offerings_unchanged_confirms_the_profile(app):
    with app.app_context():
        home = _home()
        long_ago = utcnow() - dt.timedelta(days=80)
        gezinshuis.save_profile(home, _values(), author="a@b.nl", now=long_ago)
        offering = db.session.scalar(db.select(Offering).where(Offering.location_id == home.id))
        now = utcnow()
        confirm_all([offering], {offering.id: offering.version}, actor=Actor("c@d.nl", "form"), now=now)
        db.session.commit()
        profile = gezinshuis.profile_for(home)
        assert profile.updated_at == now and profile.updated_by == "c@d.nl"


def test_a_second_report_of_a_month_replaces_the_first(app):
    with app.app_context():
        home = _home()
        gezinshuis.report_endings(home, dt.date(2026, 2, 14), 1)
        gezinshuis.report_endings(home, dt.date(2026, 2, 1), 3)
        assert [(e.month, e.count) for e in db.session.scalars(db.select(GezinshuisEnding))] == [(dt.date(2026, 2, 1), 3)]
