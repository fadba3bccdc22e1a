"""Referrer search: from query parameters to ranked, explained results.

`run_search` is the one path every search takes (the page, its htmx partial and the API):

1. read the query string (forms.parse_search_args), then find the region, the place
   (places.resolve_place) and the catalogue products the need covers (domain/matching.match_need):
   `prepare`;
2. read the candidates with one query (search/reads.candidates): offerings of those products at a location
   inside a box around the place, under a contract active today, for the child's age (the results,
   the crisis options and the ambulant alternatives within the radius share that one query);
3. filter, score and rank them with domain/scoring.py (eligible, score_parts, score, sort_key),
   with the geodesic distance of domain/geo.py. Open "Klopt dit niet?" reports lower an offering's
   freshness part: their count is a column of the candidates (services/feedback.py, `open_count`),
   and the shown cards' report lines come from one more query for the shown offerings.

The radius (15 km by default) is searched first. Only when fewer than SEARCH_MIN_NEARBY_RESULTS
offerings fit inside it, a second query looks further ("verder weg", up to SEARCH_FAR_MAX_KM or
twice the radius). docs/search.md explains the whole path and its speed.

A plek-alert watches every offering that matches a search, ranked or not (`matching`), and decides
whether a changed offering matches with the same filter (`passes`) (services/alerts.py, alert_run.py).
"""
from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import get_translations

from beschikbaarheid.domain import freshness, geo, scoring, wait_figures
from beschikbaarheid.domain.matching import CatalogueProduct, Need, NeedNotFound, is_crisis, match_need
from beschikbaarheid.domain.places import PlaceNotFound, Resolved
from beschikbaarheid.models import CATEGORY_LABELS, SEGMENT_LABELS, TARGET_GROUPS, utcnow
from beschikbaarheid.places import resolve_place
from beschikbaarheid.services import feedback
from beschikbaarheid.search.forms import FieldError, SearchInput, parse_search_args
from beschikbaarheid.search.reads import RegionInfo, candidates, catalogue, details, regions, resolve_region

STAY_FORMS = frozenset({"verblijf", "wonen"})
ALTERNATIVES_SHOWN = 3
CRISIS_SHOWN = 3  # crisis options beside a need that does not ask for crisis (issue 17)


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
    waiting_weeks: int | None  # the wait that applies to this search (see waiting_applied)
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
    waiting_applied: str = wait_figures.GENERAL  # whose wait waiting_weeks is: "algemeen" or a target-group code
    general_waiting_weeks: int | None = None
    waiting_count: int | None = None
    realised_wait_weeks: float | None = None
    realised_started: int | None = None
    realised_period_end: dt.date | None = None
    open_reports: int = 0  # unanswered "Klopt dit niet?" reports
    report_status: str = ""  # the card's line about them: open reports, or the provider's last answer

    @property
    def realised_period_start(self) -> dt.date | None:
        return wait_figures.period_start(self.realised_period_end) if self.realised_period_end else None


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
    crisis: list[ResultRow] = field(default_factory=list)  # "Crisisaanbod (24/7)": apart, never ranked with results
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
            distance=float(config["SCORE_WEIGHT_DISTANCE"]),
            waiting=float(config["SCORE_WEIGHT_WAITING"]),
            freshness=float(config["SCORE_WEIGHT_FRESHNESS"]),
        ),
        distance_scale_km=float(config["SEARCH_DEFAULT_MAX_KM"]),
        waiting_horizon_weeks=float(config["SCORE_WAITING_HORIZON_WEEKS"]),
    )


