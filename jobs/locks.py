"""A job-level lock in the database that works the same on SQLite and PostgreSQL.

The lock is a `job_lock` row; taking it is ONE atomic UPDATE that only matches when the row is free
or its holder's lease has expired, so two processes can never both hold it. A holder that crashes
simply stops renewing; after the lease expires the next run takes over and finishes the work.
The lock keeps runs from overlapping; the unique constraint on `reminder_log` is what makes a
duplicate reminder impossible even if the lock were bypassed.
"""
from __future__ import annotations

import datetime as dt
import os
import socket
import uuid
from contextlib import contextmanager

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from beschikbaarheid.extensions import db
from beschikbaarheid.models import JobLock, utcnow

DEFAULT_LEASE = dt.timedelta(minutes=15)


class LockLost(RuntimeError):
    """Our lease expired and another run took the lock: stop before doing work twice."""


def new_holder() -> str:
    """A holder id that tells an operator which host and process held a lock."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def _ensure_row(name: str) -> None:
    """Create the lock row once; losing the race to create it is fine."""
    if db.session.get(JobLock, name) is not None:
        db.session.rollback()
        return
    try:
        db.session.add(JobLock(name=name))
        db.session.commit()
    except IntegrityError:
        db.session.rollback()


def acquire(name: str, holder: str, lease: dt.timedelta = DEFAULT_LEASE, now: dt.datetime | None = None) -> bool:
    """Take the lock when it is free or expired; True when `holder` now has it."""
    _ensure_row(name)
    now = now or utcnow()
    table = JobLock.__table__
    result = db.session.execute(
        sa.update(table)
        .where(table.c.name == name, sa.or_(table.c.holder.is_(None), table.c.expires_at < now))
        .values(holder=holder, acquired_at=now, expires_at=now + lease)
    )
    db.session.commit()
    return result.rowcount == 1


def renew(name: str, holder: str, lease: dt.timedelta = DEFAULT_LEASE) -> None:
    """Extend our lease; raises LockLost when someone else holds the lock now."""
    table = JobLock.__table__
    result = db.session.execute(
        sa.update(table).where(table.c.name == name, table.c.holder == holder).values(expires_at=utcnow() + lease)
    )
    db.session.commit()
    if result.rowcount != 1:
        raise LockLost(f"lock {name!r} is no longer held by {holder}")


def release(name: str, holder: str) -> None:
    """Give the lock back (only if we still hold it)."""
    db.session.rollback()
    table = JobLock.__table__
    db.session.execute(
        sa.update(table).where(table.c.name == name, table.c.holder == holder).values(holder=None, expires_at=None)
    )
    db.session.commit()


@contextmanager
def job_lock(name: str, holder: str | None = None, lease: dt.timedelta = DEFAULT_LEASE):
    """`with job_lock('reminders') as got:` - got is the holder id, or None when another run has the lock."""
    holder = holder or new_holder()
    if not acquire(name, holder, lease):
        yield None
        return
    try:
        yield holder
    finally:
        release(name, holder)
