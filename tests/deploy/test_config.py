"""Settings come from the environment; production refuses to start without a secret key."""
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
