"""Waiting-time figures per product: median, P90 and share above the norm of known lists (pure)."""
import datetime as dt

import pytest

from beschikbaarheid.domain import waiting_stats
from beschikbaarheid.domain.waiting_stats import WaitingChange

UTC = dt.timezone.utc


def test_median_and_p90_of_one_to_ten_match_excel_percentile_inc():
    values = list(range(1, 11))
    assert waiting_stats.median(values) == pytest.approx(5.5)
    # rank (10 - 1) * 0.9 = 8.1 -> 9 + 0.1 * (10 - 9)
    assert waiting_stats.percentile(values, 90) == pytest.approx(9.1)


def test_percentile_of_one_value_and_of_none():
    assert waiting_stats.percentile([7], 90) == 7
    assert waiting_stats.percentile([], 50) is None
    with pytest.raises(ValueError):
        waiting_stats.percentile([1], 101)


def test_stats_of_a_known_list_with_an_unknown_value():
    stats = waiting_stats.waiting_stats([0, 2, 12, 40, None], norm_weeks=14)
    assert (stats.count, stats.minimum, stats.maximum) == (4, 0, 40)
    assert stats.median == pytest.approx(7.0)
    assert stats.p90 == pytest.approx(31.6)  # rank 2.7 -> 12 + 0.7 * 28
    assert stats.above_norm == 1 and stats.share_above_norm == pytest.approx(0.25)


def test_a_wait_of_exactly_the_norm_is_not_above_it():
    stats = waiting_stats.waiting_stats([14, 15], norm_weeks=14)
    assert stats.above_norm == 1


def test_no_values_no_figures():
    stats = waiting_stats.waiting_stats([None], norm_weeks=14)
    assert stats.count == 0 and stats.median is None and stats.share_above_norm is None


def d(month, day=15):
    return dt.datetime(2026, month, day, tzinfo=UTC)


def test_value_in_force_is_replayed_from_the_history():
    changes = [WaitingChange(d(2), None, 4), WaitingChange(d(4), 4, 10), WaitingChange(d(6), 10, 8)]
    born = d(2)
    assert waiting_stats.value_at(changes, d(1), born=born, current=8) is None  # not yet there
    assert waiting_stats.value_at(changes, d(3), born=born, current=8) == 4
    assert waiting_stats.value_at(changes, d(5), born=born, current=8) == 10
    assert waiting_stats.value_at(changes, d(7), born=born, current=8) == 8


def test_before_the_first_recorded_update_the_old_value_was_shown():
    changes = [WaitingChange(d(5), 3, 9)]
    assert waiting_stats.value_at(changes, d(3), born=d(1), current=9) == 3


def test_without_history_the_current_value_holds_since_birth():
    assert waiting_stats.value_at([], d(3), born=d(1), current=6) == 6
    assert waiting_stats.value_at([], d(3), born=None, current=6) == 6


def test_to_int_reads_history_text():
    assert waiting_stats.to_int("12") == 12 and waiting_stats.to_int(None) is None and waiting_stats.to_int("x") is None


@pytest.mark.parametrize("expected,realised,started,flagged", [
    (4, 8, 3, True),        # twice and 4 weeks more, over 3 starts: the edge itself
    (4, 7.9, 3, False),     # just under twice
    (4, 8, 2, False),       # too few starts to say
    (1, 4.5, 10, False),    # 4.5 times, but only 3.5 weeks more
    (0, 6, 4, True),        # "0 weken" while children waited six
    (None, 30, 5, False),   # nothing expected published: nothing to compare
    (4, None, 0, False),    # "geen starts"
])
def test_realised_far_above_expected(expected, realised, started, flagged):
    assert waiting_stats.realised_far_above_expected(expected, realised, started) is flagged


def test_realised_waits_of_several_offerings_are_weighted_by_their_starts():
    weeks, started = waiting_stats.weighted_realised([(10.0, 1), (20.0, 3), (None, 0), (50.0, 0)])
    assert started == 4 and weeks == pytest.approx(17.5)
    assert waiting_stats.weighted_realised([(None, None)]) == (None, 0)


def test_to_number_reads_decimal_history_text():
    assert waiting_stats.to_number("12.5") == 12.5 and waiting_stats.to_number("7") == 7.0
    assert waiting_stats.to_number(None) is None and waiting_stats.to_number("onbekend") is None
