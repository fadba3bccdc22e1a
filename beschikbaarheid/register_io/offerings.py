"""Importing and exporting offerings: each row checked, placed and decided, then written through the
offering service in one transaction (a dry run stops after deciding)."""
from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from beschikbaarheid.domain import freshness, wait_figures
from beschikbaarheid.domain.plausibility import Limits
from beschikbaarheid.extensions import db
from beschikbaarheid.models import (
    Contract,
    Location,
    Municipality,
    Offering,
    Product,
    Provider,
    Region,
    utcnow,
)
from beschikbaarheid.register_io import parsing
from beschikbaarheid.register_io.parsing import (
    OFFERING_COLUMNS,
    TZ,
    ImportConflict,
    ImportFailed,
    LineError,
    OfferingRow,
    fold,
)
from beschikbaarheid.register_io.service import (
    ImportSummary,
    csv_cells,
    find_region,
    finish,
    unknown_region_message,
)
from beschikbaarheid.services.offerings import (
    apply_update,
    as_text,
    confirm_unchanged,
    record_creation,
    with_realised_period,
)

COORD_TOLERANCE = 1e-7  # about 1 cm: a coordinate written out and read back is the same place


@dataclass
class _Place:
    """Where a location lies according to the file (or the resolver)."""

    lat: float
    lon: float
    municipality: Municipality | None


def _place_error(label: str, query: str, exc) -> str:
    """Row error for a place the resolver refused, with its suggestions and the way out."""
    text = f"{label} '{query}' " + ("komt op meerdere plaatsen voor" if exc.code == "ambiguous" else "niet gevonden")
    if exc.suggestions:
        shown = exc.suggestions[:5]
        text += "; bedoelde u " + (", ".join(shown[:-1]) + " of " + shown[-1] if len(shown) > 1 else shown[0]) + "?"
    else:
        text += "."
    return text + " Verbeter de plaats of vul lat en lon in."


class _Places:
    """Resolves postcodes and woonplaatsen once per import, through the app's one resolver."""

    def __init__(self):
        self._cache: dict[str, object] = {}
        self._municipalities: dict[str, Municipality] | None = None

    def lookup(self, query: str):
        """Resolved, or the PlaceNotFound raised for it (cached both ways)."""
        from beschikbaarheid.domain.places import PlaceNotFound
        from beschikbaarheid.places import resolve_place

        if query not in self._cache:
            try:
                self._cache[query] = resolve_place(query)
            except PlaceNotFound as exc:
                self._cache[query] = exc
        return self._cache[query]

    def municipality(self, resolved) -> Municipality | None:
        """The municipality row for a resolved place, by CBS code (loaded once, on first need)."""
        if self._municipalities is None:
            self._municipalities = {m.cbs_code: m for m in db.session.scalars(db.select(Municipality))}
        return self._municipalities.get(resolved.cbs_code) if resolved.cbs_code else None

    def place(self, site: _Site) -> tuple[_Place | None, list[str], list[str]]:
        """(place, errors, warnings) for a location: its own lat/lon, else its postcode, else its woonplaats."""
        queries = [(key, site.address[key]) for key in ("postcode", "woonplaats") if site.address.get(key)]
        answers = [(label, q, self.lookup(q)) for label, q in queries]
        found = [(label, q, a) for label, q, a in answers if not isinstance(a, Exception)]
        if site.lat is not None:
            # Coordinates in the file win; a resolved postcode only tells the municipality.
            muni = self.municipality(found[0][2]) if found else None
            return _Place(site.lat, site.lon, muni), [], []
        if not found:
            errors = [_place_error(label, q, a) for label, q, a in answers]
            return None, errors or ["geen plaats: vul lat en lon in, of een postcode of woonplaats."], []
        label, query, resolved = found[0]
        warnings = []
        failed = [(lab, q) for lab, q, a in answers if isinstance(a, Exception)]
        if failed:
            warnings.append(f"{failed[0][0]} '{failed[0][1]}' niet gevonden; plaats bepaald met {label} '{query}'.")
        if resolved.corrected_from:
            warnings.append(f"{label} '{query}' gelezen als '{resolved.label}'.")
        return _Place(resolved.lat, resolved.lon, self.municipality(resolved)), [], warnings


