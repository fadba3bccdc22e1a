"""The coordination point's vocabulary: age bands and who coordinates."""
from beschikbaarheid.domain.gezinshuis import HOUSEHOLD_BANDS, band_of, is_coordinator


def test_every_age_falls_in_exactly_the_band_that_names_it():
    assert [band_of(age) for age in (0, 3, 4, 7, 8, 11, 12, 15, 16, 17, 18, 21)] == [
        "0-3", "0-3", "4-7", "4-7", "8-11", "8-11", "12-15", "12-15", "16-17", "16-17", "18+", "18+"]
    assert {band_of(age) for age in range(0, 28)} == set(HOUSEHOLD_BANDS)


def test_only_a_contract_manager_or_administrator_with_the_right_coordinates():
    assert is_coordinator("contractmanager", True)
    assert is_coordinator("beheerder", True)
    assert not is_coordinator("contractmanager", False)
    assert not is_coordinator("verwijzer", True)
    assert not is_coordinator("aanbieder", True)


# -- the provider's profile ---------------------------------------------------------------------

import datetime as dt  # noqa: E402

from beschikbaarheid.domain.gezinshuis import Child, Home, match, match_order, profile_errors, vacant_since  # noqa: E402

TODAY = dt.date(2026, 3, 2)


def _values(**kw):
    values = {"places_allowed": 4, "places_taken": 2, "age_min": 4, "age_max": 18, "siblings_together": True, "siblings_max": 2,
              "household": {("placed", "8-11"): 2, ("own", "4-7"): 1}, "free_from": None}
    values.update(kw)
    return values


def test_a_sound_profile_passes():
    assert profile_errors(_values(), TODAY) == {}


def test_more_places_taken_than_allowed_is_refused_in_dutch():
    errors = profile_errors(_values(places_taken=5, household={("placed", "8-11"): 5}), TODAY)
    assert "niet meer plekken bezet zijn (5) dan er zijn toegestaan (4)" in errors["places_taken"]


def test_the_age_range_must_run_upwards():
    assert "lager dan de leeftijd vanaf" in profile_errors(_values(age_min=12, age_max=8), TODAY)["age_max"]
    assert "age_min" in profile_errors(_values(age_min=30, age_max=30), TODAY)


def test_siblings_together_needs_a_group_size_within_the_places():
    assert "siblings_max" in profile_errors(_values(siblings_max=5), TODAY)
    assert "siblings_max" in profile_errors(_values(siblings_max=1), TODAY)
    assert "siblings_max" in profile_errors(_values(siblings_together=False, siblings_max=2), TODAY)
    assert profile_errors(_values(siblings_together=False, siblings_max=0), TODAY) == {}


def test_the_placed_children_must_match_the_places_taken():
    errors = profile_errors(_values(household={("placed", "8-11"): 1}), TODAY)
    assert "1 geplaatste kinderen, maar 2 bezette plekken" in errors["household"]


def test_plek_vrij_per_is_for_a_full_home_and_not_long_past():
    full = {"places_taken": 4, "household": {("placed", "8-11"): 4}}
    assert profile_errors(_values(**full, free_from=TODAY + dt.timedelta(weeks=3)), TODAY) == {}
    assert profile_errors(_values(**full, free_from=TODAY - dt.timedelta(days=7)), TODAY) == {}
    assert "in het verleden" in profile_errors(_values(**full, free_from=TODAY - dt.timedelta(days=40)), TODAY)["free_from"]
    assert "twee jaar" in profile_errors(_values(**full, free_from=TODAY + dt.timedelta(days=800)), TODAY)["free_from"]
    assert "al een plek vrij" in profile_errors(_values(free_from=TODAY + dt.timedelta(weeks=3)), TODAY)["free_from"]


def test_a_vacancy_starts_when_a_place_comes_free_and_ends_when_none_is():
    earlier = dt.date(2026, 1, 5)
    assert vacant_since(0, 1, None, TODAY) == TODAY
    assert vacant_since(1, 2, earlier, TODAY) == earlier
    assert vacant_since(1, 0, earlier, TODAY) is None


# -- best match --------------------------------------------------------------------------------


