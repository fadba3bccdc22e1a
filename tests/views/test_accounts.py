"""Accounts: `users create` for every role with Dutch validation, login rate limit, logout, password reset by e-mail."""
import asyncio
import re
import threading
import time

import pytest

from beschikbaarheid import accounts, create_app
from beschikbaarheid.extensions import db
from beschikbaarheid.models import User
from tests import factories
from tests.helpers import HttpClient, csrf_from, csrf_token
from tests.plugins.smtp import Inbox, running_smtp


def _user(email):
    return db.session.scalar(db.select(User).where(User.email == email))


def test_create_every_role_from_the_cli(app, runner):
    with app.app_context():
        provider = factories.provider("Zonnehuis")
        region_id = factories.region("Testregio").id
        db.session.commit()
        provider_id = provider.id
    cases = [
        ["--email", "Toegang@Helmond.example", "--name", "Toegang Helmond", "--role", "verwijzer", "--referrer-type", "01"],
        ["--email", "ga@zonnehuis.example", "--name", "Planner", "--role", "aanbieder", "--provider", "zonnehuis"],
        ["--email", "gb@zonnehuis.example", "--name", "Planner 2", "--role", "aanbieder", "--provider", str(provider_id)],
        ["--email", "cm@regio.example", "--name", "Contractmanager", "--role", "contractmanager", "--region", "testregio"],
        ["--email", "admin@regio.example", "--name", "Beheerder", "--role", "beheerder", "--region", str(region_id)],
    ]
    for args in cases:
        result = runner.invoke(args=["users", "create", *args, "--password", "een-lang-wachtwoord"])
        assert result.exit_code == 0, result.output
        assert "aangemaakt" in result.output
    with app.app_context():
        referrer = _user("toegang@helmond.example")  # stored lower-case
        assert (referrer.role, referrer.referrer_type, referrer.provider_id) == ("verwijzer", "01", None)
        assert _user("ga@zonnehuis.example").provider_id == provider_id == _user("gb@zonnehuis.example").provider_id
        assert _user("cm@regio.example").check_password("een-lang-wachtwoord")
        assert _user("cm@regio.example").region_id == region_id == _user("admin@regio.example").region_id
        assert _user("admin@regio.example").password_hash != "een-lang-wachtwoord"


@pytest.mark.parametrize("args, message", [
    (["--role", "verwijzer"], "verwijzerstype"),
    (["--role", "verwijzer", "--referrer-type", "09"], "Onbekend verwijzerstype '09'"),
    (["--role", "aanbieder"], "hoort bij één aanbieder"),
    (["--role", "aanbieder", "--provider", "Bestaat Niet"], "Aanbieder 'Bestaat Niet' bestaat niet"),
    (["--role", "contractmanager", "--region", "Testregio", "--provider", "Zonnehuis"], "Alleen gebruikers met de rol aanbieder"),
    (["--role", "beheerder", "--region", "Testregio", "--referrer-type", "01"], "Alleen verwijzers"),
    (["--role", "beheerder", "--region", "Testregio", "--password", "kort"], "minstens 12 tekens"),
    (["--role", "contractmanager"], "Een contractmanager hoort bij een regio: geef --region"),
    (["--role", "beheerder"], "Een beheerder hoort bij een regio: geef --region"),
    (["--role", "contractmanager", "--region", "Andere regio"], "Regio 'Andere regio' bestaat niet. Bekende regio's: Testregio."),
    (["--role", "contractmanager", "--region", "999"], "Regio '999' bestaat niet"),
    (["--role", "verwijzer", "--referrer-type", "01", "--region", "Testregio"], "Alleen contractmanagers en beheerders horen bij een regio"),
])
def test_cli_validation_errors_are_dutch_and_exit_non_zero(app, runner, args, message):
    with app.app_context():
        factories.provider("Zonnehuis")
        factories.region("Testregio")
        db.session.commit()
    base = ["users", "create", "--email", "nieuw@regio.example", "--name", "Nieuw"]
    if "--password" not in args:
        args = [*args, "--password", "een-lang-wachtwoord"]
    result = runner.invoke(args=[*base, *args])
    assert result.exit_code == 1
    assert message in result.output
    assert "Fout:" in result.output
    with app.app_context():
        assert _user("nieuw@regio.example") is None


