"""Small builders for register rows in tests, so every test file does not invent its own."""
from __future__ import annotations

import datetime as dt
import itertools

import sqlalchemy as sa

from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.extensions import db
from beschikbaarheid.models import (
    Contract,
    Location,
    Municipality,
    Offering,
    OfferingChange,
    Pc4Area,
    Product,
    Provider,
    Region,
    User,
    Woonplaats,
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
    waiting_count: int | None = None,
    realised_wait_weeks: float | None = None,
    realised_started: int | None = None,
    realised_period_end: dt.date | None = None,
    group_waits: dict[str, int] | None = None,
) -> Offering:
    """An offering at a location; by default with an active contract and updated now. The figures
    practice checks (children waiting, realised wait and its n, waits per target group) are unknown
    unless given."""
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
        waiting_count=waiting_count,
        realised_wait_weeks=realised_wait_weeks,
        realised_started=realised_started,
        realised_period_end=realised_period_end,
    )
    o.target_groups = target_groups
    o.group_waits = group_waits or {}
    db.session.add(o)
    db.session.flush()
    return o


_FIRST_REGION = object()


def user(role: str = "verwijzer", email: str | None = None, password: str = "wachtwoord-123", region_id=_FIRST_REGION, **kw) -> User:
    """A user; a contract manager belongs to the test's (first) region unless `region_id` is given
    (None: a contract manager without a region, who sees nothing)."""
    n = next(_seq)
    if region_id is _FIRST_REGION:
        region_id = db.session.scalar(sa.select(Region.id).order_by(Region.id).limit(1)) if role == "contractmanager" else None
    kw["region_id"] = region_id
    u = User(email=email or f"{role}{n}@test.example", name=kw.pop("name", f"{role.title()} {n}"), role=role, **kw)
    u.set_password(password)
    db.session.add(u)
    db.session.flush()
    return u


# -- scenarios shared by several test modules --------------------------------------------------


def search_world() -> dict:
    """A small region around Helmond: offerings that must and must not be found. Commits."""
    from beschikbaarheid.places import invalidate_place_index

    reg = region("Een 10 voor de Jeugd")
    helmond = municipality("Helmond", "0794", 51.4793, 5.6570, reg)
    deurne = municipality("Deurne", "0762", 51.4617, 5.7969, reg)
    veldhoven = municipality("Veldhoven", "0861", 51.4185, 5.4026, reg)
    for m in (helmond, deurne, veldhoven):
        db.session.add(Woonplaats(name=m.name, municipality=m, lat=m.lat, lon=m.lon))
    db.session.add(Pc4Area(pc4="5701", woonplaats="Helmond", municipality=helmond, lat=51.4786, lon=5.6597))
    gezinshuis = product("43A10", "Gezinshuis", reg, 2, "wonen")
    product("43A09", "Pleegzorg", reg, 2, "wonen", keywords="pleeggezin")
    ambulant = product("45A01", "Ambulante jeugdhulp", reg, 4, "ambulant", keywords="begeleiding thuis")
    crisis = product("46A01", "Crisisopvang", reg, 5, "crisis")
    now = utcnow()

    def place(name, lat, lon, muni, postcode, **kw):
        owner = provider(name, **kw)
        return location(owner, f"Locatie {name}", lat, lon, postcode, muni.name, muni)

    w = {"region": reg, "gezinshuis": gezinshuis}
    w["linde"] = offering(place("De Linde", 51.4800, 5.6600, helmond, "5701", website="https://delinde.example"),
                        gezinshuis, waiting_weeks=4, free_places=1, target_groups=["ASS", "LVB"])
    w["peel"] = offering(place("Huize Peel", 51.4617, 5.7969, deurne, "5751"), gezinshuis, waiting_weeks=10,
                         free_places=0, updated_at=now - dt.timedelta(days=45))
    w["kempen"] = offering(place("Kempen Gezinshuizen", 51.4185, 5.4026, veldhoven, "5501"), gezinshuis, waiting_weeks=2, free_places=2)
    w["closed"] = offering(place("Gesloten Huis", 51.4810, 5.6550, helmond, "5702"), gezinshuis, intake_status="gesloten")
    w["teen"] = offering(place("Tienerhuis", 51.4770, 5.6620, helmond, "5703"), gezinshuis, age_min=12, age_max=18)
    expired_loc = place("Oud Contract", 51.4790, 5.6580, helmond, "5704")
    w["expired"] = offering(expired_loc, gezinshuis, contract=False)
    db.session.add(Contract(region=reg, provider=expired_loc.provider, product=gezinshuis,
                            valid_from=dt.date(2019, 1, 1), valid_until=dt.date(2021, 12, 31)))
    w["nocontract"] = offering(place("Zonder Contract", 51.4795, 5.6590, helmond, "5705"), gezinshuis, contract=False)
    w["ambulant"] = offering(place("Ambulant Team Helmond", 51.4750, 5.6500, helmond, "5706"), ambulant, target_groups=["ASS"])
    w["crisis"] = offering(place("Crisisdienst Peel", 51.4760, 5.6510, helmond, "5707", crisis_phone="088-1234567"),
                           crisis, waiting_weeks=0)
    db.session.commit()
    invalidate_place_index()
    return w


