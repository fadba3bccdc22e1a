"""Contract management records: calls to providers that lag behind, and closed months' compliance.

Also declares the indexes the compliance figures need on the history table, so a month of
`offering_change` is read from one index range instead of the whole table.
"""
from __future__ import annotations

import datetime as dt

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, UniqueConstraint, delete, event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from beschikbaarheid.extensions import db
from flask_babel import lazy_gettext as _l
from beschikbaarheid.models.core import Contract, Offering, OfferingChange, Provider, User, UTCDateTime, utcnow

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
        return str(CALL_OUTCOMES[self.outcome]) if self.outcome in CALL_OUTCOMES else self.outcome


class ComplianceSnapshot(db.Model):
    """A closed month's compliance figure for a region, stored once computed (a cache, never a source).

    Closed months only change when history arrives afterwards with an older date or contracts
    change; `history_high_water` (the last history id checked) and `contract_fingerprint` let the
    page detect both and compute the month again (contract/queries.py, compliance_trend).
    """

    __tablename__ = "compliance_snapshot"
    __table_args__ = (UniqueConstraint("region_id", "month"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    region_id: Mapped[int] = mapped_column(ForeignKey("region.id", ondelete="CASCADE"))
    month: Mapped[dt.date] = mapped_column(Date)  # first day of the month
    contracted: Mapped[int] = mapped_column(Integer)
    current: Mapped[int] = mapped_column(Integer)
    history_high_water: Mapped[int] = mapped_column(Integer, default=0)
    contract_fingerprint: Mapped[str] = mapped_column(String(120), default="")
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


_snapshot_tables: set[str] = set()  # database URLs known to have the table


def _has_snapshot_table(connection) -> bool:
    """True once the compliance_snapshot table exists (checked per database until it does)."""
    url = str(connection.engine.url)
    if url not in _snapshot_tables and inspect(connection).has_table(ComplianceSnapshot.__tablename__):
        _snapshot_tables.add(url)
    return url in _snapshot_tables


@event.listens_for(Session, "after_flush")
def _contracts_changed(session, flush_context):  # noqa: ARG001
    """Contracts saved through the ORM change past denominators: forget those regions' stored months.

    One DELETE per flush, whatever the number of contracts; skipped on a database that is not yet
    migrated, so a contract import never fails because of this cache.
    """
    regions: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Contract):
            regions.add(obj.region_id)
            regions.update(inspect(obj).attrs.region_id.history.deleted or ())
    regions.discard(None)
    if regions and _has_snapshot_table(session.connection()):
        session.connection().execute(delete(ComplianceSnapshot.__table__).where(ComplianceSnapshot.region_id.in_(regions)))


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
