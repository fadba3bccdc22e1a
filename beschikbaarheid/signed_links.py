"""Signed, expiring links for reminder e-mails: let one provider's contact act without a password.

A token names one provider and one purpose ('confirm' everything unchanged, or open the 'update'
screen); it is signed with SECRET_KEY and expires after SIGNED_LINK_MAX_AGE_DAYS. Links always use
PUBLIC_BASE_URL, never the request's Host header (which a client controls).
"""
from __future__ import annotations

import datetime as dt
import secrets
from urllib.parse import urlsplit

from flask import current_app, has_request_context, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from flask_babel import lazy_gettext as _l

SALT = "aanbieder-link-v1"
PURPOSES = ("confirm", "update")
DEFAULT_MAX_AGE_DAYS = 14


class SignedLinkError(Exception):
    """A link that cannot be used; `message` is Dutch and safe to show."""

    status = 400
    message = _l("Deze link is ongeldig. Controleer of u de hele link uit de e-mail hebt gebruikt.")


class LinkExpired(SignedLinkError):
    status = 410
    message = _l("Deze link is verlopen. Log in om uw aanbod bij te werken, of gebruik de link uit een recentere e-mail.")


class LinkInvalid(SignedLinkError):
    pass


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def max_age_seconds() -> int:
    """Link lifetime from settings (days)."""
    return int(current_app.config.get("SIGNED_LINK_MAX_AGE_DAYS", DEFAULT_MAX_AGE_DAYS)) * 86400


def make_provider_token(provider_id: int, purpose: str) -> str:
    """Sign a token for one provider and one purpose; a nonce keeps every token unique."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown link purpose {purpose!r}")
    payload = {"p": int(provider_id), "u": purpose, "n": secrets.token_hex(4), "d": dt.date.today().isoformat()}
    return _serializer().dumps(payload)


def load_provider_token(token: str, purpose: str) -> int:
    """The provider id a valid, unexpired token of this purpose names; LinkExpired / LinkInvalid otherwise."""
    try:
        payload = _serializer().loads(token, max_age=max_age_seconds())
    except SignatureExpired as exc:
        raise LinkExpired() from exc
    except BadSignature as exc:
        raise LinkInvalid() from exc
    if not isinstance(payload, dict) or payload.get("u") != purpose or not isinstance(payload.get("p"), int):
        raise LinkInvalid()
    return payload["p"]


def peek_purpose(token: str) -> str | None:
    """The purpose a correctly signed token claims (expired or not), to choose which page to show."""
    try:
        payload = _serializer().loads(token)
    except BadSignature:
        return None
    return payload.get("u") if isinstance(payload, dict) and payload.get("u") in PURPOSES else None


def external_url(endpoint: str, **values) -> str:
    """Absolute URL for `endpoint` under PUBLIC_BASE_URL, inside or outside a request."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"].rstrip("/"))
    adapter = current_app.url_map.bind(base.netloc, script_name=base.path or "/", url_scheme=base.scheme or "https")
    return adapter.build(endpoint, values, force_external=True)


def make_provider_link(provider_id: int, purpose: str, *, external: bool = True) -> str:
    """A link for a reminder e-mail: absolute under PUBLIC_BASE_URL, or a site-relative path."""
    token = make_provider_token(provider_id, purpose)
    if external:
        return external_url("aanbieder.link", token=token)
    if has_request_context():
        return url_for("aanbieder.link", token=token)
    return current_app.url_map.bind("localhost").build("aanbieder.link", {"token": token})
