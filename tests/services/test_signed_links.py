"""Signed reminder links: scoped to one provider and purpose, expiring, safe against prefetching, recorded as author."""
import re
import time

import pytest
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner

from beschikbaarheid import signed_links
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Offering, OfferingChange
from tests import factories
from tests.helpers import csrf_token


def _two_providers():
    """Provider A (two contracted offerings, one without contract) and provider B (one offering)."""
    a = factories.provider("Zonnehuis", intake_email="intake@zonnehuis.example")
    b = factories.provider("De Linde", intake_email="intake@delinde.example")
    loc_a, loc_b = factories.location(a, "Helmond"), factories.location(b, "Deurne")
    gezinshuis = factories.product("43A10", "Gezinshuis")
    ambulant = factories.product("45A01", "Ambulant", form="ambulant", segment=4)
    woongroep = factories.product("43A14", "Woongroep")
    a1 = factories.offering(loc_a, gezinshuis, waiting_weeks=4)
    a2 = factories.offering(loc_a, ambulant, waiting_weeks=2)
    a_old = factories.offering(loc_a, woongroep, contract=False)
    b1 = factories.offering(loc_b, gezinshuis, waiting_weeks=9)
    db.session.commit()
    return {"a": a.id, "b": b.id, "a1": a1.id, "a2": a2.id, "a_old": a_old.id, "b1": b1.id}


def _path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def _history_count(offering_id):
    return db.session.scalar(db.select(db.func.count()).select_from(OfferingChange).where(OfferingChange.offering_id == offering_id))


def test_token_round_trip_and_purpose(app):
    with app.app_context():
        token = signed_links.make_provider_token(7, "confirm")
        assert signed_links.load_provider_token(token, "confirm") == 7
        with pytest.raises(signed_links.LinkInvalid):
            signed_links.load_provider_token(token, "update")
        assert signed_links.make_provider_token(7, "confirm") != token  # nonce: every link is unique
        with pytest.raises(ValueError):
            signed_links.make_provider_token(7, "admin")


def test_tampered_or_foreign_tokens_are_invalid(app):
    with app.app_context():
        token = signed_links.make_provider_token(7, "update")
        with pytest.raises(signed_links.LinkInvalid):
            signed_links.load_provider_token(token[:-2] + ("AA" if not token.endswith("AA") else "BB"), "update")
        # A token for provider 8 made with another key (an attacker's guess) is refused.
        forged = URLSafeTimedSerializer("wrong-key", salt=signed_links.SALT).dumps({"p": 8, "u": "update", "n": "x", "d": "2026-01-01"})
        with pytest.raises(signed_links.LinkInvalid):
            signed_links.load_provider_token(forged, "update")


def test_tokens_expire_after_the_configured_days(app, monkeypatch):
    with app.app_context():
        real = time.time()
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(real - 15 * 86400))
        old = signed_links.make_provider_token(7, "confirm")
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(real - 13 * 86400))
        recent = signed_links.make_provider_token(7, "confirm")
        monkeypatch.undo()
        with pytest.raises(signed_links.LinkExpired):
            signed_links.load_provider_token(old, "confirm")
        assert signed_links.load_provider_token(recent, "confirm") == 7
        app.config["SIGNED_LINK_MAX_AGE_DAYS"] = 7
        with pytest.raises(signed_links.LinkExpired):
            signed_links.load_provider_token(recent, "confirm")


def test_links_use_public_base_url_not_the_host_header(app):
    app.config["PUBLIC_BASE_URL"] = "https://wijzer.example.org/regio"
    with app.app_context():  # outside a request: as the scheduler runs
        link = signed_links.make_provider_link(3, "confirm")
        assert link.startswith("https://wijzer.example.org/regio/aanbieder/link/")
        assert signed_links.make_provider_link(3, "update", external=False).startswith("/aanbieder/link/")
    with app.test_request_context("/", headers={"Host": "evil.example"}):
        assert signed_links.make_provider_link(3, "confirm").startswith("https://wijzer.example.org/regio/aanbieder/link/")


def test_get_on_a_confirm_link_changes_nothing(app, client):
    with app.app_context():
        ids = _two_providers()
        link = _path(signed_links.make_provider_link(ids["a"], "confirm"))
        before = [(o.version, o.updated_at) for o in db.session.scalars(db.select(Offering).order_by(Offering.id))]
    for _ in range(3):  # a mail scanner prefetching the link, several times
        response = client.get(link)
        assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Alles ongewijzigd bevestigen" in html and "Gezinshuis" in html and "Ambulant" in html
    assert "Woongroep" not in html  # no contract, nothing to confirm
    with app.app_context():
        assert [(o.version, o.updated_at) for o in db.session.scalars(db.select(Offering).order_by(Offering.id))] == before
        assert _history_count(ids["a1"]) == 0
    # ... and the confirm link grants no edit access
    assert client.get(f"/aanbieder/{ids['a']}/").status_code == 302


def test_post_on_a_confirm_link_confirms_everything_as_the_link(app, client):
    with app.app_context():
        ids = _two_providers()
        link = _path(signed_links.make_provider_link(ids["a"], "confirm"))
    token = csrf_token(client, link)
    form = {"csrf_token": token, f"version-{ids['a1']}": "1", f"version-{ids['a2']}": "1",
            f"version-{ids['b1']}": "1", f"version-{ids['a_old']}": "1"}  # B's and uncontracted ids are ignored
    response = client.post(link, data=form)
    assert response.status_code == 200
    assert "2 regels van Zonnehuis zijn bevestigd" in response.get_data(as_text=True)
    with app.app_context():
        for key in ("a1", "a2"):
            o = db.session.get(Offering, ids[key])
            assert o.last_update_kind == "confirm" and o.updated_by == "link:intake@zonnehuis.example"
            row = db.session.scalar(db.select(OfferingChange).where(OfferingChange.offering_id == o.id))
            assert (row.kind, row.via, row.author, row.user_id) == ("confirm", "link", "link:intake@zonnehuis.example", None)
        assert _history_count(ids["b1"]) == 0 and _history_count(ids["a_old"]) == 0
        assert db.session.get(Offering, ids["b1"]).version == 1


