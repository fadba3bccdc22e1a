"""Plek-alerts in the browser without JavaScript: "Bewaar als plek-alert" under a search's results,
"Mijn zoekopdrachten" with renew and stop, each referrer seeing only their own alerts."""
from __future__ import annotations

import re
from types import SimpleNamespace

import pytest
import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import SearchAlert, User
from beschikbaarheid.services import alerts
from tests import factories as f
from tests.helpers import csrf_from

SEARCH_URL = "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis"


@pytest.fixture
def people(app):
    with app.app_context():
        f.search_world()
        me = f.user("verwijzer", email="ik@toegang.example", referrer_type="01")
        other = f.user("verwijzer", email="collega@toegang.example", referrer_type="01")
        provider_user = f.user("aanbieder", email="planner@aanbieder.example")
        db.session.commit()
        with app.test_request_context():
            theirs, _ = alerts.save_alert(other, {"locatie": "Deurne", "leeftijd": "9", "product": "pleegzorg"})
        # Plain values: the rows are detached once this app context ends.
        return {"me": SimpleNamespace(id=me.id, email=me.email), "provider": SimpleNamespace(email=provider_user.email),
                "theirs": theirs.id}


def test_a_referrer_saves_a_search_from_its_results_and_finds_it_in_mijn_zoekopdrachten(app, client, login, people):
    login(people["me"])
    page = client.get(SEARCH_URL).get_data(as_text=True)
    assert "Bewaar als plek-alert" in page and "hooguit één per dag, 60 dagen lang" in page
    form = re.search(r'<form method="post" action="/mijn-zoekopdrachten/bewaren".*?</form>', page, re.S).group(0)
    q = re.search(r'name="q" value="([^"]*)"', form).group(1)
    response = client.post("/mijn-zoekopdrachten/bewaren", data={"csrf_token": csrf_from(form), "q": q.replace("&amp;", "&")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/mijn-zoekopdrachten/")
    listing = client.get("/mijn-zoekopdrachten/").get_data(as_text=True)
    assert "Plek-alert bewaard" in listing
    assert "Hulpvraag: gezinshuis" in listing and "Leeftijd: 12 jaar" in listing and "Postcode of woonplaats: 5701" in listing
    assert "Actief" in listing and "nog geen" in listing
    # What it watches: De Linde, Huize Peel and the Tienerhuis nearby, and (few nearby) Kempen further away.
    assert "Volgt nu 4 passende resultaten." in listing
    assert "pleegzorg" not in listing  # the colleague's alert is not shown
    assert 'href="/mijn-zoekopdrachten/"' in listing  # in the menu


def test_the_button_is_only_for_logged_in_referrers(app, client, login, people):
    assert "Bewaar als plek-alert" not in client.get(SEARCH_URL).get_data(as_text=True)
    login(people["provider"])
    assert "Bewaar als plek-alert" not in client.get(SEARCH_URL).get_data(as_text=True)
    assert client.get("/mijn-zoekopdrachten/").status_code == 403


def test_an_incomplete_search_is_refused_in_dutch_and_nothing_is_saved(app, client, login, people):
    login(people["me"])
    token = csrf_from(client.get("/mijn-zoekopdrachten/").get_data(as_text=True))
    response = client.post("/mijn-zoekopdrachten/bewaren", data={"csrf_token": token, "q": "locatie=5701&product=gezinshuis"})
    assert response.status_code == 400
    assert "niet compleet of niet geldig" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchAlert).where(SearchAlert.user_id == people["me"].id)) == 0


def test_renew_and_stop_ones_own_alert(app, client, login, people):
    login(people["me"])
    with app.app_context(), app.test_request_context():
        mine, _ = alerts.save_alert(db.session.get(User, people["me"].id),
                                    {"locatie": "5701", "leeftijd": "12", "product": "gezinshuis"})
        mine_id = mine.id
    token = csrf_from(client.get("/mijn-zoekopdrachten/").get_data(as_text=True))
    assert client.post(f"/mijn-zoekopdrachten/{mine_id}/verlengen", data={"csrf_token": token}).status_code == 302
    assert "Plek-alert verlengd tot" in client.get("/mijn-zoekopdrachten/").get_data(as_text=True)
    assert client.post(f"/mijn-zoekopdrachten/{mine_id}/stoppen", data={"csrf_token": token}).status_code == 302
    listing = client.get("/mijn-zoekopdrachten/").get_data(as_text=True)
    assert "Gestopt" in listing and "Opnieuw starten" in listing
    with app.app_context():
        assert db.session.get(SearchAlert, mine_id).stopped_at is not None


def test_another_referrers_alert_is_a_404_and_stays_as_it_was(app, client, login, people):
    login(people["me"])
    token = csrf_from(client.get("/mijn-zoekopdrachten/").get_data(as_text=True))
    theirs = people["theirs"]
    assert client.post(f"/mijn-zoekopdrachten/{theirs}/stoppen", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/mijn-zoekopdrachten/{theirs}/verlengen", data={"csrf_token": token}).status_code == 404
    assert client.post("/mijn-zoekopdrachten/99999999999/stoppen", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        alert = db.session.get(SearchAlert, theirs)
        assert alert.stopped_at is None and alert.renewed_at is None


def test_a_tampered_mail_link_gets_a_dutch_400(app, client, people):
    with app.app_context():
        token = alerts.make_token(people["theirs"], "renew")
    assert client.get(f"/mijn-zoekopdrachten/link/{token}").status_code == 200
    response = client.get(f"/mijn-zoekopdrachten/link/{token[:-4]}abcd")
    assert response.status_code == 400
    assert "Deze link is ongeldig" in response.get_data(as_text=True)
