"""Scoring and ranking (domain/scoring.py) and the index query (search/index.py), without a database.

Property tests (hypothesis): each score part moves the score the right way, the filters hold for
every result, the index's shortcuts (box, approximate distance, lazy top-k) give exactly the
brute-force answer, and ties never depend on the provider.
"""
from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from beschikbaarheid.domain import freshness, scoring
from beschikbaarheid.domain.geo import geodesic_km
from beschikbaarheid.search.index import (
    APPROX_ABS_ERROR_KM,
    APPROX_REL_ERROR,
    OfferingFacts,
    SearchIndex,
    approx_km,
    query,
)

UTC = dt.timezone.utc
NOW = dt.datetime(2024, 5, 20, 10, 0, tzinfo=UTC)
SETTINGS = scoring.ScoreSettings()
GROUPS = ("ASS", "LVB", "TRAUMA", "GGZ")
HELMOND = (51.4793, 5.6570)

weights_st = st.builds(
    scoring.Weights,
    st.floats(0, 10),
    st.floats(0, 10),
    st.floats(0, 10),
    st.floats(0, 10),
)
settings_st = st.builds(
    scoring.ScoreSettings, weights_st, st.floats(1, 100), st.floats(1, 104)
)
updated_st = st.one_of(st.none(), st.integers(0, 400).map(lambda d: NOW - dt.timedelta(days=d, hours=1)))
intake_st = st.sampled_from(["open", "overleg", "gesloten"])
waiting_st = st.one_of(st.none(), st.integers(0, 150))


def _score(settings_obj, **kw) -> int:
    base = dict(
        match_strength=0.8, km=10.0, waiting_weeks=6, free_places=1, intake_status="open",
        updated_at=NOW - dt.timedelta(days=2), now=NOW, settings=settings_obj, preferred_served=0, preferred_total=0,
    )
    base.update(kw)
    return scoring.score(scoring.score_parts(**base), settings_obj)


# -- parts and weights -------------------------------------------------------------------------


def test_weights_are_normalised_and_default_to_equal_when_all_zero():
    w = scoring.Weights(4, 2, 2, 0).normalised()
    assert math.isclose(w.fit + w.afstand + w.wachttijd + w.actualiteit, 1.0)
    assert w.fit == pytest.approx(0.5) and w.actualiteit == 0
    assert scoring.Weights(0, 0, 0, 0).normalised() == scoring.Weights(0.25, 0.25, 0.25, 0.25)


def test_parts_at_their_anchor_points():
    assert scoring.fit_part(1.0) == 1.0
    assert scoring.fit_part(scoring.STRENGTH_BROAD) < scoring.fit_part(scoring.STRENGTH_NAME_MIN) < scoring.fit_part(scoring.STRENGTH_CODE)
    assert scoring.distance_part(0) == 1.0
    assert scoring.distance_part(15, 15) == pytest.approx(0.5)
    assert scoring.waiting_part(0, 2, "open") == pytest.approx(1.0)
    assert scoring.waiting_part(0, 0, "open") == pytest.approx(0.8)
    # unknown waiting time counts as poor: like the horizon, never better than a known wait
    assert scoring.waiting_part(None, 0, "open") == scoring.waiting_part(26, 0, "open") == 0.0
    assert scoring.waiting_part(4, 1, "overleg") < scoring.waiting_part(4, 1, "open")


@settings(max_examples=300, deadline=None)
@given(
    s=settings_st, strength=st.floats(0, 1), km=st.floats(0, 300), weeks=waiting_st, free=st.one_of(st.none(), st.integers(0, 9)),
    intake=intake_st, updated=updated_st, served=st.integers(0, 3),
)
def test_score_is_between_0_and_100_and_parts_between_0_and_1(s, strength, km, weeks, free, intake, updated, served):
    parts = scoring.score_parts(
        match_strength=strength, km=km, waiting_weeks=weeks, free_places=free, intake_status=intake,
        updated_at=updated, now=NOW, settings=s, preferred_served=served, preferred_total=3,
    )
    assert all(0.0 <= v <= 1.0 for v in vars(parts).values())
    assert 0 <= scoring.score(parts, s) <= 100


