"""The request log's rules: bands from an age, weeks, what may be logged, and what is old enough to reduce."""
from __future__ import annotations

import datetime as dt

import pytest

from beschikbaarheid.domain import gezinshuis as rules

TODAY = dt.date(2026, 12, 4)  # a Friday; its week began on Monday 30 November
KNOWN = {"LVB": "", "ASS": ""}


@pytest.mark.parametrize("text, monday", [
    ("2026-W49", dt.date(2026, 11, 30)), ("2026-w01", dt.date(2025, 12, 29)), ("2026-12-03", dt.date(2026, 11, 30)),
    ("2026-11-30", dt.date(2026, 11, 30)), (" 2020-W53 ", dt.date(2020, 12, 28)),
])
def test_a_week_or_a_date_becomes_the_monday_of_its_iso_week(text, monday):
    assert rules.parse_week(text) == monday


@pytest.mark.parametrize("text", ["", "2026-W54", "2026-W0", "W49", "2026-13-01", "volgende week", "2026-W٤٩", "20260-W1"])
def test_anything_else_is_no_week(text):
    assert rules.parse_week(text) is None


def test_week_text_round_trips():
    assert rules.week_text(dt.date(2026, 11, 30)) == "2026-W49"
    assert rules.parse_week(rules.week_text(dt.date(2025, 12, 29))) == dt.date(2025, 12, 29)


def test_an_age_becomes_its_band_and_a_band_is_taken_as_chosen():
    assert rules.resolve_band("", "13") == ("12-15", [])
    assert rules.resolve_band("", "17") == ("16-17", [])
    assert rules.resolve_band("", "19") == ("18+", [])
    assert rules.resolve_band("0-3", "") == ("0-3", [])
    assert rules.resolve_band("", "") == (None, [rules.BAD_BAND])
    assert rules.resolve_band("12-15", "13") == (None, [rules.BAND_AND_AGE])
    for bad in ("22", "-1", "1.5", "²", "dertien"):
        assert rules.resolve_band("", bad) == (None, [rules.BAD_AGE])
    assert rules.resolve_band("12-18", "") == (None, [rules.BAD_BAND])


def _problems(**kw):
    values = dict(target_groups=["LVB"], known_groups=KNOWN, siblings=1, municipality_id=7, region_municipalities={7},
                  week=dt.date(2026, 11, 30), today=TODAY)
    values.update(kw)
    return rules.request_problems(**values)


def test_a_request_of_this_week_with_known_values_can_be_logged():
    assert _problems() == {}


def test_each_wrong_value_is_named_on_its_field():
    assert _problems(target_groups=["LVB", "NAAM"]) == {"target_groups": [rules.BAD_GROUP]}
    assert _problems(siblings=7) == {"siblings": [rules.BAD_SIBLINGS]}
    assert _problems(siblings=-1) == {"siblings": [rules.BAD_SIBLINGS]}
    assert _problems(municipality_id=8) == {"municipality": [rules.BAD_MUNICIPALITY]}
    assert _problems(municipality_id=None) == {"municipality": [rules.BAD_MUNICIPALITY]}
    assert _problems(week=None) == {"week": [rules.BAD_WEEK]}
    assert _problems(week=dt.date(2026, 12, 7)) == {"week": [rules.FUTURE_WEEK]}
    assert _problems(week=dt.date(2024, 11, 25)) == {"week": [rules.TOO_OLD_WEEK]}


def test_an_outcome_needs_a_week_between_the_request_and_now_unless_it_resets():
    requested = dt.date(2026, 10, 5)
    assert rules.outcome_problems("wachtend", None, False, requested, TODAY) == {}
    assert rules.outcome_problems("gezinshuis", dt.date(2026, 10, 5), True, requested, TODAY) == {}
    assert rules.outcome_problems("gezinshuis", dt.date(2026, 11, 30), True, requested, TODAY) == {}
    assert rules.outcome_problems("geplaatst", dt.date(2026, 11, 30), True, requested, TODAY) == {"outcome": [rules.BAD_OUTCOME]}
    assert rules.outcome_problems("pleegzorg", None, False, requested, TODAY) == {"week": [rules.OUTCOME_WEEK_MISSING]}
    assert rules.outcome_problems("pleegzorg", None, True, requested, TODAY) == {"week": [rules.BAD_WEEK]}
    assert rules.outcome_problems("pleegzorg", dt.date(2026, 9, 28), True, requested, TODAY) == {"week": [rules.OUTCOME_BEFORE_REQUEST]}
    assert rules.outcome_problems("pleegzorg", dt.date(2026, 12, 7), True, requested, TODAY) == {"week": [rules.FUTURE_OUTCOME]}


def test_details_older_than_two_years_are_reducible():
    assert rules.detail_cutoff(TODAY) == dt.date(2024, 12, 2)
    assert rules.is_reducible(dt.date(2024, 11, 25), TODAY)
    assert not rules.is_reducible(dt.date(2024, 12, 2), TODAY)
    assert rules.detail_cutoff(dt.date(2028, 2, 29)) == rules.monday(dt.date(2026, 2, 28))


def test_a_week_counts_in_the_month_of_its_thursday():
    assert rules.month_of(dt.date(2026, 11, 30)) == dt.date(2026, 12, 1)
    assert rules.month_of(dt.date(2026, 11, 23)) == dt.date(2026, 11, 1)


def test_reduction_counts_per_month_band_and_outcome_with_the_weeks_to_outcome():
    rows = [(dt.date(2024, 3, 4), "12-15", "gezinshuis", dt.date(2024, 5, 27)),
            (dt.date(2024, 3, 11), "12-15", "gezinshuis", dt.date(2024, 3, 25)),
            (dt.date(2024, 3, 18), "12-15", "wachtend", None),
            (dt.date(2024, 4, 1), "0-3", "pleegzorg", dt.date(2024, 4, 1))]
    assert rules.reduce_requests(rows) == {
        (dt.date(2024, 3, 1), "12-15", "gezinshuis"): (2, 14),
        (dt.date(2024, 3, 1), "12-15", "wachtend"): (1, 0),
        (dt.date(2024, 4, 1), "0-3", "pleegzorg"): (1, 0),
    }


def test_weeks_waiting_run_to_the_outcome_or_to_this_week():
    assert rules.weeks_waiting(dt.date(2026, 10, 5), "gezinshuis", dt.date(2026, 11, 2), TODAY) == 4
    assert rules.weeks_waiting(dt.date(2026, 10, 5), "wachtend", None, TODAY) == 8


def test_vacancy_days_count_the_days_of_the_month_a_place_stood_empty_up_to_today():
    assert rules.vacancy_days(None, dt.date(2026, 11, 1), TODAY) == 0
    assert rules.vacancy_days(dt.date(2026, 11, 21), dt.date(2026, 11, 1), TODAY) == 10
    assert rules.vacancy_days(dt.date(2026, 11, 21), dt.date(2026, 12, 1), TODAY) == 4
    assert rules.vacancy_days(dt.date(2026, 11, 21), dt.date(2026, 10, 1), TODAY) == 0
    assert rules.vacancy_days(dt.date(2026, 1, 5), dt.date(2026, 2, 1), TODAY) == 28
