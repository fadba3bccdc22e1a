"""The gezinshuis profile's change path: which locations are gezinshuizen, saving a profile (with the
days a place stands empty), the monthly confirmation, and the monthly count of unplanned endings.

Every save of a profile goes through `save_profile`; "alles ongewijzigd" on the provider page also
confirms the profiles (`confirm_profiles`, called by services/offerings.confirm_all).
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from beschikbaarheid.domain import freshness
from beschikbaarheid.domain.client_data import check_free_text
from beschikbaarheid.domain.freshness import dutch
from beschikbaarheid.domain.gezinshuis import NOTES_MAX, is_gezinshuis, profile_errors, vacant_since
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Contract, GezinshuisEnding, GezinshuisProfile, Location, Offering, Product, utcnow
from beschikbaarheid.services import audit
from beschikbaarheid.services.register_admin import provider_region_ids

PROFILE_FIELDS = ("places_allowed", "places_taken", "age_min", "age_max", "household_raw", "siblings_together", "siblings_max",
                  "target_groups", "specialisms", "free_from", "notes")


class ProfileRefused(ValueError):
    """A profile that breaks a rule; `errors` holds the Dutch message per field. Nothing was saved."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


def gezinshuis_product_ids(region_id: int | None = None) -> set[int]:
    """Ids of the products (of one region, or of all) that are a gezinshuis (domain/gezinshuis.is_gezinshuis;
    a catalogue is small)."""
    query = sa.select(Product.id, Product.code, Product.name, Product.form)
    if region_id is not None:
        query = query.where(Product.region_id == region_id)
    return {pid for pid, code, name, form in db.session.execute(query) if is_gezinshuis(code, name, form)}


def gezinshuis_location_ids(provider_id: int) -> set[int]:
    """The provider's locations that offer a gezinshuis product."""
    return set(db.session.scalars(
        sa.select(Offering.location_id).where(Offering.provider_id == provider_id, Offering.product_id.in_(gezinshuis_product_ids()))
    ))


def region_gezinshuizen(region_id: int, day: dt.date) -> list[tuple[Location, GezinshuisProfile | None]]:
    """Every gezinshuis of a region: a location offering a gezinshuis product under a contract
    active on `day` in the region, with its profile (None when its provider has not filled it in)."""
    active = sa.exists(sa.select(1).where(
        Contract.region_id == region_id, Contract.provider_id == Offering.provider_id,
        Contract.product_id == Offering.product_id, Contract.is_active(day)))
    ids = sa.select(Offering.location_id).where(Offering.product_id.in_(gezinshuis_product_ids()), active)
    rows = db.session.execute(
        sa.select(Location, GezinshuisProfile)
        .outerjoin(GezinshuisProfile, GezinshuisProfile.location_id == Location.id)
        .where(Location.id.in_(ids))
        .order_by(Location.name, Location.id)
    ).all()
    return [(loc, profile) for loc, profile in rows]


def profile_for(location: Location) -> GezinshuisProfile | None:
    return db.session.scalar(sa.select(GezinshuisProfile).where(GezinshuisProfile.location_id == location.id))


def save_profile(location: Location, values: dict, *, author: str, actor=None, now: dt.datetime | None = None, _=dutch) -> GezinshuisProfile:
    """Check and save a gezinshuis profile; keeps `vacant_since`, stamps the update, records the
    change in the audit trail of the provider's regions, commits. ProfileRefused: nothing saved."""
    now = now or utcnow()
    today = freshness.local_date(now)
    errors = profile_errors(values, today, _=_)
    if values.get("notes") and (problem := check_free_text(values["notes"], multiline=True, max_length=NOTES_MAX, _=_)):
        errors["notes"] = problem
    if errors:
        raise ProfileRefused(errors)
    profile = profile_for(location)
    if profile is None:
        profile = GezinshuisProfile(location=location, places_allowed=values["places_allowed"], places_taken=values["places_allowed"])
        db.session.add(profile)
        before = {}
    else:
        before = audit.snapshot(profile, PROFILE_FIELDS)
    old_free = profile.free_places
    profile.places_allowed = values["places_allowed"]
    profile.places_taken = values["places_taken"]
    profile.age_min, profile.age_max = values["age_min"], values["age_max"]
    profile.household = values["household"]
    profile.siblings_together = bool(values["siblings_together"])
    profile.siblings_max = values["siblings_max"] if values["siblings_together"] else 0
    profile.target_groups = values["target_groups"]
    profile.specialisms = values["specialisms"]
    profile.free_from = values.get("free_from")
    profile.notes = (values.get("notes") or "").strip()
    profile.vacant_since = vacant_since(old_free, profile.free_places, profile.vacant_since, today)
    profile.updated_at = now
    profile.updated_by = author
    changes = audit.diff(before, audit.snapshot(profile, PROFILE_FIELDS))
    if changes:
        for region_id in provider_region_ids(location.provider):
            audit.record(actor or author, region_id=region_id, action="gezinshuis.update", entity="location",
                         entity_id=location.id, summary=location.name, changes=changes)
    db.session.commit()
    return profile


def confirm_profiles(location_ids, *, author: str, now: dt.datetime) -> int:
    """'Alles ongewijzigd': the profiles of these locations count as looked at now. Does not commit."""
    profiles = db.session.scalars(sa.select(GezinshuisProfile).where(GezinshuisProfile.location_id.in_(set(location_ids)))).all()
    for profile in profiles:
        profile.updated_at = now
        profile.updated_by = author
    return len(profiles)


def report_endings(location: Location, month: dt.date, count: int, *, now: dt.datetime | None = None) -> GezinshuisEnding:
    """Set the number of unplanned endings of a month (a second report of the month replaces the first). Commits."""
    month = month.replace(day=1)
    ending = db.session.scalar(sa.select(GezinshuisEnding).where(GezinshuisEnding.location_id == location.id, GezinshuisEnding.month == month))
    if ending is None:
        ending = GezinshuisEnding(location=location, month=month)
        db.session.add(ending)
    ending.count = count
    ending.reported_at = now or utcnow()
    db.session.commit()
    return ending


def recent_endings(location: Location, months: int = 12) -> list[GezinshuisEnding]:
    return list(db.session.scalars(
        sa.select(GezinshuisEnding).where(GezinshuisEnding.location_id == location.id)
        .order_by(GezinshuisEnding.month.desc()).limit(months)))
