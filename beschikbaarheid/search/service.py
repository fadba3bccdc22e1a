"""Referrer search from query parameters to ranked, explained results; the index cache; anonymous logs.

The one path every search takes (web page, htmx partial and API): `run_search`.

Index cache: each app keeps one `SearchIndex` (search/index.py) in ``app.extensions``, rebuilt
when the data it holds may have changed:

* at most every SEARCH_INDEX_CHECK_S seconds (1; 0 = before every search) a cheap fingerprint
  query (counts, max ids and max(updated_at) of offerings, providers and locations, all index
  lookups, well under a millisecond). Every provider save, "niets veranderd" and import stamps
  `updated_at`, so their changes — from any worker or process — show within that second; a
  search in between does not touch the database at all;
* commits in this process that touch offerings, contracts, locations, providers, municipalities
  or products bump a counter that is compared before every search (SQLAlchemy session events), so
  edits made through this process show in its very next search;
* every SEARCH_INDEX_FULL_CHECK_S seconds (10) a thorough fingerprint also sums the columns the
  index uses (``sum(version)`` catches every ORM update of an offering, plus contract dates,
  coordinates, product fields): the net for such edits made by *another* process;
* today's date is part of the fingerprint (contracts start and end by date), and an index older
  than SEARCH_INDEX_MAX_AGE_S (3600) is rebuilt anyway.

The region list (id, name) is held with the index: region counts, max id and names are in the
fingerprints and local commits to regions bump the counter, like the indexed tables. So are the
names, addresses and contact details of the providers and locations with contracted offerings:
`Provider.updated_at` and `Location.updated_at` are stamped on every update and watched by the
cheap fingerprint, so a changed phone number is never shown stale for longer than the check.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
import threading
import time
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, has_request_context
from flask_babel import get_locale
from sqlalchemy.orm import Session
from rapidfuzz import fuzz, process

from beschikbaarheid.domain import freshness, scoring
from beschikbaarheid.domain.matching import CatalogueProduct, Need, NeedNotFound, match_need, split_keywords
from beschikbaarheid.domain.places import PlaceNotFound, Resolved
from beschikbaarheid.extensions import db
from beschikbaarheid.i18n import N_, _
from beschikbaarheid.models import (
    CATEGORY_LABELS,
    SEGMENT_LABELS,
    TARGET_GROUPS,
    Contract,
    Location,
    Municipality,
    NoMatchReport,
    Offering,
    Product,
    Provider,
    Region,
    age_band,
    utcnow,
)
from beschikbaarheid.search import log_writer
from beschikbaarheid.search.forms import FieldError, SearchInput, parse_search_args
from beschikbaarheid.search.index import Hit, LocationDetails, OfferingFacts, ProviderDetails, SearchIndex, query

EXTENSION_KEY = "beschikbaarheid.search_index"
STAY_FORMS = frozenset({"verblijf", "wonen"})
ALTERNATIVES_SHOWN = 3
_build_lock = threading.Lock()


# -- the index cache ---------------------------------------------------------------------------


def _fingerprint() -> tuple:
    """Cheap per-search check: counts, max ids and the latest offering update (index lookups only).

    Every provider save, confirmation or import stamps `updated_at`, so max(updated_at) moves with
    each of them, from any process; new and deleted rows move the counts and max ids; and changes
    made in this process are counted by `_note_commit` below.
    """
    row = db.session.execute(
        sa.text(
            "SELECT (SELECT count(*) FROM offering), (SELECT max(id) FROM offering), (SELECT max(updated_at) FROM offering),"
            " (SELECT count(*) FROM contract), (SELECT max(id) FROM contract),"
            " (SELECT count(*) FROM location), (SELECT max(id) FROM location), (SELECT max(updated_at) FROM location),"
            " (SELECT count(*) FROM provider), (SELECT max(id) FROM provider), (SELECT max(updated_at) FROM provider),"
            " (SELECT count(*) FROM municipality), (SELECT max(id) FROM municipality),"
            " (SELECT count(*) FROM product), (SELECT max(id) FROM product),"
            " (SELECT count(*) FROM region), (SELECT max(id) FROM region)"
        )
    ).one()
    return (freshness_day(), _local_changes) + tuple(str(v) for v in row)


def _full_fingerprint() -> tuple:
    """Thorough check, run every SEARCH_INDEX_FULL_CHECK_S: also sees edits in other processes that
    keep counts and `updated_at` (a contract end date, a moved location, a renamed product).

    ``sum(version)`` catches every ORM update of an offering (``Offering.version`` is its
    optimistic-lock counter); the other sums cover the columns the index uses.
    """
    dialect = db.session.get_bind().dialect.name
    days = "julianday({})" if dialect == "sqlite" else "({} - DATE '2000-01-01')"
    row = db.session.execute(
        sa.text(
            "SELECT * FROM (SELECT sum(version) FROM offering) o, "
            f"(SELECT sum({days.format('valid_from')}), sum({days.format('valid_until')}),"
            " sum(provider_id * 31 + product_id * 7 + region_id) FROM contract) c, "
            "(SELECT sum(lat), sum(lon), sum(provider_id) FROM location) l, "
            "(SELECT sum(segment + region_id + length(code) + length(name) + length(keywords)"
            " + length(form) + length(category)) FROM product) p, "
            "(SELECT sum(length(name) * 31 + id) FROM region) r, "
            "(SELECT sum(length(name) * 31 + id) FROM municipality) m"
        )
    ).one()
    return tuple(str(v) for v in row)


# Changes committed through this process's ORM sessions to what the index holds; a counter in the
# fingerprint, so an edit here is seen by the very next search even if it keeps `updated_at`.
_INDEXED_MODELS = (Offering, Contract, Location, Product, Region, Provider, Municipality)
_local_changes = 0


@sa.event.listens_for(Session, "after_flush")
def _note_flush(session, _context) -> None:
    if any(isinstance(obj, _INDEXED_MODELS) for obj in (*session.new, *session.dirty, *session.deleted)):
        session.info["search_index_dirty"] = True


@sa.event.listens_for(Session, "after_commit")
def _note_commit(session) -> None:
    global _local_changes
    if session.info.pop("search_index_dirty", False):
        _local_changes += 1


@sa.event.listens_for(Session, "after_rollback")
def _forget_flush(session) -> None:
    session.info.pop("search_index_dirty", None)


def freshness_day() -> str:
    """Today in Amsterdam: contracts are valid per calendar day there."""
    return utcnow().astimezone(freshness.TZ).date().isoformat()


_GROUP_SETS: dict[str, frozenset[str]] = {}


def _groups(raw: str | None) -> frozenset[str]:
    """'|ASS|LVB|' -> frozenset, shared between offerings with the same groups."""
    key = raw or ""
    found = _GROUP_SETS.get(key)
    if found is None:
        found = _GROUP_SETS[key] = frozenset(g for g in key.split("|") if g)
    return found


def build_index(fingerprint: tuple = ()) -> SearchIndex:
    """Read the facts of every contracted offering and each region's catalogue into a new index."""
    today = utcnow().astimezone(freshness.TZ).date()
    contracted = (
        sa.select(Contract.id)
        .where(
            Contract.provider_id == Offering.provider_id,
            Contract.product_id == Offering.product_id,
            Contract.region_id == Product.region_id,
            Contract.valid_from <= today,
            sa.or_(Contract.valid_until.is_(None), Contract.valid_until >= today),
        )
        .exists()
    )
    rows = db.session.execute(
        sa.select(
            Offering.id, Offering.provider_id, Offering.location_id, Offering.product_id, Location.lat, Location.lon,
            Offering.age_min, Offering.age_max, Offering.target_groups_raw, Offering.intake_status,
            Offering.waiting_weeks, Offering.free_places, Offering.updated_at,
        )
        .join(Location, Location.id == Offering.location_id)
        .join(Product, Product.id == Offering.product_id)
        .where(contracted)
    )
    offerings = [
        OfferingFacts(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], _groups(r[8]), r[9], r[10], r[11], r[12])
        for r in rows
        if r[4] is not None and r[5] is not None
    ]
    catalogues: dict[int, list[CatalogueProduct]] = {}
    for p in db.session.execute(
        sa.select(Product.id, Product.region_id, Product.code, Product.name, Product.category, Product.segment, Product.form, Product.keywords)
        .order_by(Product.region_id, Product.code)
    ):
        catalogues.setdefault(p.region_id, []).append(
            CatalogueProduct(p.id, p.code, p.name, p.category, p.segment, p.form, split_keywords(p.keywords))
        )
    index = SearchIndex(offerings, catalogues, fingerprint, time.monotonic())
    index.checked_at = index.quick_checked_at = index.built_at
    _load_details(index, {f.provider_id for f in offerings}, {f.location_id for f in offerings})
    index.regions = regions()  # held with the index: region rows are in its fingerprint too
    return index


