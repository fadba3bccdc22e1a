"""Scoring and ranking (domain/scoring.py), without a database.

Property tests (hypothesis): each score part moves the score the right way, the filters hold for
every result, and ties never depend on the provider.
"""
from __future__ import annotations

import datetime as dt
import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from beschikbaarheid.domain import scoring

UTC = dt.timezone.utc
NOW = dt.datetime(2024, 5, 20, 10, 0, tzinfo=UTC)
SETTINGS = scoring.ScoreSettings()
GROUPS = ("ASS", "LVB", "TRAUMA", "GGZ")

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
    w = scoring.Weights(4, 2, 2, 0).normalised
    assert math.isclose(w.fit + w.distance + w.waiting + w.freshness, 1.0)
    assert w.fit == pytest.approx(0.5) and w.freshness == 0
    assert scoring.Weights(0, 0, 0, 0).normalised == scoring.Weights(0.25, 0.25, 0.25, 0.25)


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


def test_sort_key_puts_the_named_product_before_one_that_resembles_it_whatever_the_score():
    """Issue 17: "pleegzorg" puts Pleegzorg (8 weeks) above Crisispleegzorg (0 weeks)."""
    day = NOW.date()
    named, resembles = scoring.STRENGTH_NAMED, scoring.STRENGTH_NAME_MAX
    assert scoring.sort_key(60, 14.0, 1, day, named) < scoring.sort_key(89, 1.0, 2, day, resembles)
    assert scoring.sort_key(40, 14.0, 1, day, resembles) < scoring.sort_key(70, 1.0, 2, day, scoring.STRENGTH_BROAD)
    assert scoring.fit_tier(scoring.STRENGTH_CODE) == scoring.fit_tier(scoring.STRENGTH_NAMED_MIN) == scoring.TIER_NAMED


@settings(max_examples=300, deadline=None)
@given(a=st.floats(0, 1), b=st.floats(0, 1))
def test_a_stronger_match_is_never_in_a_lower_tier(a, b):
    assume(a <= b)
    assert scoring.fit_tier(a) >= scoring.fit_tier(b)


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


@settings(max_examples=400, deadline=None)
@given(s=settings_st, strength=st.floats(0, 1), km=st.floats(0, 300), farther=st.floats(0, 100), weeks=waiting_st,
       free=st.one_of(st.none(), st.integers(0, 5)), intake=intake_st, updated=updated_st, served=st.integers(0, 3), total=st.integers(0, 3))
def test_no_offering_scores_above_the_best_possible_at_its_distance(s, strength, km, farther, weeks, free, intake, updated, served, total):
    """The ranking stops scoring once best_possible at the next distance is below its last place:
    nothing at that distance or farther may score higher."""
    assume(served <= total)
    actual = _score(s, match_strength=strength, km=km + farther, waiting_weeks=weeks, free_places=free, intake_status=intake,
                    updated_at=updated, preferred_served=served, preferred_total=total)
    assert actual <= scoring.best_possible(strength, km, s)
    key = scoring.sort_key(actual, km + farther, 1, NOW.date(), strength)
    assert scoring.best_possible_key(strength, km, s) <= key[:3]


def test_explanation_names_the_target_groups_own_wait_when_it_applied():
    common = dict(match_kind="code", product_label="43A10 Gezinshuis", need_label="43A10 Gezinshuis", km=2.0,
                  origin_label="Helmond", free_places=0, intake_status="open", updated_at=NOW, now=NOW, required_groups=["ASS"])
    assert "Wachttijd voor ASS: 20 weken" in scoring.explain(waiting_weeks=20, applied_wait="ASS", **common)
    assert "Wachttijd voor ASS: 1 week" in scoring.explain(waiting_weeks=1, applied_wait="ASS", **common)
    general = scoring.explain(waiting_weeks=6, applied_wait="algemeen", **common)
    assert "Wachttijd 6 weken" in general and not any("voor ASS" in line for line in general)


def test_sort_key_by_distance_puts_nearer_first_then_the_higher_score():
    day = dt.date(2026, 3, 2)
    assert scoring.sort_key(40, 1.0, 1, day, order="afstand") < scoring.sort_key(90, 2.0, 2, day, order="afstand")
    assert scoring.sort_key(80, 1.0, 1, day, order="afstand") < scoring.sort_key(79, 1.0, 2, day, order="afstand")


def test_sort_key_by_waiting_time_puts_shorter_first_and_an_unknown_wait_last():
    day = dt.date(2026, 3, 2)

    def key(score, km, oid, weeks):
        return scoring.sort_key(score, km, oid, day, order="wachttijd", waiting_weeks=weeks)

    assert key(40, 9.0, 1, 0) < key(90, 1.0, 2, 3) < key(99, 0.5, 3, None)
    assert key(80, 9.0, 1, 3) < key(70, 1.0, 2, 3)  # same wait: higher score first
    assert key(80, 1.0, 1, 3) < key(80, 2.0, 2, 3)  # same wait and score: nearer first


@pytest.mark.parametrize("order", scoring.SORTS)
def test_every_order_keeps_the_named_product_first_and_breaks_ties_deterministically(order):
    day = dt.date(2026, 3, 2)
    named = scoring.sort_key(20, 40.0, 1, day, scoring.STRENGTH_NAMED, order=order, waiting_weeks=50)
    resembles = scoring.sort_key(99, 0.1, 2, day, scoring.STRENGTH_NAME_MAX, order=order, waiting_weeks=0)
    assert named < resembles
    twins = [scoring.sort_key(70, 3.0, oid, day, order=order, waiting_weeks=4) for oid in range(1, 30)]
    assert len(set(twins)) == len(twins)  # a total order: equal results never tie
    assert sorted(twins) != twins  # the daily hash, not the id, decides between equals
