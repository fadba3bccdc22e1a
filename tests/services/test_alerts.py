"""Saving, renewing and stopping plek-alerts: what is stored, the baseline, the limit and expiry."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from beschikbaarheid import signed_links
from beschikbaarheid.domain import alerts as rules
from beschikbaarheid.extensions import db
from beschikbaarheid.models import AlertSeen, SearchAlert, utcnow
from beschikbaarheid.services import alerts
from tests import factories as f

SEARCH = {"locatie": "5701 AB", "leeftijd": "12", "product": "gezinshuis", "doelgroepen": "ass", "max_wachttijd": "8"}


@pytest.fixture
def referrer(app):
    with app.app_context(), app.test_request_context():
        world = f.search_world()
        user = f.user("verwijzer", email="verwijzer@toegang.example", referrer_type="01")
        db.session.commit()
        yield user, world


def test_saving_stores_only_the_search_parameters_with_the_postcode_as_pc4(referrer):
    user, world = referrer
    alert, created = alerts.save_alert(user, SEARCH)
    assert created
    assert alert.query == "locatie=5701&leeftijd=12&product=gezinshuis&doelgroepen=ASS&max_wachttijd=8"
    assert alert.user_id == user.id and alert.stopped_at is None
    assert alert.expires_at - alert.created_at == dt.timedelta(days=60)
    # The baseline: what the search shows now (De Linde serves ASS with 4 weeks), so nothing of it is mailed later.
    seen = db.session.scalars(sa.select(AlertSeen.offering_id).where(AlertSeen.alert_id == alert.id)).all()
    assert seen == [world["linde"].id]
    assert alerts.describe(alert.query) == [
        ("Hulpvraag", "gezinshuis"), ("Postcode of woonplaats", "5701"), ("Leeftijd", "12 jaar"),
        ("Doelgroepen", "ASS (autisme)"), ("Maximale wachttijd", "8 weken")]


def test_the_same_search_saved_again_renews_instead_of_duplicating(referrer):
    user, _world = referrer
    first, _ = alerts.save_alert(user, SEARCH, now=utcnow() - dt.timedelta(days=10))
    again, created = alerts.save_alert(user, {**SEARCH, "locatie": "5701"})
    assert not created and again.id == first.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchAlert)) == 1
    assert again.expires_at > utcnow() + dt.timedelta(days=59)


def test_a_search_that_does_not_run_or_holds_client_data_is_refused(referrer):
    user, _world = referrer
    with pytest.raises(alerts.AlertRefused, match="niet compleet"):
        alerts.save_alert(user, {"locatie": "5701", "product": "gezinshuis"})  # no age
    with pytest.raises(alerts.AlertRefused):
        alerts.save_alert(user, {**SEARCH, "product": "gezinshuis 123456782"})  # a BSN in the need
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchAlert)) == 0


def test_at_most_twenty_active_alerts_per_referrer(referrer):
    user, _world = referrer
    for age in range(rules.MAX_ACTIVE_PER_USER):
        alerts.save_alert(user, {**SEARCH, "leeftijd": str(age)})
    with pytest.raises(alerts.AlertRefused, match="al 20 actieve plek-alerts"):
        alerts.save_alert(user, {**SEARCH, "leeftijd": "25"})
    # Stopping one makes room again.
    alerts.stop(db.session.scalars(sa.select(SearchAlert)).first())
    _alert, created = alerts.save_alert(user, {**SEARCH, "leeftijd": "25"})
    assert created


def test_renew_runs_sixty_days_from_now_and_restarts_an_expired_or_stopped_alert(referrer):
    user, _world = referrer
    long_ago = utcnow() - dt.timedelta(days=70)
    alert, _ = alerts.save_alert(user, SEARCH, now=long_ago)
    assert not rules.is_active(alert.stopped_at, alert.expires_at, utcnow())  # expired
    alerts.renew(alert)
    assert rules.is_active(alert.stopped_at, alert.expires_at, utcnow())
    assert alert.renewed_at is not None and alert.expires_at > utcnow() + dt.timedelta(days=59)
    alerts.stop(alert)
    stopped_at = alert.stopped_at
    alerts.stop(alert)  # stopping twice changes nothing
    assert alert.stopped_at == stopped_at
    alerts.renew(alert)
    assert alert.stopped_at is None


def test_signed_links_name_one_alert_and_refuse_tampering(referrer):
    user, _world = referrer
    alert, _ = alerts.save_alert(user, SEARCH)
    token = alerts.make_token(alert.id, "stop")
    assert alerts.load_token(token) == (alert.id, "stop")
    with pytest.raises(signed_links.LinkInvalid):
        alerts.load_token(token[:-2] + ("xx" if not token.endswith("xx") else "yy"))
    with pytest.raises(signed_links.LinkInvalid):
        alerts.load_token(signed_links.make_provider_token(1, "confirm"))  # another kind of link
