"""The gezinshuis coordination point: each gezinshuis's profile (kept by its provider), the monthly
count of unplanned endings, and the coordinator's anonymous log of placement requests.

Nothing here identifies a child: the household is counts per age band, a request is an age band,
target groups, a municipality and weeks. Vocabulary and rules: domain/gezinshuis.py.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false as sa_false

from beschikbaarheid.extensions import db
from beschikbaarheid.models.core import Location, Municipality, Region, UTCDateTime, utcnow


def _codes(raw: str) -> list[str]:
    return [c for c in raw.split("|") if c]


def _raw(codes) -> str:
    clean = sorted({c.strip().upper() for c in codes if c and c.strip()})
    return ("|" + "|".join(clean) + "|") if clean else ""


class _TargetGroups:
    """`target_groups` as a list of codes over the model's column `target_groups_raw` ("|LVB|ASS|")."""

    @property
    def target_groups(self) -> list[str]:
        return _codes(self.target_groups_raw)

    @target_groups.setter
    def target_groups(self, groups) -> None:
        self.target_groups_raw = _raw(groups)


class GezinshuisProfile(_TargetGroups, db.Model):
    """One gezinshuis (a location of a provider with product Gezinshuis): places, ages, household."""

    __tablename__ = "gezinshuis_profile"
    __table_args__ = (
        CheckConstraint("places_allowed >= 0 AND places_taken >= 0 AND places_taken <= places_allowed", name="places"),
        CheckConstraint("age_min >= 0 AND age_max <= 27 AND age_min <= age_max", name="age_range"),
        CheckConstraint("siblings_max >= 0", name="siblings_max"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), unique=True)
    places_allowed: Mapped[int] = mapped_column(Integer, default=4)
    places_taken: Mapped[int] = mapped_column(Integer, default=0)
    age_min: Mapped[int] = mapped_column(Integer, default=0)
    age_max: Mapped[int] = mapped_column(Integer, default=18)
    # Children in the household as counts per age band: "placed:12-15=2|own:4-7=1" (kinds and bands
    # as in domain/gezinshuis.py). No names, no dates of birth.
    household_raw: Mapped[str] = mapped_column("household", String(400), default="")
    siblings_together: Mapped[bool] = mapped_column(default=False, server_default=sa_false())
    siblings_max: Mapped[int] = mapped_column(Integer, default=0)  # siblings that can be placed together
    target_groups_raw: Mapped[str] = mapped_column("target_groups", String(400), default="")  # "|LVB|ASS|"
    specialisms_raw: Mapped[str] = mapped_column("specialisms", String(200), default="")  # "|ZWAAR|"
    free_from: Mapped[dt.date | None] = mapped_column(Date)  # "plek vrij per": a place expected free then
    vacant_since: Mapped[dt.date | None] = mapped_column(Date)  # first day of the current free place(s)
    notes: Mapped[str] = mapped_column(String(300), default="")  # practical notes for matching
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(String(254))

    location: Mapped[Location] = relationship()

    @property
    def free_places(self) -> int:
        return self.places_allowed - self.places_taken

    @property
    def household(self) -> dict[tuple[str, str], int]:
        """Children per (kind, band), e.g. {("placed", "12-15"): 2}."""
        counts = {}
        for part in self.household_raw.split("|"):
            key, sep, count = part.partition("=")
            kind, colon, band = key.partition(":")
            if sep and colon and count.isdigit() and int(count) > 0:
                counts[(kind, band)] = int(count)
        return counts

    @household.setter
    def household(self, counts: dict[tuple[str, str], int]) -> None:
        self.household_raw = "|".join(f"{kind}:{band}={int(n)}" for (kind, band), n in sorted(counts.items()) if int(n) > 0)

    @property
    def specialisms(self) -> list[str]:
        return _codes(self.specialisms_raw)

    @specialisms.setter
    def specialisms(self, codes) -> None:
        self.specialisms_raw = _raw(codes)


class GezinshuisEnding(db.Model):
    """Unplanned endings (breakdowns) of placements in a gezinshuis in a month, as its provider reports them."""

    __tablename__ = "gezinshuis_ending"
    __table_args__ = (UniqueConstraint("location_id", "month"), CheckConstraint("count >= 0", name="count"))
    id: Mapped[int] = mapped_column(primary_key=True)
    location_id: Mapped[int] = mapped_column(ForeignKey("location.id"), index=True)
    month: Mapped[dt.date] = mapped_column(Date)  # first day of the month
    count: Mapped[int] = mapped_column(Integer, default=0)
    reported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    location: Mapped[Location] = relationship()


class PlacementRequest(_TargetGroups, db.Model):
    """A request for a gezinshuis place as the coordinator logs it: anonymous, no free text."""

    __tablename__ = "placement_request"
    __table_args__ = (
        CheckConstraint("outcome IN ('wachtend','gezinshuis','pleegzorg','woongroep','segment1','anders')", name="outcome"),
        CheckConstraint("outcome = 'wachtend' OR outcome_week IS NOT NULL", name="outcome_week"),
        Index("ix_placement_request_region_week", "region_id", "requested_week"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    age_band: Mapped[str] = mapped_column(String(5))  # domain/gezinshuis.REQUEST_BANDS
    target_groups_raw: Mapped[str] = mapped_column("target_groups", String(400), default="")
    siblings: Mapped[int] = mapped_column(Integer, default=0)  # siblings to be placed together with the child
    municipality_id: Mapped[int | None] = mapped_column(ForeignKey("municipality.id"))
    requested_week: Mapped[dt.date] = mapped_column(Date)  # the Monday of the week of the request
    outcome: Mapped[str] = mapped_column(String(12), default="wachtend")
    outcome_week: Mapped[dt.date | None] = mapped_column(Date)  # the Monday of the week of the outcome
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime(), onupdate=utcnow)

    region: Mapped[Region] = relationship()
    municipality: Mapped[Municipality | None] = relationship()


class PlacementRequestMonth(db.Model):
    """Requests older than two years, reduced to counts per month of request, age band and outcome."""

    __tablename__ = "placement_request_month"
    __table_args__ = (UniqueConstraint("region_id", "month", "age_band", "outcome"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id"))
    month: Mapped[dt.date] = mapped_column(Date)  # first day of the month of request
    age_band: Mapped[str] = mapped_column(String(5))
    outcome: Mapped[str] = mapped_column(String(12))
    requests: Mapped[int] = mapped_column(Integer, default=0)
    weeks_to_outcome_total: Mapped[int] = mapped_column(Integer, default=0)  # sum over requests with an outcome
