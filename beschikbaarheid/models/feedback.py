"""Referrers' "Klopt dit niet?" reports on an offering, and the provider's answer.

A report holds a reason from a fixed list, optionally a short text (checked for client-like data
before it is stored), the referrer type when the referrer was logged in, and nothing else: no
account, no address, nothing about the child. The provider answers by updating the offering
("update") or by "klopt wel" with a short explanation ("klopt"). An open report unanswered after
five working days lands on the contract manager's call list (`escalated_at`).
"""
from __future__ import annotations

import datetime as dt

from flask_babel import lazy_gettext as _l
from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from beschikbaarheid.extensions import db
from beschikbaarheid.models.core import CLAIM_STATUS_CHECK, ClaimedMail, Offering, UTCDateTime, utcnow

FEEDBACK_REASONS = {
    "geen_plek": _l("Geen plek, terwijl er een vrije plek vermeld staat"),
    "wachttijd": _l("Wachttijd langer dan vermeld"),
    "intake_dicht": _l("Intake gesloten"),
    "contact": _l("Contactgegevens kloppen niet"),
    "past_niet": _l("Past niet bij het product of de doelgroep"),
    "anders": _l("Anders"),
}
FEEDBACK_ANSWERS = {
    "update": _l("Gegevens bijgewerkt"),
    "klopt": _l("Klopt wel"),
}
FEEDBACK_TEXT_MAX = 200
FEEDBACK_ANSWER_MAX = 300


class Feedback(db.Model):
    """One "Klopt dit niet?" report on an offering and, once given, the provider's answer."""

    __tablename__ = "feedback"
    __table_args__ = (
        CheckConstraint("reason IN ('geen_plek','wachttijd','intake_dicht','contact','past_niet','anders')", name="reason"),
        CheckConstraint("answer IS NULL OR answer IN ('update','klopt')", name="answer"),
        Index("ix_feedback_offering_open", "offering_id", "answered_at"),
        # The year of reports per product and provider on the expected-vs-realised page, from the index alone.
        Index("ix_feedback_summary", "created_at", "offering_id", "reason", "answered_at", "escalated_at"),
        # The search reads the open reports of every candidate: only the open ones are indexed.
        Index("ix_feedback_open", "offering_id", postgresql_where=text("answered_at IS NULL"), sqlite_where=text("answered_at IS NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    reason: Mapped[str] = mapped_column(String(20))
    text: Mapped[str] = mapped_column(String(FEEDBACK_TEXT_MAX), default="")
    referrer_type: Mapped[str | None] = mapped_column(String(30))  # only when logged in; never who
    answered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    answer: Mapped[str | None] = mapped_column(String(10))
    answer_text: Mapped[str] = mapped_column(String(FEEDBACK_ANSWER_MAX), default="")
    answered_by: Mapped[str | None] = mapped_column(String(254))  # user e-mail, as in the offering history
    escalated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # put on the call list
    mailed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())  # listed in a daily mail to the provider

    offering: Mapped[Offering] = relationship()

    @property
    def reason_label(self) -> str:
        return str(FEEDBACK_REASONS.get(self.reason, self.reason))

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class FeedbackMail(ClaimedMail, db.Model):
    """The daily "Klopt dit niet?" mail of a provider: at most one per provider per (Amsterdam) day.

    Like `ReminderLog`: the row is claimed ('sending') before the mail goes out, so the unique
    constraint (provider, day) makes a second mail that day impossible whatever runs at once; a
    failed row is retried by a later run (attempts counts them), a sent row never is.
    """

    __tablename__ = "feedback_mail"
    __table_args__ = (
        UniqueConstraint("provider_id", "day"),
        CheckConstraint(CLAIM_STATUS_CHECK, name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    recipient: Mapped[str | None] = mapped_column(String(254))
    report_count: Mapped[int] = mapped_column(Integer, default=0)
