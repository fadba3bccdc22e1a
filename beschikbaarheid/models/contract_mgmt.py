"""Contract management records: calls to providers that lag behind, and closed months' compliance.

Also declares the indexes the contract-manager pages need on the register, the history and the
search log, so each page reads index ranges instead of whole tables.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    and_,
    delete,
    event,
    inspect,
    literal_column,
    or_,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from beschikbaarheid.domain.compliance import month_first
from beschikbaarheid.domain.freshness import month_start
from beschikbaarheid.extensions import db
from flask_babel import lazy_gettext as _l
from beschikbaarheid.models.core import Contract, Offering, OfferingChange, Provider, User, UTCDateTime, utcnow
from beschikbaarheid.models.search_log import SearchLog

# Outcome code -> Dutch label, in the order the form offers them.
CALL_OUTCOMES = {
    "bereikt": _l("Bereikt"),
    "niet_bereikt": _l("Niet bereikt"),
    "voicemail": _l("Voicemail ingesproken"),
    "toezegging": _l("Toezegging gedaan"),
    "anders": _l("Anders"),
}

CALL_NOTE_MAX = 500


class CallLog(db.Model):
    """One phone call to a provider about keeping its data current; never about a client."""

    __tablename__ = "call_log"
    __table_args__ = (
        CheckConstraint(
            "outcome IN ('bereikt','niet_bereikt','voicemail','toezegging','anders')", name="outcome"
        ),
        Index("ix_call_log_provider_id_called_at", "provider_id", "called_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("provider.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    called_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str] = mapped_column(String(CALL_NOTE_MAX), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    provider: Mapped[Provider] = relationship()
    user: Mapped[User | None] = relationship()

    @property
    def outcome_label(self) -> str:
        """The outcome in words (the code itself if it is not one of ours)."""
        return str(CALL_OUTCOMES[self.outcome]) if self.outcome in CALL_OUTCOMES else self.outcome


class ComplianceSnapshot(db.Model):
    """A closed month's compliance figure for a region, stored once computed (a cache, never a source).

    Replaying a closed month from the history is too slow to do for eleven months on every view
    (docs/contract.md has the figures); its one invalidation rule is `_forget_stored_months` below.
    """

    __tablename__ = "compliance_snapshot"
    __table_args__ = (UniqueConstraint("region_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"))
    month: Mapped[dt.date] = mapped_column(Date)  # first day of the month
    contracted: Mapped[int] = mapped_column(Integer)
    current: Mapped[int] = mapped_column(Integer)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


_snapshot_tables: set[str] = set()  # database URLs known to have the table


def _has_snapshot_table(connection) -> bool:
    """True once the compliance_snapshot table exists (checked per database until it does)."""
    url = str(connection.engine.url)
    if url not in _snapshot_tables and inspect(connection).has_table(ComplianceSnapshot.__tablename__):
        _snapshot_tables.add(url)
    return url in _snapshot_tables


@event.listens_for(Session, "after_flush")
def _forget_stored_months(session, flush_context):  # noqa: ARG001
    """The stored months' one invalidation rule: a write that can change a closed month deletes it.

    Such a write is a contract saved or deleted (every stored month of its region) or a history row
    dated before the running month, as an import or a demo load writes (that month and later ones,
    in every region). The next view of the compliance page computes them again. One DELETE per
    flush at most; skipped on a database that is not yet migrated, so an import never fails on it.
    """
    regions: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Contract):
            regions.add(obj.region_id)
            regions.update(inspect(obj).attrs.region_id.history.deleted or ())
    regions.discard(None)
    running = month_start(utcnow())
    backdated = [o.changed_at for o in session.new if isinstance(o, OfferingChange) and o.changed_at and o.changed_at < running]
    conditions = []
    if regions:
        conditions.append(ComplianceSnapshot.region_id.in_(regions))
    if backdated:
        conditions.append(ComplianceSnapshot.month >= month_first(min(backdated)))
    if conditions and _has_snapshot_table(session.connection()):
        session.connection().execute(delete(ComplianceSnapshot.__table__).where(or_(*conditions)))


# Compliance reads "who changed something in month M": a covering index lets both databases answer
# that from an index range on changed_at without touching the (wide) history rows.
Index(
    "ix_offering_change_changed_at_offering_id_kind",
    OfferingChange.changed_at,
    OfferingChange.offering_id,
    OfferingChange.kind,
)
# Per offering: its first history row (did it exist in month M?), its last real (non-confirm) change
# and the dossier's recent history, each read from this offering's own index range.
Index(
    "ix_offering_change_offering_id_changed_at_kind",
    OfferingChange.offering_id,
    OfferingChange.changed_at,
    OfferingChange.kind,
)
# "Which contracted offerings of this provider are fresh": contracts in (region, provider, product)
# order joined to offerings' (provider, product, updated_at), both read from the index alone.
Index(
    "ix_contract_region_id_provider_id_product_id",
    Contract.region_id,
    Contract.provider_id,
    Contract.product_id,
    Contract.valid_from,
    Contract.valid_until,
)
Index(
    "ix_offering_provider_id_product_id_updated_at",
    Offering.provider_id,
    Offering.product_id,
    Offering.updated_at,
)
# Waiting times per product: the contracted offerings' waiting weeks grouped by (product, weeks) in
# index order, with the provider and updated_at for the contract check and the stale count.
Index(
    "ix_offering_product_id_waiting_weeks",
    Offering.product_id,
    Offering.waiting_weeks,
    Offering.provider_id,
    Offering.updated_at,
)

# The history rows that record a new waiting time. Written with inline constants, so that the
# partial index below (which holds only those rows, with all the jump search reads) serves the
# data-quality page's jump search from the index alone on both databases.
WAITING_TIME_UPDATE = and_(OfferingChange.field == literal_column("'waiting_weeks'"), OfferingChange.kind == literal_column("'update'"))
Index(
    "ix_offering_change_waiting_time_updates",
    OfferingChange.changed_at,
    OfferingChange.offering_id,
    OfferingChange.old_value,
    OfferingChange.new_value,
    OfferingChange.unusual_confirmed,
    sqlite_where=WAITING_TIME_UPDATE,
    postgresql_where=WAITING_TIME_UPDATE,
)

# Supply gaps group a year of search log per municipality and need: this index holds every column
# those GROUP BYs read, in their order, so neither database sorts or touches the rows.
Index(
    "ix_search_log_region_id_municipality_code_need",
    SearchLog.region_id,
    SearchLog.municipality_code,
    SearchLog.need_kind,
    SearchLog.product_id,
    SearchLog.product_code,
    SearchLog.segment,
    SearchLog.category,
    SearchLog.age_band,
    SearchLog.day,
    SearchLog.within_radius_count,
)