def test_expired_and_broken_links_get_a_dutch_page_with_a_way_in(app, client, monkeypatch):
    with app.app_context():
        ids = _two_providers()
        real = time.time()
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(real - 20 * 86400))
        expired = _path(signed_links.make_provider_link(ids["a"], "update"))
        monkeypatch.undo()
    response = client.get(expired)
    assert response.status_code == 410
    html = response.get_data(as_text=True)
    assert "verlopen" in html and "/account/inloggen" in html
    response = client.get("/aanbieder/link/dit-is-geen-link")
    assert response.status_code == 400 and "ongeldig" in response.get_data(as_text=True)
    # an expired link grants nothing
    assert client.get(f"/aanbieder/{ids['a']}/").status_code == 302


def test_update_link_opens_only_that_providers_update_screen(app, client):
    with app.app_context():
        ids = _two_providers()
        link = _path(signed_links.make_provider_link(ids["a"], "update"))
    response = client.get(link)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/aanbieder/{ids['a']}/")
    page = client.get(f"/aanbieder/{ids['a']}/")
    assert page.status_code == 200 and "persoonlijke link" in page.get_data(as_text=True)
    token = csrf_token(client, f"/aanbieder/{ids['a']}/")

    response = client.post(f"/aanbieder/aanbod/{ids['a1']}/bewerken", data={
        "csrf_token": token, "version": "1", "layout": "page", "capacity": "6", "free_places": "0", "waiting_weeks": "7",
        "intake_status": "open", "note": "via link", "age_min": "0", "age_max": "18",
    })
    assert response.status_code == 302
    with app.app_context():
        o = db.session.get(Offering, ids["a1"])
        assert (o.waiting_weeks, o.updated_by) == (7, "link:intake@zonnehuis.example")
        assert {r.via for r in db.session.scalars(db.select(OfferingChange).where(OfferingChange.offering_id == o.id))} == {"link"}

    # Provider B: not visible, not editable, not confirmable, whatever id is guessed.
    assert client.get(f"/aanbieder/{ids['b']}/").status_code == 404
    assert client.get(f"/aanbieder/aanbod/{ids['b1']}/historie").status_code == 404
    for url in (f"/aanbieder/aanbod/{ids['b1']}/bewerken", f"/aanbieder/aanbod/{ids['b1']}/bevestigen"):
        assert client.post(url, data={"csrf_token": token, "version": "1", "layout": "row", "capacity": "6",
                                      "free_places": "0", "waiting_weeks": "1", "intake_status": "open"}).status_code == 404
    assert client.post(f"/aanbieder/{ids['b']}/bevestigen", data={"csrf_token": token, f"version-{ids['b1']}": "1"}).status_code == 404
    # Other roles' pages stay closed: the link is no login.
    assert client.get("/contract/").status_code == 302
    with app.app_context():
        b1 = db.session.get(Offering, ids["b1"])
        assert (b1.version, b1.waiting_weeks) == (1, 9) and _history_count(ids["b1"]) == 0


def test_update_link_session_expires_and_can_be_ended(app, client, monkeypatch):
    with app.app_context():
        ids = _two_providers()
        link = _path(signed_links.make_provider_link(ids["a"], "update"))
    client.get(link)
    assert client.get(f"/aanbieder/{ids['a']}/").status_code == 200
    real = time.time
    monkeypatch.setattr(time, "time", lambda: real() + 3 * 3600)
    assert client.get(f"/aanbieder/{ids['a']}/").status_code == 302
    monkeypatch.undo()
    client.get(link)
    token = csrf_token(client, f"/aanbieder/{ids['a']}/")
    assert client.post("/aanbieder/link/stoppen", data={"csrf_token": token}).status_code == 302
    assert client.get(f"/aanbieder/{ids['a']}/").status_code == 302


def test_update_link_session_ends_when_left_unused(app, client, monkeypatch):
    """Like a login, the link's edit access ends after SESSION_IDLE_MINUTES without use, and use keeps it."""
    with app.app_context():
        ids = _two_providers()
        link = _path(signed_links.make_provider_link(ids["a"], "update"))
    idle = app.config["SESSION_IDLE_MINUTES"] * 60
    real, shift = time.time, [0.0]
    monkeypatch.setattr(time, "time", lambda: real() + shift[0])
    client.get(link)
    for _ in range(3):  # in use: each visit within the idle limit keeps it open
        shift[0] += idle - 120
        assert client.get(f"/aanbieder/{ids['a']}/").status_code == 200
    shift[0] += idle + 60
    assert client.get(f"/aanbieder/{ids['a']}/").status_code == 302


def test_update_link_cannot_be_posted_as_a_confirmation(app, client):
    with app.app_context():
        ids = _two_providers()
        update = _path(signed_links.make_provider_link(ids["a"], "update"))
    token = csrf_token(client, "/account/inloggen")
    assert client.post(update, data={"csrf_token": token, f"version-{ids['a1']}": "1"}).status_code == 405
    with app.app_context():
        assert _history_count(ids["a1"]) == 0
