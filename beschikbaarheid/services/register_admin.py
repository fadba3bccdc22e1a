"""Providers, locations and region settings kept in the browser: one function per change, each
recording its audit event in the same transaction and committing.

Placing a location goes through the app's one place resolver (places.resolve_place): a postcode
gives the coordinates, typed coordinates win, and a typed coordinate far from its postcode's centre
is questioned (`PlacementQuestion`) until the beheerder confirms it.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from beschikbaarheid.domain import register_admin as rules
from beschikbaarheid.domain.places import PlaceNotFound
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Contract, Location, Municipality, Provider, Region
from beschikbaarheid.places import resolve_place
from beschikbaarheid.services import audit

PROVIDER_FIELDS = ("intake_email", "intake_phone", "crisis_phone", "website")
LOCATION_FIELDS = ("name", "street", "postcode", "woonplaats", "lat", "lon")
REGION_FIELDS = ("compliance_target", "waiting_norm_weeks", "reminder_followup_days", "reminder_escalate_days", "search_default_km")


class RegisterError(ValueError):
    """A change refused with a Dutch message; `field` names the form field it is about (or None)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class PlacementQuestion(RegisterError):
    """The typed coordinates lie far from the postcode's centre: saved only once confirmed."""


# -- providers ---------------------------------------------------------------------------------


def region_providers(region: Region) -> list[Provider]:
    """Providers that hold (or held) a contract in the region, and those without any contract yet
    (every region keeps them, see `provider_in_region`), by name."""
    here = sa.select(Contract.provider_id).where(Contract.region_id == region.id)
    anywhere = sa.select(Contract.provider_id)
    return list(db.session.scalars(
        sa.select(Provider).where(sa.or_(Provider.id.in_(here), Provider.id.not_in(anywhere))).order_by(Provider.name)))


def create_provider(actor, region: Region, values: dict) -> Provider:
    """A new provider with its contact details (empty = None); records in the region's trail and
    commits. Raises RegisterError when another provider has that name (names are unique, whatever the case)."""
    name = " ".join(values["name"].split())
    clash = db.session.scalar(sa.select(Provider).where(sa.func.lower(Provider.name) == name.lower()))
    if clash is not None:
        raise RegisterError(_("Er is al een aanbieder met de naam %(name)s.", name=clash.name), "name")
    provider = Provider(name=name)
    for field in PROVIDER_FIELDS:
        setattr(provider, field, (values.get(field) or "").strip() or None)
    db.session.add(provider)
    db.session.flush()
    audit.record(actor, region_id=region.id, action="provider.create", entity="provider", entity_id=provider.id,
                 summary=provider.name, changes=audit.diff({}, audit.snapshot(provider, ("name", *PROVIDER_FIELDS))))
    db.session.commit()
    return provider


def provider_in_region(provider: Provider, region: Region) -> bool:
    """A provider is kept by the region where it holds a contract, or by any region while it holds none
    (a provider the import created before its first contract)."""
    regions = provider_region_ids(provider)
    return regions == [None] or region.id in regions


def provider_region_ids(provider: Provider) -> list[int | None]:
    """The regions whose audit trail shows a change of the provider: every region it is contracted in
    (the same details serve them all), or None (installation-wide) while it holds no contract."""
    regions = sorted(set(db.session.scalars(sa.select(Contract.region_id).where(Contract.provider_id == provider.id))))
    return regions or [None]


def update_contacts(actor, provider: Provider, values: dict) -> dict:
    """Change the provider's contact details (checked values, empty = None); records (in each of its
    regions' trails) and commits. Returns the changes ({} when nothing changed)."""
    before = audit.snapshot(provider, PROVIDER_FIELDS)
    for name in PROVIDER_FIELDS:
        setattr(provider, name, (values.get(name) or "").strip() or None)
    changes = audit.diff(before, audit.snapshot(provider, PROVIDER_FIELDS))
    if changes:
        for region_id in provider_region_ids(provider):
            audit.record(actor, region_id=region_id, action="provider.update", entity="provider", entity_id=provider.id,
                         summary=provider.name, changes=changes)
        db.session.commit()
    else:
        db.session.rollback()
    return changes