@dataclass
class _Site:
    """One location as the whole file describes it (rows of one location are merged)."""

    line: int  # first line that names it
    name: str
    address: dict = field(default_factory=dict)
    lat: float | None = None
    lon: float | None = None
    place: _Place | None = None  # None: keep the existing location's coordinates


@dataclass
class _Plan:
    """A checked row with its product and merged provider/location details."""

    row: OfferingRow
    product: Product
    provider_fields: dict
    site: _Site


def _same_coordinate(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) <= COORD_TOLERANCE


def _stored_form(key: str, value):
    """A stored address value as the importer would write it, so old spellings do not count as changes."""
    if value is None:
        return None
    if key == "postcode":
        try:
            return parsing.parse_postcode(value)
        except ValueError:
            return value
    return parsing.clean_name(value)


def _address_changes(location: Location, address: dict) -> dict:
    return {k: v for k, v in address.items() if _stored_form(k, getattr(location, k)) != v}


def _figure_changes(offering: Offering, figures: dict) -> dict:
    """Fields whose value in the file differs from the register, compared as the history writes them."""
    changes = {}
    for name, new in figures.items():
        old = offering.target_groups if name == "target_groups" else getattr(offering, name)
        if as_text(old) != as_text(new):
            changes[name] = new
    return changes



def import_offerings(
    region_name: str,
    data: bytes | str,
    *,
    source: str,
    user_id: int | None = None,
    dry_run: bool = False,
    now: dt.datetime | None = None,
) -> ImportSummary:
    """Create or update providers, locations, contracts and offerings from an offering file.

    Keyed on provider name + location name + product code (names ignore case and extra spaces).
    Rules for `laatst_bijgewerkt` (empty = the moment of import):
    - values differ and the date is not older than the register's: update (history via 'import');
    - values differ but the register was updated later (e.g. by the provider): row skipped, warned;
    - values equal and the date is newer: recorded as a 'no change' confirmation on that date;
    - values equal otherwise: nothing happens, so importing the same file twice changes nothing.
    """
    now = now or utcnow()
    author = f"import:{source}"[:254]
    max_wait_weeks = Limits.from_config(current_app.config).max_waiting_weeks
    parsed = parsing.parse_offerings(data, now=now, max_wait_weeks=max_wait_weeks)
    errors = list(parsed.errors)
    region = find_region(region_name)
    if region is None:
        errors.append(LineError(None, unknown_region_message(region_name) + " Importeer eerst de producten van de regio; dat maakt de regio aan."))
        raise ImportFailed(errors)
    try:
        plans, warnings = _check_offerings(region, parsed, errors, max_wait_weeks)
        if errors:
            raise ImportFailed(errors)
        summary = ImportSummary("offerings", region.name, len(parsed.rows), warnings=warnings, dry_run=dry_run)
        _write_offerings(region, plans, summary, author=author, user_id=user_id, now=now)
        summary.warnings.sort(key=lambda e: e.line or 0)
        return finish(summary)
    except (IntegrityError, StaleDataError):
        # Someone else saved the same provider, product or offering meanwhile: a retry, not a crash.
        db.session.rollback()
        raise ImportConflict() from None
    except Exception:
        db.session.rollback()
        raise


def _merge(into: dict, values: dict, what, owner: str, first_line: int, problems: list[str]) -> None:
    """Fill `into` from `values`; the same key with another value on another line is a conflict."""
    for key, value in values.items():
        if key in into and into[key] != value:
            problems.append(f"{what(key)} voor {owner} dan in regel {first_line}.")
        else:
            into[key] = value


