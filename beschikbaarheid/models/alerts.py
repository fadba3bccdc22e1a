"""Plek-alerts: a referrer's saved search, what it showed at the last evaluation, and its daily mail.

Stored: the search's parameters as a normalised query string (place as PC4 or woonplaats, age,
need, target groups, radius, maximum wait) and the referrer's own account. Nothing about the child:
no name, no date of birth, no case text (the need is checked for client data before it is saved).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, Index, Integer, String, UniqueConstraint, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from beschikbaarheid.extensions import db
from beschikbaarheid.models.core import CLAIM_STATUS_CHECK, ClaimedMail, User, UTCDateTime, utcnow

ALERT_QUERY_MAX = 600


class SearchAlert(db.Model):
    """One saved search of a referrer, mailed when a matching place opens up (domain/alerts.py)."""

    __tablename__ = "search_alert"
    __table_args__ = (Index("ix_search_alert_active", "stopped_at", "expires_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id"), index=True)
    query: Mapped[str] = mapped_column(String(ALERT_QUERY_MAX))  # the search's parameters, normalised
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    renewed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    stopped_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    last_mailed_day: Mapped[dt.date | None] = mapped_column(Date)
    # Offering changes up to this moment have been looked at (None: no baseline yet).
    checked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    # Where the alert looks (the searched place, how far, which products), set with its snapshot, so
    # the job knows which offering changes concern it.
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    reach_km: Mapped[float | None] = mapped_column(Float)
    product_ids: Mapped[str] = mapped_column(String(400), default="")  # "|12|15|"
    # The region's catalogue when the products were matched (search/reads.catalogue_key): when it
    # changes, the need may cover other products and the job compares the whole search again.
    catalogue_key: Mapped[str | None] = mapped_column(String(64))

    user: Mapped[User] = relationship()

    @property
    def product_id_set(self) -> set[int]:
        return {int(p) for p in self.product_ids.split("|") if p}


class AlertSeen(db.Model):
    """The figures of one offering as the alert last saw them (its snapshot): every offering that
    matched the search when the alert was set, and every one a later change touched since."""

    __tablename__ = "alert_seen"
    alert_id: Mapped[int] = mapped_column(ForeignKey("search_alert.id"), primary_key=True)
    offering_id: Mapped[int] = mapped_column(ForeignKey("offering.id"), primary_key=True, index=True)
    free_places: Mapped[int | None] = mapped_column(Integer)
    intake_status: Mapped[str] = mapped_column(String(10))
    waiting_weeks: Mapped[int | None] = mapped_column(Integer)
    matches: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())  # passed the search's filters then


class AlertMail(ClaimedMail, db.Model):
    """An alert's mail of one (Amsterdam) day: claimed before it is sent, so never two a day.

    The same pattern as `FeedbackMail`: the unique constraint (alert, day) lets one run win the
    claim; a failed row is retried by a later run (attempts counts them), a sent row never is.
    """

    __tablename__ = "alert_mail"
    __table_args__ = (
        UniqueConstraint("alert_id", "day"),
        CheckConstraint(CLAIM_STATUS_CHECK, name="status"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("search_alert.id"), index=True)
    day: Mapped[dt.date] = mapped_column(Date)
    opening_count: Mapped[int] = mapped_column(Integer, default=0)