@settings(max_examples=200, deadline=None)
@given(s=settings_st, a=st.floats(0, 1), b=st.floats(0, 1))
def test_better_fit_never_scores_lower(s, a, b):
    low, high = sorted((a, b))
    assert _score(s, match_strength=high) >= _score(s, match_strength=low)


@settings(max_examples=200, deadline=None)
@given(s=settings_st, a=st.floats(0, 500), b=st.floats(0, 500))
def test_shorter_distance_never_scores_lower(s, a, b):
    near, far = sorted((a, b))
    assert _score(s, km=near) >= _score(s, km=far)
    if far - near > 1e-6:  # strictly, beyond floating-point resolution
        assert scoring.distance_part(near, s.distance_scale_km) > scoring.distance_part(far, s.distance_scale_km)


@settings(max_examples=200, deadline=None)
@given(s=settings_st, a=st.integers(0, 200), b=st.integers(0, 200), free=st.integers(0, 3), intake=intake_st)
def test_shorter_wait_never_scores_lower_and_unknown_is_worst(s, a, b, free, intake):
    short, long = sorted((a, b))
    assert _score(s, waiting_weeks=short, free_places=free, intake_status=intake) >= _score(
        s, waiting_weeks=long, free_places=free, intake_status=intake
    )
    assert _score(s, waiting_weeks=long, free_places=free, intake_status=intake) >= _score(
        s, waiting_weeks=None, free_places=free, intake_status=intake
    )


@settings(max_examples=200, deadline=None)
@given(s=settings_st, weeks=waiting_st, free=st.integers(1, 20))
def test_free_place_and_open_intake_never_score_lower(s, weeks, free):
    assert _score(s, waiting_weeks=weeks, free_places=free) >= _score(s, waiting_weeks=weeks, free_places=0)
    assert _score(s, waiting_weeks=weeks, intake_status="open") >= _score(s, waiting_weeks=weeks, intake_status="overleg")
    assert _score(s, waiting_weeks=weeks, intake_status="overleg") >= _score(s, waiting_weeks=weeks, intake_status="gesloten")


@settings(max_examples=200, deadline=None)
@given(s=settings_st, a=st.integers(0, 500), b=st.integers(0, 500))
def test_fresher_data_never_scores_lower(s, a, b):
    recent, old = sorted((a, b))
    fresher = NOW - dt.timedelta(days=recent)
    older = NOW - dt.timedelta(days=old)
    assert _score(s, updated_at=fresher) >= _score(s, updated_at=older)
    assert _score(s, updated_at=older) >= _score(s, updated_at=None)


@settings(max_examples=100, deadline=None)
@given(s=settings_st, a=st.integers(0, 3), b=st.integers(0, 3))
def test_serving_more_mentioned_groups_never_scores_lower(s, a, b):
    few, many = sorted((a, b))
    assert _score(s, preferred_served=many, preferred_total=3) >= _score(s, preferred_served=few, preferred_total=3)


def test_each_part_strictly_matters_with_default_weights():
    s = scoring.ScoreSettings()
    assert _score(s, match_strength=1.0) > _score(s, match_strength=0.5)
    assert _score(s, km=1) > _score(s, km=30)
    assert _score(s, waiting_weeks=1) > _score(s, waiting_weeks=20)
    assert _score(s, updated_at=NOW) > _score(s, updated_at=NOW - dt.timedelta(days=90))


# -- ranking -----------------------------------------------------------------------------------


def test_tie_key_is_stable_within_a_day_and_reshuffles_across_days():
    day = NOW.date()
    assert scoring.tie_key(7, day) == scoring.tie_key(7, day)
    orders = {
        tuple(sorted(range(1, 8), key=lambda i: scoring.tie_key(i, day + dt.timedelta(days=n)))) for n in range(10)
    }
    assert len(orders) > 1
    firsts = {sorted(range(1, 8), key=lambda i: scoring.tie_key(i, day + dt.timedelta(days=n)))[0] for n in range(30)}
    assert len(firsts) >= 3  # nobody is first every day


