"""Search and the "geen passend aanbod" report are rate limited per client address (so anonymous
scripts cannot flood the search or inflate the supply-gap figures), with a Dutch 429 page; search
answers are never cached (their URLs carry a postcode, an age and a need)."""
from __future__ import annotations

from html import unescape

import pytest
import sqlalchemy as sa

from beschikbaarheid.extensions import db, limiter
from beschikbaarheid.models import Feedback, NoMatchReport, Offering, SearchLog
from tests import factories
from tests.conftest import fresh_app
from tests.helpers import csrf_token

SEARCH = "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis"
OTHER = {"REMOTE_ADDR": "198.51.100.7"}


@pytest.fixture
def limited_app(database_url):
    for app in fresh_app(database_url, RATELIMIT_ENABLED=True, SEARCH_RATE_LIMIT="3 per minute", NO_MATCH_RATE_LIMIT="2 per hour",
                         FEEDBACK_RATE_LIMIT="2 per hour"):
        with app.app_context():
            limiter.reset()
            factories.search_world()
        yield app


def _count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def test_the_search_page_is_limited_per_address_with_a_dutch_page(limited_app):
    client = limited_app.test_client()
    assert [client.get(SEARCH).status_code for _ in range(3)] == [200, 200, 200]
    response = client.get(SEARCH)
    html = response.get_data(as_text=True)
    assert response.status_code == 429
    assert "Te veel zoekopdrachten vanaf dit adres. Wacht een minuut" in html
    assert 1 <= int(response.headers["Retry-After"]) <= 61
    # the htmx partial counts too and answers in the page's alert region
    response = client.get(SEARCH, headers={"HX-Request": "true", "HX-Target": "resultaten"})
    assert response.status_code == 429 and response.headers["HX-Retarget"] == "#htmx-alert"
    # another address is still served
    assert client.get(SEARCH, environ_base=OTHER).status_code == 200


def test_the_api_search_is_limited_with_a_json_error(limited_app):
    client = limited_app.test_client()
    api = "/api/v1/search?locatie=5701&leeftijd=12&product=gezinshuis"
    assert [client.get(api).status_code for _ in range(3)] == [200, 200, 200]
    logged = _count(limited_app, SearchLog)
    response = client.get(api)
    assert response.status_code == 429 and response.is_json
    assert response.get_json()["error"]["code"] == "429"
    assert "Te veel zoekopdrachten" in response.get_json()["error"]["message"]
    assert int(response.headers["Retry-After"]) >= 1
    assert _count(limited_app, SearchLog) == logged  # a refused search is not counted


def test_no_match_reports_are_limited_and_the_refused_one_is_not_stored(limited_app):
    client = limited_app.test_client()
    data = {"csrf_token": csrf_token(client, SEARCH), "q": "locatie=5701&leeftijd=12&product=gezinshuis", "reason": ""}
    assert [client.post("/zoeken/geen-passend-aanbod", data=data).status_code for _ in range(2)] == [302, 302]
    response = client.post("/zoeken/geen-passend-aanbod", data=data)
    assert response.status_code == 429
    assert "Te veel meldingen 'geen passend aanbod' vanaf dit adres" in unescape(response.get_data(as_text=True))
    assert _count(limited_app, NoMatchReport) == 2


def test_klopt_dit_niet_reports_are_limited_and_the_refused_one_is_not_stored(limited_app):
    client = limited_app.test_client()
    with limited_app.app_context():
        oid = db.session.scalar(sa.select(Offering.id).order_by(Offering.id))
    url = f"/zoeken/aanbod/{oid}/klopt-niet"
    data = {"csrf_token": csrf_token(client, url), "q": "locatie=5701", "reason": "wachttijd"}
    assert [client.post(url, data=data).status_code for _ in range(2)] == [302, 302]
    response = client.post(url, data=data)
    assert response.status_code == 429
    assert "Te veel meldingen 'klopt dit niet?' vanaf dit adres" in unescape(response.get_data(as_text=True))
    assert client.get(url).status_code == 200  # the form itself is not limited
    assert client.post(url, data=data, environ_base=OTHER).status_code == 302  # another address still may
    assert _count(limited_app, Feedback) == 3


def test_search_answers_are_not_stored_by_browsers_or_proxies(client, world):
    for url, headers in [("/zoeken/", {}), (SEARCH, {}), (SEARCH, {"HX-Request": "true", "HX-Target": "resultaten"}),
                         ("/zoeken/?locatie=5701&leeftijd=abc&product=gezinshuis", {}),
                         ("/api/v1/search?locatie=5701&leeftijd=12&product=gezinshuis", {}),
                         ("/api/v1/search?locatie=&leeftijd=12&product=gezinshuis", {})]:
        response = client.get(url, headers=headers)
        assert response.headers.get("Cache-Control") == "no-store", url
    # pages without search data keep their ordinary caching
    assert client.get("/").headers.get("Cache-Control") != "no-store"