def linde_reports_wait_figures(offering_id: int) -> None:
    """search_world's De Linde (ASS and LVB, general wait 4 weeks) reports ASS waiting 20 weeks,
    7 children waiting and 3 started in October-November 2026 after 9.5 weeks on average. Commits."""
    linde = db.session.get(Offering, offering_id)
    linde.group_waits = {"ASS": 20}
    linde.waiting_count, linde.realised_wait_weeks, linde.realised_started = 7, 9.5, 3
    linde.realised_period_end = dt.date(2026, 11, 30)
    db.session.commit()


def register_places() -> None:
    """Helmond and Deurne with PC4s 5701/5702, so postcodes and woonplaatsen resolve."""
    from beschikbaarheid.places import invalidate_place_index

    helmond = municipality("Helmond", "0794", 51.4793, 5.6570)
    deurne = municipality("Deurne", "0762", 51.4639, 5.7972)
    db.session.add_all([
        Woonplaats(name="Helmond", municipality=helmond, lat=51.4793, lon=5.6570),
        Woonplaats(name="Deurne", municipality=deurne, lat=51.4639, lon=5.7972),
        Pc4Area(pc4="5701", woonplaats="Helmond", municipality=helmond, lat=51.4770, lon=5.6580),
        Pc4Area(pc4="5702", woonplaats="Helmond", municipality=helmond, lat=51.4700, lon=5.6700),
    ])
    db.session.commit()
    invalidate_place_index()


def register_counts() -> dict[str, int]:
    """Rows per register table: what 'the database is unchanged' is measured with."""
    models = (Region, Product, Provider, Location, Contract, Offering, OfferingChange)
    return {m.__tablename__: db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in models}


LAST_MONTH = dt.datetime(2026, 2, 10, 9, tzinfo=TZ)
THIS_MONTH = dt.datetime(2026, 3, 1, 11, tzinfo=TZ)  # Sunday 1 March 2026


def on(day: int, hour: int = 8, month: int = 3) -> dt.datetime:
    """A moment in 2026, Amsterdam time; Monday 2 March is March's first working day."""
    return dt.datetime(2026, month, day, hour, tzinfo=TZ)


def reminder_provider(name: str, *, updated=(LAST_MONTH,), email: str | None = "default", products=None) -> int:
    """A contracted provider with one offering per `updated` entry (its updated_at); returns its id."""
    p = provider(name=name, **({} if email == "default" else {"intake_email": email}))
    loc = location(p, name=f"{name} locatie", woonplaats="Helmond")
    codes = products or ["43A10", "45A07", "41A01", "43A14"][: len(updated)]
    for code, when in zip(codes, updated):
        prod = product(code=code, name={"43A10": "Gezinshuis", "45A07": "Ambulante jeugdhulp"}.get(code, f"Product {code}"))
        o = offering(loc, prod, updated_at=when, free_places=2, waiting_weeks=6, intake_status="overleg")
        o.updated_at = when  # the factory stamps 'now' when given None; here None means never updated
    db.session.commit()
    return p.id


