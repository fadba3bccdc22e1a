"""Register rules of keeping a region in the browser (domain/register_admin.py), without an app."""
from __future__ import annotations

import datetime as dt

import pytest

from beschikbaarheid.domain import register_admin as rules

D = dt.date


@pytest.mark.parametrize(("typed", "stored", "problem"), [
    ("43a10", "43A10", None),
    (" 45 B01 ", "45B01", None),
    ("", "", "empty"),
    ("A10", "A10", "shape"),
    ("43A10TOOLONG", "43A10TOOLONG", "shape"),
    ("39A01", "39A01", "category"),
    ("56A01", "56A01", "category"),
])
def test_product_codes_are_normalised_and_checked(typed, stored, problem):
    assert rules.normalise_code(typed) == stored
    assert rules.code_problem(stored) == problem


def test_the_category_is_the_first_two_digits():
    assert rules.category_of("45B01") == "45"


@pytest.mark.parametrize(("a", "b", "overlap"), [
    ((D(2026, 1, 1), D(2026, 12, 31)), (D(2027, 1, 1), None), False),
    ((D(2026, 1, 1), D(2026, 12, 31)), (D(2026, 12, 31), None), True),  # both ends included
    ((D(2026, 1, 1), None), (D(2030, 1, 1), D(2030, 2, 1)), True),  # open-ended covers everything after
    ((D(2026, 6, 1), D(2026, 6, 30)), (D(2026, 1, 1), D(2026, 5, 31)), False),
])
def test_periods_overlap_when_they_share_a_day(a, b, overlap):
    assert rules.Period(*a).overlaps(rules.Period(*b)) is overlap
    assert rules.Period(*b).overlaps(rules.Period(*a)) is overlap


def test_a_period_needs_a_start_and_an_end_not_before_it():
    assert rules.period_problem(None, None) == "missing"
    assert rules.period_problem(D(2026, 2, 1), D(2026, 1, 31)) == "order"
    assert rules.period_problem(D(2026, 2, 1), D(2026, 2, 1)) is None
    assert rules.period_problem(D(2026, 2, 1), None) is None


def test_an_end_lies_between_the_start_and_the_current_end():
    period = rules.Period(D(2026, 1, 1), D(2026, 12, 31))
    assert rules.end_problem(period, D(2025, 12, 31)) == "before_start"
    assert rules.end_problem(period, D(2027, 1, 1)) == "after_end"
    assert rules.end_problem(period, D(2026, 1, 1)) is None
    assert rules.end_problem(rules.Period(D(2026, 1, 1), None), D(2040, 1, 1)) is None


def test_the_yearly_extension_moves_only_contracts_ending_on_31_december():
    contracts = [(1, D(2026, 12, 31)), (2, None), (3, D(2026, 6, 30)), (4, D(2025, 12, 31))]
    plan = rules.plan_extension(contracts, 2026)
    assert plan == [rules.Extension(1, D(2026, 12, 31), D(2027, 12, 31))]
    # Applied, nothing ends on that day any more: a second run changes nothing.
    assert rules.plan_extension([(1, D(2027, 12, 31)), (2, None)], 2026) == []


def test_a_location_is_questioned_beyond_five_km_from_its_postcode():
    near = rules.distance_from_centre(51.4786, 5.6597, 51.4786 + 0.04, 5.6597)  # about 4.4 km
    far = rules.distance_from_centre(51.4786, 5.6597, 51.4786 + 0.05, 5.6597)  # about 5.6 km
    assert not rules.is_far_from_postcode(near) and rules.is_far_from_postcode(far)