def _load_details(index: SearchIndex, provider_ids: set[int], location_ids: set[int]) -> None:
    """Names, addresses and contact details of the indexed offerings' providers and locations."""
    for r in db.session.execute(
        sa.select(Provider.id, Provider.name, Provider.intake_phone, Provider.intake_email, Provider.crisis_phone, Provider.website)
    ):
        if r.id in provider_ids:
            index.providers[r.id] = ProviderDetails(r.name, r.intake_phone, r.intake_email, r.crisis_phone, r.website)
    for r in db.session.execute(
        sa.select(Location.id, Location.name, Location.postcode, Location.woonplaats, Municipality.name.label("municipality"))
        .outerjoin(Municipality, Municipality.id == Location.municipality_id)
    ):
        if r.id in location_ids:
            index.locations[r.id] = LocationDetails(r.name, r.postcode, r.woonplaats, r.municipality)


def get_index() -> SearchIndex:
    """The app's index, rebuilt first when the data changed (in any process) or it is too old."""
    app = current_app._get_current_object()
    config = app.config
    max_age = float(config.get("SEARCH_INDEX_MAX_AGE_S", 3600))
    full_every = float(config.get("SEARCH_INDEX_FULL_CHECK_S", 10))
    check_every = float(config.get("SEARCH_INDEX_CHECK_S", 1))
    current: SearchIndex | None = app.extensions.get(EXTENSION_KEY)
    now = time.monotonic()
    if (
        current is not None
        and now - current.quick_checked_at < check_every
        and now - current.built_at < max_age
        and current.fingerprint[:2] == (freshness_day(), _local_changes)
    ):
        return current  # checked a moment ago and nothing changed through this process since
    fp = _fingerprint()
    if current is not None and current.fingerprint[: len(fp)] == fp and now - current.built_at < max_age:
        current.quick_checked_at = now
        if now - current.checked_at < full_every:
            return current
        full = _full_fingerprint()
        if current.fingerprint[len(fp) :] == full:
            current.checked_at = now
            return current
    with _build_lock:
        # Build under the lock, so a burst of searches after a change rebuilds once.
        current = app.extensions.get(EXTENSION_KEY)
        if current is not None and current.built_at > now and current.fingerprint[: len(fp)] == fp:
            return current
        fingerprint = _fingerprint()
        fingerprint += _full_fingerprint()
        index = build_index(fingerprint)
        if current is not None and current.catalogues == index.catalogues:
            # Need matching depends on the catalogue only: a provider's save must not make every
            # worker match every typed need again (a few ms each).
            index.memo = current.memo
        app.extensions[EXTENSION_KEY] = index
        return index


