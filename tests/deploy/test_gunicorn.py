"""The production path for real: `flask db upgrade` through the CLI, and gunicorn serving the app.

Nothing here runs in-process: the commands an operator types (README, "Uitrol (productie)") are run
as subprocesses with BESCHIKBAARHEID_ENV=production, against loopback only.
"""
from __future__ import annotations

import os
import re
import secrets
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from tests.conftest import POSTGRES_URL
from tests.helpers import HttpClient, ROOT, csrf_from
from tests.plugins.smtp import free_port

GUNICORN_CONF = ROOT / "config" / "gunicorn.conf.py"
PASSWORD = "productie-wachtwoord-1"


def production_env(database_url: str, **extra) -> dict:
    """The environment of the production services, with nothing inherited that could change the outcome."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GUNICORN_", "FLASK_", "MAIL_", "RATELIMIT_"))}
    env.update(
        BESCHIKBAARHEID_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(32),
        DATABASE_URL=database_url,
        PUBLIC_BASE_URL="https://wijzer.test",
        PYTHONUNBUFFERED="1",
    )
    env.update(extra)
    return env


def flask_cli(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """Run `flask --app beschikbaarheid ...` as the operator would."""
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "beschikbaarheid", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    if check:
        assert result.returncode == 0, f"flask {' '.join(args)}: {result.stdout}\n{result.stderr}"
    return result


def empty_database(url: str) -> None:
    """Drop every table (models' and Alembic's) so the next upgrade starts from nothing."""
    from beschikbaarheid.extensions import db
    import beschikbaarheid.models  # noqa: F401  (register the tables)

    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            db.metadata.drop_all(conn)
            conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
        with engine.connect() as conn:
            assert sa.inspect(conn).get_table_names() == []
    finally:
        engine.dispose()


@pytest.fixture
def empty_db(database_url):
    """The backend's test database without any table, before and after the test."""
    empty_database(database_url)
    yield database_url
    empty_database(database_url)


def _head_from_files() -> str:
    """The newest revision id, read from the migration files (no app needed)."""
    revisions, parents = set(), set()
    for path in (ROOT / "migrations" / "versions").glob("*.py"):
        text = path.read_text()
        rev = re.search(r"^revision = ['\"]([^'\"]+)['\"]", text, re.M)
        down = re.search(r"^down_revision = ['\"]([^'\"]+)['\"]", text, re.M)
        if rev:
            revisions.add(rev.group(1))
        if down:
            parents.add(down.group(1))
    (head,) = revisions - parents
    return head


def test_flask_db_upgrade_cli_from_empty_and_from_the_previous_schema(empty_db):
    """`flask db upgrade` as typed by an operator: first release's schema, a row in it, then to head."""
    env = production_env(empty_db)
    flask_cli(env, "db", "upgrade", "0001")
    engine = sa.create_engine(empty_db)
    try:
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO region (name, compliance_target, waiting_norm_weeks, created_at) "
                "VALUES ('Bestaande regio', 0.9, 14, CURRENT_TIMESTAMP)"
            ))
        flask_cli(env, "db", "upgrade")
        current = flask_cli(env, "db", "current").stdout
        assert f"{_head_from_files()} (head)" in current
        # `flask db check` fails when the migrated schema differs from what the models describe.
        check = flask_cli(env, "db", "check", check=False)
        assert check.returncode == 0, check.stdout + check.stderr
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT name FROM region")).scalars().all() == ["Bestaande regio"]
            tables = set(sa.inspect(conn).get_table_names())
        assert {"offering", "offering_change", "reminder_log", "job_lock", "user"} <= tables
    finally:
        engine.dispose()


def test_production_refuses_to_start_without_secret_key(tmp_path):
    env = production_env(f"sqlite:///{tmp_path / 'x.sqlite'}")
    env.pop("SECRET_KEY")
    result = flask_cli(env, "db", "current", check=False)
    assert result.returncode != 0 and "SECRET_KEY must be set" in result.stderr


# --- gunicorn ---------------------------------------------------------------------------------

@pytest.fixture
def gunicorn_server(postgres_engine, tmp_path):
    """gunicorn with config/gunicorn.conf.py on a free loopback port, production settings, a migrated empty PostgreSQL db."""
    empty_database(POSTGRES_URL)
    port = free_port()
    env = production_env(
        POSTGRES_URL,
        GUNICORN_BIND=f"127.0.0.1:{port}",
        GUNICORN_WORKERS="2",
        GUNICORN_THREADS="2",
    )
    flask_cli(env, "db", "upgrade")  # from an empty database, one command
    flask_cli(env, "import", "products", "--region", "Productieregio", str(ROOT / "tests" / "data" / "products.csv"))  # creates the region
    flask_cli(env, "users", "create", "--email", "cm@productie.example", "--name", "Contractmanager",
              "--role", "contractmanager", "--region", "Productieregio", "--password", PASSWORD)
    out = open(tmp_path / "gunicorn.out", "w+")
    err = open(tmp_path / "gunicorn.err", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", str(GUNICORN_CONF)],
                            cwd=ROOT, env=env, stdout=out, stderr=err)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, f"gunicorn stopped: {(tmp_path / 'gunicorn.err').read_text()}"
            try:
                if HttpClient(base, timeout=2).get("/ping")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
            time.sleep(0.2)
        server = type("Server", (), {})()
        server.base, server.proc, server.env = base, proc, env
        server.access_log = tmp_path / "gunicorn.out"
        server.error_log = tmp_path / "gunicorn.err"
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:  # pragma: no cover - only when shutdown hangs
                proc.kill()
                proc.wait(timeout=5)
        out.close()
        err.close()
        empty_database(POSTGRES_URL)