def test_sort_key_prefers_score_then_distance():
    day = NOW.date()
    assert scoring.sort_key(80, 20.0, 1, day) < scoring.sort_key(79, 1.0, 2, day)
    assert scoring.sort_key(80, 5.0, 1, day) < scoring.sort_key(80, 6.0, 2, day)


def test_explanation_sentences():
    lines = scoring.explain(
        match_kind="code", product_label="43A10 Gezinshuis", need_label="43A10 Gezinshuis", km=9.34,
        origin_label="Helmond", waiting_weeks=4, free_places=2, intake_status="overleg",
        updated_at=NOW - dt.timedelta(days=3), now=NOW, required_groups=["ASS"], preferred_served=["LVB"],
        group_labels={"ASS": "ASS (autisme)", "LVB": "LVB"},
    )
    assert lines[0] == "Product komt exact overeen (43A10 Gezinshuis)"
    assert "9,3 km van Helmond" in lines
    assert "Wachttijd 4 weken" in lines
    assert "2 vrije plekken" in lines
    assert "Bijgewerkt 3 dagen geleden" in lines
    assert any("ASS (autisme)" in line for line in lines)
    assert any("na overleg" in line for line in lines)
    stale = scoring.explain(
        match_kind="segment", product_label="43A10 Gezinshuis", need_label="segment 2 (Wonen)", km=1, origin_label="5701 Helmond",
        waiting_weeks=None, free_places=0, intake_status="open", updated_at=NOW - dt.timedelta(days=40), now=NOW,
    )
    assert stale[0] == "Valt onder segment 2 (Wonen) (43A10 Gezinshuis)"
    assert "Wachttijd onbekend (telt als lang)" in stale
    assert any("niet bijgewerkt deze maand" in line for line in stale)


@pytest.mark.parametrize("days", [None, 0, 1, 3, 20, 40, 400])
def test_explanation_with_the_age_worked_out_by_the_caller_is_the_same(days):
    updated = None if days is None else NOW - dt.timedelta(days=days)
    kw = dict(match_kind="name", product_label="43A10 Gezinshuis", need_label="gezinshuis", km=3.2, origin_label="Helmond",
              waiting_weeks=2, free_places=None, intake_status="open", updated_at=updated, now=NOW)
    age = (freshness.is_stale(updated, NOW), freshness.age_label(updated, NOW))
    assert scoring.explain(**kw, age=age) == scoring.explain(**kw)


# -- filters -----------------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    age=st.integers(0, 27), lo=st.integers(0, 27), hi=st.integers(0, 27),
    groups=st.frozensets(st.sampled_from(GROUPS)), required=st.frozensets(st.sampled_from(GROUPS), max_size=2),
    intake=intake_st, include_closed=st.booleans(), weeks=waiting_st, max_wait=st.one_of(st.none(), st.integers(0, 60)),
)
def test_eligible_means_every_filter_holds(age, lo, hi, groups, required, intake, include_closed, weeks, max_wait):
    assume(lo <= hi)
    criteria = scoring.Criteria(age, required, max_wait, include_closed)
    ok = scoring.eligible(age_min=lo, age_max=hi, groups=groups, intake_status=intake, waiting_weeks=weeks, criteria=criteria)
    expected = (
        lo <= age <= hi
        and required <= groups
        and (intake != "gesloten" or include_closed)
        and (max_wait is None or (weeks is not None and weeks <= max_wait))
    )
    assert ok == expected


# -- the index query ---------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(
    lat1=st.floats(50.7, 53.6), lon1=st.floats(3.3, 7.3), lat2=st.floats(50.7, 53.6), lon2=st.floats(3.3, 7.3)
)
def test_approximate_distance_stays_within_its_error_bound(lat1, lon1, lat2, lon2):
    exact = geodesic_km(lat1, lon1, lat2, lon2)
    assert abs(approx_km(lat1, lon1, lat2, lon2) - exact) <= exact * APPROX_REL_ERROR / 5 + APPROX_ABS_ERROR_KM