def invalidate_index() -> None:
    """Forget the cached index (tests, imports that bypass the ORM)."""
    current_app.extensions.pop(EXTENSION_KEY, None)


# -- regions and catalogue ---------------------------------------------------------------------


@dataclass(frozen=True)
class RegionInfo:
    id: int
    name: str


def regions() -> list[RegionInfo]:
    """All regions, first created first (the default region is the first)."""
    return [RegionInfo(r.id, r.name) for r in db.session.execute(sa.select(Region.id, Region.name).order_by(Region.id))]


def resolve_region(text: str, all_regions: list[RegionInfo]) -> RegionInfo | FieldError:
    """A region by id or name (case-insensitive); empty means the only/first region."""
    if not all_regions:
        return FieldError("region_missing", _("Er is nog geen regio ingericht; zoeken kan nog niet."))
    if not text:
        return all_regions[0]
    for region in all_regions:
        if text.isascii() and text.isdigit() and region.id == int(text):
            return region
        if region.name.casefold() == text.casefold():
            return region
    names = [r.name for r in all_regions]
    close = [m[0] for m in process.extract(text, names, scorer=fuzz.WRatio, limit=3, score_cutoff=50)]
    return FieldError("region_unknown", _("Onbekende regio: '%(name)s'.", name=text[:60]), tuple(close or names[:5]))


