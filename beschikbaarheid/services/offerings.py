"""Changing an offering's figures: the one path every save, confirmation and import goes through.

Every change appends to the history (`OfferingChange`), one row per changed field; a 'no change'
confirmation appends one row of kind 'confirm', so runs of blind confirmation stay visible. Either
answers the offering's open "Klopt dit niet?" reports ('update', services/feedback.py).
"""
from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from sqlalchemy.orm import contains_eager
from sqlalchemy.orm.exc import StaleDataError

from beschikbaarheid.domain import freshness, wait_figures
from beschikbaarheid.domain.client_data import check_free_text
from beschikbaarheid.extensions import db
from beschikbaarheid.services import gezinshuis
from beschikbaarheid.services.feedback import answered_by_update
from beschikbaarheid.models import Contract, Location, Offering, OfferingChange, Product, Provider, utcnow

# Fields a provider (or an import) may change, in display order.
EDITABLE_FIELDS = (
    "capacity", "free_places", "waiting_weeks", "intake_status", "age_min", "age_max", "target_groups", "note",
    "waiting_count", "realised_wait_weeks", "realised_started", "group_waits",
)
REALISED_FIELDS = ("realised_wait_weeks", "realised_started")
# Set by the service, never typed: the period a saved realised wait covers (see with_realised_period).
DERIVED_FIELDS = ("realised_period_end",)


def as_text(value) -> str | None:
    """A figure as the history stores it (target groups as 'ASS|LVB'); imports compare with it too."""
    if value is None:
        return None
    if isinstance(value, (list, tuple, set)):
        return "|".join(sorted(value))
    if isinstance(value, dict):
        return wait_figures.format_group_waits(value)
    if isinstance(value, float):
        return f"{value:.1f}"
    return str(value)


class ClientDataRefused(ValueError):
    """A note that looks like client data (domain/client_data.py); nothing was changed."""


def own_contacts(offering: Offering) -> tuple[str | None, ...]:
    """The provider's own contact details, which its note may mention (intake and crisis phone, intake e-mail, street)."""
    provider, location = offering.provider, offering.location
    return (provider.intake_phone, provider.crisis_phone, provider.intake_email, location.street if location else None)


def _current(offering: Offering, field: str):
    if field == "group_waits" and offering.group_waits_raw is None:
        return {}  # a new offering before its INSERT: the column default ("") is not applied yet
    return getattr(offering, field)  # target_groups and group_waits: the properties, not the stored text


def with_realised_period(offering: Offering, changes: dict, now: dt.datetime) -> dict:
    """A save that carries the realised wait reports it for the two full months before the save's
    (Amsterdam) day: add the end of that period, or clear it when the realised figures are cleared."""
    if not set(REALISED_FIELDS) & changes.keys():
        return changes
    weeks = changes.get("realised_wait_weeks", offering.realised_wait_weeks)
    started = changes.get("realised_started", offering.realised_started)
    reported = weeks is not None or started is not None
    end = wait_figures.realised_period(freshness.local_date(now))[1] if reported else None
    return {**changes, "realised_period_end": end}


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
    Does not commit; the caller decides the transaction. A note is checked once more for client
    data whoever sends it (ClientDataRefused): this is the one path into the note and its history.
    """
    now = now or utcnow()
    if changes.get("note") and (problem := check_free_text(changes["note"], multiline=True, own=own_contacts(offering))):
        raise ClientDataRefused(problem)
    rows: list[OfferingChange] = []
    for field, new in with_realised_period(offering, changes, now).items():
        if field not in EDITABLE_FIELDS + DERIVED_FIELDS:
            raise ValueError(f"field {field!r} cannot be changed")
        old = _current(offering, field)
        if field == "target_groups":
            new = sorted({g.strip().upper() for g in new if g and g.strip()})
        if field == "group_waits":
            new = {code.strip().upper(): int(weeks) for code, weeks in new.items()}
        if as_text(old) == as_text(new):
            continue
        setattr(offering, field, new)
        rows.append(
            OfferingChange(
                offering=offering, changed_at=now, author=author, user_id=user_id, via=via, kind="update",
                field=field, old_value=as_text(old), new_value=as_text(new), unusual_confirmed=unusual_confirmed,
            )
        )
    if not rows:
        return [confirm_unchanged(offering, author=author, via=via, user_id=user_id, now=now)]
    _values_changed(offering, now)
    offering.updated_at = now
    offering.updated_by = author
    offering.last_update_kind = "update"
    offering.unusual_confirmed = unusual_confirmed
    offering.stale = False
    db.session.add_all(rows)
    answered_by_update(offering, author=author, now=now)  # open "Klopt dit niet?" reports: checked
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
    answered_by_update(offering, author=author, now=now)  # open "Klopt dit niet?" reports: checked
    return row


def record_creation(offering: Offering, *, author: str, via: str, user_id: int | None = None, now: dt.datetime | None = None) -> list[OfferingChange]:
    """History rows for a new offering's initial values (kind 'create')."""
    now = now or utcnow()
    rows = [
        OfferingChange(
            offering=offering, changed_at=now, author=author, user_id=user_id, via=via, kind="create",
            field=field, old_value=None, new_value=as_text(_current(offering, field)),
        )
        for field in EDITABLE_FIELDS + DERIVED_FIELDS
        if as_text(_current(offering, field)) not in (None, "")
    ]
    if rows:
        _values_changed(offering, now)
    db.session.add_all(rows)
    return rows


