"""Shared fixtures: the app on SQLite and on PostgreSQL, clients, and logged-in users.

Every test that takes `app` runs once per backend ([sqlite] and [postgresql]). PostgreSQL is not
optional: when it cannot be reached the tests fail with a clear message, they are never skipped.
Set TEST_BACKENDS=sqlite to run only SQLite locally while iterating.
"""
from __future__ import annotations

import os

import pytest
import sqlalchemy as sa

from beschikbaarheid import create_app
from beschikbaarheid.extensions import db
from tests import factories

pytest_plugins = ["tests.plugins.smtp", "tests.plugins.browser"]



def _worker_database(url: str) -> str:
    """Under pytest-xdist (`make test` runs two workers) each worker gets its own PostgreSQL database,
    the configured one with the worker's name appended (test_gw0, test_gw1), made when missing. When
    the server cannot be reached the URL is returned as it is and `postgres_engine` fails clearly."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return url
    parsed = sa.engine.make_url(url)
    own = parsed.set(database=f"{parsed.database}_{worker}")
    admin = sa.create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            if not conn.execute(sa.text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": own.database}).first():
                conn.execute(sa.text(f'CREATE DATABASE "{own.database}"'))
    except sa.exc.OperationalError:
        pass
    finally:
        admin.dispose()
    return own.render_as_string(hide_password=False)


POSTGRES_URL = _worker_database(os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
BACKENDS = [b.strip() for b in os.environ.get("TEST_BACKENDS", "sqlite,postgresql").split(",") if b.strip()]


def _sqlite_url(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("db") / "test.sqlite"
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_engine():
    """One engine for the whole run; fails (never skips) when PostgreSQL is unreachable."""
    engine = sa.create_engine(POSTGRES_URL, pool_pre_ping=True)
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as exc:  # pragma: no cover - exercised when PG is down
        pytest.fail(f"PostgreSQL niet bereikbaar op {POSTGRES_URL}: {exc}", pytrace=False)
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    """The database backend this test runs on."""
    return request.param


@pytest.fixture
def database_url(backend, request, tmp_path_factory) -> str:
    if backend == "postgresql":
        request.getfixturevalue("postgres_engine")
        return POSTGRES_URL
    return _sqlite_url(tmp_path_factory)


def fresh_app(database_url: str, **settings):
    """Yield an app with an empty schema on `database_url` (extra settings on top); clean up after."""
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, **settings}, env="test")
    with app.app_context():
        if database_url.startswith("postgresql"):
            db.drop_all()
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        if database_url.startswith("postgresql"):
            db.drop_all()
        db.engine.dispose()


@pytest.fixture
def app(database_url):
    """A fresh app with an empty schema on the chosen backend."""
    yield from fresh_app(database_url)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def login(client):
    """Log `client` in as the given user (through the real login form)."""

    def _login(user, password: str = "wachtwoord-123"):
        from tests.helpers import csrf_token

        token = csrf_token(client, "/account/inloggen")
        response = client.post("/account/inloggen", data={"email": user.email, "password": password, "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return _login


@pytest.fixture
def world(app):
    """The world's ids; no app context stays open, so each request gets its own session."""
    with app.app_context():
        w = factories.search_world()
        return {k: (v.id if hasattr(v, "id") else v) for k, v in w.items()}


@pytest.fixture
def mail_app(app, smtp_server):
    """The app wired to the test SMTP server, with a recognisable public URL for the links."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, PUBLIC_BASE_URL="https://wijzer.test")
    with app.app_context():
        yield app
