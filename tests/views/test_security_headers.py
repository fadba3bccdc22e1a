"""Session cookies and security headers as a browser receives them.

Cookies: the production settings and a real Set-Cookie header from create_app(env="production").
Headers: every kind of answer (HTML page, htmx partial, JSON, CSV, redirect, static file, and the
error pages 400/403/404/405/500/503) carries the Content-Security-Policy and the other headers.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy.exc import OperationalError

from beschikbaarheid import create_app
from beschikbaarheid.extensions import db
from config import load_config
from tests import factories
from tests.helpers import csrf_token

HTTPS = "https://wijzer.example.org"


@pytest.fixture
def production_app(monkeypatch, tmp_path):
    """The app as production builds it: settings from the environment, SECRET_KEY there too."""
    monkeypatch.setenv("SECRET_KEY", "a-production-key-from-the-environment")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.sqlite'}")
    app = create_app(env="production")
    with app.app_context():
        db.create_all()
        factories.user("aanbieder", email="medewerker@aanbieder.example", provider_id=factories.provider().id)
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_production_settings_protect_the_cookies(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "x" * 32)
    settings = load_config("production")
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert settings["REMEMBER_COOKIE_SECURE"] is True
    assert settings["REMEMBER_COOKIE_HTTPONLY"] is True
    assert settings["WTF_CSRF_ENABLED"] is True
    assert settings.get("TESTING") is not True and settings.get("DEBUG") is not True


def _cookies(response) -> dict[str, str]:
    """{cookie name: its full Set-Cookie header} of a response."""
    return {header.split("=", 1)[0]: header for header in response.headers.getlist("Set-Cookie")}


def _attributes(header: str) -> set[str]:
    return {part.strip().lower() for part in header.split(";")[1:]}


def test_real_login_sets_secure_httponly_lax_host_prefixed_cookies(production_app):
    client = production_app.test_client()
    page = client.get("/account/inloggen", base_url=HTTPS)
    assert page.status_code == 200
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    # Over HTTPS Flask-WTF also checks that the Referer is this site (strict mode, the default).
    response = client.post(
        "/account/inloggen", base_url=HTTPS, headers={"Referer": f"{HTTPS}/account/inloggen"},
        data={"email": "medewerker@aanbieder.example", "password": "wachtwoord-123", "remember": "y", "csrf_token": token},
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    cookies = _cookies(response)
    # __Host-: browsers accept these only when Secure, Path=/ and without Domain, so no subdomain can set them.
    assert set(cookies) == {"__Host-session", "__Host-remember_token"}, cookies
    session = _attributes(cookies["__Host-session"])
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= session, cookies["__Host-session"]
    remember = _attributes(cookies["__Host-remember_token"])
    assert {"secure", "httponly", "path=/"} <= remember, cookies["__Host-remember_token"]
    assert not any(a.startswith("domain=") for a in session | remember), cookies
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # The session really is the login: the provider page opens.
    assert client.get("/aanbieder/", base_url=HTTPS).status_code == 200


def test_production_post_from_another_site_is_refused(production_app):
    """Strict CSRF over HTTPS: a valid token posted with a foreign (or no) Referer is refused in Dutch."""
    client = production_app.test_client()
    page = client.get("/account/inloggen", base_url=HTTPS)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)
    form = {"email": "medewerker@aanbieder.example", "password": "wachtwoord-123", "csrf_token": token}
    for headers in ({"Referer": "https://evil.example/"}, {}):
        response = client.post("/account/inloggen", base_url=HTTPS, headers=headers, data=form)
        assert response.status_code == 400 and "formulier is verlopen" in response.get_data(as_text=True)
    assert client.get("/aanbieder/", base_url=HTTPS).status_code == 302  # not logged in


# --- Security headers on every kind of answer ---


def assert_security_headers(response, what) -> None:
    csp = response.headers.get("Content-Security-Policy", "")
    directives = {d.strip().split(" ", 1)[0]: d.strip() for d in csp.split(";") if d.strip()}
    assert directives.get("default-src") == "default-src 'self'", (what, csp)
    assert directives.get("script-src") == "script-src 'self'", (what, csp)
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp and "*" not in csp, (what, csp)
    assert directives.get("frame-ancestors") == "frame-ancestors 'none'", (what, csp)
    assert directives.get("object-src") == "object-src 'none'", (what, csp)
    assert directives.get("base-uri") == "base-uri 'self'", (what, csp)
    assert directives.get("form-action") == "form-action 'self'", (what, csp)
    assert response.headers.get("X-Content-Type-Options") == "nosniff", what
    assert response.headers.get("X-Frame-Options") == "DENY", what
    assert response.headers.get("Referrer-Policy") in ("same-origin", "strict-origin-when-cross-origin", "no-referrer"), what


@pytest.fixture
def people(app):
    with app.app_context():
        region = factories.region()
        provider = factories.provider()
        factories.offering(factories.location(provider), factories.product(region_obj=region))
        users = {"beheerder": factories.user("beheerder"), "aanbieder": factories.user("aanbieder", provider_id=provider.id)}
        db.session.commit()
        return {"region": region.id, "provider": provider.id, "emails": {k: u.email for k, u in users.items()}}


def _login(client, email):
    token = csrf_token(client, "/account/inloggen")
    assert client.post("/account/inloggen", data={"email": email, "password": "wachtwoord-123", "csrf_token": token}).status_code == 302


def test_every_kind_of_answer_carries_the_security_headers(app, client, people, monkeypatch):
    answers = {
        "html page": client.get("/"),
        "search page with input error": client.get("/zoeken/?locatie=&leeftijd=abc&product=x"),
        "htmx partial": client.get("/zoeken/?leeftijd=1", headers={"HX-Request": "true", "HX-Target": "resultaten"}),
        "json 400": client.get("/api/v1/search"),
        "json 404": client.get("/api/v1/bestaat-niet"),
        "yaml": client.get("/api/v1/openapi.yaml"),
        "text": client.get("/ping"),
        "health json": client.get("/gezond"),
        "static css": client.get("/static/css/app.css"),
        "favicon": client.get("/favicon.ico"),
        "redirect to login": client.get("/contract/"),
        "404 page": client.get("/bestaat-niet"),
        "405 page": client.get("/account/uitloggen"),
        "csrf 400 page": client.post("/account/inloggen", data={"email": "a@b.nl", "password": "x"}),
        "broken link 400": client.get("/aanbieder/link/kapot"),
    }
    _login(client, people["emails"]["aanbieder"])
    answers["403 page"] = client.get("/contract/")
    answers["provider page"] = client.get(f"/aanbieder/{people['provider']}/")
    client.post("/account/uitloggen", data={"csrf_token": csrf_token(client, "/")})
    _login(client, people["emails"]["beheerder"])
    answers["csv download"] = client.get(f"/beheer/regio/{people['region']}/aanbod.csv")
    answers["xlsx download"] = client.get("/contract/export/naleving.xlsx")

    def broken():
        raise RuntimeError("boom")

    def database_gone():
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection"))

    monkeypatch.setitem(app.view_functions, "web.accessibility", broken)
    monkeypatch.setitem(app.view_functions, "web.health", database_gone)
    answers["500 page"] = client.get("/toegankelijkheid")
    answers["503 page"] = client.get("/gezond")

    expected = {"search page with input error": 400, "json 400": 400, "json 404": 404, "redirect to login": 302, "404 page": 404, "405 page": 405, "csrf 400 page": 400,
                "broken link 400": 400, "403 page": 403, "500 page": 500, "503 page": 503}
    for what, response in answers.items():
        assert response.status_code == expected.get(what, 200), (what, response.status_code)
        assert_security_headers(response, what)
    assert answers["json 404"].is_json and answers["500 page"].mimetype == "text/html"
    assert "Er ging iets mis" in answers["500 page"].get_data(as_text=True)  # no traceback, a Dutch message
    assert "boom" not in answers["500 page"].get_data(as_text=True)


def test_strict_transport_security_only_where_cookies_are_secure(client):
    """HSTS on plain-http development would lock developers out of http://127.0.0.1; production sets it."""
    assert "Strict-Transport-Security" not in client.get("/").headers