def test_cli_refuses_duplicates_and_bad_addresses(app, runner):
    with app.app_context():
        factories.region("Testregio")
        db.session.commit()
    ok = ["users", "create", "--email", "cm@regio.example", "--name", "CM", "--role", "contractmanager", "--password", "een-lang-wachtwoord",
          "--region", "Testregio"]
    assert runner.invoke(args=ok).exit_code == 0
    again = runner.invoke(args=[*ok[:3], "CM@regio.example", *ok[4:]])
    assert again.exit_code == 1 and "bestaat al een gebruiker" in again.output
    bad = runner.invoke(args=[*ok[:3], "geen-adres", *ok[4:]])
    assert bad.exit_code == 1 and "geen geldig e-mailadres" in bad.output
    unknown_role = runner.invoke(args=[*ok[:7], "koning", *ok[8:]])
    assert unknown_role.exit_code != 0


def test_cli_prompts_for_the_password_twice(app, runner):
    with app.app_context():
        factories.region("Testregio")
        db.session.commit()
    args = ["users", "create", "--email", "cm@regio.example", "--name", "CM", "--role", "contractmanager", "--region", "Testregio"]
    result = runner.invoke(args=args, input="een-lang-wachtwoord\neen-lang-wachtwoord\n")
    assert result.exit_code == 0, result.output
    assert "een-lang-wachtwoord" not in result.output  # hidden input
    with app.app_context():
        assert _user("cm@regio.example").check_password("een-lang-wachtwoord")
    result = runner.invoke(args=["users", "set-password", "--email", "CM@regio.example", "--password", "nog-een-lang-wachtwoord"])
    assert result.exit_code == 0
    with app.app_context():
        assert _user("cm@regio.example").check_password("nog-een-lang-wachtwoord")


def test_create_user_reports_all_problems_at_once(app):
    with app.app_context(), pytest.raises(accounts.AccountError) as info:
        accounts.create_user(email="x", name="", role="aanbieder", password="kort")
    assert len(info.value.messages) == 4


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_login_is_rate_limited(database_url):
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute"}, env="test")
    with app.app_context():
        db.create_all()
        user = factories.user("contractmanager")
        db.session.commit()
        email = user.email
    client = app.test_client()
    token = csrf_token(client, "/account/inloggen")
    codes = [client.post("/account/inloggen", data={"email": email, "password": "fout", "csrf_token": token}).status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]
    response = client.post("/account/inloggen", data={"email": email, "password": "wachtwoord-123", "csrf_token": token})
    assert response.status_code == 429 and "Te veel inlogpogingen" in response.get_data(as_text=True)
    assert client.get("/account/inloggen").status_code == 200  # the form itself stays reachable


