"""Small builders for register rows in tests, so every test file does not invent its own."""
from __future__ import annotations

import datetime as dt
import itertools

from beschikbaarheid.extensions import db
from beschikbaarheid.models import (
    Contract,
    Location,
    Municipality,
    Offering,
    Product,
    Provider,
    Region,
    User,
    utcnow,
)

_seq = itertools.count(1)


def region(name: str = "Testregio") -> Region:
    found = db.session.scalar(db.select(Region).where(Region.name == name))
    if found:
        return found
    r = Region(name=name)
    db.session.add(r)
    db.session.flush()
    return r


def municipality(name: str = "Helmond", cbs_code: str = "0794", lat=51.4793, lon=5.6570, region_obj=None, subregion=None) -> Municipality:
    found = db.session.scalar(db.select(Municipality).where(Municipality.cbs_code == cbs_code))
    if found:
        return found
    m = Municipality(name=name, cbs_code=cbs_code, lat=lat, lon=lon, region=region_obj, subregion=subregion)
    db.session.add(m)
    db.session.flush()
    return m


def product(code: str = "43A10", name: str = "Gezinshuis", region_obj=None, segment: int = 2, form: str = "wonen", keywords: str = "") -> Product:
    region_obj = region_obj or region()
    found = db.session.scalar(db.select(Product).where(Product.region_id == region_obj.id, Product.code == code))
    if found:
        return found
    p = Product(region=region_obj, code=code, name=name, category=code[:2], segment=segment, form=form, keywords=keywords)
    db.session.add(p)
    db.session.flush()
    return p


def provider(name: str | None = None, **kw) -> Provider:
    n = next(_seq)
    p = Provider(
        name=name or f"Aanbieder {n}",
        intake_email=kw.pop("intake_email", f"intake{n}@aanbieder.example"),
        intake_phone=kw.pop("intake_phone", "0492-123456"),
        **kw,
    )
    db.session.add(p)
    db.session.flush()
    return p


def location(provider_obj: Provider, name: str = "Hoofdlocatie", lat=51.4793, lon=5.6570, postcode="5701", woonplaats="Helmond", municipality_obj=None) -> Location:
    loc = Location(provider=provider_obj, name=name, lat=lat, lon=lon, postcode=postcode, woonplaats=woonplaats, municipality=municipality_obj)
    db.session.add(loc)
    db.session.flush()
    return loc


def offering(
    location_obj: Location,
    product_obj: Product,
    *,
    contract: bool = True,
    capacity: int | None = 6,
    free_places: int | None = 1,
    waiting_weeks: int | None = 4,
    intake_status: str = "open",
    age_min: int = 0,
    age_max: int = 18,
    target_groups=(),
    updated_at: dt.datetime | None = None,
    updated_by: str = "test",
) -> Offering:
    """An offering at a location; by default with an active contract and updated now."""
    if contract:
        exists = db.session.scalar(
            db.select(Contract).where(Contract.provider_id == location_obj.provider.id, Contract.product_id == product_obj.id)
        )
        if not exists:
            db.session.add(
                Contract(region=product_obj.region, provider=location_obj.provider, product=product_obj, valid_from=dt.date(2020, 1, 1))
            )
    o = Offering(
        provider=location_obj.provider,
        location=location_obj,
        product=product_obj,
        capacity=capacity,
        free_places=free_places,
        waiting_weeks=waiting_weeks,
        intake_status=intake_status,
        age_min=age_min,
        age_max=age_max,
        updated_at=updated_at or utcnow(),
        updated_by=updated_by,
        last_update_kind="update",
    )
    o.target_groups = target_groups
    db.session.add(o)
    db.session.flush()
    return o


def user(role: str = "verwijzer", email: str | None = None, password: str = "wachtwoord-123", **kw) -> User:
    n = next(_seq)
    u = User(email=email or f"{role}{n}@test.example", name=kw.pop("name", f"{role.title()} {n}"), role=role, **kw)
    u.set_password(password)
    db.session.add(u)
    db.session.flush()
    return u
