"""The in-memory search index and its query: plain Python over plain facts (no Flask, no database).

Why: at national scale (40,000 offerings) loading offerings through the ORM and computing a
geodesic to each takes seconds. The index keeps, per product, the facts scoring and filtering need
(coordinates, age range, target groups, intake, waiting time, free places, last update) sorted by
latitude. A search then

1. takes only the buckets of the products the need covers;
2. cuts each bucket to the latitude band of the search box (bisect) and checks longitude;
3. applies the hard filters (the conditions of scoring.eligible, inline) and computes the non-distance parts once;
4. computes a cheap ellipsoidal approximation of the distance with a proven error bound
   (APPROX_REL_ERROR, checked against geopy in tests), which bounds each score from above and
   below; the exact geodesic (geopy, `domain.geo.geodesic_km`) is computed only where it can
   change the outcome: near the radius, and for candidates that can still enter the shown top-k.

So every distance that is shown and every score is exact (geodesic), while most candidates never
need a geodesic. Ranking is scoring.sort_key. The service (search/service.py) builds this index
from the database and rebuilds it when a cheap fingerprint of the data changes.
"""
from __future__ import annotations

import bisect
import datetime as dt
import math
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field

from beschikbaarheid.domain import freshness, scoring
from beschikbaarheid.domain.geo import bounding_box, geodesic_km
from beschikbaarheid.domain.matching import CatalogueProduct

# WGS84
_A = 6378.137
_E2 = 0.00669437999014
# The approximation below differs from the geodesic by < 0.04% (measured up to 450 km in and
# around NL); the bound used is five times that plus 10 m, so it is safe, not tight.
APPROX_REL_ERROR = 0.002
APPROX_ABS_ERROR_KM = 0.01
APPROX_VALID_KM = 600.0
_DEG = math.pi / 180.0  # what math.radians multiplies by, so inlined conversions give the same floats
_sin, _cos, _sqrt, _hypot, _floor = math.sin, math.cos, math.sqrt, math.hypot, math.floor


def approx_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Fast distance on the ellipsoid: flat-earth with the radii of curvature at the mid-latitude."""
    phi = math.radians((lat1 + lat2) / 2.0)
    sin_phi = math.sin(phi)
    w = 1.0 - _E2 * sin_phi * sin_phi
    meridional = _A * (1.0 - _E2) / (w * math.sqrt(w))
    normal = _A / math.sqrt(w)
    dy = math.radians(lat2 - lat1) * meridional
    dx = math.radians(lon2 - lon1) * normal * math.cos(phi)
    return math.hypot(dx, dy)


def distance_bounds(approx: float) -> tuple[float, float]:
    """(lower, upper) bound of the geodesic distance given the approximation."""
    if approx > APPROX_VALID_KM:
        return approx * 0.9, approx * 1.1
    return max(0.0, approx * (1.0 - APPROX_REL_ERROR) - APPROX_ABS_ERROR_KM), approx * (1.0 + APPROX_REL_ERROR) + APPROX_ABS_ERROR_KM


@dataclass(slots=True)
class OfferingFacts:
    """What the search needs of one contracted offering."""

    id: int
    provider_id: int
    location_id: int
    product_id: int
    lat: float
    lon: float
    age_min: int
    age_max: int
    groups: frozenset[str]
    intake_status: str
    waiting_weeks: int | None
    free_places: int | None
    updated_at: dt.datetime | None
    updated_day: dt.date | None = None  # Amsterdam calendar day of updated_at, filled by SearchIndex


@dataclass(slots=True, frozen=True)
class ProviderDetails:
    """What a result card shows of a provider (held with the index, watched by its fingerprint)."""

    name: str
    intake_phone: str | None
    intake_email: str | None
    crisis_phone: str | None
    website: str | None


@dataclass(slots=True, frozen=True)
class LocationDetails:
    """What a result card shows of a location."""

    name: str
    postcode: str | None
    woonplaats: str | None
    municipality: str | None


MEMO_SIZE = 2048


class BoundedMemo:
    """A small thread-safe LRU mapping (least recently used entries are dropped past `size`)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, default=None):
        with self._lock:
            try:
                self._data.move_to_end(key)
            except KeyError:
                return default
            return self._data[key]

    def put(self, key, value) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def __len__(self) -> int:
        return len(self._data)


FILTERED_LISTS_KEPT = 256  # per bucket at most this many filtered lists (ages 0..~25, zero or one required group)


