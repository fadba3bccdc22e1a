"""Login throttling per account, stored in the database so every worker sees the same count.

The rule (how long to wait after how many failures) is `domain.login_throttle`; this module counts.
"""
from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from beschikbaarheid.domain import login_throttle as rule
from beschikbaarheid.extensions import db
from beschikbaarheid.models import LoginThrottle


def policy() -> rule.Policy:
    """The numbers from the settings (LOGIN_FREE_ATTEMPTS, LOGIN_BACKOFF_SECONDS, LOGIN_LOCK_AFTER, LOGIN_LOCK_MINUTES)."""
    config = current_app.config
    return rule.Policy(
        free_attempts=int(config["LOGIN_FREE_ATTEMPTS"]),
        backoff_seconds=int(config["LOGIN_BACKOFF_SECONDS"]),
        lock_after=int(config["LOGIN_LOCK_AFTER"]),
        lock_seconds=int(config["LOGIN_LOCK_MINUTES"]) * 60,
    )


def _key(email: str) -> str:
    return hashlib.sha256((email or "").strip().lower().encode()).hexdigest()


def seconds_to_wait(email: str, now: dt.datetime, *, lock: bool = False) -> int:
    """How long this address must wait before its password is checked again (0: not at all).

    With `lock`, the address's count stays locked until the commit (SELECT ... FOR UPDATE on
    PostgreSQL), so parallel attempts for one address take turns and each sees the failures before it.
    """
    query = sa.select(LoginThrottle).where(LoginThrottle.key == _key(email))
    row = db.session.scalar(query.with_for_update() if lock else query)
    if row is None:
        return 0
    return rule.seconds_to_wait(row.failures, row.last_failure_at, now, policy())


def record_failure(email: str, now: dt.datetime) -> int:
    """Count one failed password for this address (not committed); returns the failures in a row.

    One UPDATE adds the failure, so parallel attempts each count (the row is locked while it is
    written); the first failure of an address inserts its row and removes forgotten ones.
    """
    key, p = _key(email), policy()
    forget_before = now - dt.timedelta(seconds=p.forget_seconds)
    table = LoginThrottle.__table__
    stmt = (
        sa.update(table)
        .where(table.c.key == key)
        .values(
            failures=sa.case((table.c.last_failure_at <= forget_before, 1), else_=table.c.failures + 1),
            last_failure_at=now,
        )
        .returning(table.c.failures)
    )
    failures = db.session.execute(stmt).scalar()
    if failures is None:
        # A new address: first drop the counts nobody remembers any more, so the table stays small.
        db.session.execute(sa.delete(table).where(table.c.last_failure_at <= forget_before))
        try:
            with db.session.begin_nested():
                db.session.execute(sa.insert(table).values(key=key, failures=1, last_failure_at=now))
            failures = 1
        except IntegrityError:  # another request inserted it a moment ago
            failures = db.session.execute(stmt).scalar()
    return failures


def forget(email: str) -> None:
    """A successful login or password reset clears the count for this address (not committed)."""
    db.session.execute(sa.delete(LoginThrottle.__table__).where(LoginThrottle.__table__.c.key == _key(email)))


def is_lock_start(failures: int) -> bool:
    return rule.starts_lock(failures, policy())