REDIS_URL = "redis://127.0.0.1:6379/0"
WORKER = """
import sys
from beschikbaarheid import create_app
from tests.helpers import csrf_token
app = create_app({"SQLALCHEMY_DATABASE_URI": sys.argv[1], "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute",
                  "RATELIMIT_STORAGE_URI": sys.argv[2], "RATELIMIT_KEY_PREFIX": sys.argv[3]}, env="test")
client = app.test_client()
token = csrf_token(client, "/account/inloggen")
print([client.post("/account/inloggen", data={"email": sys.argv[4], "password": "fout", "csrf_token": token}).status_code for _ in range(2)])
"""


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_login_attempts_are_counted_across_workers_in_redis(database_url):
    """Production keeps the login limit in Redis, so every gunicorn worker counts the same attempts:
    two failures in another process and one here use up a limit of three."""
    import secrets
    import subprocess
    import sys

    from tests.helpers import ROOT

    prefix = f"test-{secrets.token_hex(6)}"
    settings = {"SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": True, "LOGIN_RATE_LIMIT": "3 per minute",
                "RATELIMIT_STORAGE_URI": REDIS_URL, "RATELIMIT_KEY_PREFIX": prefix}
    app = create_app(settings, env="test")
    with app.app_context():
        db.create_all()
        email = factories.user("contractmanager").email
        db.session.commit()
    other = subprocess.run([sys.executable, "-c", WORKER, database_url, REDIS_URL, prefix, email],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert other.returncode == 0, other.stderr[-2000:]
    assert other.stdout.strip() == "[401, 401]"
    client = app.test_client()
    token = csrf_token(client, "/account/inloggen")
    codes = [client.post("/account/inloggen", data={"email": email, "password": "fout", "csrf_token": token}).status_code for _ in range(2)]
    assert codes == [401, 429]


def test_logout_is_a_post(app, client, login):
    with app.app_context():
        user = factories.user("contractmanager")
        db.session.commit()
        login(user)
    assert client.get("/account/uitloggen").status_code == 405
    token = csrf_token(client, "/contract/")
    assert client.post("/account/uitloggen", data={"csrf_token": token}).status_code == 302
    assert client.get("/contract/").status_code == 302


def _request_reset(client, email, close=True):
    """Ask for a reset link; `close` does what a WSGI server does once the answer is sent (then the mail goes)."""
    token = csrf_token(client, "/account/wachtwoord-vergeten")
    response = client.post("/account/wachtwoord-vergeten", data={"email": email, "csrf_token": token})
    response.get_data()
    if close:
        response.close()
    return response


def _link_from(message) -> str:
    text = message.get_body(("plain",)).get_content()
    url = re.search(r"https?://\S+/account/wachtwoord-herstellen/\S+", text).group(0)
    html = message.get_body(("html",)).get_content()
    assert url in html
    return re.sub(r"^https?://[^/]+", "", url)


def test_password_reset_by_email_end_to_end(app, client, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, PUBLIC_BASE_URL="https://wijzer.example.org")
    with app.app_context():
        factories.user("aanbieder", email="planner@zonnehuis.example", provider_id=factories.provider().id)
        db.session.commit()
    email = "planner@zonnehuis.example"
    response = _request_reset(client, "Planner@Zonnehuis.example")
    assert response.status_code == 200 and "Als dit e-mailadres bij ons bekend is" in response.get_data(as_text=True)
    message = smtp_server.inbox.wait_for(1)[0]
    assert message["To"] == "planner@zonnehuis.example" and "Wachtwoord" in message["Subject"]
    assert "https://wijzer.example.org/account/wachtwoord-herstellen/" in message.get_body(("plain",)).get_content()
    link = _link_from(message)

    page = client.get(link)
    assert page.status_code == 200 and "Nieuw wachtwoord kiezen" in page.get_data(as_text=True)
    token = csrf_token(client, link)
    short = client.post(link, data={"csrf_token": token, "password": "kort", "password_repeat": "kort"})
    assert short.status_code == 400 and "minstens 12 tekens" in short.get_data(as_text=True)
    differ = client.post(link, data={"csrf_token": token, "password": "een-heel-nieuw-wachtwoord", "password_repeat": "iets anders dan dat"})
    assert differ.status_code == 400 and "niet gelijk" in differ.get_data(as_text=True)
    done = client.post(link, data={"csrf_token": token, "password": "een-heel-nieuw-wachtwoord", "password_repeat": "een-heel-nieuw-wachtwoord"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/account/inloggen")
    done.close()  # as a server does once the answer is sent

    # The account holder is told, so a change they did not make is noticed (without the password).
    notice = smtp_server.inbox.wait_for(2)[1]
    assert notice["To"] == "planner@zonnehuis.example" and "gewijzigd" in notice["Subject"]
    body = notice.get_body(("plain",)).get_content()
    assert "https://wijzer.example.org/account/wachtwoord-vergeten" in body and "een-heel-nieuw-wachtwoord" not in body

    # The link is dead once used; the new password works, the old one not.
    again = client.get(link)
    assert again.status_code == 410 and "al gebruikt" in again.get_data(as_text=True)
    token = csrf_token(client, "/account/inloggen")
    assert client.post("/account/inloggen", data={"email": email, "password": "wachtwoord-123", "csrf_token": token}).status_code == 401
    assert client.post("/account/inloggen", data={"email": email, "password": "een-heel-nieuw-wachtwoord", "csrf_token": token}).status_code == 302


def test_a_logged_in_user_changes_the_password_with_the_current_one(app, client, smtp_server):
    """The current password is asked; afterwards this device stays logged in, every other login
    ends, the new password works and the account holder gets a mail."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, PUBLIC_BASE_URL="https://wijzer.example.org")
    with app.app_context():
        email = factories.user("contractmanager").email
        db.session.commit()
    laptop = app.test_client()
    for device in (client, laptop):
        token = csrf_token(device, "/account/inloggen")
        assert device.post("/account/inloggen", data={"email": email, "password": "wachtwoord-123", "csrf_token": token}).status_code == 302
    new = "fietsbel-regenjas-kopje-thee"
    token = csrf_token(client, "/account/")
    wrong = client.post("/account/wachtwoord-wijzigen", data={"csrf_token": token, "current_password": "fout-wachtwoord-1",
                                                              "password": new, "password_repeat": new})
    assert wrong.status_code == 400 and "huidige wachtwoord klopt niet" in wrong.get_data(as_text=True)
    done = client.post("/account/wachtwoord-wijzigen", data={"csrf_token": token, "current_password": "wachtwoord-123",
                                                             "password": new, "password_repeat": new})
    assert done.status_code == 302 and done.headers["Location"].endswith("/account/")
    done.close()  # as a server does once the answer is sent: then the mail goes
    assert client.get("/account/").status_code == 200  # this device goes on
    assert laptop.get("/account/").status_code == 302  # the other login has ended
    notice = smtp_server.inbox.wait_for(1)[0]
    assert notice["To"] == email and "gewijzigd" in notice["Subject"]
    other = app.test_client()
    token = csrf_token(other, "/account/inloggen")
    assert other.post("/account/inloggen", data={"email": email, "password": "wachtwoord-123", "csrf_token": token}).status_code == 401
    assert other.post("/account/inloggen", data={"email": email, "password": new, "csrf_token": token}).status_code == 302


def test_reset_request_answers_the_same_for_unknown_addresses(app, client, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port)
    with app.app_context():
        factories.user("contractmanager", email="cm@regio.example")
        db.session.commit()
    known = _request_reset(client, "cm@regio.example")
    unknown = _request_reset(client, "niemand@regio.example")
    strip = lambda r: re.sub(r'value="[^"]+"|"X-CSRFToken": "[^"]+"', "", r.get_data(as_text=True))  # noqa: E731
    assert known.status_code == unknown.status_code == 200
    assert strip(known) == strip(unknown)
    assert len(smtp_server.inbox.wait_for(1)) == 1
    assert smtp_server.inbox.envelopes[0][1] == ["cm@regio.example"]


def test_reset_request_with_mail_server_down_gives_the_same_answer(app, client):
    from tests.plugins.smtp import free_port

    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())
    with app.app_context():
        factories.user("contractmanager", email="cm@regio.example")
        db.session.commit()
    response = _request_reset(client, "cm@regio.example")
    assert response.status_code == 200 and "Als dit e-mailadres bij ons bekend is" in response.get_data(as_text=True)


def test_reset_tokens_expire_and_reject_tampering(app, client, monkeypatch):
    with app.app_context():
        user = factories.user("beheerder")
        db.session.commit()
        token = accounts.make_reset_token(user)
        assert accounts.load_reset_token(token).id == user.id
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    response = client.get(f"/account/wachtwoord-herstellen/{token}")
    assert response.status_code == 410 and "verlopen" in response.get_data(as_text=True)
    app.config["PASSWORD_RESET_MAX_AGE"] = 3600
    response = client.get(f"/account/wachtwoord-herstellen/{token}x")
    assert response.status_code == 400 and "ongeldig" in response.get_data(as_text=True)


def test_reset_mail_goes_after_the_response_for_known_and_unknown_addresses_alike(mail_app, client, smtp_server):
    """Nothing about the address is looked up or mailed while the visitor waits: the request takes
    the same path for both, and the mail to the known address leaves once the response is closed."""
    factories.user("contractmanager", email="cm@regio.example")
    db.session.commit()
    known = _request_reset(client, "cm@regio.example", close=False)
    unknown = _request_reset(client, "niemand@regio.example", close=False)
    assert known.status_code == unknown.status_code == 200
    time.sleep(0.3)
    assert smtp_server.inbox.messages == []  # both answers are complete, no mail has gone
    unknown.close()
    known.close()
    messages = smtp_server.inbox.wait_for(1)
    time.sleep(0.3)
    assert [m["To"] for m in messages] == ["cm@regio.example"]
    assert "/account/wachtwoord-herstellen/" in messages[0].get_body(("plain",)).get_content()


class _SlowInbox(Inbox):
    """A mail server that takes a second per message (a slow relay)."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        await asyncio.sleep(1.0)
        return await super().handle_DATA(server, session, envelope)


def test_reset_answer_under_a_real_server_does_not_wait_for_a_slow_mail_server(app):
    """Served by a real WSGI server (which closes every response after sending it): a known address
    is answered as fast as an unknown one although its mail takes a second, and the mail arrives."""
    from werkzeug.serving import make_server

    with running_smtp(_SlowInbox()) as smtp:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
        with app.app_context():
            factories.user("contractmanager", email="cm@regio.example")
            db.session.commit()
        server = make_server("127.0.0.1", 0, app, threaded=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            http = HttpClient(f"http://127.0.0.1:{server.server_port}")
            timings = {}
            for email in ("cm@regio.example", "niemand@regio.example"):
                html = http.get("/account/wachtwoord-vergeten")[2]
                started = time.monotonic()
                status, _headers, text = http.post("/account/wachtwoord-vergeten", {"email": email, "csrf_token": csrf_from(html)})
                timings[email] = time.monotonic() - started
                assert status == 200 and "Als dit e-mailadres bij ons bekend is" in text
            assert timings["cm@regio.example"] < 0.5, timings  # the send (1 s) is not part of the answer
            assert [m["To"] for m in smtp.inbox.wait_for(1, timeout=10)] == ["cm@regio.example"]
        finally:
            server.shutdown()
            thread.join(timeout=5)


def test_the_cli_records_who_it_created_and_deactivated_and_keeps_the_last_beheerder(app, runner):
    """`users create` and `users deactivate` leave an audit event by "cli"; the installation's
    administrator is made with --all-regions; a region's last administrator is not deactivated."""
    from beschikbaarheid.models import AuditEvent

    with app.app_context():
        factories.region("Testregio")
        db.session.commit()
    base = ["users", "create", "--password", "een-lang-wachtwoord", "--role", "beheerder"]
    created = runner.invoke(args=[*base, "--email", "landelijk@example.org", "--name", "Landelijk", "--all-regions"])
    assert created.exit_code == 0 and "alle regio's" in created.output
    refused = runner.invoke(args=[*base, "--email", "x@example.org", "--name", "X", "--all-regions", "--region", "Testregio"])
    assert refused.exit_code != 0 and "niet allebei" in refused.output
    assert runner.invoke(args=[*base, "--email", "regio@example.org", "--name", "Regio", "--region", "Testregio"]).exit_code == 0
    last = runner.invoke(args=["users", "deactivate", "--email", "regio@example.org"])
    assert last.exit_code != 0 and "laatste actieve beheerder" in last.output
    assert runner.invoke(args=["users", "deactivate", "--email", "landelijk@example.org"]).exit_code == 0
    with app.app_context():
        assert _user("landelijk@example.org").region_id is None and not _user("landelijk@example.org").active
        events = db.session.execute(db.select(AuditEvent.actor, AuditEvent.action, AuditEvent.summary).order_by(AuditEvent.id)).all()
        assert [(actor, action) for actor, action, _ in events] == [("cli", "user.create"), ("cli", "user.create"), ("cli", "user.deactivate")]
        assert "regio@example.org" in events[1][2]