@dataclass
class _Bucket:
    lats: list[float] = field(default_factory=list)
    items: list[OfferingFacts] = field(default_factory=list)
    # Per (age, whether closed intake counts, required target groups): the offerings that pass those
    # filters, still sorted by latitude. Searches would otherwise reject most offerings in the box
    # one by one. Ages are 0..~25 and a search requires zero or one group, so the lists stay few.
    filtered: dict[tuple, tuple[list[float], list[OfferingFacts]]] = field(default_factory=dict)

    def for_filters(self, age: int | None, include_closed: bool = True,
                required: frozenset[str] = frozenset()) -> tuple[list[float], list[OfferingFacts]]:
        if age is None and include_closed and not required:
            return self.lats, self.items
        key = (age, include_closed, required)
        found = self.filtered.get(key)
        if found is None:
            items = [f for f in self.items if (age is None or f.age_min <= age <= f.age_max)
                     and (include_closed or f.intake_status != "gesloten") and required <= f.groups]
            found = ([f.lat for f in items], items)
            if len(self.filtered) < FILTERED_LISTS_KEPT:
                self.filtered[key] = found  # the index never changes once built: safe to keep
        return found


class SearchIndex:
    """Offerings grouped by product and sorted by latitude, plus each region's catalogue."""

    def __init__(
        self,
        offerings: Iterable[OfferingFacts],
        catalogues: dict[int, list[CatalogueProduct]],
        fingerprint: tuple = (),
        built_at: float = 0.0,
    ) -> None:
        grouped: dict[int, list[OfferingFacts]] = {}
        for facts in offerings:
            if facts.updated_at is not None and facts.updated_day is None:
                facts.updated_day = facts.updated_at.astimezone(freshness.TZ).date()
            grouped.setdefault(facts.product_id, []).append(facts)
        self.buckets: dict[int, _Bucket] = {}
        for product_id, items in grouped.items():
            items.sort(key=lambda f: (f.lat, f.id))
            self.buckets[product_id] = _Bucket([f.lat for f in items], items)
        self.catalogues = catalogues
        self.products: dict[int, CatalogueProduct] = {p.id: p for ps in catalogues.values() for p in ps}
        self.fingerprint = fingerprint
        self.built_at = built_at
        self.checked_at = built_at  # when the service last ran the thorough fingerprint
        self.quick_checked_at = built_at  # when the service last ran the cheap fingerprint
        self.providers: dict[int, ProviderDetails] = {}
        self.locations: dict[int, LocationDetails] = {}
        self.size = sum(len(b.items) for b in self.buckets.values())
        # Memo of need matching per region and typed need: it depends on the catalogues only, so the
        # service hands it on to a rebuilt index whose catalogues are the same.
        self.memo = BoundedMemo(MEMO_SIZE)
        self.regions: list = []  # the service's RegionInfo rows, filled when it builds the index
        # Pure-function memos for the query's hot loop (values, not data: safe to share).
        self.waiting_memo: dict[tuple, float] = {}
        self._per_key: dict[str, tuple] = {}

    def _for_key(self, name: str, key) -> dict:
        """The `name` memo for `key` (a day, settings): a new empty one when the key changed."""
        current = self._per_key.get(name)
        if current is None or current[0] != key:
            current = self._per_key[name] = (key, {})
        return current[1]

    def static_parts(self, key: tuple) -> dict[int, tuple[float, float, float]]:
        """{offering id: (weighted waiting part, weighted freshness part, freshness part)} for one
        (Amsterdam day, waiting weight, freshness weight, horizon), filled as the queries need them."""
        return self._for_key("statics", key)

    def tie_keys(self, day: dt.date) -> dict[int, int]:
        """{offering id: scoring.tie_key(id, day)} for one day, filled as the queries need them."""
        return self._for_key("ties", day)


@dataclass
class Hit:
    """One scored offering with its exact (geodesic) distance."""

    facts: OfferingFacts
    km: float
    parts: scoring.Parts
    score: int
    match_kind: str
    preferred_served: tuple[str, ...]
    preferred_missing: tuple[str, ...]


@dataclass
class Outcome:
    """Results within the radius (best first, at most `max_results`), and "verder weg" when needed."""

    nearby: list[Hit]
    far: list[Hit]
    nearby_total: int
    far_total: int


def _first(pair: tuple):
    return pair[0]