def run_search(args: Mapping, *, alternatives: bool = False, now: dt.datetime | None = None,
               preferred_region: Callable[[], int | None] | None = None) -> SearchOutcome:
    """Parse, resolve region, place and need (`prepare`), then find, score and explain the results."""
    outcome = prepare(args, now=now, preferred_region=preferred_region)
    if outcome.criteria is None:
        return outcome
    config = current_app.config
    data, need = outcome.input, outcome.need
    ambulant = _ambulant_alternatives(outcome) if alternatives else {}
    search = _Search(outcome, score_settings(config), products=need.strengths.keys() | need.crisis.keys() | ambulant.keys())
    nearby, outcome.nearby_total = search.top(need.strengths, need.product_kinds, outcome.radius_km, outcome.max_results,
                                              order=data.sorteer)
    far: list[Hit] = []
    if looks_further(outcome, outcome.nearby_total):
        far, _count = search.top(need.strengths, need.product_kinds, outcome.far_km, int(config["SEARCH_FAR_RESULTS"]),
                                 beyond_km=outcome.radius_km, order=data.sorteer)
    others = search.top(ambulant, {pid: "form" for pid in ambulant}, outcome.radius_km, ALTERNATIVES_SHOWN)[0] if ambulant else []
    crisis = search.top(need.crisis, need.crisis_kinds, outcome.radius_km, CRISIS_SHOWN)[0] if need.crisis else []
    shown = {"results": nearby, "far": far, "alternatives": others, "crisis": crisis}
    shown_ids = [hit.row.id for hits in shown.values() for hit in hits]
    about = details(shown_ids)
    statuses = feedback.card_statuses(shown_ids, outcome.now, _, date_text=date_text)
    for name, hits in shown.items():
        setattr(outcome, name, search.rows(hits, _("ambulante hulp") if name == "alternatives" else need.label, about, statuses))
    return outcome


def looks_further(outcome: SearchOutcome, nearby_total: int) -> bool:
    """Whether the search also shows offerings "verder weg": fewer than SEARCH_MIN_NEARBY_RESULTS fit
    within the radius (and the settings allow a wider circle)."""
    config = current_app.config
    return (nearby_total < int(config["SEARCH_MIN_NEARBY_RESULTS"]) and int(config["SEARCH_FAR_RESULTS"]) > 0
            and outcome.far_km > outcome.radius_km)


@dataclass(frozen=True)
class Match:
    """An offering that matches a search: it passes the search's filters within the distance it looks."""

    row: sa.Row  # a candidate row (see `candidates`)
    km: float
    groups: frozenset[str]
    wait: tuple[int | None, str]  # (weeks, whose): the wait that applies to this search


def matching(outcome: SearchOutcome, reach_km: float | None = None) -> tuple[float, list[Match]]:
    """Every offering that matches a prepared search, ranked or not: within its radius, or, when the
    search looks further because few fit there (`looks_further`), within the "verder weg" distance;
    or within `reach_km` when given. Returns that distance and the matches (what a plek-alert
    watches, services/alerts.py)."""
    search = _Search(outcome, score_settings(current_app.config), products=outcome.need.strengths)
    if reach_km is not None:
        return reach_km, search.passing(outcome.need.strengths, reach_km)
    found = search.passing(outcome.need.strengths, outcome.radius_km)
    if looks_further(outcome, len(found)):
        return outcome.far_km, search.passing(outcome.need.strengths, outcome.far_km)
    return outcome.radius_km, found


