"""Quarters of the quarterly report: parsing what a URL holds, the default and the choice offered."""
import datetime as dt

import pytest

from beschikbaarheid.domain.quarters import Quarter, QuarterError, last_full_quarter, parse_quarter, recent_quarters

TODAY = dt.date(2026, 12, 4)


def test_a_quarter_has_three_months_and_its_bounds():
    q = Quarter(2026, 3)
    assert q.months == [dt.date(2026, 7, 1), dt.date(2026, 8, 1), dt.date(2026, 9, 1)]
    assert (q.first_day, q.last_day) == (dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert Quarter(2026, 4).last_day == dt.date(2026, 12, 31) and Quarter(2026, 1).previous() == Quarter(2025, 4)
    assert (q.key, q.label) == ("2026-K3", "K3 2026")


def test_default_is_the_last_full_quarter():
    assert last_full_quarter(TODAY) == Quarter(2026, 3)
    assert last_full_quarter(dt.date(2026, 1, 1)) == Quarter(2025, 4)
    assert recent_quarters(TODAY, 3) == [Quarter(2026, 4), Quarter(2026, 3), Quarter(2026, 2)]


@pytest.mark.parametrize("text,expected", [("2026-K3", Quarter(2026, 3)), ("2025-q1", Quarter(2025, 1)), (" 2026-K4 ", Quarter(2026, 4))])
def test_parse_accepts_k_and_q(text, expected):
    assert parse_quarter(text, TODAY) == expected


@pytest.mark.parametrize("text", ["", None, "2026-K5", "2026-K0", "2026K3", "26-K3", "2027-K1", "1999-K4", "2026-K3; drop"])
def test_parse_refuses_what_is_not_a_reportable_quarter(text):
    with pytest.raises(QuarterError):
        parse_quarter(text, TODAY)
