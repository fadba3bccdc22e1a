"""Authorization over EVERY route of the aanbieder blueprint, for every role, URL guessing included.

The route list comes from app.url_map, so a new route without an entry in ROUTES fails this test.
"""
import pytest

from beschikbaarheid.extensions import db
from beschikbaarheid.domain import freshness
from beschikbaarheid.models import Feedback, GezinshuisProfile, Offering, OfferingChange, utcnow
from tests import factories
from tests.helpers import csrf_token

# endpoint -> "read" (contract managers may see it) or "edit" (only the provider itself / its link)
ROUTES = {
    "aanbieder.home": "read",
    "aanbieder.provider": "read",
    "aanbieder.row": "read",
    "aanbieder.history": "read",
    "aanbieder.edit": "edit",
    "aanbieder.confirm": "edit",
    "aanbieder.confirm_all": "edit",
    "aanbieder.answer": "edit",
    "aanbieder.contacts": "edit",  # its own contact details: provider users of that provider only
    "aanbieder.gezinshuis": "edit",  # a gezinshuis's profile: the provider itself (or its link)
    "aanbieder.gezinshuis_endings": "edit",
}
# Reached with a signed token, not a login; covered in tests/services/test_signed_links.py.
PUBLIC = {"aanbieder.link", "aanbieder.link_end"}


def _world():
    a = factories.provider("Zonnehuis")
    b = factories.provider("De Linde")
    product = factories.product()
    a1 = factories.offering(factories.location(a, "Helmond"), product)
    b1 = factories.offering(factories.location(b, "Deurne"), product, waiting_weeks=9)
    users = {
        "aanbieder_a": factories.user("aanbieder", provider_id=a.id),
        "verwijzer": factories.user("verwijzer", referrer_type="02"),
        "contractmanager": factories.user("contractmanager"),
        "beheerder": factories.user("beheerder"),
    }
    reports = [Feedback(offering_id=o.id, reason="wachttijd") for o in (a1, b1)]
    db.session.add_all(reports)
    db.session.commit()
    return {"a": a.id, "b": b.id, "a1": a1.id, "b1": b1.id, "fa": reports[0].id, "fb": reports[1].id,
            "la": a1.location_id, "lb": b1.location_id}, users


def _requests(app, provider_id, offering_id, feedback_id=999999, location_id=999999):
    """(endpoint, method, url) for every aanbieder route and method, aimed at the given ids."""
    out = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("aanbieder.") or rule.endpoint in PUBLIC:
            continue
        values = {}
        if "provider_id" in rule.arguments:
            values["provider_id"] = provider_id
        if "offering_id" in rule.arguments:
            values["offering_id"] = offering_id
        if "feedback_id" in rule.arguments:
            values["feedback_id"] = feedback_id
        if "location_id" in rule.arguments:
            values["location_id"] = location_id
        with app.test_request_context():
            from flask import url_for

            url = url_for(rule.endpoint, **values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, url))
    return out


def _form(token, offering_id):
    """A valid save: if authorization failed open, it would really change the offering."""
    return {"csrf_token": token, "version": "1", "layout": "row", "capacity": "6", "free_places": "0", "waiting_weeks": "1",
            "intake_status": "gesloten", "note": "gehackt", f"version-{offering_id}": "1",
            "text": "Klopt wel: gehackt",
            # a valid gezinshuis profile and month's endings
            "places_allowed": "4", "places_taken": "0", "age_min": "0", "age_max": "18",
            "month": freshness.local_date(utcnow()).replace(day=1).isoformat(), "count": "1"}


def _send(client, method, url, token, offering_id, htmx=False):
    headers = {"HX-Request": "true"} if htmx else {}
    if method == "GET":
        return client.get(url, headers=headers)
    return client.post(url, data=_form(token, offering_id), headers=headers)


def _untouched(ids):
    b1 = db.session.get(Offering, ids["b1"])
    history = db.session.scalar(db.select(db.func.count()).select_from(OfferingChange).where(OfferingChange.offering_id == ids["b1"]))
    report_open = db.session.get(Feedback, ids["fb"]).answered_at is None
    no_profile = db.session.scalar(db.select(GezinshuisProfile).where(GezinshuisProfile.location_id == ids["lb"])) is None
    return b1.version == 1 and b1.waiting_weeks == 9 and history == 0 and report_open and no_profile