_FIELD_NAMES = {
    "intake_email": "e-mailadres", "intake_phone": "telefoonnummer", "street": "straat",
    "postcode": "postcode", "woonplaats": "woonplaats", "coordinates": "lat/lon",
}


def _check_offerings(region: Region, parsed: parsing.Parsed, errors: list[LineError], max_wait_weeks: int) -> tuple[list[_Plan], list[LineError]]:
    """Everything that needs the register: products, places, duplicates, conflicts, merged ranges."""
    warnings: list[LineError] = []
    products = {p.code: p for p in db.session.scalars(db.select(Product).where(Product.region_id == region.id))}
    if not products and parsed.rows:
        errors.append(LineError(None, f"Regio '{region.name}' heeft nog geen producten. Importeer eerst de productcatalogus."))
        return [], warnings
    locations = {
        (fold(provider_name), fold(loc.name)): loc
        for loc, provider_name in db.session.execute(db.select(Location, Provider.name).join(Provider, Location.provider_id == Provider.id))
    }
    offerings = {
        (o.location_id, o.product_id): o
        for o in db.session.scalars(db.select(Offering).join(Product).where(Product.region_id == region.id))
    }
    today = freshness.local_date(utcnow())
    running = {  # (provider, product) under a contract that has not ended
        (c.provider_id, c.product_id) for c in db.session.scalars(
            db.select(Contract).where(Contract.region_id == region.id, db.or_(Contract.valid_until.is_(None), Contract.valid_until >= today)))
    }

    # Pass 1: per row, and merge what the rows say about each provider and each location.
    first_key: dict[tuple, int] = {}
    provider_info: dict[str, tuple[int, dict]] = {}
    sites: dict[tuple[str, str], _Site] = {}
    row_problems: dict[int, list[str]] = {}
    for row in parsed.rows:
        problems = row_problems.setdefault(row.line, [])
        if row.product_code not in products:
            problems.append(f"productcode '{row.product_code}' staat niet in de productcatalogus van regio '{region.name}'.")
        if row.key in first_key:
            problems.append(f"aanbieder, locatie en productcode staan ook al in regel {first_key[row.key]}.")
        else:
            first_key[row.key] = row.line
        line, fields = provider_info.setdefault(row.provider_key, (row.line, {}))
        _merge(fields, row.provider_fields, lambda k: f"ander {_FIELD_NAMES[k]}", f"aanbieder '{row.provider}'", line, problems)
        site = sites.setdefault(row.location_key, _Site(row.line, row.location))
        _merge(site.address, row.address, lambda k: f"andere {_FIELD_NAMES[k]}", f"locatie '{row.location}'", site.line, problems)
        if row.lat is not None:
            coords = {"coordinates": (row.lat, row.lon)}
            current = {"coordinates": (site.lat, site.lon)} if site.lat is not None else {}
            _merge(current, coords, lambda k: "andere lat/lon", f"locatie '{row.location}'", site.line, problems)
            site.lat, site.lon = current["coordinates"]

    # Pass 2: place each location once. An existing location whose address did not change keeps
    # its exact coordinates instead of being moved to a postcode centroid.
    places = _Places()
    for key, site in sites.items():
        existing = locations.get(key)
        if site.lat is None and existing is not None and not _address_changes(existing, site.address):
            continue
        if site.lat is None and not site.address.get("postcode") and not site.address.get("woonplaats"):
            row_problems[site.line].append("geen plaats: vul lat en lon in, of een postcode of woonplaats.")
            continue
        site.place, place_errors, place_warnings = places.place(site)
        row_problems[site.line].extend(place_errors)
        warnings.extend(LineError(site.line, w) for w in place_warnings)

    # Pass 3: ranges on the values the offering will have after the import, then the plan.
    plans: list[_Plan] = []
    for row in parsed.rows:
        problems = row_problems[row.line]
        product = products.get(row.product_code)
        existing = locations.get(row.location_key)
        offering = offerings.get((existing.id, product.id)) if existing is not None and product is not None else None
        if product is not None and not product.active and not (offering is not None and (offering.provider_id, product.id) in running):
            # A deactivated product is no longer offered: no new offering or contract for it (as in the contract form).
            problems.append(f"product {product.code} {product.name} is gedeactiveerd en krijgt geen nieuw aanbod of contract. "
                            "Activeer het eerst in de productcatalogus, of haal de regel weg.")
        if offering is not None:
            merged = {name: getattr(offering, name) for name in ("capacity", "free_places", "age_min", "age_max")}
            merged.update({k: v for k, v in row.figures.items() if k in merged})
            if merged["age_min"] > merged["age_max"]:
                problems.append(f"leeftijd min ({merged['age_min']}) wordt hoger dan leeftijd max ({merged['age_max']}).")
            if merged["capacity"] is not None and merged["free_places"] is not None and merged["free_places"] > merged["capacity"]:
                problems.append(f"vrije plekken ({merged['free_places']}) wordt meer dan de capaciteit ({merged['capacity']}).")
        elif row.figures.get("age_min", 0) > row.figures.get("age_max", parsing.DEFAULT_AGE["age_max"]):
            problems.append(f"leeftijd min ({row.figures['age_min']}) is hoger dan de standaard leeftijd max (18); vul leeftijd_max in.")
        # Waits per target group only for groups the offering serves after the import (file or register).
        groups = row.figures.get("target_groups", offering.target_groups if offering is not None else [])
        waits = row.figures.get("group_waits", offering.group_waits if offering is not None else {})
        if waits and groups is not None and (problem := parsing.group_waits_problem(waits, groups, max_wait_weeks)):
            problems.append(problem)
        if problems:
            errors.extend(LineError(row.line, p) for p in dict.fromkeys(problems))
            continue
        plans.append(_Plan(row, product, provider_info[row.provider_key][1], sites[row.location_key]))
    return plans, warnings