def test_gunicorn_serves_the_app_with_secure_cookies_hsts_and_private_logs(gunicorn_server):
    base = gunicorn_server.base
    # What nginx adds for a client at 203.0.113.9 that came in over https.
    proxy = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https", "Host": base.removeprefix("http://")}
    browser = HttpClient(base)

    status, headers, html = browser.get("/", headers=proxy)
    assert status == 200 and "Beschikbaarheidswijzer" in html
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Frame-Options"] == "DENY" and headers["X-Content-Type-Options"] == "nosniff"

    # The login form puts its CSRF token in the session: the cookie must be Secure, HttpOnly, SameSite=Lax.
    status, headers, html = browser.get("/account/inloggen", headers=proxy)
    assert status == 200
    session_cookies = [c for c in browser.set_cookie_headers if c.startswith("__Host-session=")]  # __Host-: Secure, Path=/, no Domain
    assert session_cookies
    for cookie in session_cookies:
        attributes = {part.strip().split("=")[0].lower() for part in cookie.split(";")[1:]}
        assert {"secure", "httponly", "samesite"} <= attributes and "samesite=lax" in cookie.lower()

    # Logging in through the "proxy" (https, so Flask-WTF also checks the Referer) works across
    # two workers: the session is signed with the shared SECRET_KEY, not kept in one process.
    form = {"email": "cm@productie.example", "password": PASSWORD, "csrf_token": csrf_from(html)}
    status, headers, _ = browser.post("/account/inloggen", form,
                                      headers={**proxy, "Referer": f"https://{proxy['Host']}/account/inloggen"})
    assert status == 302, headers
    engine = sa.create_engine(POSTGRES_URL)  # the account made by `flask users create` in production
    with engine.connect() as conn:
        stored = conn.execute(sa.text('SELECT password_hash FROM "user" WHERE email = :e'), {"e": "cm@productie.example"}).scalar()
    engine.dispose()
    assert stored.startswith("scrypt:65536:8:1$")  # ASVS 2.4: N=2^16
    for _ in range(4):
        status, _headers, page = browser.get("/", headers=proxy)
        assert status == 200 and "Uitloggen" in page and "Contractmanagement" in page

    # A search: its answer may be anything but a server error; the logs must not keep what was asked.
    status, _headers, _page = browser.get(
        "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis",
        headers={**proxy, "Referer": f"https://{proxy['Host']}/zoeken/?locatie=5701&leeftijd=12"},
    )
    assert status < 500

    # A search URL longer than gunicorn's default request line (4094) reaches the app: its JSON, not gunicorn's HTML 400.
    path = "/api/v1/search?locatie=5701&leeftijd=12&product=gezinshuis&doelgroepen=" + "ASS," * 1500
    status, headers, body = browser.get(path, headers=proxy)
    assert status == 400 and headers["Content-Type"].startswith("application/json") and '"error"' in body, (status, body[:200])

    # The token of a reset or provider link opens something: the log keeps the route, not the token.
    for path in ("/aanbieder/link/geheim-link-token", "/account/wachtwoord-herstellen/geheim-reset-token", "/account/uitnodiging/geheim-uitnodiging"):
        status, _headers, _page = browser.get(path, headers={**proxy, "Referer": f"https://{proxy['Host']}{path}"})
        assert status < 500

    gunicorn_server.proc.send_signal(signal.SIGTERM)  # flush and close the logs
    gunicorn_server.proc.wait(timeout=20)
    log = gunicorn_server.access_log.read_text()
    search_lines = [line for line in log.splitlines() if '"GET /zoeken/ ' in line]
    assert len(search_lines) == 1, log
    assert search_lines[0].startswith("203.0.113.9 ")  # the client, not the proxy (TrustedProxyFix)
    for private in ("5701", "leeftijd", "gezinshuis", "geheim-"):
        assert private not in log
    assert "/aanbieder/link/[token]" in log and "/account/wachtwoord-herstellen/[token]" in log and "/account/uitnodiging/[token]" in log
    errors = gunicorn_server.error_log.read_text()
    assert "Booting worker" in errors
    assert "Traceback" not in errors
