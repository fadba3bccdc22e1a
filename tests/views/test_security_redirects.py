"""No open redirect: whatever ?next= a link to the login page carries, after logging in the browser
stays on this site (the tricks browsers read as another host included)."""
from __future__ import annotations

from urllib.parse import quote, urlsplit

import pytest

from beschikbaarheid.extensions import db
from tests import factories
from tests.helpers import csrf_token

TRICKS = [
    "//evil.example/", "https://evil.example/", "http:evil.example", "/\\evil.example/", "\\\\evil.example/", "/\t/evil.example/",
    "/\\/evil.example/", "//evil.example@wijzer/", "javascript:alert(1)", "data:text/html,hoi", "%2F%2Fevil.example", " //evil.example",
]


def _login_with_next(app, client, target: str):
    """Log a new contract manager in through the real form, with `target` as ?next=."""
    with app.app_context():
        email = factories.user("contractmanager").email
        db.session.commit()
    token = csrf_token(client, "/account/inloggen")
    return client.post(f"/account/inloggen?next={quote(target, safe='')}",
                       data={"email": email, "password": "wachtwoord-123", "csrf_token": token})


@pytest.mark.parametrize("target", TRICKS)
def test_login_never_sends_the_browser_to_another_site(app, client, target):
    response = _login_with_next(app, client, target)
    assert response.status_code == 302
    location = response.headers["Location"]
    parts = urlsplit(location)
    assert parts.scheme in ("", "http") and parts.netloc in ("", "localhost"), location
    # Browsers treat a backslash or tab like '/', so '/\\host' or '/\t/host' would leave the site.
    assert location.startswith("/") and not location.startswith(("//", "/\\", "/\t")), location


def test_a_same_site_next_is_followed(app, client):
    """Control: a real page of this site is where the login goes."""
    response = _login_with_next(app, client, "/contract/kwaliteit")
    assert response.headers["Location"] == "/contract/kwaliteit"


@pytest.mark.parametrize("target", ["/contract/\r\nSet-Cookie: x=1", "/contract/\n", "/contract/\x00", "/contract/\x7f", "/contract/\u2028x"])
def test_a_control_character_in_next_goes_to_the_start_page_not_an_error(app, client, target):
    """A line break in next used to log the user in and then answer 500 (it cannot go into Location)."""
    response = _login_with_next(app, client, target)
    assert response.status_code == 302
    assert response.headers["Location"] == "/contract/"  # the role's start page
    assert client.get("/account/").status_code == 200  # logged in, no error