@dataclass
class _Step:
    """What the import does with one checked row, decided before anything is written."""

    plan: _Plan
    provider: Provider | None  # the existing provider, None when the row creates it
    provider_changes: dict | None  # on the provider's first row only
    location: Location | None
    location_changes: dict | None  # on the location's first row only
    contract_from: dt.date | None  # a new contract starting then
    offering: Offering | None
    action: str  # create | update | confirm | skip | unchanged
    changes: dict = field(default_factory=dict)


def _write_offerings(region: Region, plans: list[_Plan], summary: ImportSummary, *, author: str, user_id: int | None, now: dt.datetime) -> None:
    """Decide what every checked row does (and count it), then, unless it is a dry run, write it.

    A dry run stops after deciding: the counts and warnings come from the same decisions a real
    import applies, without building a single object (the national file took 152 s when the dry
    run built and flushed everything and rolled it back). The real import writes through the
    offering service, so the history shows each change with via='import'.
    """
    steps = _decide(region, plans, summary, now=now)
    if summary.dry_run:
        return
    created_providers: dict[str, Provider] = {}
    created_locations: dict[tuple[str, str], Location] = {}
    with db.session.no_autoflush:  # one flush at the commit; a flush per row is quadratic in the session size
        for step in steps:
            _apply(region, step, created_providers, created_locations, author=author, user_id=user_id, now=now)