# -- locations ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Placement:
    """Where a location lies: its coordinates and municipality, and how far from its postcode's centre."""

    lat: float
    lon: float
    municipality_id: int | None
    km_from_postcode: float | None


def place(postcode: str, lat: float | None, lon: float | None) -> Placement:
    """The location's coordinates from typed lat/lon, else from the postcode's centre."""
    try:
        resolved = resolve_place(postcode[:4])
    except PlaceNotFound:
        resolved = None
    if resolved is None and lat is None:
        raise RegisterError(_("Postcode %(postcode)s is niet gevonden. Controleer de postcode of vul de coördinaten in.", postcode=postcode), "postcode")
    municipality_id = None
    if resolved is not None and resolved.cbs_code:
        municipality_id = db.session.scalar(sa.select(Municipality.id).where(Municipality.cbs_code == resolved.cbs_code))
    if lat is None:
        return Placement(resolved.lat, resolved.lon, municipality_id, 0.0)
    km = rules.distance_from_centre(lat, lon, resolved.lat, resolved.lon) if resolved is not None else None
    return Placement(lat, lon, municipality_id, km)


def save_location(actor, provider: Provider, location: Location | None, values: dict, *, confirmed_far: bool = False) -> Location:
    """Create (location None) or change a location; records and commits. Raises PlacementQuestion when
    typed coordinates lie far from the postcode and `confirmed_far` is not set; RegisterError otherwise."""
    name = values["name"].strip()
    clash = db.session.scalar(sa.select(Location).where(Location.provider_id == provider.id, sa.func.lower(Location.name) == name.lower()))
    if clash is not None and clash is not location:
        raise RegisterError(_("%(provider)s heeft al een locatie met de naam %(name)s.", provider=provider.name, name=clash.name), "name")
    placement = place(values["postcode"], values.get("lat"), values.get("lon"))
    if placement.km_from_postcode is not None and rules.is_far_from_postcode(placement.km_from_postcode) and not confirmed_far:
        raise PlacementQuestion(_(
            "De coördinaten liggen %(km)s km van het midden van postcode %(postcode)s. Klopt dat? Vink dan 'Ja, de locatie ligt daar' aan en sla opnieuw op.",
            km=f"{placement.km_from_postcode:.1f}".replace(".", ","), postcode=values["postcode"][:4]), "lat")
    creating = location is None
    before = {} if creating else audit.snapshot(location, LOCATION_FIELDS)
    if creating:
        location = Location(provider_id=provider.id)
        db.session.add(location)
    location.name = name
    location.street = (values.get("street") or "").strip() or None
    location.postcode = values["postcode"]
    location.woonplaats = (values.get("woonplaats") or "").strip() or None
    location.lat, location.lon = round(placement.lat, 6), round(placement.lon, 6)
    location.municipality_id = placement.municipality_id
    db.session.flush()
    changes = audit.diff(before, audit.snapshot(location, LOCATION_FIELDS))
    if changes:
        for region_id in provider_region_ids(provider):
            audit.record(actor, region_id=region_id, action="location.create" if creating else "location.update", entity="location",
                         entity_id=location.id, summary=f"{provider.name}: {location.name}", changes=changes)
    db.session.commit()
    return location


# -- region settings ---------------------------------------------------------------------------


def update_settings(actor, region: Region, values: dict) -> dict:
    """Change the region's policy figures (checked values); records and commits. The next computation
    (compliance page, reminder run, search) reads them; returns the changes."""
    before = audit.snapshot(region, REGION_FIELDS)
    for name in REGION_FIELDS:
        setattr(region, name, values.get(name))
    changes = audit.diff(before, audit.snapshot(region, REGION_FIELDS))
    if changes:
        audit.record(actor, region_id=region.id, action="region.update", entity="region", entity_id=region.id,
                     summary=region.name, changes=changes)
        db.session.commit()
    else:
        db.session.rollback()
    return changes