def _values_changed(offering: Offering, now: dt.datetime) -> None:
    """Keep `values_changed_at` the latest create/update row's moment (an import may write older ones)."""
    if offering.values_changed_at is None or now > offering.values_changed_at:
        offering.values_changed_at = now


# --- Provider updates from the web (form or signed link): version-checked saves and confirmations ---


class EditConflict(Exception):
    """Someone else changed the offering since the form was loaded; `offering` holds the current values."""

    def __init__(self, offering: Offering):
        super().__init__(f"offering {offering.id} changed meanwhile")
        self.offering = offering


@dataclass(frozen=True)
class Actor:
    """Who does a change, as the history records it."""

    author: str
    via: str
    user_id: int | None = None

    @classmethod
    def for_user(cls, user) -> Actor:
        return cls(author=user.email, via="form", user_id=user.id)

    @classmethod
    def for_link(cls, provider: Provider) -> Actor:
        """A signed link from a reminder e-mail acts as the provider's intake address."""
        return cls(author=f"link:{provider.intake_email or f'aanbieder-{provider.id}'}", via="link")


def contracted_product_ids(provider_id: int, on: dt.date) -> set[int]:
    """Products the provider holds an active contract for on `on`."""
    rows = db.session.execute(
        db.select(Contract.product_id).where(
            Contract.provider_id == provider_id,
            Contract.is_active(on),
        )
    )
    return {pid for (pid,) in rows}


def provider_offerings(provider_id: int, on: dt.date) -> tuple[list[Offering], list[Offering]]:
    """(contracted, not contracted) offerings of a provider, by location name then product code."""
    offerings = db.session.scalars(
        db.select(Offering)
        .join(Offering.location)
        .join(Offering.product)
        .where(Offering.provider_id == provider_id)
        .options(contains_eager(Offering.location), contains_eager(Offering.product))
        .order_by(Location.name, Product.code, Offering.id)
    ).all()
    active = contracted_product_ids(provider_id, on)
    return [o for o in offerings if o.product_id in active], [o for o in offerings if o.product_id not in active]


def is_contracted(offering: Offering, on: dt.date) -> bool:
    """True when the offering's product is under an active contract for its provider."""
    return offering.product_id in contracted_product_ids(offering.provider_id, on)


def _flush_or_conflict(offering: Offering) -> None:
    """Flush; a concurrent commit (version moved on in the database) becomes an EditConflict."""
    try:
        db.session.flush()
    except StaleDataError:
        db.session.rollback()
        raise EditConflict(db.session.get(Offering, offering.id)) from None


