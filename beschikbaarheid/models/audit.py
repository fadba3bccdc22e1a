"""The audit trail of administration: who changed what in a region's register, when, old -> new.

Append-only like the offering history: rows are inserted by `services/audit.record` in the same
transaction as the change they describe, and never updated or deleted (the mapper refuses it).
`changes` is JSON: {"field": [old, new], ...}, values as text, so the trail reads the same after
the register changes again.
"""
from __future__ import annotations

import datetime as dt
import json

from sqlalchemy import ForeignKey, Index, Integer, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from beschikbaarheid.extensions import db
from beschikbaarheid.models.core import UTCDateTime, utcnow


class AuditEvent(db.Model):
    """One administrative change: an invitation, a product edited, a contract ended, a setting changed."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_region_at", "region_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("region.id"))  # None: installation-wide
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))  # None: the CLI or the system
    actor: Mapped[str] = mapped_column(String(254))  # e-mail or "cli", kept as it was then
    action: Mapped[str] = mapped_column(String(40))  # e.g. "user.invite", "product.update", "contract.end"
    entity: Mapped[str] = mapped_column(String(40))  # user | product | provider | location | contract | region
    entity_id: Mapped[int | None] = mapped_column(Integer)
    summary: Mapped[str] = mapped_column(String(300), default="")  # e.g. the product code and name
    changes_json: Mapped[str] = mapped_column("changes", Text, default="{}")

    @property
    def changes(self) -> dict[str, list]:
        """{"field": [old, new]} as recorded."""
        return json.loads(self.changes_json or "{}")


@event.listens_for(AuditEvent, "before_update")
@event.listens_for(AuditEvent, "before_delete")
def _audit_is_append_only(mapper, connection, target):  # noqa: ARG001
    raise RuntimeError("audit_event is append-only")