def query(
    index: SearchIndex,
    *,
    strengths: dict[int, float],
    lat: float,
    lon: float,
    radius_km: float,
    far_km: float,
    criteria: scoring.Criteria,
    settings: scoring.ScoreSettings,
    now: dt.datetime,
    preferred_groups: frozenset[str] = frozenset(),
    product_kinds: dict[int, str] | None = None,
    min_nearby: int = 5,
    far_results: int = 10,
    max_results: int = 50,
) -> Outcome:
    """Filter, score and rank the offerings of the need's products around (lat, lon).

    The radius is searched first; the wider "verder weg" ring only when fewer than `min_nearby`
    offerings fit inside it (most searches never touch the 16x larger ring).
    """
    weights = settings.weights.normalised()
    day = now.date()
    reach = max(radius_km, far_km)
    preferred_total = len(preferred_groups)
    horizon = settings.waiting_horizon_weeks
    # An offering's waiting and freshness parts do not depend on the search: freshness only on the
    # (Amsterdam) days of the update and of now, waiting on its own figures. The index keeps them,
    # weighted, per day and settings (freshness.py and scoring.py still decide the values; tests
    # compare with a direct computation). scoring.eligible is applied inline (same conditions,
    # without a keyword call per offering): the candidate loop is the hot path.
    statics = index.static_parts((now.astimezone(freshness.TZ).date(), weights.wachttijd, weights.actualiteit, horizon))
    waiting_memo = index.waiting_memo
    age = criteria.age
    required = criteria.required_groups
    include_closed = criteria.include_closed
    max_wait = criteria.max_waiting_weeks
    w_fit, w_wait, w_fresh, w_dist = weights.fit, weights.wachttijd, weights.actualiteit, weights.afstand
    # scoring.distance_part's divisor, taken once (the same float, so the same quotients).
    scale = max(0.1, settings.distance_scale_km)
    fits: dict[tuple, float] = {}  # scoring.fit_part per (strength, served groups) for this query
    exact: dict[int, float] = {}  # geodesic km per offering id, computed only where needed

    def km_of(facts: OfferingFacts) -> float:
        km = exact.get(facts.id)
        if km is None:
            km = exact[facts.id] = geodesic_km(lat, lon, facts.lat, facts.lon)
        return km

    def candidates(km: float, skip: set[int] | None = None) -> list[tuple]:
        """(optimistic key, hi, base, facts) of the offerings in the box around the circle of `km`
        that pass the filters and whose lower distance bound is inside it (`skip`: offering ids
        to leave out). The optimistic key is (-score at the lower distance bound, that bound lo,
        sequence number): the first sort key of `top`; hi is the upper distance bound, base the
        weighted non-distance parts.

        The hot loop of every search, so written out: approx_km and distance_bounds inline (the same
        arithmetic; tests check the functions against geopy), the age, closed-intake and
        required-group filters done by the bucket lists, the waiting and freshness parts kept per
        day in `statics`, and no object per candidate."""
        min_lat, max_lat, min_lon, max_lon = bounding_box(lat, lon, km)
        found: list[tuple] = []
        for product_id in strengths:
            bucket = index.buckets.get(product_id)
            if bucket is None:
                continue
            lats, items = bucket.for_filters(age, include_closed, required)
            strength = strengths[product_id]
            for facts in items[bisect.bisect_left(lats, min_lat):bisect.bisect_right(lats, max_lat)]:
                if not min_lon <= facts.lon <= max_lon:
                    continue
                if skip is not None and facts.id in skip:
                    continue
                if max_wait is not None and (facts.waiting_weeks is None or facts.waiting_weeks > max_wait):
                    continue
                phi = (lat + facts.lat) / 2.0 * _DEG
                sin_phi = _sin(phi)
                w = 1.0 - _E2 * sin_phi * sin_phi
                approx = _hypot((facts.lon - lon) * _DEG * (_A / _sqrt(w)) * _cos(phi),
                                (facts.lat - lat) * _DEG * (_A * (1.0 - _E2) / (w * _sqrt(w))))
                if approx > APPROX_VALID_KM:
                    lo, hi = approx * 0.9, approx * 1.1
                else:
                    lo = max(0.0, approx * (1.0 - APPROX_REL_ERROR) - APPROX_ABS_ERROR_KM)
                    hi = approx * (1.0 + APPROX_REL_ERROR) + APPROX_ABS_ERROR_KM
                if lo > km:
                    continue
                static = statics.get(facts.id)
                if static is None:
                    wait_key = (facts.waiting_weeks, facts.free_places, facts.intake_status, horizon)
                    waiting = waiting_memo.get(wait_key)
                    if waiting is None:
                        waiting = waiting_memo[wait_key] = scoring.waiting_part(*wait_key)
                    fresh = scoring.freshness_part(facts.updated_at, now)
                    static = statics[facts.id] = (w_wait * waiting, w_fresh * fresh, fresh)
                fit_key = (strength, len(preferred_groups & facts.groups) if preferred_total else 0)
                fit = fits.get(fit_key)
                if fit is None:
                    fit = fits[fit_key] = scoring.fit_part(fit_key[0], fit_key[1], preferred_total)
                # Added in the same order as before ((fit + waiting) + freshness): identical floats.
                base = w_fit * fit + static[0] + static[1]
                # score_at(lo), written out: scoring.rounded of scoring.distance_part's arithmetic.
                optimistic = int(_floor(100.0 * (base + w_dist * (1.0 / (1.0 + lo / scale))) + 0.5))
                found.append(((-optimistic, lo, len(found)), hi, base, facts))
        return found

    inside: list[tuple] = []
    for cand in candidates(radius_km):
        _key, hi, _base, facts = cand
        if hi <= radius_km or km_of(facts) <= radius_km:
            inside.append(cand)

    far_pool: list[tuple] = []
    if far_results > 0 and len(inside) < min_nearby and reach > radius_km:
        for cand in candidates(reach, {c[3].id for c in inside}):
            (_neg_score, lo, _seq), hi, _base, facts = cand
            if hi <= radius_km:
                continue
            if lo > radius_km or km_of(facts) > radius_km:
                if hi <= reach or km_of(facts) <= reach:
                    far_pool.append(cand)

    ties = index.tie_keys(day)

    def sort_key(score_value: int, km: float, offering_id: int) -> tuple:
        """scoring.sort_key, with the day's tie keys computed once per index and day."""
        tie = ties.get(offering_id)
        if tie is None:
            tie = ties[offering_id] = scoring.tie_key(offering_id, day)
        return (-score_value, round(km, 3), tie, offering_id)

    def score_at(base: float, km: float) -> int:
        return scoring.rounded(100.0 * (base + w_dist * scoring.distance_part(km, settings.distance_scale_km)))

    def top(cands: list[tuple], k: int) -> list[tuple]:
        """The k best by sort_key, computing geodesics only for candidates that can still make it."""
        if k <= 0 or not cands:
            return []
        # Optimistic order: score at the lower distance bound, then that bound. An exact key is never
        # below its optimistic prefix (score can only fall, distance only grow), so once a prefix is
        # strictly worse than the k-th exact key, nothing after it can make the list. Equal prefixes
        # go on to the exact comparison (tie key, id), so the order is exactly scoring.sort_key's.
        # (The sequence number in the optimistic key keeps the sort off the rest of the tuple.)
        best: list[tuple[tuple, tuple]] = []
        for cand in sorted(cands, key=_first):
            (neg_score, lo, _seq), _hi, base, facts = cand
            if len(best) >= k and (neg_score, round(lo, 3)) > best[-1][0][:2]:
                break
            km = km_of(facts)
            exact_key = sort_key(score_at(base, km), km, facts.id)
            bisect.insort(best, (exact_key, cand), key=_first)
            del best[k:]
        return [c for _, c in best]

    nearby = top(inside, max_results)
    far = top(far_pool, far_results)

    def hit(cand: tuple) -> Hit:
        _key, _hi, base, facts = cand
        km = km_of(facts)
        parts = scoring.Parts(
            fit=scoring.fit_part(strengths[facts.product_id], len(preferred_groups & facts.groups), preferred_total),
            afstand=scoring.distance_part(km, settings.distance_scale_km),
            wachttijd=scoring.waiting_part(facts.waiting_weeks, facts.free_places, facts.intake_status, settings.waiting_horizon_weeks),
            actualiteit=statics[facts.id][2],
        )
        return Hit(
            facts=facts,
            km=km,
            parts=parts,
            # Same arithmetic as the ranking (scoring.total adds the parts in this order too).
            score=score_at(base, km),
            match_kind=(product_kinds or {}).get(facts.product_id, "name"),
            preferred_served=tuple(sorted(preferred_groups & facts.groups)),
            preferred_missing=tuple(sorted(preferred_groups - facts.groups)),
        )

    return Outcome([hit(c) for c in nearby], [hit(c) for c in far], len(inside), len(far_pool))