facts_st = st.builds(
    lambda i, prov, product, dlat, dlon, lo, span, groups, intake, weeks, free, age_days: OfferingFacts(
        id=i, provider_id=prov, location_id=i, product_id=product, lat=HELMOND[0] + dlat, lon=HELMOND[1] + dlon,
        age_min=lo, age_max=min(27, lo + span), groups=groups, intake_status=intake, waiting_weeks=weeks, free_places=free,
        updated_at=None if age_days is None else NOW - dt.timedelta(days=age_days),
    ),
    st.just(0), st.integers(1, 5), st.sampled_from([1, 2, 3]), st.floats(-0.8, 0.8), st.floats(-1.2, 1.2),
    st.integers(0, 18), st.integers(0, 10), st.frozensets(st.sampled_from(GROUPS)), intake_st, waiting_st,
    st.one_of(st.none(), st.integers(0, 3)), st.one_of(st.none(), st.integers(0, 90)),
)


def _brute_force(facts, strengths, radius, far_km, criteria, s, preferred, min_nearby, far_results, max_results):
    """The straightforward way: exact geodesic to every offering, score, sort."""
    rows = []
    for f in facts:
        if f.product_id not in strengths or not scoring.eligible(
            age_min=f.age_min, age_max=f.age_max, groups=f.groups, intake_status=f.intake_status,
            waiting_weeks=f.waiting_weeks, criteria=criteria,
        ):
            continue
        km = geodesic_km(HELMOND[0], HELMOND[1], f.lat, f.lon)
        parts = scoring.score_parts(
            match_strength=strengths[f.product_id], km=km, waiting_weeks=f.waiting_weeks, free_places=f.free_places,
            intake_status=f.intake_status, updated_at=f.updated_at, now=NOW, settings=s,
            preferred_served=len(preferred & f.groups), preferred_total=len(preferred),
        )
        score = scoring.score(parts, s)
        rows.append((scoring.sort_key(score, km, f.id, NOW.date()), f.id, km, score))
    rows.sort()
    nearby = [r for r in rows if r[2] <= radius]
    far = [r for r in rows if radius < r[2] <= far_km] if len(nearby) < min_nearby else []
    return nearby[:max_results], far[:far_results], len(nearby)


@settings(max_examples=120, deadline=None)
@given(
    raw=st.lists(facts_st, max_size=60), radius=st.floats(2, 40), age=st.integers(0, 18),
    required=st.frozensets(st.sampled_from(GROUPS), max_size=1), include_closed=st.booleans(),
    max_wait=st.one_of(st.none(), st.integers(0, 40)), preferred=st.frozensets(st.sampled_from(GROUPS), max_size=2),
    max_results=st.integers(1, 8), min_nearby=st.integers(0, 6), far_results=st.integers(0, 4), s=settings_st,
)
def test_index_query_equals_brute_force_and_keeps_every_filter(
    raw, radius, age, required, include_closed, max_wait, preferred, max_results, min_nearby, far_results, s
):
    facts = [OfferingFacts(**{**{k: getattr(f, k) for k in f.__slots__}, "id": i + 1, "location_id": i + 1}) for i, f in enumerate(raw)]
    strengths = {1: 1.0, 2: 0.5}  # product 3 is not part of the need
    criteria = scoring.Criteria(age, required, max_wait, include_closed)
    far_km = 60.0
    index = SearchIndex(facts, {})
    got = query(
        index, strengths=strengths, lat=HELMOND[0], lon=HELMOND[1], radius_km=radius, far_km=far_km, criteria=criteria,
        settings=s, now=NOW, preferred_groups=preferred, min_nearby=min_nearby, far_results=far_results, max_results=max_results,
    )
    nearby, far, total = _brute_force(facts, strengths, radius, far_km, criteria, s, preferred, min_nearby, far_results, max_results)
    assert [h.facts.id for h in got.nearby] == [r[1] for r in nearby]
    assert [h.facts.id for h in got.far] == [r[1] for r in far]
    assert [h.score for h in got.nearby + got.far] == [r[3] for r in nearby + far]
    assert got.nearby_total == total
    for h in got.nearby + got.far:
        f = h.facts
        assert f.product_id in strengths
        assert f.age_min <= age <= f.age_max
        assert required <= f.groups
        assert include_closed or f.intake_status != "gesloten"
        assert max_wait is None or (f.waiting_weeks is not None and f.waiting_weeks <= max_wait)
    assert all(h.km <= radius for h in got.nearby)
    assert all(radius < h.km <= far_km for h in got.far)
    if got.far:
        assert got.nearby_total < min_nearby