# -- the search --------------------------------------------------------------------------------


@dataclass
class ResultRow:
    """One result as the page and the API show it."""

    offering_id: int
    provider_id: int
    provider_name: str
    product_code: str
    product_name: str
    product_form: str
    location_name: str
    postcode: str | None
    woonplaats: str | None
    municipality: str | None
    lat: float
    lon: float
    km: float
    waiting_weeks: int | None
    free_places: int | None
    intake_status: str
    updated_at: dt.datetime | None
    stale: bool
    age_label: str
    score: int
    parts: scoring.Parts
    explanation: list[str]
    intake_phone: str | None
    intake_email: str | None
    crisis_phone: str | None
    website: str | None
    target_groups: tuple[str, ...]


@dataclass
class SearchOutcome:
    """Everything a page or API answer needs about one search."""

    input: SearchInput
    region: RegionInfo | None = None
    regions: list[RegionInfo] = field(default_factory=list)
    place: Resolved | None = None
    need: Need | None = None
    criteria: scoring.Criteria | None = None
    results: list[ResultRow] = field(default_factory=list)
    far: list[ResultRow] = field(default_factory=list)
    alternatives: list[ResultRow] = field(default_factory=list)
    nearby_total: int = 0
    radius_km: float = 15.0
    far_km: float = 60.0
    max_results: int = 25
    now: dt.datetime | None = None
    catalogue: list[CatalogueProduct] = field(default_factory=list)  # the region's products

    @property
    def errors(self) -> dict[str, FieldError]:
        return self.input.errors

    @property
    def ok(self) -> bool:
        return not self.input.errors and self.place is not None and self.need is not None

    @property
    def truncated(self) -> bool:
        return self.nearby_total > len(self.results)

    @property
    def result_count(self) -> int:
        return len(self.results) + len(self.far)


def score_settings(config: Mapping) -> scoring.ScoreSettings:
    """Scoring settings from the app config, as plain values for the domain."""
    return scoring.ScoreSettings(
        weights=scoring.Weights(
            fit=float(config["SCORE_WEIGHT_FIT"]),
            afstand=float(config["SCORE_WEIGHT_DISTANCE"]),
            wachttijd=float(config["SCORE_WEIGHT_WAITING"]),
            actualiteit=float(config["SCORE_WEIGHT_FRESHNESS"]),
        ),
        distance_scale_km=float(config["SEARCH_DEFAULT_MAX_KM"]),
        waiting_horizon_weeks=float(config["SCORE_WAITING_HORIZON_WEEKS"]),
    )


def _resolve_place(text: str) -> Resolved:
    from beschikbaarheid.places import resolve_place  # the one place resolver (cached index)

    return resolve_place(text)