def crisis_twins(region_id: int) -> None:
    """Next to search_world: crisis products that resemble regular ones (Crisispleegzorg,
    Crisisplek gezinshuis), each offered with no wait and free places, and a Pleegzorg offering
    with 8 weeks and no free place: what used to put Crisispleegzorg first for "pleegzorg" (issue 17)."""
    reg = db.session.get(Region, region_id)
    helmond = db.session.scalar(sa.select(Municipality).where(Municipality.name == "Helmond"))
    pleegzorg = db.session.scalar(sa.select(Product).where(Product.region_id == region_id, Product.code == "43A09"))
    crisispleegzorg = product("46A05", "Crisispleegzorg", reg, 5, "crisis", keywords="crisispleegzorg, spoed pleeggezin")
    crisisgezinshuis = product("46A02", "Crisisplek gezinshuis", reg, 5, "crisis", keywords="crisis gezinshuis")
    places = {}
    for name, lat in (("Pleeggezinnen Helmond", 51.4790), ("Crisispleeg Peel", 51.4785), ("Crisisgezinshuis Peel", 51.4780)):
        owner = provider(name, crisis_phone="088-7654321")
        places[name] = location(owner, f"Locatie {name}", lat, 5.6590, "5701", "Helmond", helmond)
    offering(places["Pleeggezinnen Helmond"], pleegzorg, waiting_weeks=8, free_places=0)
    offering(places["Crisispleeg Peel"], crisispleegzorg, waiting_weeks=0, free_places=2)
    offering(places["Crisisgezinshuis Peel"], crisisgezinshuis, waiting_weeks=0, free_places=2)
    db.session.commit()


def gezinshuis_profile(location_obj: Location, *, allowed: int = 4, taken: int = 3, ages=(0, 18), household=None, siblings_max: int = 0,
                       groups=(), specialisms=(), free_from: dt.date | None = None, vacant_since: dt.date | None = None,
                       notes: str = "", updated_at: dt.datetime | None = None):
    """A gezinshuis's profile; by default 3 of 4 places taken by placed children of 8-11 and updated now."""
    from beschikbaarheid.models import GezinshuisProfile

    profile = GezinshuisProfile(
        location=location_obj, places_allowed=allowed, places_taken=taken, age_min=ages[0], age_max=ages[1],
        siblings_together=siblings_max > 1, siblings_max=siblings_max, free_from=free_from, vacant_since=vacant_since,
        notes=notes, updated_at=updated_at or utcnow(), updated_by="test",
    )
    profile.household = household if household is not None else {("placed", "8-11"): taken}
    profile.target_groups = groups
    profile.specialisms = specialisms
    db.session.add(profile)
    db.session.flush()
    return profile


def planner_with_offering(**offering_kw):
    """Provider Zonnehuis with one gezinshuis offering (6 places, 1 free, 4 weeks) and two of its users;
    returns (offering id, planner, colleague)."""
    owner = provider("Zonnehuis", intake_email="intake@zonnehuis.example")
    loc = location(owner, "Helmond-Oost")
    made = offering(loc, product("43A10", "Gezinshuis"), capacity=6, free_places=1, waiting_weeks=4, **offering_kw)
    planner = user("aanbieder", email="planner@zonnehuis.example", provider_id=owner.id)
    colleague = user("aanbieder", email="collega@zonnehuis.example", provider_id=owner.id)
    db.session.commit()
    return made.id, planner, colleague


def contract_manager():
    """A contract manager without a region, committed."""
    made = user("contractmanager", name="Carla Contract")
    db.session.commit()
    return made
