"""Logging in lands each role on its own page; wrong passwords and missing CSRF tokens are refused."""
from beschikbaarheid.extensions import db
from tests import factories
from tests.helpers import csrf_token


def test_login_redirects_to_role_home(app, client, login):
    with app.app_context():
        u = factories.user("contractmanager")
        db.session.commit()
        email = u.email
    response = client.post("/account/inloggen", data={"email": email, "password": "wachtwoord-123", "csrf_token": csrf_token(client, "/account/inloggen")})
    assert response.status_code == 302 and response.headers["Location"].endswith("/contract/")


def test_wrong_password_is_401_in_dutch(app, client):
    with app.app_context():
        u = factories.user("verwijzer")
        db.session.commit()
        email = u.email
    response = client.post("/account/inloggen", data={"email": email, "password": "fout", "csrf_token": csrf_token(client, "/account/inloggen")})
    assert response.status_code == 401
    assert "klopt niet" in response.get_data(as_text=True)


def test_login_without_csrf_token_is_refused(app, client):
    response = client.post("/account/inloggen", data={"email": "a@b.nl", "password": "x"})
    assert response.status_code == 400
    assert "formulier is verlopen" in response.get_data(as_text=True)


def test_role_pages_refuse_other_roles(app, client, login):
    with app.app_context():
        u = factories.user("verwijzer")
        db.session.commit()
        login(u)
    assert client.get("/contract/").status_code == 403
    assert client.get("/beheer/").status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/aanbieder/")
    assert response.status_code == 302 and "/account/inloggen" in response.headers["Location"]