def prepare(args: Mapping, *, now: dt.datetime | None = None,
            preferred_region: Callable[[], int | None] | None = None) -> SearchOutcome:
    """Parse the query string and resolve region, place and need. When the search can run, the
    outcome holds its `criteria`; otherwise its errors say why (or it is blank).

    In an installation with several regions, a search without a `regio` parameter is in the region
    `preferred_region()` names (the referrer's last choice or account region) when it exists, else in
    the first region. (A callable: with one region nobody needs to be asked.)"""
    config = current_app.config
    data = parse_search_args(args, default_km=float(config["SEARCH_DEFAULT_MAX_KM"]))
    outcome = SearchOutcome(input=data, now=now or utcnow(), max_results=int(config["SEARCH_MAX_RESULTS"]))
    outcome.regions = regions()
    wanted = preferred_region() if preferred_region and not data.regio and len(outcome.regions) > 1 else None
    preferred = [r for r in outcome.regions if r.id == wanted]
    region = preferred[0] if preferred else resolve_region(data.regio, outcome.regions)
    if isinstance(region, FieldError):
        if not data.blank:
            data.errors["regio"] = region
    else:
        outcome.region = region
        outcome.catalogue = catalogue(region.id)
        if region.default_km and not data.raw.get("max_km"):
            data.max_km = region.default_km  # the region's beheerder chose its own default radius
    outcome.radius_km = data.max_km
    outcome.far_km = min(400.0, max(float(config["SEARCH_FAR_MAX_KM"]), 2 * data.max_km))
    if data.blank:
        return outcome

    if "locatie" not in data.errors:
        try:
            outcome.place = resolve_place(data.locatie)
        except PlaceNotFound as exc:
            data.errors["locatie"] = FieldError(f"place_{exc.code}", exc.message, tuple(exc.suggestions), exc.reason)
    if outcome.region and "product" not in data.errors and "segment" not in data.errors:
        try:
            outcome.need = match_need(data.product, outcome.catalogue, segment=data.segment,
                                      segment_labels=SEGMENT_LABELS, category_labels=CATEGORY_LABELS, _=_)
        except NeedNotFound as exc:
            data.errors["product"] = FieldError(f"need_{exc.code}", exc.message, tuple(exc.suggestions))
    if data.errors or outcome.place is None or outcome.need is None or data.leeftijd is None:
        return outcome

    outcome.criteria = criteria_of(data)
    return outcome


def criteria_of(data: SearchInput) -> scoring.Criteria:
    """The search's hard filters (domain/scoring.eligible) from its parsed input (with an age)."""
    return scoring.Criteria(age=data.leeftijd, required_groups=frozenset(data.doelgroepen), max_waiting_weeks=data.max_wachttijd,
                            include_closed=data.ook_gesloten)


def passes(row, criteria: scoring.Criteria, groups: frozenset[str]) -> tuple[bool, tuple[int | None, str]]:
    """Whether a contracted offering of the search's products (a row with the columns of `candidates`)
    passes its filters, and the wait that applies (a ticked group's own wait or the general one).
    The distance is the caller's to check."""
    wait = applied_wait(row, criteria.required_groups)
    ok = scoring.eligible(age_min=row.age_min, age_max=row.age_max, groups=groups, intake_status=row.intake_status,
                          waiting_weeks=wait[0], criteria=criteria)
    return ok, wait


def applied_wait(row, required_groups: frozenset[str]) -> tuple[int | None, str]:
    """The wait filtered on, scored and shown: a ticked group's own wait or the general one."""
    if not (required_groups and row.group_waits_raw):
        return row.waiting_weeks, wait_figures.GENERAL  # the common case, without parsing anything
    return wait_figures.applied_wait(row.waiting_weeks, wait_figures.parse_group_waits(row.group_waits_raw), required_groups)


def split_groups(raw: str) -> frozenset[str]:
    """Target-group codes as stored ('|ASS|LVB|')."""
    return frozenset(g for g in raw.split("|") if g)


def shown_crisis_phone(product, crisis_phone: str | None) -> str | None:
    """A 24/7 number matters for crisis products only; elsewhere it would invite misuse."""
    return crisis_phone if is_crisis(product) else None


def shown_website(website: str | None) -> str | None:
    """A provider's website as a link only when it is an http(s) address (never javascript: and the like)."""
    return website if (website or "").lower().startswith(("https://", "http://")) else None


def date_text(moment: dt.datetime) -> str:
    """'3 december' in the reader's language (Amsterdam date)."""
    return format_date(freshness.local_date(moment), "d MMMM")


def _ambulant_alternatives(outcome: SearchOutcome) -> dict[int, float]:
    """Least intensive first (domain.md): next to stay options, the best ambulant help nearby. The
    ambulant products shown beside a need for a stay (empty for any other need), with their strength."""
    need = outcome.need
    if not {p.form for p in outcome.catalogue if p.id in need.strengths} & STAY_FORMS:
        return {}
    return {p.id: scoring.STRENGTH_BROAD for p in outcome.catalogue if p.form == "ambulant" and p.id not in need.strengths}