def _decide(region: Region, plans: list[_Plan], summary: ImportSummary, *, now: dt.datetime) -> list[_Step]:
    """One step per row, keyed on names and product ids (new rows have no database ids yet)."""
    counts = summary.counts
    providers = {fold(p.name): p for p in db.session.scalars(db.select(Provider))}
    provider_keys = {p.id: key for key, p in providers.items()}
    locations = {(provider_keys[loc.provider_id], fold(loc.name)): loc for loc in db.session.scalars(db.select(Location))}
    location_keys = {loc.id: key for key, loc in locations.items()}
    offerings = {
        (location_keys[o.location_id], o.product_id): o
        for o in db.session.scalars(db.select(Offering).join(Product).where(Product.region_id == region.id))
    }
    contract_ends: dict[tuple[str, int], list[dt.date | None]] = {}
    for c in db.session.scalars(db.select(Contract).where(Contract.region_id == region.id)):
        contract_ends.setdefault((provider_keys[c.provider_id], c.product_id), []).append(c.valid_until)
    today = freshness.local_date(now)
    # A new contract starts on the earliest 'laatst_bijgewerkt' date of its rows, or today.
    contract_start: dict[tuple[str, str], dt.date] = {}
    for plan in plans:
        key = (plan.row.provider_key, plan.product.code)
        start = freshness.local_date(plan.row.updated_at) if plan.row.updated_at else today
        contract_start[key] = min(start, contract_start.get(key, start))
    done_providers: set[str] = set()
    done_sites: set[int] = set()
    steps: list[_Step] = []

    for plan in plans:
        row, site = plan.row, plan.site
        provider = providers.get(row.provider_key)
        provider_changes = None
        if row.provider_key not in done_providers:
            done_providers.add(row.provider_key)
            if provider is None:
                counts["providers_created"] += 1
            else:
                provider_changes = {k: v for k, v in plan.provider_fields.items() if getattr(provider, k) != v}
                counts["providers_updated"] += bool(provider_changes)

        location = locations.get(row.location_key)
        location_changes = None
        if id(site) not in done_sites:
            done_sites.add(id(site))
            if location is None:
                counts["locations_created"] += 1
            else:
                location_changes = _address_changes(location, site.address)
                if site.place is not None:
                    if not (_same_coordinate(location.lat, site.place.lat) and _same_coordinate(location.lon, site.place.lon)):
                        location_changes.update(lat=site.place.lat, lon=site.place.lon)
                    if site.place.municipality is not None and location.municipality_id != site.place.municipality.id:
                        location_changes["municipality"] = site.place.municipality
                counts["locations_updated"] += bool(location_changes)

        contract_from = _new_contract(contract_ends.setdefault((row.provider_key, plan.product.id), []),
                                      contract_start[(row.provider_key, plan.product.code)], today)
        counts["contracts_created"] += contract_from is not None

        offering = offerings.get((row.location_key, plan.product.id))
        step = _Step(plan, provider, provider_changes, location, location_changes, contract_from, offering, "create")
        if offering is None:
            counts["offerings_created"] += 1
        elif changes := _figure_changes(offering, row.figures):
            if row.updated_at and offering.updated_at and row.updated_at < offering.updated_at:
                summary.warnings.append(LineError(row.line, (
                    f"overgeslagen: het register is nieuwer (bijgewerkt {offering.updated_at.astimezone(TZ):%d-%m-%Y %H:%M} "
                    f"door {offering.updated_by or 'onbekend'}). Laat laatst_bijgewerkt leeg om toch bij te werken.")))
                step.action = "skip"
                counts["offerings_skipped"] += 1
            else:
                step.action, step.changes = "update", changes
                counts["offerings_updated"] += 1
        elif row.updated_at and (offering.updated_at is None or row.updated_at > offering.updated_at):
            step.action = "confirm"
            counts["offerings_confirmed"] += 1
        else:
            step.action = "unchanged"
            counts["offerings_unchanged"] += 1
        steps.append(step)
    return steps


def _new_contract(ends: list[dt.date | None], start: dt.date, today: dt.date) -> dt.date | None:
    """An offering in the file means a contract: the start of a new one, unless a current or future one exists.

    `ends` holds the end dates of the provider's contracts for the product; a new one is added to it.
    """
    if any(end is None or end >= today for end in ends):
        return None
    ended = [end for end in ends if end]
    if ended:
        start = max(start, max(ended) + dt.timedelta(days=1))
    ends.append(None)
    return start


