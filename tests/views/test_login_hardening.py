"""Login hardening: throttling per typed address (growing wait, then a lock with a mail to the user),
common passwords refused, a cap on request bodies and the rate-limit storage warning in production.
(The __Host- cookies are proved in test_security_headers.py.)"""
from __future__ import annotations

import datetime as dt
import io
import logging

import pytest

from beschikbaarheid import accounts, auth, create_app
from beschikbaarheid.extensions import db
from beschikbaarheid.models import User
from tests import factories
from tests.helpers import csrf_token

PASSWORD = "wachtwoord-123"
START = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def mail_app(app, smtp_server):
    """The app wired to the test SMTP server; unlike the shared fixture no app context stays open,
    so every test client gets its own request globals."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, PUBLIC_BASE_URL="https://wijzer.test")
    return app


@pytest.fixture
def clock(monkeypatch):
    """The login view's clock, moved by the test."""
    now = [START]
    monkeypatch.setattr(auth, "utcnow", lambda: now[0])

    def advance(**delta):
        now[0] += dt.timedelta(**delta)

    return advance


def _post_login(client, email, password):
    token = csrf_token(client, "/account/inloggen")
    response = client.post("/account/inloggen", data={"email": email, "password": password, "csrf_token": token})
    response.get_data()
    response.close()  # as a WSGI server does once the answer is sent: work queued for after it runs now
    return response


def _attempts(mail_app, clock, email):
    """Wrong passwords from ever new browsers (as from many addresses); the statuses they get."""
    statuses = []

    def attempt(password="fout-wachtwoord", wait_first=None):
        if wait_first:
            clock(**wait_first)
        response = _post_login(mail_app.test_client(), email, password)
        statuses.append(response.status_code)
        return response

    return attempt, statuses


def test_failed_logins_per_address_wait_longer_then_lock_and_mail_the_user(mail_app, smtp_server, clock):
    mail_app.config.update(LOGIN_FREE_ATTEMPTS=3, LOGIN_BACKOFF_SECONDS=60, LOGIN_LOCK_AFTER=5, LOGIN_LOCK_MINUTES=15)
    with mail_app.app_context():
        user_id = factories.user("contractmanager", email="cm@regio.example").id
        db.session.commit()
    attempt, statuses = _attempts(mail_app, clock, "CM@regio.example")
    for _ in range(3):
        attempt()
    refused = attempt(PASSWORD)  # even the right password waits now
    assert refused.status_code == 429 and "Probeer het over 1 minuut opnieuw" in refused.get_data(as_text=True)
    attempt(wait_first={"seconds": 61})  # 4th failure: wait 2 minutes
    assert attempt(wait_first={"seconds": 60}).status_code == 429
    attempt(wait_first={"seconds": 61})  # 5th failure: locked for 15 minutes, the user gets a mail
    assert statuses == [401, 401, 401, 429, 401, 429, 401]
    messages = smtp_server.inbox.wait_for(1)
    assert [m["To"] for m in messages] == ["cm@regio.example"]
    body = messages[0].get_body(("plain",)).get_content()
    assert "15 minuten geblokkeerd" in body and "https://wijzer.test/account/wachtwoord-vergeten" in body

    assert attempt(PASSWORD, wait_first={"minutes": 14}).status_code == 429
    assert attempt(PASSWORD, wait_first={"minutes": 2}).status_code == 302  # the lock is over
    assert attempt("fout", wait_first={"seconds": 1}).status_code == 401  # a success forgets the count
    assert attempt("fout").status_code == 401
    assert len(smtp_server.inbox.messages) == 1
    with mail_app.app_context():
        assert db.session.get(User, user_id).active  # a lock is temporary, the account stays


def test_unknown_addresses_are_throttled_alike_and_other_addresses_not_at_all(mail_app, smtp_server, clock):
    """The answers never tell whether an address has an account; one locked address hinders nobody else."""
    mail_app.config.update(LOGIN_FREE_ATTEMPTS=2, LOGIN_BACKOFF_SECONDS=60, LOGIN_LOCK_AFTER=3, LOGIN_LOCK_MINUTES=15)
    with mail_app.app_context():
        factories.user("contractmanager", email="cm@regio.example")
        factories.user("verwijzer", email="v@regio.example", referrer_type="01")
        db.session.commit()
    outcomes = {}
    for email in ("cm@regio.example", "niemand@regio.example"):
        attempt, statuses = _attempts(mail_app, clock, email)
        attempt(), attempt(), attempt(), attempt(wait_first={"seconds": 61}), attempt()
        outcomes[email] = statuses
    assert outcomes["cm@regio.example"] == outcomes["niemand@regio.example"] == [401, 401, 429, 401, 429]
    assert _post_login(mail_app.test_client(), "v@regio.example", PASSWORD).status_code == 302
    assert [m["To"] for m in smtp_server.inbox.wait_for(1)] == ["cm@regio.example"]


