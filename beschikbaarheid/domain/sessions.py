"""When a login is still valid: the ticket in the session and remember-me cookies, and its limits.

A ticket names the user, the user's session generation at login (raised by "overal uitloggen", a new
password, a new role, provider or region, and deactivation), when the password was typed, when the
login was last used, and the login itself (a random name, so one login can be ended on its own). The cookies are signed, so only the app writes tickets; this module decides
whether one still counts. Times are whole seconds since the epoch.
"""
from __future__ import annotations

import secrets
from dataclasses import dataclass

# Changing any of these User fields ends every session of that user (models.core).
SESSION_ENDING_FIELDS = ("password_hash", "role", "provider_id", "provider", "region_id", "region", "active")

# A login's last use is written back to its cookies at most this often (seconds): the idle limit
# is therefore exact to within a minute, and an active page does not set a cookie on every request.
SEEN_RESOLUTION = 60

# A clock that is a little ahead on one worker must not log people out; a ticket from the future
# beyond this is refused.
CLOCK_SLACK = 60


@dataclass(frozen=True)
class Ticket:
    """What the cookies say about one login."""

    user_id: int
    generation: int
    login_at: int
    seen_at: int
    login_id: str

    def text(self) -> str:
        return f"{self.user_id}:{self.generation}:{self.login_at}:{self.seen_at}:{self.login_id}"


@dataclass(frozen=True)
class Limits:
    """How long a login lasts: without a request (idle) and at most since the password (absolute)."""

    idle_seconds: int
    absolute_seconds: int


def parse(text: str | None) -> Ticket | None:
    """The ticket in a cookie value; None for anything else (an old plain user id included)."""
    parts = (text or "").split(":")
    if len(parts) != 5 or not all(p.isascii() and p.isdigit() for p in parts[:4]) or not _is_login_id(parts[4]):
        return None
    return Ticket(*(int(p) for p in parts[:4]), parts[4])


LOGIN_ID_LENGTH = 16  # hex digits


def new_login_id() -> str:
    """A random name for a new login."""
    return secrets.token_hex(LOGIN_ID_LENGTH // 2)


def _is_login_id(text: str) -> bool:
    return len(text) == LOGIN_ID_LENGTH and all(c in "0123456789abcdef" for c in text)


def is_alive(ticket: Ticket, now: int, limits: Limits) -> bool:
    """True while the login is neither idle too long nor older than the absolute lifetime."""
    if ticket.login_at > now + CLOCK_SLACK or ticket.seen_at > now + CLOCK_SLACK or ticket.seen_at < ticket.login_at:
        return False
    return now - ticket.seen_at < limits.idle_seconds and now - ticket.login_at < limits.absolute_seconds


def needs_refresh(ticket: Ticket, now: int) -> bool:
    """Whether the last-use time in the cookies is stale enough to write again."""
    return now - ticket.seen_at >= SEEN_RESOLUTION
