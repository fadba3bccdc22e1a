"""How a search result is scored and ranked: the one place that decides, in plain Python (no Flask).

A result's score (0..100) is a weighted sum of four parts, each 0..1:

* **fit** (does the offering answer the need?): the product match dominates — exact product code
  1.0, the product (family) the need names 0.90..0.95, a product that resembles the need
  0.60..0.85 (by similarity and the share of the need's words it contains), only the same form of
  care, segment or category 0.50 (matching.py decides which). 85% of the part is that match; the other 15% is how many of the target
  groups the referrer's text *mentioned* (e.g. "autisme" -> ASS) the offering serves. Groups the
  referrer *ticked* are a filter, not a bonus: every result serves all of them.
* **distance**: ``1 / (1 + km / scale)``, so 1 at the door, 0.5 at the policy radius (15 km) and
  never quite 0: farther is always a little worse, never cut off.
* **waiting** (how soon can the child start?): 80% waiting time, linear from 1 at 0 weeks to 0
  at the horizon (26 weeks); an unknown waiting time counts as the horizon (poor). 20% is a bonus
  for at least one free place. The whole part is multiplied by the intake factor: open 1.0, "alleen
  na overleg" 0.85 and an intake stop 0.3 (those only appear when the referrer asks for them).
* **freshness**: ``freshness.freshness_factor`` — the one place that decides how fresh data is.
  While a referrer's "Klopt dit niet?" report on the offering is unanswered, it is halved
  (``freshness.OPEN_REPORT_FACTOR``); the answer (an update or "klopt wel") restores it.

The waiting time filtered on (maximum wait), scored and explained is the one that applies to the
search: ``wait_figures.applied_wait`` — a ticked target group's own wait where the offering reports
one (with several, the longest), else the general wait. Searches without target groups use the
general wait, as before.

Weights come from the settings and are normalised to sum 1. With everything else equal, a better
fit, a shorter distance, a shorter wait, a free place and fresher data each give an equal or
higher score (tests/domain/test_scoring.py proves it with hypothesis).

Ranking: fit first, as the region demands ("passende hulp is iets langer wachten waard"): the
``fit_tier`` of the match (named, resembles, broad), then the score (rounded, as shown) high to
low, then distance, then ``tie_key``: a hash of the
offering id and the day of the search. A referrer may sort by distance or waiting time instead
(``sort_key``'s `order`); the fit tier still comes first and the same hash breaks ties.
Provider size, name or popularity never enter the order,
and the hash changes daily, so among equal results nobody is always first.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import math
from dataclasses import dataclass
from functools import cached_property

from beschikbaarheid.domain import freshness, wait_figures

# Product match strengths (see the module docstring); matching.py produces them.
STRENGTH_CODE = 1.0
STRENGTH_NAMED = 0.95  # the product (family) the need names: its name, family or a keyword
STRENGTH_NAMED_MIN = 0.90  # ... typed with a typo, or with words the product does not contain
STRENGTH_NAME_MIN = 0.60  # a product that resembles the need (part of its name, some words)
STRENGTH_NAME_MAX = 0.85
STRENGTH_BROAD = 0.50  # same form of care, segment or category only

# Fit tiers: the order of results is by tier first, then by score ("passende hulp is iets langer
# wachten waard"): a named product outranks one that merely resembles the need, whatever its wait.
TIER_NAMED, TIER_RESEMBLES, TIER_BROAD = 0, 1, 2

FIT_MATCH_SHARE = 0.85
WAIT_SHARE = 0.80
FREE_PLACE_BONUS = 0.20
INTAKE_FACTOR = {"open": 1.0, "overleg": 0.85, "gesloten": 0.30}

PART_NAMES = ("fit", "distance", "waiting", "freshness")


@dataclass(frozen=True)
class Weights:
    """Relative weights of the parts; only their ratios matter."""

    fit: float = 0.40
    distance: float = 0.25
    waiting: float = 0.25
    freshness: float = 0.10

    @cached_property
    def normalised(self) -> Weights:
        """Weights summing to 1 (negative settings count as 0; all zero means equal weights).

        Worked out once per Weights (a search scores hundreds of candidates with the same ones).
        """
        values = [max(0.0, float(getattr(self, n))) for n in PART_NAMES]
        total = sum(values)
        if total <= 0:
            return Weights(0.25, 0.25, 0.25, 0.25)
        return Weights(*(v / total for v in values))


@dataclass(frozen=True)
class ScoreSettings:
    """Everything scoring needs from the configuration, as plain values."""

    weights: Weights = Weights()
    distance_scale_km: float = 15.0
    waiting_horizon_weeks: float = 26.0


@dataclass(frozen=True)
class Criteria:
    """The hard filters of a search (an offering either passes all of them or is not shown)."""

    age: int
    required_groups: frozenset[str] = frozenset()
    max_waiting_weeks: int | None = None
    include_closed: bool = False


@dataclass(frozen=True)
class Parts:
    """The four score parts, each 0..1."""

    fit: float
    distance: float
    waiting: float
    freshness: float

    def as_dict(self) -> dict[str, float]:
        return {n: round(getattr(self, n), 3) for n in PART_NAMES}


# -- filters -----------------------------------------------------------------------------------


def eligible(
    *,
    age_min: int,
    age_max: int,
    groups: frozenset[str] | set[str],
    intake_status: str,
    waiting_weeks: int | None,
    criteria: Criteria,
) -> bool:
    """Whether an (already contracted) offering may be shown for these criteria at all.

    With a maximum waiting time, an unknown waiting time is excluded: we cannot promise it fits.
    """
    if not (age_min <= criteria.age <= age_max):
        return False
    if criteria.required_groups and not criteria.required_groups <= groups:
        return False
    if intake_status == "gesloten" and not criteria.include_closed:
        return False
    if criteria.max_waiting_weeks is not None and (waiting_weeks is None or waiting_weeks > criteria.max_waiting_weeks):
        return False
    return True


# -- parts -------------------------------------------------------------------------------------


def fit_part(match_strength: float, preferred_served: int = 0, preferred_total: int = 0) -> float:
    """Product match (85%) plus the share of mentioned target groups the offering serves (15%)."""
    strength = min(1.0, max(0.0, match_strength))
    coverage = 1.0 if preferred_total <= 0 else min(1.0, max(0, preferred_served) / preferred_total)
    return FIT_MATCH_SHARE * strength + (1.0 - FIT_MATCH_SHARE) * coverage


def distance_part(km: float, scale_km: float = 15.0) -> float:
    """1 at 0 km, 0.5 at `scale_km`, slowly towards 0 beyond: nearer is always better."""
    return 1.0 / (1.0 + max(0.0, km) / max(0.1, scale_km))


def waiting_part(
    waiting_weeks: int | None, free_places: int | None, intake_status: str, horizon_weeks: float = 26.0
) -> float:
    """How soon the child can start: waiting time, a free place and the intake status."""
    horizon = max(1.0, horizon_weeks)
    wait = 0.0 if waiting_weeks is None else max(0.0, 1.0 - max(0, waiting_weeks) / horizon)
    free = 1.0 if (free_places or 0) > 0 else 0.0
    return (WAIT_SHARE * wait + FREE_PLACE_BONUS * free) * INTAKE_FACTOR.get(intake_status, INTAKE_FACTOR["gesloten"])


def freshness_part(updated_at: dt.datetime | None, now: dt.datetime, open_reports: int = 0) -> float:
    """Delegates to freshness.py, the one place that decides how current data is (open reports included)."""
    return freshness.freshness_factor(updated_at, now, open_reports)


def total(parts: Parts, weights: Weights) -> float:
    """Unrounded 0..100 score from parts and (normalised) weights."""
    w = weights.normalised
    return 100.0 * (w.fit * parts.fit + w.waiting * parts.waiting + w.freshness * parts.freshness + w.distance * parts.distance)


def rounded(score: float) -> int:
    """Round half up (not banker's rounding), so the shown score is monotone in the exact one."""
    return int(math.floor(score + 0.5))


def score_parts(
    *,
    match_strength: float,
    km: float,
    waiting_weeks: int | None,
    free_places: int | None,
    intake_status: str,
    updated_at: dt.datetime | None,
    now: dt.datetime,
    settings: ScoreSettings,
    preferred_served: int = 0,
    preferred_total: int = 0,
    open_reports: int = 0,
) -> Parts:
    """All four parts of one offering for one search (`open_reports`: unanswered "Klopt dit niet?" reports)."""
    return Parts(
        fit=fit_part(match_strength, preferred_served, preferred_total),
        distance=distance_part(km, settings.distance_scale_km),
        waiting=waiting_part(waiting_weeks, free_places, intake_status, settings.waiting_horizon_weeks),
        freshness=freshness_part(updated_at, now, open_reports),
    )


def score(parts: Parts, settings: ScoreSettings) -> int:
    """The 0..100 score shown to the referrer."""
    return rounded(total(parts, settings.weights))


# -- ranking -----------------------------------------------------------------------------------


def fit_tier(match_strength: float) -> int:
    """The fit tier of a product match: named (code, name, family, keyword), resembles, or broad
    (same form of care, segment, category only). The tier comes before the score in `sort_key`."""
    if match_strength >= STRENGTH_NAMED_MIN:
        return TIER_NAMED
    if match_strength >= STRENGTH_NAME_MIN:
        return TIER_RESEMBLES
    return TIER_BROAD


def tie_key(offering_id: int, day: dt.date) -> int:
    """A neutral, deterministic tie-breaker: stable within a day, reshuffled the next day."""
    digest = hashlib.blake2b(f"{offering_id}:{day.isoformat()}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big")


# The orders a referrer can choose (the search page's `sorteer`): score (default), distance, waiting time.
SORT_SCORE, SORT_DISTANCE, SORT_WAIT = "score", "afstand", "wachttijd"
SORTS = (SORT_SCORE, SORT_DISTANCE, SORT_WAIT)


def sort_key(score_value: int, km: float, offering_id: int, day: dt.date, match_strength: float = STRENGTH_CODE,
             *, order: str = SORT_SCORE, waiting_weeks: int | None = None) -> tuple:
    """Order of results: fit tier of the product match first whatever the order (a named product
    stays above one that merely resembles the need), then by `order`:

    * score: higher score, then nearer;
    * afstand: nearer, then higher score;
    * wachttijd: shorter wait (an unknown wait last), then higher score, then nearer;

    then the daily neutral hash (then id, to be total)."""
    tier, km_key, tie = fit_tier(match_strength), round(km, 3), (tie_key(offering_id, day), offering_id)
    if order == SORT_DISTANCE:
        return (tier, km_key, -score_value, *tie)
    if order == SORT_WAIT:
        return (tier, waiting_weeks is None, waiting_weeks or 0, -score_value, km_key, *tie)
    return (tier, -score_value, km_key, *tie)


def best_possible_key(match_strength: float, km: float, settings: ScoreSettings) -> tuple:
    """The start of the best `sort_key` an offering of this match strength at `km` or farther can
    have: a ranking that takes offerings nearest first stops once this is after its last place."""
    return (fit_tier(match_strength), -best_possible(match_strength, km, settings), round(km, 3))


def best_possible(match_strength: float, km: float, settings: ScoreSettings) -> int:
    """The highest score an offering of this match strength at `km` can reach: every other part at
    its maximum (serves every group the referrer mentioned, no wait and a free place with open
    intake, updated today). It falls with the distance, so a ranking that takes offerings nearest
    first can stop once it is below the last place of its list."""
    best = Parts(
        fit=fit_part(match_strength, 1, 1),
        distance=distance_part(km, settings.distance_scale_km),
        waiting=waiting_part(0, 1, "open", settings.waiting_horizon_weeks),
        freshness=1.0,
    )
    return score(best, settings)


# -- explanations ------------------------------------------------------------------------------


def nl_km(km: float) -> str:
    """'9,3 km' the Dutch way."""
    return f"{km:.1f}".replace(".", ",") + " km"


def explain(
    *,
    match_kind: str,
    product_label: str,
    need_label: str,
    km: float,
    origin_label: str,
    waiting_weeks: int | None,
    free_places: int | None,
    intake_status: str,
    updated_at: dt.datetime | None,
    now: dt.datetime,
    required_groups: list[str] | tuple[str, ...] = (),
    preferred_served: list[str] | tuple[str, ...] = (),
    preferred_missing: list[str] | tuple[str, ...] = (),
    group_labels: dict[str, str] | None = None,
    applied_wait: str = wait_figures.GENERAL,
    open_reports: int = 0,
    _=freshness.dutch,
) -> list[str]:
    """'Waarom deze plek?': one sentence per reason, in the order of the score parts (Dutch unless `_` translates).

    `applied_wait` names whose waiting time `waiting_weeks` is (wait_figures.applied_wait): a target
    group's own wait is named ("Wachttijd voor ASS: 20 weken"); the general wait keeps its sentence."""
    labels = group_labels or {}

    def names(codes) -> str:
        return ", ".join(labels.get(c, c) for c in codes)

    lines: list[str] = []
    if match_kind == "code":
        lines.append(_("Product komt exact overeen (%(product)s)", product=product_label))
    elif match_kind == "name":
        lines.append(_("Product past bij uw zoekterm (%(product)s)", product=product_label))
    else:
        lines.append(_("Valt onder %(need)s (%(product)s)", need=need_label, product=product_label))
    if required_groups:
        lines.append(_("Werkt met de gevraagde doelgroep(en): %(groups)s", groups=names(required_groups)))
    if preferred_served:
        lines.append(_("Werkt met %(groups)s, dat u noemde", groups=names(preferred_served)))
    if preferred_missing:
        lines.append(_("Niet gericht op %(groups)s, dat u noemde", groups=names(preferred_missing)))
    lines.append(_("%(distance)s van %(origin)s", distance=nl_km(km), origin=origin_label))
    if applied_wait != wait_figures.GENERAL:
        lines.append(_("Wachttijd voor %(group)s: %(n)d weken", group=applied_wait, n=waiting_weeks) if waiting_weeks != 1
                     else _("Wachttijd voor %(group)s: 1 week", group=applied_wait))
    elif waiting_weeks is None:
        lines.append(_("Wachttijd onbekend (telt als lang)"))
    elif waiting_weeks == 1:
        lines.append(_("Wachttijd 1 week"))
    else:
        lines.append(_("Wachttijd %(n)d weken", n=waiting_weeks))
    if (free_places or 0) > 0:
        lines.append(_("1 vrije plek") if free_places == 1 else _("%(n)d vrije plekken", n=free_places))
    else:
        lines.append(_("Geen vrije plek gemeld"))
    if intake_status == "overleg":
        lines.append(_("Aanmelden alleen na overleg (telt iets lager)"))
    elif intake_status == "gesloten":
        lines.append(_("Aanmeldstop (telt veel lager)"))
    label = freshness.age_label(updated_at, now, _)
    sentence = label[:1].upper() + label[1:]
    if freshness.is_stale(updated_at, now):
        sentence = _("%(age)s — niet bijgewerkt deze maand (telt minder mee)", age=sentence)
    lines.append(sentence)
    if open_reports > 0:
        lines.append(_("Een verwijzer meldde dat iets niet klopt; nog niet beantwoord (actualiteit telt half mee)"))
    return lines
