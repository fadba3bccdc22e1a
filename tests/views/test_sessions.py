"""Sessions can be ended: logout (also for a copy of the cookies), "overal uitloggen", a password reset,
a role/provider/region change and deactivation end every session and remember-me cookie; a login
rotates the session; a login ends after SESSION_IDLE_MINUTES unused and SESSION_ABSOLUTE_HOURS at most.

The attacker is a second test client holding a copy of the victim's cookies.
"""
from __future__ import annotations

import pytest

from beschikbaarheid import accounts, auth
from beschikbaarheid.extensions import db
from beschikbaarheid.models import User
from tests import factories
from tests.helpers import csrf_from, csrf_token

PASSWORD = "wachtwoord-123"
PAGE = "/aanbieder/"


@pytest.fixture
def provider_user(app):
    with app.app_context():
        provider = factories.provider()
        user = factories.user("aanbieder", provider_id=provider.id)
        other = factories.provider()
        region = factories.region("Andere regio")
        db.session.commit()
        return {"id": user.id, "email": user.email, "other_provider": other.id, "region": region.id}


def _login(client, email, remember=False, next_=None):
    token = csrf_token(client, "/account/inloggen")
    data = {"email": email, "password": PASSWORD, "csrf_token": token}
    if remember:
        data["remember"] = "y"
    url = "/account/inloggen" + (f"?next={next_}" if next_ else "")
    response = client.post(url, data=data)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response


def _copy(app, client, names=("session", "remember_token")):
    """Another browser with a copy of `client`'s cookies (the ones named)."""
    thief = app.test_client()
    for name in names:
        cookie = client.get_cookie(name)
        assert cookie is not None, name
        thief.set_cookie(name, cookie.value)
    return thief


def _opens_page(client) -> bool:
    response = client.get(PAGE)
    if response.status_code == 200:
        return True
    assert response.status_code == 302 and "/account/inloggen" in response.headers["Location"], response.status_code
    return False


def test_logout_ends_a_copied_session_and_remember_cookie(app, provider_user):
    victim = app.test_client()
    _login(victim, provider_user["email"], remember=True)
    session_copy = _copy(app, victim, ("session",))
    remember_copy = _copy(app, victim, ("remember_token",))
    assert _opens_page(session_copy) and _opens_page(remember_copy)  # the copies work while logged in

    token = csrf_from(victim.get("/account/").get_data(as_text=True))
    assert victim.post("/account/uitloggen", data={"csrf_token": token}).status_code == 302

    assert not _opens_page(victim)
    assert not _opens_page(session_copy)
    assert not _opens_page(remember_copy)


def test_overal_uitloggen_ends_every_session_of_the_user_only(app, provider_user):
    laptop, phone = app.test_client(), app.test_client()
    _login(laptop, provider_user["email"], remember=True)
    _login(phone, provider_user["email"], remember=True)
    copied_remember = _copy(app, laptop, ("remember_token",))
    with app.app_context():
        colleague = factories.user("contractmanager")
        db.session.commit()
        colleague_email = colleague.email
    colleague_client = app.test_client()
    _login(colleague_client, colleague_email)

    page = phone.get("/account/")
    assert page.status_code == 200 and "Overal uitloggen" in page.get_data(as_text=True)
    response = phone.post("/account/overal-uitloggen", data={"csrf_token": csrf_from(page.get_data(as_text=True))})
    assert response.status_code == 302
    assert "op alle apparaten uitgelogd" in phone.get(response.headers["Location"]).get_data(as_text=True)

    assert not _opens_page(phone) and not _opens_page(laptop) and not _opens_page(copied_remember)
    assert colleague_client.get("/contract/").status_code == 200  # somebody else stays logged in
    _login(laptop, provider_user["email"])  # logging in again works
    assert _opens_page(laptop)


def test_password_reset_ends_every_session(app, provider_user):
    victim = app.test_client()
    _login(victim, provider_user["email"], remember=True)
    thief = _copy(app, victim)
    with app.app_context():
        link = f"/account/wachtwoord-herstellen/{accounts.make_reset_token(db.session.get(User, provider_user['id']))}"
    owner = app.test_client()
    token = csrf_token(owner, link)
    response = owner.post(link, data={"csrf_token": token, "password": "een-heel-nieuw-wachtwoord", "password_repeat": "een-heel-nieuw-wachtwoord"})
    assert response.status_code == 302
    assert not _opens_page(victim)
    assert not _opens_page(thief)


def _change_role(user, ids):
    user.role = "verwijzer"
    user.provider_id = None
    user.referrer_type = "01"


def _change_provider(user, ids):
    user.provider_id = ids["other_provider"]


