"""Signed links over HTTP, the cases tests/services/test_signed_links.py leaves open: a tampered payload, an
expired confirm link posted, a link for a provider that no longer exists, and tokens of one kind
(password reset, provider link) never accepted as the other."""
from __future__ import annotations

import base64
import json
import time
import zlib

import pytest
from itsdangerous.timed import TimestampSigner

from beschikbaarheid import accounts, signed_links
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Offering, OfferingChange, User
from tests import factories
from tests.helpers import csrf_token


def _world(app) -> dict:
    with app.app_context():
        a, b = factories.provider("Zonnehuis"), factories.provider("De Linde")
        product = factories.product()
        a1 = factories.offering(factories.location(a, "Helmond"), product)
        b1 = factories.offering(factories.location(b, "Deurne"), product, waiting_weeks=9)
        user = factories.user("verwijzer", referrer_type="02")
        db.session.commit()
        return {"a": a.id, "b": b.id, "a1": a1.id, "b1": b1.id, "user": user.id}


def _link(app, provider_id, purpose) -> str:
    with app.app_context():
        return signed_links.make_provider_link(provider_id, purpose, external=False)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _swap_payload(token: str, **changes) -> str:
    """The same signature over a changed payload (what someone editing the link by hand would send)."""
    compressed = token.startswith(".")
    payload, rest = (token[1:] if compressed else token).split(".", 1)
    raw = _unb64(payload)
    data = json.loads(zlib.decompress(raw) if compressed else raw)
    data.update(changes)
    return _b64(json.dumps(data, separators=(",", ":")).encode()) + "." + rest


def _untouched(app, ids) -> bool:
    with app.app_context():
        rows = db.session.scalar(db.select(db.func.count()).select_from(OfferingChange))
        versions = [db.session.get(Offering, ids[k]).version for k in ("a1", "b1")]
        return rows == 0 and versions == [1, 1]


@pytest.mark.parametrize("purpose", ["confirm", "update"])
def test_a_link_edited_to_name_another_provider_is_refused(app, client, purpose):
    ids = _world(app)
    link = _link(app, ids["a"], purpose)
    prefix, token = link.rsplit("/", 1)
    forged = f"{prefix}/{_swap_payload(token, p=ids['b'])}"
    assert forged != link
    response = client.get(forged)
    assert response.status_code == 400 and "ongeldig" in response.get_data(as_text=True)
    form_token = csrf_token(client, "/account/inloggen")
    response = client.post(forged, data={"csrf_token": form_token, f"version-{ids['b1']}": "1"})
    assert response.status_code == 400
    # No grant for either provider came out of it.
    assert client.get(f"/aanbieder/{ids['b']}/").status_code == 302
    assert client.get(f"/aanbieder/{ids['a']}/").status_code == 302
    assert _untouched(app, ids)
    # Control: the untouched link does work, so the 400 is the signature check.
    assert client.get(link).status_code in (200, 302)


def test_an_expired_confirm_link_confirms_nothing_when_posted(app, client, monkeypatch):
    ids = _world(app)
    with app.app_context():
        real = time.time()
        monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(real - 15 * 86400))
        link = signed_links.make_provider_link(ids["a"], "confirm", external=False)
        monkeypatch.undo()
    token = csrf_token(client, "/account/inloggen")
    response = client.post(link, data={"csrf_token": token, f"version-{ids['a1']}": "1"})
    assert response.status_code == 410 and "verlopen" in response.get_data(as_text=True)
    assert _untouched(app, ids)


def test_a_link_for_a_provider_that_no_longer_exists_is_invalid(app, client):
    ids = _world(app)
    link = _link(app, 424242, "update")
    response = client.get(link)
    assert response.status_code == 400 and "ongeldig" in response.get_data(as_text=True)
    assert client.get("/aanbieder/424242/").status_code == 302  # no grant: still the login page
    assert _untouched(app, ids)


def test_a_password_reset_token_is_no_provider_link_and_the_reverse(app, client):
    ids = _world(app)
    with app.app_context():
        reset = accounts.make_reset_token(db.session.get(User, ids["user"]))
        provider_token = signed_links.make_provider_token(ids["a"], "update")
    assert client.get(f"/aanbieder/link/{reset}").status_code == 400
    assert client.get(f"/aanbieder/{ids['a']}/").status_code == 302
    response = client.get(f"/account/wachtwoord-herstellen/{provider_token}")
    assert response.status_code == 400
    form_token = csrf_token(client, "/account/inloggen")
    response = client.post(f"/account/wachtwoord-herstellen/{provider_token}",
                           data={"csrf_token": form_token, "password": "overgenomen-123", "password_repeat": "overgenomen-123"})
    assert response.status_code == 400
    with app.app_context():
        assert db.session.get(User, ids["user"]).check_password("wachtwoord-123")
    # Control: the reset token itself is accepted where it belongs.
    assert client.get(f"/account/wachtwoord-herstellen/{reset}").status_code == 200


def test_a_link_signed_with_an_old_secret_key_stops_working_after_rotation(app, client):
    """Rotating SECRET_KEY is how an operator revokes every outstanding link at once."""
    ids = _world(app)
    link = _link(app, ids["a"], "update")
    app.config["SECRET_KEY"] = "rotated-" + app.config["SECRET_KEY"]
    assert client.get(link).status_code == 400
    assert client.get(f"/aanbieder/{ids['a']}/").status_code == 302


def test_a_link_grant_ends_with_logout(app, client, login):
    """A provider user of B who opens A's update link on a shared PC: logging out ends the grant too."""
    ids = _world(app)
    with app.app_context():
        user = factories.user("aanbieder", provider_id=ids["b"])
        db.session.commit()
        login(user)
    assert client.get(_link(app, ids["a"], "update")).status_code == 302
    assert client.get(f"/aanbieder/{ids['a']}/").status_code == 200
    client.post("/account/uitloggen", data={"csrf_token": csrf_token(client, "/")})
    assert client.get(f"/aanbieder/{ids['a']}/").status_code == 302
