"""Login security: failed logins per typed address (throttling) and logins ended in one browser."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from beschikbaarheid.extensions import db
from beschikbaarheid.models.core import UTCDateTime


class LoginThrottle(db.Model):
    """Failures in a row for one address (known or not), keyed by a SHA-256 of the lower-cased address."""

    __tablename__ = "login_throttle"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), index=True)


class EndedLogin(db.Model):
    """A login ended with "Uitloggen" in one browser: a copy of its cookies no longer counts.

    A login is named by its user and a random id (the ticket in its cookies). Rows whose login is
    older than the absolute session lifetime are useless and are removed at the next logout.
    """

    __tablename__ = "ended_login"
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), primary_key=True)
    login_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    login_at: Mapped[int] = mapped_column(Integer)