def save_checked(
    offering: Offering,
    values: dict,
    *,
    expected_version: int | None,
    actor: Actor,
    unusual_confirmed: bool = False,
    now: dt.datetime | None = None,
) -> list[OfferingChange]:
    """Save a provider's checked values if nobody changed the offering since `expected_version`.

    Raises EditConflict (nothing written) on a version mismatch, also one that races this request.
    Flushes but does not commit.
    """
    if expected_version is None or expected_version != offering.version:
        raise EditConflict(offering)
    rows = apply_update(offering, values, author=actor.author, via=actor.via, user_id=actor.user_id,
                        unusual_confirmed=unusual_confirmed, now=now)
    _flush_or_conflict(offering)
    return rows


def confirm_checked(offering: Offering, *, expected_version: int | None, actor: Actor, now: dt.datetime | None = None) -> OfferingChange:
    """Confirm 'unchanged' for the values the provider saw; EditConflict when they changed meanwhile."""
    if expected_version is None or expected_version != offering.version:
        raise EditConflict(offering)
    row = confirm_unchanged(offering, author=actor.author, via=actor.via, user_id=actor.user_id, now=now)
    _flush_or_conflict(offering)
    return row


@dataclass
class ConfirmAllResult:
    """Outcome of 'alles ongewijzigd bevestigen'."""

    confirmed: list[Offering]
    already_updated: list[Offering]  # changed since the page loaded by this same actor (e.g. inline edits)
    changed: list[Offering]  # changed since the page loaded by someone else: left for the provider to check


def confirm_all(
    offerings: list[Offering], versions: dict[int, int], *, actor: Actor, now: dt.datetime | None = None
) -> ConfirmAllResult:
    """Confirm every offering whose values the provider saw (its version is in `versions`).

    Offerings missing from `versions` (added after the page was loaded) are left alone. Flushes but
    does not commit; EditConflict when a confirmation races another commit.
    """
    now = now or utcnow()
    result = ConfirmAllResult([], [], [])
    for offering in offerings:
        seen = versions.get(offering.id)
        if seen is None:
            continue
        if seen != offering.version:
            (result.already_updated if offering.updated_by == actor.author else result.changed).append(offering)
            continue
        confirm_unchanged(offering, author=actor.author, via=actor.via, user_id=actor.user_id, now=now)
        result.confirmed.append(offering)
    if result.confirmed:
        # the gezinshuis profiles of these locations are part of the monthly confirmation
        gezinshuis.confirm_profiles({o.location_id for o in result.confirmed}, author=actor.author, now=now)
        _flush_or_conflict(result.confirmed[0])
    return result


def history(offering_id: int, limit: int = 500) -> list[OfferingChange]:
    """The offering's history, newest first (bounded: a page, not an export)."""
    return list(db.session.scalars(
        db.select(OfferingChange)
        .where(OfferingChange.offering_id == offering_id)
        .order_by(OfferingChange.changed_at.desc(), OfferingChange.id.desc())
        .limit(limit)
    ))


def waiting_series(offering: Offering, field: str = "waiting_weeks") -> list[tuple[dt.datetime, float]]:
    """A figure over time from the history (oldest first), for the history charts: the expected
    wait by default, or another weekly figure ("realised_wait_weeks")."""
    rows = db.session.execute(
        db.select(OfferingChange.changed_at, OfferingChange.new_value)
        .where(OfferingChange.offering_id == offering.id, OfferingChange.field == field,
               OfferingChange.kind.in_(("create", "update")))
        .order_by(OfferingChange.changed_at, OfferingChange.id)
    ).all()
    points = [(at, _number(value)) for at, value in rows if _number(value) is not None]
    current = getattr(offering, field)
    if not points and current is not None and offering.updated_at is not None:
        points = [(offering.updated_at, current)]
    return points


def _number(value: str | None) -> int | float | None:
    """A history value as a number ('6' -> 6, '7.5' -> 7.5); None for empty or anything else."""
    try:
        number = float(value or "")
    except ValueError:
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and "." not in (value or "") else number
