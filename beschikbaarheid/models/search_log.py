"""Anonymous search logs and "geen passend aanbod" reports, for the contract managers' supply analysis.

Only what supply analysis needs is kept (domain.md, Privacy): the need (product or segment/category),
the municipality and — only when a postcode was typed — its four digits, an age band instead of the
age, the day without a time, and the result counts. Never a name, a full postcode or the exact age;
the only free text is the optional reason of a no-match report (200 characters, the form asks not
to enter names).
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from beschikbaarheid.extensions import db

AGE_BANDS = ("0-3", "4-11", "12-17", "18+")
NEED_KINDS = ("code", "name", "form", "segment", "category")


def age_band(age: int) -> str:
    """The band an age falls in; the exact age is never stored."""
    if age <= 3:
        return "0-3"
    if age <= 11:
        return "4-11"
    if age <= 17:
        return "12-17"
    return "18+"


class _AnonymousSearchFacts:
    """Columns shared by the search log and the no-match report."""

    day: Mapped[dt.date] = mapped_column(Date, index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id", ondelete="SET NULL"), index=True)
    need_kind: Mapped[str] = mapped_column(String(10))  # code | name | form | segment | category
    # The best-matching product (for code and name needs) and its code, kept even if the product goes.
    product_id: Mapped[int | None] = mapped_column(ForeignKey("product.id", ondelete="SET NULL"), index=True)
    product_code: Mapped[str | None] = mapped_column(String(10))
    segment: Mapped[int | None] = mapped_column(Integer)
    category: Mapped[str | None] = mapped_column(String(2))
    municipality_code: Mapped[str | None] = mapped_column(String(8), index=True)  # CBS code
    pc4: Mapped[str | None] = mapped_column(String(4))  # only when the user typed a postcode
    age_band: Mapped[str] = mapped_column(String(5))
    result_count: Mapped[int] = mapped_column(Integer, default=0)  # shown: within radius + verder weg
    within_radius_count: Mapped[int] = mapped_column(Integer, default=0)


class SearchLog(_AnonymousSearchFacts, db.Model):
    """One search (repeated refinements of the same search in one session update the same row)."""

    __tablename__ = "search_log"
    __table_args__ = (CheckConstraint("age_band IN ('0-3','4-11','12-17','18+')", name="age_band"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(5), default="web")  # web | api
    # Web searches only: a keyed hash of this row's anonymous facts with a random per-session seed
    # that only the browser's session cookie holds (search/log.log_search), so refinements of
    # one search update this row (search/log_writer.py upserts on it) and nothing else is linkable.
    ref: Mapped[str | None] = mapped_column(String(24), unique=True)


class NoMatchReport(_AnonymousSearchFacts, db.Model):
    """A referrer's "geen passend aanbod" flag on a search, with an optional short reason."""

    __tablename__ = "no_match_report"
    __table_args__ = (CheckConstraint("age_band IN ('0-3','4-11','12-17','18+')", name="age_band"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    referrer_type: Mapped[str | None] = mapped_column(String(2))  # iJw COD327 code of a logged-in referrer
    reason: Mapped[str] = mapped_column(String(200), default="")
