"""Claim before send: the one way a scheduled mail is taken by one run, so it never goes out twice.

A mail of the day has a row with a unique key (e.g. provider and day, alert and day). A run claims
it ('sending', with the run's token) before sending: by inserting it (the unique constraint lets
one run win) or, for a retry, by an atomic UPDATE that only matches a failed row or one left
'sending' by a crash before `stuck_before`. Afterwards the same run records 'sent' or 'failed'
for the rows it holds. Used by the "Klopt dit niet?" mail (services/feedback_daily.py) and the
plek-alerts (services/alert_run.py); the reminders keep their own log (services/reminders.py).
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from beschikbaarheid import mail as mailer
from beschikbaarheid.extensions import db

log = logging.getLogger(__name__)


def claim(table: sa.Table, key: dict, values: dict, *, retry: bool, stuck_before: dt.datetime) -> bool:
    """Take the row with `key` for this run (`values` hold status 'sending', claim_token and claimed_at).
    Does not commit: the caller commits every claim before the first mail goes out."""
    match = [table.c[name] == value for name, value in key.items()]
    if retry:
        result = db.session.execute(
            sa.update(table)
            .where(*match, sa.or_(table.c.status == "failed", sa.and_(table.c.status == "sending", table.c.claimed_at < stuck_before)))
            .values(attempts=table.c.attempts + 1, **values)
        )
        return result.rowcount == 1
    dialect = postgresql if db.session.get_bind().dialect.name == "postgresql" else sqlite
    stmt = (dialect.insert(table).values(**key, attempts=1, **values)
            .on_conflict_do_nothing(index_elements=list(key)).returning(table.c.id))
    return db.session.execute(stmt).first() is not None


def finish(table: sa.Table, key: dict, token: str, status: str, error: str | None, now: dt.datetime) -> bool:
    """Record 'sent' or 'failed' on a row this run claimed; False when it is no longer ours. Does not commit."""
    result = db.session.execute(
        sa.update(table).where(*[table.c[name] == value for name, value in key.items()], table.c.claim_token == token,
                               table.c.status == "sending")
        .values(status=status, error=error[:1000] if error else None, sent_at=now if status == "sent" else None)
    )
    return result.rowcount == 1


def send_claimed(table: sa.Table, token: str, mails: Sequence[mailer.Mail], send: Callable,
                 finish: Callable[[object, str, str | None], None]) -> None:
    """Send the mails this run claimed; `finish(tag, status, error)` records each outcome as it comes.

    Server unreachable: nothing went out, every claim fails and the next run retries it. Anything
    else aborts the run: the claims still 'sending' are marked failed (so a later run retries them
    without waiting for the stuck time), then the error is raised again.
    """
    def record(result: mailer.SendResult) -> None:
        finish(result.mail.tag, "sent" if result.ok else "failed", None if result.ok else (result.error or result.status))

    try:
        send(mails, on_result=record)
    except mailer.MailServerUnavailable as exc:
        for m in mails:
            finish(m.tag, "failed", str(exc))
    except BaseException as exc:
        db.session.rollback()
        db.session.execute(sa.update(table).where(table.c.claim_token == token, table.c.status == "sending")
                           .values(status="failed", error=f"run afgebroken: {exc!r}"[:1000]))
        db.session.commit()
        log.error("%s: mail run aborted: %r", table.name, exc)
        raise