def _home(**kw):
    values = dict(age_min=4, age_max=18, free_now=2, free_from=None, siblings_together=True, siblings_max=3,
                  household={("placed", "12-15"): 1, ("own", "16-17"): 1}, groups=frozenset({"LVB"}), specialisms=frozenset(), km=5.0)
    values.update(kw)
    return Home(**values)


TEEN_LVB_WITH_BROTHER = Child(age=13, siblings=1, groups=frozenset({"LVB"}))


def test_a_home_outside_the_age_range_cannot_take_the_child_and_says_why():
    result = match(TEEN_LVB_WITH_BROTHER, _home(age_min=0, age_max=10), TODAY, 8)
    assert not result.fits and result.score == 0
    assert "neemt kinderen van 0 tot en met 10 jaar" in result.blockers


def test_siblings_need_a_home_that_places_them_together():
    result = match(TEEN_LVB_WITH_BROTHER, _home(siblings_together=False, siblings_max=0), TODAY, 8)
    assert "kan geen 2 broers en zussen samen plaatsen" in result.blockers
    assert match(Child(age=13), _home(siblings_together=False, siblings_max=0), TODAY, 8).fits


def test_no_place_now_nor_within_the_horizon_is_no_match():
    later = TODAY + dt.timedelta(weeks=12)
    assert not match(Child(age=13), _home(free_now=0, free_from=later), TODAY, 8).fits
    soon = match(Child(age=13), _home(free_now=0, free_from=TODAY + dt.timedelta(weeks=3)), TODAY, 8)
    assert soon.fits and soon.free_date == TODAY + dt.timedelta(weeks=3)
    assert any("plek vrij per 23-03-2026" in text for _sign, text in soon.reasons)


def test_a_teenager_does_not_fit_a_house_of_toddlers():
    toddlers = match(Child(age=14), _home(household={("placed", "0-3"): 1, ("own", "4-7"): 1}), TODAY, 8)
    peers = match(Child(age=14), _home(household={("placed", "12-15"): 1}), TODAY, 8)
    assert toddlers.parts["household"] < peers.parts["household"]
    assert ("-", "een tiener in een gezin met 1 kind(eren) van 0-3 jaar") in toddlers.reasons
    assert ("+", "een leeftijdsgenoot (12-15 jaar) in huis") in peers.reasons


def test_a_third_placed_child_of_one_age_band_counts_against():
    crowded = match(Child(age=9), _home(free_now=2, household={("placed", "8-11"): 2}), TODAY, 8)
    assert ("-", "al 2 geplaatste kinderen van 8-11 jaar") in crowded.reasons


def test_a_specialist_home_ranks_higher_for_lvb_and_externalising_behaviour():
    child = Child(age=13, groups=frozenset({"LVB", "EXTERNALISEREND"}))
    specialist = match(child, _home(groups=frozenset({"LVB", "EXTERNALISEREND"}), specialisms=frozenset({"ZWAAR"})), TODAY, 8)
    ordinary = match(child, _home(groups=frozenset({"LVB", "EXTERNALISEREND"})), TODAY, 8)
    assert specialist.score > ordinary.score
    assert ("+", "specialistisch gezinshuis (zwaardere problematiek)") in specialist.reasons
    missing = match(child, _home(groups=frozenset({"LVB"})), TODAY, 8)
    assert ("-", "doelgroep niet genoemd: EXTERNALISEREND") in missing.reasons


def test_free_now_and_nearby_rank_before_free_later_and_far():
    now_near = match(Child(age=13), _home(km=3.0), TODAY, 8)
    later_far = match(Child(age=13), _home(free_now=0, free_from=TODAY + dt.timedelta(weeks=6), km=30.0), TODAY, 8)
    assert sorted([later_far, now_near], key=match_order) == [now_near, later_far]
    assert not match(Child(age=13), _home(km=30.0), TODAY, 8, max_km=20).fits


def test_a_gezinshuis_is_43a10_or_named_so_but_never_a_crisis_place():
    from beschikbaarheid.domain.gezinshuis import is_gezinshuis

    assert is_gezinshuis("43A10", "Gezinshuis", "wonen")
    assert is_gezinshuis("43X01", "Specialistisch gezinshuis", "wonen")
    assert not is_gezinshuis("46A02", "Crisisplek gezinshuis", "crisis")
    assert not is_gezinshuis("43A14", "Woongroep", "wonen")