def run_search(args: Mapping, *, alternatives: bool = False, now: dt.datetime | None = None) -> SearchOutcome:
    """Parse, resolve place/need/region, query the index and build explained result rows."""
    config = current_app.config
    data = parse_search_args(args, default_km=float(config["SEARCH_DEFAULT_MAX_KM"]))
    outcome = SearchOutcome(input=data, now=now or utcnow(), max_results=int(config.get("SEARCH_MAX_RESULTS", 25)))
    outcome.radius_km = data.max_km
    outcome.far_km = min(400.0, max(float(config["SEARCH_FAR_MAX_KM"]), 2 * data.max_km))
    index = get_index()
    if data.blank:
        outcome.regions = list(index.regions)
        region = resolve_region(data.regio, outcome.regions)
        if isinstance(region, RegionInfo):
            outcome.region = region
            outcome.catalogue = index.catalogues.get(region.id, [])
        return outcome

    outcome.regions = list(index.regions)
    region = resolve_region(data.regio, outcome.regions)
    if isinstance(region, FieldError):
        data.errors["regio"] = region
    else:
        outcome.region = region
    if "locatie" not in data.errors:
        try:
            outcome.place = _resolve_place(data.locatie)
        except PlaceNotFound as exc:
            data.errors["locatie"] = FieldError(f"place_{exc.code}", exc.message, tuple(exc.suggestions))
    if outcome.region:
        outcome.catalogue = index.catalogues.get(outcome.region.id, [])
    if outcome.region and "product" not in data.errors and "segment" not in data.errors:
        try:
            outcome.need = _match_need(index, outcome.region.id, data.product, data.segment)
        except NeedNotFound as exc:
            data.errors["product"] = FieldError(f"need_{exc.code}", exc.message, tuple(exc.suggestions))
    if data.errors or outcome.place is None or outcome.need is None or data.leeftijd is None:
        return outcome

    outcome.criteria = scoring.Criteria(
        age=data.leeftijd,
        required_groups=frozenset(data.doelgroepen),
        max_waiting_weeks=data.max_wachttijd,
        include_closed=data.ook_gesloten,
    )
    settings = score_settings(config)
    found = query(
        index,
        strengths=outcome.need.strengths,
        lat=outcome.place.lat,
        lon=outcome.place.lon,
        radius_km=outcome.radius_km,
        far_km=outcome.far_km,
        criteria=outcome.criteria,
        settings=settings,
        now=outcome.now,
        preferred_groups=outcome.need.preferred_groups - outcome.criteria.required_groups,
        product_kinds=outcome.need.product_kinds,
        min_nearby=int(config["SEARCH_MIN_NEARBY_RESULTS"]),
        far_results=int(config["SEARCH_FAR_RESULTS"]),
        max_results=outcome.max_results,
    )
    outcome.nearby_total = found.nearby_total
    alt_hits: list[Hit] = []
    if alternatives:
        alt_hits = _ambulant_alternatives(index, outcome, settings)
    rows = _rows(index, outcome, found.nearby + found.far + alt_hits)
    outcome.results = rows[: len(found.nearby)]
    outcome.far = rows[len(found.nearby) : len(found.nearby) + len(found.far)]
    outcome.alternatives = rows[len(found.nearby) + len(found.far) :]
    return outcome


def _match_need(index: SearchIndex, region_id: int, text: str, segment: int | None) -> Need:
    """`match_need` against the region's catalogue in `index`, memoised by region, typed need and
    segment; the memo lives as long as the catalogue is unchanged (it moves to a rebuilt index
    with the same catalogues). Its messages are Dutch, not per locale."""
    key = ("need", region_id, " ".join(str(text or "").split()), segment)
    found = index.memo.get(key)
    if found is None:
        try:
            found = match_need(
                text,
                index.catalogues.get(region_id, []),
                segment=segment,
                segment_labels=SEGMENT_LABELS,
                category_labels=CATEGORY_LABELS,
            )
        except NeedNotFound as exc:
            found = (exc.code, exc.message, tuple(exc.suggestions))
        index.memo.put(key, found)
    if isinstance(found, tuple):
        raise NeedNotFound(found[0], found[1], list(found[2]))
    return found


