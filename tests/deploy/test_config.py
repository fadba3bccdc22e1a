"""Settings come from the environment; production refuses to start without a secret key, and
development never signs with a published one."""
import stat

import pytest

from config import load_config


def test_environment_overrides(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db:5432/bw")
    monkeypatch.setenv("MAIL_PORT", "2525")
    monkeypatch.setenv("MAIL_USE_TLS", "true")
    monkeypatch.setenv("MAIL_DEFAULT_SENDER", "wijzer@regio.example")
    settings = load_config("development")
    assert settings["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db:5432/bw"
    assert settings["MAIL_PORT"] == 2525 and settings["MAIL_USE_TLS"] is True
    assert settings["MAIL_DEFAULT_SENDER"] == "wijzer@regio.example"


def test_production_requires_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        load_config("production")
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    settings = load_config("production")
    assert settings["SESSION_COOKIE_SECURE"] is True and settings["SECRET_KEY"] == "x" * 40


def test_development_signs_with_this_checkouts_own_random_key(monkeypatch, tmp_path):
    """Without SECRET_KEY, development makes a random key once and keeps it (owner-only) in the
    instance folder: the same after a restart, different in another checkout, never in the code."""
    import config.settings

    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setattr(config.settings, "INSTANCE", tmp_path / "one")
    first = load_config("development")["SECRET_KEY"]
    assert len(first) >= 40 and load_config("development")["SECRET_KEY"] == first
    assert stat.S_IMODE((tmp_path / "one" / "secret_key").stat().st_mode) == 0o600
    monkeypatch.setattr(config.settings, "INSTANCE", tmp_path / "two")
    assert load_config("development")["SECRET_KEY"] != first
    monkeypatch.setenv("SECRET_KEY", "y" * 40)
    assert load_config("development")["SECRET_KEY"] == "y" * 40