def _change_region(user, ids):
    user.region_id = ids["region"]


def _deactivate(user, ids):
    accounts.deactivate(user)


@pytest.mark.parametrize("change", [_change_role, _change_provider, _change_region, _deactivate])
def test_a_change_of_role_provider_region_or_deactivation_ends_every_session(app, provider_user, change):
    victim = app.test_client()
    _login(victim, provider_user["email"], remember=True)
    thief = _copy(app, victim)
    with app.app_context():
        change(db.session.get(User, provider_user["id"]), provider_user)
        db.session.commit()
    assert victim.get(PAGE).status_code == 302
    assert thief.get(PAGE).status_code == 302
    assert "/account/inloggen" in thief.get("/account/").headers["Location"]


def test_a_change_of_name_keeps_the_session(app, provider_user):
    """Control: only changes that matter for access end sessions."""
    client = app.test_client()
    _login(client, provider_user["email"])
    with app.app_context():
        db.session.get(User, provider_user["id"]).name = "Nieuwe naam"
        db.session.commit()
    assert _opens_page(client)


def test_cli_deactivate_and_end_sessions(app, provider_user):
    client = app.test_client()
    _login(client, provider_user["email"], remember=True)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "end-sessions", "--email", provider_user["email"]])
    assert result.exit_code == 0, result.output
    assert not _opens_page(client)
    _login(client, provider_user["email"])
    result = runner.invoke(args=["users", "deactivate", "--email", provider_user["email"]])
    assert result.exit_code == 0 and "gedeactiveerd" in result.output, result.output
    assert not _opens_page(client)
    token = csrf_token(client, "/account/inloggen")
    assert client.post("/account/inloggen", data={"email": provider_user["email"], "password": PASSWORD, "csrf_token": token}).status_code == 401
    assert runner.invoke(args=["users", "deactivate", "--email", "niemand@x.example"]).exit_code == 1


def test_login_rotates_the_session_so_an_earlier_csrf_token_is_void(app, provider_user):
    client = app.test_client()
    before = csrf_token(client, "/account/inloggen")
    client.get("/?lang=en")
    response = client.post("/account/inloggen", data={"email": provider_user["email"], "password": PASSWORD, "csrf_token": before})
    assert response.status_code == 302
    # An attacker who planted or read the session before login cannot post with its token afterwards.
    refused = client.post("/account/uitloggen", data={"csrf_token": before})
    assert refused.status_code == 400
    assert _opens_page(client)
    assert 'lang="en"' in client.get("/account/").get_data(as_text=True)  # the chosen language survives


def test_idle_timeout_ends_session_and_remember_cookie_alike(app, provider_user, monkeypatch):
    app.config.update(SESSION_IDLE_MINUTES=30, SESSION_ABSOLUTE_HOURS=12)
    now = [1_800_000_000]
    monkeypatch.setattr(auth, "epoch_now", lambda: now[0])
    client = app.test_client()
    _login(client, provider_user["email"], remember=True)
    now[0] += 29 * 60
    assert _opens_page(client)  # used within the idle time: the login lives on
    remember_only = _copy(app, client, ("remember_token",))
    now[0] += 29 * 60
    assert _opens_page(client) and _opens_page(remember_only)
    now[0] += 31 * 60
    assert not _opens_page(remember_only)
    assert remember_only.get_cookie("remember_token") is None  # the dead cookie is removed from the browser
    response = client.get(PAGE)
    assert response.status_code == 302
    assert "Log opnieuw in" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_absolute_lifetime_ends_an_active_login(app, provider_user, monkeypatch):
    app.config.update(SESSION_IDLE_MINUTES=30, SESSION_ABSOLUTE_HOURS=2)
    now = [1_800_000_000]
    monkeypatch.setattr(auth, "epoch_now", lambda: now[0])
    client = app.test_client()
    _login(client, provider_user["email"], remember=True)
    for _ in range(7):  # busy all the time: a request every 17 minutes
        now[0] += 17 * 60
        assert _opens_page(client)
    thief = _copy(app, client, ("remember_token",))
    now[0] += 17 * 60  # 2 h 16 min after the password was typed
    assert not _opens_page(client)
    assert not _opens_page(thief)


def test_remember_cookie_restores_a_login_after_the_browser_closed(app, provider_user):
    """Control for the tests above: 'Ingelogd blijven' still works within the limits."""
    client = app.test_client()
    _login(client, provider_user["email"], remember=True)
    client.delete_cookie("session")  # the browser was closed
    assert _opens_page(client)
    plain = app.test_client()
    _login(plain, provider_user["email"])
    plain.delete_cookie("session")
    assert not _opens_page(plain)