def _ambulant_alternatives(index: SearchIndex, outcome: SearchOutcome, settings: scoring.ScoreSettings) -> list[Hit]:
    """Least intensive first (domain.md): next to stay options, the best ambulant help nearby."""
    need = outcome.need
    products = index.catalogues.get(outcome.region.id, [])
    forms = {p.form for p in products if p.id in need.strengths}
    if not forms & STAY_FORMS:
        return []
    ambulant = {p.id: scoring.STRENGTH_BROAD for p in products if p.form == "ambulant" and p.id not in need.strengths}
    if not ambulant:
        return []
    found = query(
        index,
        strengths=ambulant,
        lat=outcome.place.lat,
        lon=outcome.place.lon,
        radius_km=outcome.radius_km,
        far_km=outcome.radius_km,
        criteria=outcome.criteria,
        settings=settings,
        now=outcome.now,
        preferred_groups=need.preferred_groups - outcome.criteria.required_groups,
        product_kinds={pid: "form" for pid in ambulant},
        far_results=0,
        max_results=ALTERNATIVES_SHOWN,
    )
    return found.nearby


# Translated messages per locale (None: outside a request, Dutch). Only literal msgids are looked
# up, and the catalogues do not change while the app runs, so this stays small and never stale.
_TRANSLATED: dict[str | None, dict[str, str]] = {}


def _request_translator():
    """`_` for one request's result rows: each message translated once per locale, then %(name)s
    values filled in exactly as Flask-Babel's gettext does."""
    locale = str(get_locale()) if has_request_context() else None
    memo = _TRANSLATED.setdefault(locale, {})

    def tr(text: str, **values) -> str:
        found = memo.get(text)
        if found is None:
            found = memo[text] = _(text)
        return found % values if values else found

    return tr


def _rows(index: SearchIndex, outcome: SearchOutcome, hits: list[Hit]) -> list[ResultRow]:
    """Join the hits with the names, addresses and contact details the index holds, and explain each score."""
    if not hits:
        return []
    now = outcome.now
    need = outcome.need
    required = sorted(outcome.criteria.required_groups)
    tr = _request_translator()
    group_labels = {code: tr(label) for code, label in TARGET_GROUPS.items()}
    ambulant_label = tr(N_("ambulante hulp"))
    # Staleness and the age label depend only on the (Amsterdam) day of the update: once per day.
    age_by_day: dict[dt.date | dt.datetime | None, tuple[bool, str]] = {}
    rows: list[ResultRow] = []
    for hit in hits:
        f = hit.facts
        provider = index.providers.get(f.provider_id)
        location = index.locations.get(f.location_id)
        product = index.products.get(f.product_id)
        if provider is None or location is None or product is None:  # not loaded with the index: leave it out
            continue
        day = f.updated_day if f.updated_day is not None or f.updated_at is None else f.updated_at  # facts not from an index
        age = age_by_day.get(day)
        if age is None:
            age = age_by_day[day] = (freshness.is_stale(f.updated_at, now), freshness.age_label(f.updated_at, now, tr))
        is_alternative = hit.match_kind == "form" and f.product_id not in need.strengths
        rows.append(
            ResultRow(
                offering_id=f.id,
                provider_id=f.provider_id,
                provider_name=provider.name,
                product_code=product.code,
                product_name=product.name,
                product_form=product.form,
                location_name=location.name,
                postcode=location.postcode,
                woonplaats=location.woonplaats or location.municipality,
                municipality=location.municipality,
                lat=f.lat,
                lon=f.lon,
                km=hit.km,
                waiting_weeks=f.waiting_weeks,
                free_places=f.free_places,
                intake_status=f.intake_status,
                updated_at=f.updated_at,
                stale=age[0],
                age_label=age[1],
                score=hit.score,
                parts=hit.parts,
                explanation=scoring.explain(
                    match_kind=hit.match_kind,
                    product_label=product.label,
                    need_label=ambulant_label if is_alternative else need.label,
                    km=hit.km,
                    origin_label=outcome.place.label,
                    waiting_weeks=f.waiting_weeks,
                    free_places=f.free_places,
                    intake_status=f.intake_status,
                    updated_at=f.updated_at,
                    now=now,
                    required_groups=required,
                    preferred_served=hit.preferred_served,
                    preferred_missing=hit.preferred_missing,
                    group_labels=group_labels,
                    _=tr,
                    age=age,
                ),
                intake_phone=provider.intake_phone,
                intake_email=provider.intake_email,
                # A 24/7 number matters for crisis products only; elsewhere it would invite misuse.
                crisis_phone=provider.crisis_phone if (product.form == "crisis" or product.category == "46") else None,
                website=provider.website if (provider.website or "").lower().startswith(("https://", "http://")) else None,
                target_groups=tuple(sorted(f.groups)),
            )
        )
    return rows


