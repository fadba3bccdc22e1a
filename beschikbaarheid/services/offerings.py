"""Changing an offering's figures: the one path every save, confirmation and import goes through.

Every change appends to the history (`OfferingChange`), one row per changed field; a 'no change'
confirmation appends one row of kind 'confirm', so runs of blind confirmation stay visible.
"""
from __future__ import annotations

import datetime as dt

from beschikbaarheid.extensions import db
from beschikbaarheid.models import Offering, OfferingChange, utcnow

# Fields a provider (or an import) may change, in display order.
EDITABLE_FIELDS = ("capacity", "free_places", "waiting_weeks", "intake_status", "age_min", "age_max", "target_groups", "note")


def _as_text(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, (list, tuple, set)):
        return "|".join(sorted(value))
    return str(value)


def _current(offering: Offering, field: str):
    return offering.target_groups if field == "target_groups" else getattr(offering, field)


def apply_update(
    offering: Offering,
    changes: dict,
    *,
    author: str,
    via: str,
    user_id: int | None = None,
    unusual_confirmed: bool = False,
    now: dt.datetime | None = None,
) -> list[OfferingChange]:
    """Set the given fields, stamp the update and append one history row per changed field.

    A save without any changed value counts as a confirmation (the figures were looked at).
    Does not commit; the caller decides the transaction.
    """
    now = now or utcnow()
    rows: list[OfferingChange] = []
    for field, new in changes.items():
        if field not in EDITABLE_FIELDS:
            raise ValueError(f"field {field!r} cannot be changed")
        old = _current(offering, field)
        if field == "target_groups":
            new = sorted({g.strip().upper() for g in new if g and g.strip()})
        if _as_text(old) == _as_text(new):
            continue
        setattr(offering, field, new)
        rows.append(
            OfferingChange(
                offering=offering, changed_at=now, author=author, user_id=user_id, via=via, kind="update",
                field=field, old_value=_as_text(old), new_value=_as_text(new), unusual_confirmed=unusual_confirmed,
            )
        )
    if not rows:
        return [confirm_unchanged(offering, author=author, via=via, user_id=user_id, now=now)]
    offering.updated_at = now
    offering.updated_by = author
    offering.last_update_kind = "update"
    offering.unusual_confirmed = unusual_confirmed
    offering.stale = False
    db.session.add_all(rows)
    return rows


def confirm_unchanged(
    offering: Offering, *, author: str, via: str, user_id: int | None = None, now: dt.datetime | None = None
) -> OfferingChange:
    """Record that the provider looked and nothing changed: counts as an update, marked as such."""
    now = now or utcnow()
    offering.updated_at = now
    offering.updated_by = author
    offering.last_update_kind = "confirm"
    offering.stale = False
    row = OfferingChange(offering=offering, changed_at=now, author=author, user_id=user_id, via=via, kind="confirm")
    db.session.add(row)
    return row


def record_creation(offering: Offering, *, author: str, via: str, user_id: int | None = None, now: dt.datetime | None = None) -> list[OfferingChange]:
    """History rows for a new offering's initial values (kind 'create')."""
    now = now or utcnow()
    rows = [
        OfferingChange(
            offering=offering, changed_at=now, author=author, user_id=user_id, via=via, kind="create",
            field=field, old_value=None, new_value=_as_text(_current(offering, field)),
        )
        for field in EDITABLE_FIELDS
        if _as_text(_current(offering, field)) not in (None, "")
    ]
    db.session.add_all(rows)
    return rows
