"""Configuration for the Beschikbaarheidswijzer.

Defaults are safe for local development on SQLite; production gets everything from the
environment (see README, "Uitrol"). Secrets never have a production default.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
INSTANCE = ROOT / "instance"


def _bool(value: str | None, default: bool = False) -> bool:
    """Read an environment flag the way operators write them (1/0, true/false, ja/nee)."""
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "ja", "on"}


def _int(value: str | None, default: int) -> int:
    return default if value in (None, "") else int(value)


def _float(value: str | None, default: float) -> float:
    return default if value in (None, "") else float(value)


class BaseConfig:
    """Shared defaults; `load_config` applies environment overrides on top."""

    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI = f"sqlite:///{INSTANCE / 'beschikbaarheid.sqlite'}"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {"pool_pre_ping": True}
    SQLALCHEMY_TRACK_MODIFICATIONS = False

    # E-mail (real SMTP; reminders and password resets)
    MAIL_SERVER = "127.0.0.1"
    MAIL_PORT = 25
    MAIL_USE_TLS = False
    MAIL_USE_SSL = False
    MAIL_USERNAME: str | None = None
    MAIL_PASSWORD: str | None = None
    MAIL_DEFAULT_SENDER = "Beschikbaarheidswijzer <noreply@beschikbaarheidswijzer.local>"
    MAIL_TIMEOUT = 10

    # Public base URL used in e-mailed links (the scheduler has no request to derive it from)
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"

    # Search scoring: weights of the score parts (normalised to sum 1) and their scales
    SCORE_WEIGHT_FIT = 0.40
    SCORE_WEIGHT_DISTANCE = 0.25
    SCORE_WEIGHT_WAITING = 0.25
    SCORE_WEIGHT_FRESHNESS = 0.10
    SEARCH_DEFAULT_MAX_KM = 15.0
    SEARCH_FAR_MAX_KM = 60.0
    SEARCH_MIN_NEARBY_RESULTS = 5
    SEARCH_FAR_RESULTS = 10
    SCORE_WAITING_HORIZON_WEEKS = 26.0
    SEARCH_MAX_RESULTS = 25

    # Provider updates: plausibility
    PLAUSIBILITY_MAX_JUMP_WEEKS = 12
    PLAUSIBILITY_MAX_WAITING_WEEKS = 156
    PLAUSIBILITY_MAX_CAPACITY = 500

    # Signed links in reminder e-mails
    SIGNED_LINK_MAX_AGE_DAYS = 14
    # A signed update link grants this browser session access to that one provider this long.
    LINK_SESSION_MINUTES = 120
    PASSWORD_RESET_MAX_AGE = 3600
    INVITATION_MAX_AGE = 72 * 3600  # seconds an e-mailed invitation link works (once)

    # Scheduler
    SCHEDULER_TIMEZONE = "Europe/Amsterdam"
    REMINDER_HOUR = 8
    REMINDER_FOLLOWUP_DAYS = 7
    REMINDER_ESCALATE_DAYS = 14
    REMINDER_MAX_ATTEMPTS = 5
    REMINDER_STUCK_MINUTES = 30
    REMINDER_COMMIT_EVERY = 10
    FEEDBACK_MAIL_HOUR = 9  # daily: "Klopt dit niet?" escalations and the providers' mail of new reports
    FEEDBACK_MAIL_MINUTE = 0
    FEEDBACK_MAIL_MAX_ATTEMPTS = 5
    FEEDBACK_MAIL_STUCK_MINUTES = 30
    ALERT_MAIL_HOUR = 7  # daily: the referrers' plek-alerts (saved searches) and their mails
    ALERT_MAIL_MINUTE = 30
    ALERT_MAIL_MAX_ATTEMPTS = 5
    ALERT_MAIL_STUCK_MINUTES = 30
    STALENESS_HOUR = 0
    STALENESS_MINUTE = 5
    REDUCTION_HOUR = 1  # daily: gezinshuis requests older than two years become monthly counts
    REDUCTION_MINUTE = 15
    JOBS_RUN_ON_START = True
    JOBS_MISFIRE_GRACE_SECONDS = 21600

    # Region policy defaults (a region can override them in the database)
    COMPLIANCE_TARGET = 0.90
    WAITING_NORM_WEEKS = 14

    # Login hardening
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_ENABLED = True
    LOGIN_RATE_LIMIT = "10 per minute"
    # werkzeug's scrypt with N=2^16 (ASVS 2.4: memory-hard; about 0.2 s and 64 MB per check). The hash
    # keeps its parameters, so older hashes still verify.
    PASSWORD_HASH_METHOD = "scrypt:65536:8:1"
    # Anonymous scripts must not flood the search or inflate the supply-gap figures (per client address;
    # an office behind one NAT address shares it).
    SEARCH_RATE_LIMIT = "120 per minute"  # search page (and its htmx partial) and the API, each
    NO_MATCH_RATE_LIMIT = "30 per hour"  # "geen passend aanbod" reports
    FEEDBACK_RATE_LIMIT = "20 per hour"  # "Klopt dit niet?" reports on results
    # Per typed e-mail address: free failures, then a wait that doubles from LOGIN_BACKOFF_SECONDS,
    # then a lock of LOGIN_LOCK_MINUTES (with a mail to the user) from LOGIN_LOCK_AFTER failures.
    LOGIN_FREE_ATTEMPTS = 5
    LOGIN_BACKOFF_SECONDS = 2
    LOGIN_LOCK_AFTER = 10
    LOGIN_LOCK_MINUTES = 15
    # A login ends after this long without a request, and this long after the password was typed,
    # whether the session or the remember-me cookie carries it (ASVS 3.3.2, level 2).
    SESSION_IDLE_MINUTES = 30
    SESSION_ABSOLUTE_HOURS = 12
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    # Largest request body; above IMPORT_MAX_BYTES so an upload that is too large gets the import's own message.
    MAX_CONTENT_LENGTH = 6 * 1024 * 1024

    WTF_CSRF_ENABLED = True
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    BABEL_DEFAULT_LOCALE = "nl"
    BABEL_DEFAULT_TIMEZONE = "Europe/Amsterdam"
    LANGUAGES = ("nl", "en")
    BABEL_TRANSLATION_DIRECTORIES = str(ROOT / "translations")

    # Largest CSV an administrator may upload
    IMPORT_MAX_BYTES = 5 * 1024 * 1024

    # Geodata file to import by `flask geo import` when no path is given
    GEONAMES_FILE: str | None = None

    DEMO_LOAD_ON_EMPTY = False
    # Password of the demo accounts (`make run`); never used outside the demo region.
    DEMO_PASSWORD = "demo-wachtwoord-2026"


class DevelopmentConfig(BaseConfig):
    """Local runs (`make run`): without SECRET_KEY in the environment, a random key kept in
    instance/secret_key (made on first start), so no published key ever signs a session."""

    MAIL_PORT = 8025


class TestConfig(BaseConfig):
    """Test runs: in-memory rate limiting, fast hashing, predictable mail host."""

    TESTING = True
    SECRET_KEY = "test-only-not-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    RATELIMIT_ENABLED = False
    WTF_CSRF_ENABLED = True
    PASSWORD_HASH_METHOD = "scrypt"  # werkzeug's default (N=2^15): the suite hashes hundreds of passwords
    MAIL_TIMEOUT = 5


class ProductionConfig(BaseConfig):
    """Production: every secret must come from the environment."""

    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    # __Host- cookies are only accepted by browsers when Secure, Path=/ and without Domain, so no
    # other (sub)domain can set or overwrite them.
    SESSION_COOKIE_NAME = "__Host-session"
    REMEMBER_COOKIE_NAME = "__Host-remember_token"
    SESSION_COOKIE_PATH = "/"
    REMEMBER_COOKIE_PATH = "/"


_ENV_TYPES = {
    bool: _bool,
    int: lambda v, d: _int(v, d),
    float: lambda v, d: _float(v, d),
}


def load_config(name: str | None = None, overrides: dict | None = None) -> dict:
    """Build the settings dict: class defaults, then environment variables, then explicit overrides."""
    name = name or os.environ.get("BESCHIKBAARHEID_ENV", "development")
    cls = {"development": DevelopmentConfig, "test": TestConfig, "production": ProductionConfig}.get(name)
    if cls is None:
        raise RuntimeError(f"Unknown BESCHIKBAARHEID_ENV {name!r}")
    settings = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
    for key, default in list(settings.items()):
        raw = os.environ.get(key)
        if raw is None:
            continue
        if isinstance(default, bool):
            settings[key] = _bool(raw, default)
        elif isinstance(default, int):
            settings[key] = _int(raw, default)
        elif isinstance(default, float):
            settings[key] = _float(raw, default)
        else:
            settings[key] = raw
    if os.environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(os.environ["DATABASE_URL"])
    if overrides:
        settings.update(overrides)
    settings["SQLALCHEMY_DATABASE_URI"] = _normalise_db_url(settings["SQLALCHEMY_DATABASE_URI"])
    # The browser may keep a remember-me cookie no longer than the server accepts the login in it.
    settings.setdefault("REMEMBER_COOKIE_DURATION", int(settings["SESSION_ABSOLUTE_HOURS"]) * 3600)
    if name == "development" and not settings.get("SECRET_KEY"):
        settings["SECRET_KEY"] = local_secret_key(INSTANCE / "secret_key")
    if name == "production" and not settings.get("SECRET_KEY"):
        raise RuntimeError("SECRET_KEY must be set in the environment in production")
    settings["ENV_NAME"] = name
    return settings


def local_secret_key(path: Path) -> str:
    """This checkout's own random key: read from `path`, or made and written there (owner only), so the
    web and job processes of one development install sign alike and restarts keep logins."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(key)
        return key


def _normalise_db_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL whatever scheme the operator wrote."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url