# -- anonymous logs ----------------------------------------------------------------------------


def _anonymous_facts(outcome: SearchOutcome) -> dict:
    """The only facts of a search that are stored (models/search_log.py says why)."""
    need = outcome.need
    products = [p for p in outcome.catalogue if p.id in need.strengths]
    best = max(products, key=lambda p: (need.strengths[p.id], p.code)) if products else None
    single = need.kind in ("code", "name") and best is not None
    categories = {p.category for p in products}
    segments = {p.segment for p in products}
    return {
        "day": outcome.now.astimezone(freshness.TZ).date(),
        "region_id": outcome.region.id if outcome.region else None,
        "need_kind": need.kind,
        "product_id": best.id if single else None,
        "product_code": best.code if single else None,
        "segment": segments.pop() if len(segments) == 1 else None,
        "category": categories.pop() if len(categories) == 1 else None,
        "municipality_code": outcome.place.cbs_code,
        "pc4": outcome.place.pc4 if outcome.place.kind == "pc4" else None,
        "age_band": age_band(outcome.input.leeftijd),
        "result_count": outcome.result_count,
        "within_radius_count": outcome.nearby_total,
    }


def log_search(outcome: SearchOutcome, *, source: str, seen: MutableMapping | None = None) -> dict | None:
    """Log a successful search anonymously; refinements of the same search in a session update one row.

    `seen` is the caller's per-session memory (the Flask session for the web page): htmx searches
    while the referrer adjusts filters would otherwise count one demand many times. The session
    holds one random seed; a search's `ref` is a keyed hash of that seed and the search's
    anonymous facts, so a refinement (same facts, other filters) gets the same ref and updates the
    row, while refs of different sessions, or of different searches, cannot be linked without the
    seed, which only the referrer's browser has. The session changes once, not with every search.
    The row goes to the app's SearchLogWriter (search/log_writer.py), which writes it outside the
    request; the returned dict is the row as submitted.
    """
    if not outcome.ok:
        return None
    facts = _anonymous_facts(outcome)
    row = {"source": source, "ref": None, **facts}
    if seen is not None:
        seed = seen.get("zoeklog_seed")
        if not isinstance(seed, str):
            seed = seen["zoeklog_seed"] = secrets.token_urlsafe(16)
            seen.pop("zoeklog", None)  # the per-search map of earlier versions
        identity = "|".join(str(facts[k]) for k in ("day", "region_id", "need_kind", "product_code", "segment", "category", "municipality_code", "pc4", "age_band"))
        digest = hashlib.blake2b(identity.encode(), key=seed.encode()[:64], digest_size=12).digest()
        row["ref"] = base64.urlsafe_b64encode(digest).decode()
    log_writer.writer_for(current_app).submit(row)
    return row


def report_no_match(outcome: SearchOutcome, *, reason: str, referrer_type: str | None) -> NoMatchReport | None:
    """Store a "geen passend aanbod" flag with the same anonymous facts as the log."""
    if not outcome.ok:
        return None
    report = NoMatchReport(referrer_type=referrer_type, reason=" ".join((reason or "").split())[:200], **_anonymous_facts(outcome))
    db.session.add(report)
    db.session.commit()
    return report