def test_every_route_is_classified(app):
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("aanbieder.")}
    assert endpoints == set(ROUTES) | PUBLIC, "classify new aanbieder routes in ROUTES (and test them)"


def test_anonymous_visitors_are_sent_to_login_everywhere(app, client):
    with app.app_context():
        ids, _users = _world()
    token = csrf_token(client, "/account/inloggen")
    for endpoint, method, url in _requests(app, ids["b"], ids["b1"], ids["fb"], ids["lb"]):
        response = _send(client, method, url, token, ids["b1"])
        assert response.status_code == 302, (endpoint, method, response.status_code)
        assert "/account/inloggen" in response.headers["Location"], (endpoint, method)
    with app.app_context():
        assert _untouched(ids)


@pytest.mark.parametrize("htmx", [False, True])
def test_provider_user_cannot_reach_another_providers_offerings(app, client, login, htmx):
    with app.app_context():
        ids, users = _world()
        login(users["aanbieder_a"])
    token = csrf_token(client, "/aanbieder/")
    for endpoint, method, url in _requests(app, ids["b"], ids["b1"], ids["fb"], ids["lb"]):
        response = _send(client, method, url, token, ids["b1"], htmx)
        if endpoint == "aanbieder.home":  # no ids: always the user's own provider
            assert response.status_code == 200 and "De Linde" not in response.get_data(as_text=True)
            continue
        assert response.status_code in (403, 404), (endpoint, method, response.status_code)
    # guessing ids that do not exist looks the same as ids of another provider
    for endpoint, method, url in _requests(app, 999999, 999999):
        if endpoint != "aanbieder.home":
            assert _send(client, method, url, token, 999999).status_code in (403, 404), (endpoint, method)
    with app.app_context():
        assert _untouched(ids)


def test_provider_user_can_use_every_route_for_its_own_offerings(app, client, login):
    """The positive control: the same requests on the own provider succeed (so the test above can fail)."""
    with app.app_context():
        ids, users = _world()
        login(users["aanbieder_a"])
    token = csrf_token(client, "/aanbieder/")
    for endpoint, method, url in _requests(app, ids["a"], ids["a1"], ids["fa"], ids["la"]):
        if endpoint == "aanbieder.edit" and method == "POST":
            continue  # saved below, with the version it then has
        response = _send(client, method, url, token, ids["a1"])
        assert response.status_code in (200, 302), (endpoint, method, response.status_code)
        if response.status_code == 302:
            assert "/account/inloggen" not in response.headers["Location"]
    with app.app_context():
        version = db.session.get(Offering, ids["a1"]).version
    response = client.post(f"/aanbieder/aanbod/{ids['a1']}/bewerken", data={**_form(token, ids["a1"]), "version": str(version)})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Offering, ids["a1"]).note == "gehackt"


def test_referrers_get_403_everywhere(app, client, login):
    with app.app_context():
        ids, users = _world()
        login(users["verwijzer"])
    token = csrf_token(client, "/")  # the logout form in the header
    for provider, offering, report, location in ((ids["a"], ids["a1"], ids["fa"], ids["la"]), (ids["b"], ids["b1"], ids["fb"], ids["lb"])):
        for endpoint, method, url in _requests(app, provider, offering, report, location):
            assert _send(client, method, url, token, offering).status_code == 403, (endpoint, method)
    with app.app_context():
        assert _untouched(ids)


@pytest.mark.parametrize("role", ["contractmanager", "beheerder"])
def test_contract_managers_read_everything_and_change_nothing(app, client, login, role):
    with app.app_context():
        ids, users = _world()
        login(users[role])
    token = csrf_token(client, "/aanbieder/")
    for endpoint, method, url in _requests(app, ids["b"], ids["b1"], ids["fb"], ids["lb"]):
        response = _send(client, method, url, token, ids["b1"])
        if ROUTES[endpoint] == "read" and method == "GET":
            assert response.status_code in (200, 302), (endpoint, method, response.status_code)
        else:
            assert response.status_code == 403, (endpoint, method, response.status_code)
    with app.app_context():
        assert _untouched(ids)