def _apply(region: Region, step: _Step, created_providers: dict, created_locations: dict, *,
           author: str, user_id: int | None, now: dt.datetime) -> None:
    """Write one decided step: provider and location (once each), contract, offering and its history."""
    plan, row, site = step.plan, step.plan.row, step.plan.site
    provider = step.provider or created_providers.get(row.provider_key)
    if provider is None:
        provider = created_providers[row.provider_key] = Provider(name=row.provider, **plan.provider_fields)
        db.session.add(provider)
    for key, value in (step.provider_changes or {}).items():
        setattr(provider, key, value)

    location = step.location or created_locations.get(row.location_key)
    if location is None:
        location = created_locations[row.location_key] = Location(
            provider=provider, name=row.location, lat=site.place.lat, lon=site.place.lon,
            municipality=site.place.municipality, **site.address)
        db.session.add(location)
    for key, value in (step.location_changes or {}).items():
        setattr(location, key, value)

    if step.contract_from is not None:
        db.session.add(Contract(region=region, provider=provider, product=plan.product, valid_from=step.contract_from))

    stamp = row.updated_at or now
    offering = step.offering
    if step.action == "create":
        # Column defaults only apply on INSERT; record_creation reads the values before that.
        offering = Offering(provider=provider, location=location, product=plan.product, intake_status="open",
                            target_groups_raw="", group_waits_raw="", note="", **parsing.DEFAULT_AGE)
        for name, value in row.figures.items():
            setattr(offering, name, value)  # target_groups and group_waits through their properties
        offering.realised_period_end = with_realised_period(offering, row.figures, stamp).get("realised_period_end")
        offering.updated_at, offering.updated_by, offering.last_update_kind = stamp, author, "import"
        offering.stale = freshness.is_stale(stamp, now)
        db.session.add(offering)
        record_creation(offering, author=author, via="import", user_id=user_id, now=stamp)
    elif step.action == "update":
        apply_update(offering, step.changes, author=author, via="import", user_id=user_id, now=stamp)
        offering.last_update_kind = "import"
        offering.stale = freshness.is_stale(stamp, now)
    elif step.action == "confirm":
        confirm_unchanged(offering, author=author, via="import", user_id=user_id, now=row.updated_at)
        offering.stale = freshness.is_stale(row.updated_at, now)


def _format_timestamp(value: dt.datetime | None) -> str:
    """Amsterdam time with its offset, to the second: unambiguous and readable in a spreadsheet."""
    return value.astimezone(TZ).isoformat(timespec="seconds") if value else ""


def _number(value) -> str:
    return "" if value is None else str(value)


def _weeks(value: float | None) -> str:
    """7.0 -> '7', 7.5 -> '7.5': a decimal point, so the comma-separated file needs no quotes."""
    return "" if value is None else wait_figures.weeks_text(value).replace(",", ".")


def export_offerings(region: Region) -> str:
    """The region's offerings in the import format (',' separated); importing it back changes nothing."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(OFFERING_COLUMNS)
    query = (
        db.select(Offering)
        .join(Product, Offering.product_id == Product.id)
        .join(Location, Offering.location_id == Location.id)
        .join(Provider, Offering.provider_id == Provider.id)
        .where(Product.region_id == region.id)
        .order_by(Provider.name, Location.name, Product.code)
    )
    for o in db.session.scalars(query):
        p, loc = o.provider, o.location
        writer.writerow(csv_cells([
            p.name, p.intake_email or "", p.intake_phone or "", loc.name, loc.street or "", loc.postcode or "",
            loc.woonplaats or "", repr(loc.lat), repr(loc.lon), o.product.code, _number(o.capacity),
            _number(o.free_places), _number(o.waiting_weeks), o.age_min, o.age_max, "|".join(o.target_groups),
            o.intake_status, _format_timestamp(o.updated_at), _number(o.waiting_count),
            _weeks(o.realised_wait_weeks), _number(o.realised_started), wait_figures.format_group_waits(o.group_waits),
        ]))
    return out.getvalue()