@pytest.mark.parametrize("backend", ["postgresql"], indirect=True)
def test_parallel_guesses_for_one_address_take_turns(app):
    """Six wrong passwords sent at the same moment, just after the free attempts: the first is
    checked, the others see its failure and must wait (PostgreSQL, the production database)."""
    import threading

    from beschikbaarheid.services import login_throttle

    with app.app_context():
        email = factories.user("beheerder").email
        for _ in range(app.config["LOGIN_FREE_ATTEMPTS"]):
            login_throttle.record_failure(email, dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=30))
        db.session.commit()
    clients = [app.test_client() for _ in range(6)]
    tokens = [csrf_token(c, "/account/inloggen") for c in clients]
    start, statuses = threading.Barrier(len(clients)), []

    def guess(client, token):
        start.wait()
        response = client.post("/account/inloggen", data={"email": email, "password": "geraden-wachtwoord", "csrf_token": token})
        statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=pair) for pair in zip(clients, tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(statuses) == [401] + [429] * 5


def test_a_password_reset_lifts_the_wait(mail_app, clock):
    mail_app.config.update(LOGIN_FREE_ATTEMPTS=1, LOGIN_BACKOFF_SECONDS=600, LOGIN_LOCK_AFTER=5)
    with mail_app.app_context():
        user = factories.user("contractmanager", email="cm@regio.example")
        db.session.commit()
        link = f"/account/wachtwoord-herstellen/{accounts.make_reset_token(user)}"
    client = mail_app.test_client()
    assert _post_login(client, "cm@regio.example", "fout").status_code == 401
    assert _post_login(client, "cm@regio.example", PASSWORD).status_code == 429
    token = csrf_token(client, link)
    new = "een-heel-nieuw-wachtwoord"
    assert client.post(link, data={"csrf_token": token, "password": new, "password_repeat": new}).status_code == 302
    assert _post_login(client, "cm@regio.example", new).status_code == 302


@pytest.mark.parametrize("password", ["Welkom2024!!", "wachtwoord123", "qwertyuiop123", "Zomer2026!!!", "aaaaaaaaaaaaa", "1q2w3e4r5t6y"])
def test_common_passwords_are_refused_at_reset_and_in_the_cli(app, client, runner, password):
    with app.app_context():
        user = factories.user("beheerder")
        db.session.commit()
        link = f"/account/wachtwoord-herstellen/{accounts.make_reset_token(user)}"
        email = user.email
    token = csrf_token(client, link)
    response = client.post(link, data={"csrf_token": token, "password": password, "password_repeat": password})
    assert response.status_code == 400 and "te bekend" in response.get_data(as_text=True)
    result = runner.invoke(args=["users", "set-password", "--email", email, "--password", password])
    assert result.exit_code == 1 and "te bekend" in result.output
    with app.app_context():
        assert db.session.get(User, user.id).check_password(PASSWORD)  # unchanged


def test_an_uncommon_password_is_accepted(app, runner):
    with app.app_context():
        user = factories.user("beheerder")
        db.session.commit()
        email = user.email
    result = runner.invoke(args=["users", "set-password", "--email", email, "--password", "fietsbel-regenjas-kopje-thee"])
    assert result.exit_code == 0, result.output


def test_passphrases_up_to_128_characters_are_accepted_and_longer_ones_refused(app, runner):
    """ASVS 2.1.2: long passphrases are welcome, but not without end (each login hashes what is sent)."""
    with app.app_context():
        email = factories.user("beheerder").email
        db.session.commit()
    phrase = ("fietsbel regenjas kopje thee " * 5)[:128]
    assert runner.invoke(args=["users", "set-password", "--email", email, "--password", phrase]).exit_code == 0
    result = runner.invoke(args=["users", "set-password", "--email", email, "--password", phrase + "x"])
    assert result.exit_code == 1 and "hoogstens 128 tekens" in result.output


def test_request_bodies_above_max_content_length_get_413(app, client):
    """The app refuses a body above MAX_CONTENT_LENGTH (6 MB) itself, not only nginx in front of it."""
    token = csrf_token(client, "/account/inloggen")
    big = io.BytesIO(b"x" * (6 * 1024 * 1024 + 1))
    response = client.post("/account/inloggen", data={"email": "a@b.nl", "password": "x", "csrf_token": token, "f": (big, "f.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "te groot" in response.get_data(as_text=True)


def _production_app(database_url, **extra):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "p" * 40, **extra}, env="production")
    with app.app_context():
        db.create_all()
    return app


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_production_with_memory_rate_limit_storage_warns_at_start(database_url, caplog):
    with caplog.at_level(logging.WARNING):
        _production_app(database_url, RATELIMIT_STORAGE_URI="memory://")
    assert any("RATELIMIT_STORAGE_URI is memory:// in production" in r.getMessage() for r in caplog.records)
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        create_app({"SQLALCHEMY_DATABASE_URI": database_url}, env="development")
    assert not any("RATELIMIT_STORAGE_URI" in r.getMessage() for r in caplog.records)
