"""Reminder bookkeeping: the log that makes a duplicate reminder impossible, and job locks and runs.

`ReminderLog` has one row per (provider, month, kind); the unique constraint on those three columns
is what guarantees at most one reminder of a kind per provider per month, whatever runs at once.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from beschikbaarheid.extensions import db
from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from beschikbaarheid.models.core import Provider, UTCDateTime, utcnow

REMINDER_KINDS = {
    "first": _l("Eerste herinnering"),
    "second": _l("Tweede herinnering"),
    "escalation": _l("Op de belijst"),
}
REMINDER_STATUSES = {
    "sending": _l("Wordt verstuurd"),
    "sent": _l("Verstuurd"),
    "failed": _l("Mislukt"),
}


class ReminderLog(db.Model):
    """One reminder (or call-list escalation) of a provider for a month: claimed, then sent or failed.

    The row is inserted with status 'sending' BEFORE the mail goes out; a failed row is retried by
    the next run (attempts counts them), a sent row never is.
    """

    __tablename__ = "reminder_log"
    __table_args__ = (
        UniqueConstraint("provider_id", "period", "kind"),
        CheckConstraint("kind IN ('first','second','escalation')", name="kind"),
        CheckConstraint("status IN ('sending','sent','failed')", name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)  # 'YYYY-MM', Amsterdam calendar month
    kind: Mapped[str] = mapped_column(String(12))
    status: Mapped[str] = mapped_column(String(10))
    scheduled_for: Mapped[dt.date] = mapped_column(Date)  # the (logical) day the job ran for
    recipient: Mapped[str | None] = mapped_column(String(254))
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    claim_token: Mapped[str | None] = mapped_column(String(36))  # which run holds the 'sending' claim
    claimed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    provider: Mapped[Provider] = relationship()

    @property
    def kind_label(self) -> str:
        return str(REMINDER_KINDS[self.kind]) if self.kind in REMINDER_KINDS else self.kind

    @property
    def status_label(self) -> str:
        """Dutch status; an escalation is not a mail, so its 'sent' reads as 'on the call list'."""
        if self.kind == "escalation" and self.status == "sent":
            return gettext("Op de belijst gezet")
        return str(REMINDER_STATUSES[self.status]) if self.status in REMINDER_STATUSES else self.status

    @property
    def is_mail(self) -> bool:
        """First and second reminders are e-mails; an escalation is an entry on the call list."""
        return self.kind != "escalation"


class JobLock(db.Model):
    """A named lock with an expiry, taken by an atomic UPDATE so it works on SQLite and PostgreSQL alike."""

    __tablename__ = "job_lock"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(80))
    acquired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())


class JobRun(db.Model):
    """One execution of a job, so operators and contract managers can see what ran and how it ended."""

    __tablename__ = "job_run"
    __table_args__ = (CheckConstraint("status IN ('running','ok','failed','locked')", name="status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(String(40), index=True)
    holder: Mapped[str] = mapped_column(String(80))
    as_of: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    dry_run: Mapped[bool] = mapped_column(Boolean, default=False)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[str] = mapped_column(String(10), default="running")
    summary: Mapped[str] = mapped_column(Text, default="")  # JSON counts
    error: Mapped[str | None] = mapped_column(Text)