@dataclass
class Hit:
    """One candidate that passed the filters, with its distance, score and place in the order."""

    row: sa.Row
    groups: frozenset[str]
    km: float
    parts: scoring.Parts
    score: int
    match_kind: str
    wait: tuple[int | None, str]  # (weeks, whose) as wait_figures.applied_wait decided for this search
    key: tuple  # scoring.sort_key, worked out once


def gettext_for_request() -> Callable[..., str]:
    """Flask-Babel's `gettext` with this request's translations looked up once: a search translates
    a few hundred sentences (explanations, ages of data), and every `gettext` call looks them up again."""
    translations = get_translations()

    def gettext(string: str, /, **variables) -> str:
        text = translations.gettext(string)
        return text % variables if variables else text

    return gettext


class _Search:
    """One search's fixed inputs (place, criteria, settings, clock), shared by its queries."""

    def __init__(self, outcome: SearchOutcome, settings: scoring.ScoreSettings, products) -> None:
        self.outcome = outcome
        self.product_ids = frozenset(products)  # every product a list within the radius may show
        self._within_radius: list[sa.Row] | None = None
        self.settings = settings
        self.now = outcome.now
        self.day = freshness.local_date(outcome.now)
        self.criteria = outcome.criteria
        self.preferred = outcome.need.preferred_groups - outcome.criteria.required_groups
        self.products = {p.id: p for p in outcome.catalogue}
        self._ = gettext_for_request()
        self.group_labels = {code: str(label) for code, label in TARGET_GROUPS.items()}  # translated once per search

    def top(self, strengths: dict[int, float], kinds: dict[int, str], km: float, k: int, beyond_km: float = 0.0,
            order: str = scoring.SORT_SCORE) -> tuple[list[Hit], int]:
        """The k first offerings of these products that pass the filters between `beyond_km` and
        `km`, in the referrer's `order` (scoring.sort_key), and how many there are in all.

        They are scored nearest first: in the score order, once not even a perfect offering at the
        next distance could enter the list (scoring.best_possible), the rest are counted but not
        scored. The other orders score every candidate (no such bound holds for them)."""
        found = self.passing(strengths, km, beyond_km)
        strongest = max(strengths.values(), default=0.0)
        best: list[Hit] = []
        for match in found:
            if len(best) >= k and order == scoring.SORT_SCORE:
                last = best[-1]
                if scoring.best_possible_key(strongest, match.km, self.settings) > last.key[:3]:
                    break
            hit = self._hit(match.row, match.groups, match.wait, match.km, strengths[match.row.product_id],
                            kinds.get(match.row.product_id, "name"), order)
            bisect.insort(best, hit, key=lambda h: h.key)
            del best[k:]
        return best, len(found)

    def passing(self, strengths, km: float, beyond_km: float = 0.0) -> list[Match]:
        """The offerings of these products between `beyond_km` and `km` that pass the filters, nearest first."""
        place, criteria = self.outcome.place, self.criteria
        found = []
        parsed: dict[str, frozenset[str]] = {}  # many offerings serve the same groups
        for row in self.candidates(strengths, km):
            if row.product_id not in strengths:
                continue
            distance = geo.geodesic_km(place.lat, place.lon, row.lat, row.lon)
            # In the box, outside the circle (or inside the inner one). A location placed at the centre of
            # the searched postcode lies at distance 0: it belongs to the first circle, not to none.
            if distance > km or (beyond_km and distance <= beyond_km):
                continue
            groups = parsed.get(row.target_groups_raw)
            if groups is None:
                groups = parsed[row.target_groups_raw] = split_groups(row.target_groups_raw)
            ok, wait = passes(row, criteria, groups)
            if ok:
                found.append(Match(row, distance, groups, wait))
        found.sort(key=lambda m: m.km)
        return found

    def candidates(self, product_ids, km: float) -> list[sa.Row]:
        """The candidates within `km`: the page's lists within the search radius (results, crisis
        options, ambulant alternatives) share one query for all their products."""
        place, outcome = self.outcome.place, self.outcome
        if km != outcome.radius_km:
            return candidates(outcome.region.id, product_ids, place.lat, place.lon, km, self.criteria.age, self.day)
        if self._within_radius is None:
            self._within_radius = candidates(outcome.region.id, self.product_ids, place.lat, place.lon, km, self.criteria.age, self.day)
        return self._within_radius

    def _hit(self, row: sa.Row, groups: frozenset[str], wait: tuple[int | None, str], distance: float, strength: float, match_kind: str,
             order: str = scoring.SORT_SCORE) -> Hit:
        """One candidate scored by domain/scoring."""
        parts = scoring.score_parts(
            match_strength=strength, km=distance, waiting_weeks=wait[0], free_places=row.free_places,
            intake_status=row.intake_status, updated_at=row.updated_at, now=self.now, settings=self.settings,
            preferred_served=len(self.preferred & groups), preferred_total=len(self.preferred),
            open_reports=row.open_reports,
        )
        score = scoring.score(parts, self.settings)
        key = scoring.sort_key(score, distance, row.id, self.day, strength, order=order, waiting_weeks=wait[0])
        return Hit(row, groups, distance, parts, score, match_kind, wait, key)

    def rows(self, hits: list[Hit], need_label: str, about: dict[int, sa.Row],
             statuses: dict[int, feedback.CardStatus] | None = None) -> list[ResultRow]:
        """The hits as result rows with their names and contact details (`about`, from `details`),
        each with its explanation and report line (`statuses`) in the user's language."""
        required = sorted(self.criteria.required_groups)
        statuses = statuses or {}
        return [self._row(hit, about[hit.row.id], need_label, required, statuses.get(hit.row.id)) for hit in hits]

    def _row(self, hit: Hit, about: sa.Row, need_label: str, required: list[str],
             status: feedback.CardStatus | None = None) -> ResultRow:
        row, product = hit.row, self.products[hit.row.product_id]
        open_reports = row.open_reports
        return ResultRow(
            offering_id=row.id,
            provider_id=about.provider_id,
            provider_name=about.provider_name,
            product_code=product.code,
            product_name=product.name,
            product_form=product.form,
            location_name=about.location_name,
            postcode=about.postcode,
            woonplaats=about.woonplaats or about.municipality,
            municipality=about.municipality,
            lat=row.lat,
            lon=row.lon,
            km=hit.km,
            waiting_weeks=hit.wait[0],
            free_places=row.free_places,
            intake_status=row.intake_status,
            updated_at=row.updated_at,
            stale=freshness.is_stale(row.updated_at, self.now),
            age_label=freshness.age_label(row.updated_at, self.now, self._),
            score=hit.score,
            parts=hit.parts,
            explanation=scoring.explain(
                match_kind=hit.match_kind,
                product_label=product.label,
                need_label=need_label,
                km=hit.km,
                origin_label=self.outcome.place.label,
                waiting_weeks=hit.wait[0],
                applied_wait=hit.wait[1],
                free_places=row.free_places,
                intake_status=row.intake_status,
                updated_at=row.updated_at,
                now=self.now,
                required_groups=required,
                preferred_served=sorted(self.preferred & hit.groups),
                preferred_missing=sorted(self.preferred - hit.groups),
                group_labels=self.group_labels,
                open_reports=open_reports,
                _=self._,
            ),
            intake_phone=about.intake_phone,
            intake_email=about.intake_email,
            crisis_phone=shown_crisis_phone(product, about.crisis_phone),
            website=shown_website(about.website),
            target_groups=tuple(sorted(hit.groups)),
            waiting_applied=hit.wait[1],
            general_waiting_weeks=row.waiting_weeks,
            waiting_count=about.waiting_count,
            realised_wait_weeks=about.realised_wait_weeks,
            realised_started=about.realised_started,
            realised_period_end=about.realised_period_end,
            open_reports=open_reports,
            report_status=(status.open_text or status.answer_text) if status else "",
        )