def _same(i: int, provider: int) -> OfferingFacts:
    return OfferingFacts(i, provider, i, 1, HELMOND[0] + 0.01, HELMOND[1], 0, 18, frozenset(), "open", 4, 1, NOW - dt.timedelta(days=1))


def test_ties_ignore_the_provider_so_big_providers_are_not_favoured():
    # Provider 1 has six identical offerings, providers 2..7 one each: every score is equal.
    facts = [_same(i, 1) for i in range(1, 7)] + [_same(i, i - 5) for i in range(7, 13)]
    kwargs = dict(strengths={1: 1.0}, lat=HELMOND[0], lon=HELMOND[1], radius_km=15, far_km=60,
                  criteria=scoring.Criteria(10), settings=SETTINGS, max_results=50)
    got = query(SearchIndex(facts, {}), now=NOW, **kwargs)
    assert len({h.score for h in got.nearby}) == 1
    ids = [h.facts.id for h in got.nearby]
    assert ids == sorted(ids, key=lambda i: scoring.tie_key(i, NOW.date()))
    # The same offerings owned by other providers come out in exactly the same order.
    swapped = [OfferingFacts(**{**{k: getattr(f, k) for k in f.__slots__}, "provider_id": 99 - f.provider_id}) for f in facts]
    assert [h.facts.id for h in query(SearchIndex(swapped, {}), now=NOW, **kwargs).nearby] == ids
    # Over a month the big provider is not always on top, and the small ones do get there.
    tops = [query(SearchIndex(facts, {}), now=NOW + dt.timedelta(days=d), **kwargs).nearby[0].facts.provider_id for d in range(30)]
    assert set(tops) - {1}
    assert tops.count(1) < 30


@settings(max_examples=60, deadline=None)
@given(copies=st.integers(2, 30), max_results=st.integers(1, 6), places=st.integers(1, 3), s=settings_st)
def test_equal_scores_at_equal_distances_keep_the_daily_tie_order(copies, max_results, places, s):
    """Many offerings with the same facts at a few identical spots: score and distance tie, so the
    top k must come out in the daily tie-key order exactly as the brute force sorts them."""
    facts = [
        OfferingFacts(id=i + 1, provider_id=1, location_id=i + 1, product_id=1, lat=HELMOND[0] + 0.01 * (i % places),
                      lon=HELMOND[1], age_min=0, age_max=18, groups=frozenset(), intake_status="open", waiting_weeks=4,
                      free_places=1, updated_at=NOW - dt.timedelta(days=3))
        for i in range(copies)
    ]
    criteria = scoring.Criteria(10, frozenset(), None, False)
    got = query(SearchIndex(facts, {}), strengths={1: 1.0}, lat=HELMOND[0], lon=HELMOND[1], radius_km=15, far_km=60,
                criteria=criteria, settings=s, now=NOW, min_nearby=0, far_results=0, max_results=max_results)
    nearby, _far, _total = _brute_force(facts, {1: 1.0}, 15, 60, criteria, s, frozenset(), 0, 0, max_results)
    assert [h.facts.id for h in got.nearby] == [r[1] for r in nearby]
