"""Doubtful figures are flagged with the numbers that make them doubtful (pure, no database)."""
import datetime as dt

from beschikbaarheid.domain import quality
from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.domain.quality import OfferingFacts, WaitingJump

UTC = dt.timezone.utc
NOW = dt.datetime(2026, 11, 20, 12, tzinfo=TZ).astimezone(UTC)
THIS_MONTH = dt.datetime(2026, 11, 3, 9, tzinfo=TZ).astimezone(UTC)


def facts(**kw):
    base = dict(offering_id=1, capacity=6, free_places=1, waiting_weeks=4, updated_at=THIS_MONTH, last_update_kind="update")
    base.update(kw)
    return OfferingFacts(**base)


def kinds(f):
    return [flag.kind for flag in quality.offering_flags(f, NOW)]


def test_plausible_current_offering_has_no_flags():
    assert kinds(facts()) == []


def test_zero_weeks_without_a_free_place_is_the_serious_flag():
    flags = quality.offering_flags(facts(waiting_weeks=0, free_places=0), NOW)
    assert [f.kind for f in flags] == ["zero_wait_no_place"]
    assert flags[0].severity == "bad" and "0 weken" in flags[0].detail


def test_zero_weeks_with_a_free_place_is_only_a_question():
    flags = quality.offering_flags(facts(waiting_weeks=0, free_places=2), NOW)
    assert [f.kind for f in flags] == ["zero_wait"] and flags[0].severity == "warn"
    assert "2 vrije plekken" in flags[0].detail


def test_provider_confirmed_unusual_value_is_still_shown_as_such():
    flag = quality.offering_flags(facts(waiting_weeks=0, free_places=0, unusual_confirmed=True), NOW)[0]
    assert flag.provider_confirmed is True


def test_capacity_inconsistencies():
    assert kinds(facts(capacity=2, free_places=3)) == ["free_above_capacity"]
    assert kinds(facts(capacity=3, free_places=3)) == []
    assert kinds(facts(capacity=None)) == ["capacity_missing"]


def test_stale_offering_is_flagged_by_the_one_staleness_rule():
    last_month = dt.datetime(2026, 10, 31, 23, 30, tzinfo=TZ).astimezone(UTC)
    flags = quality.offering_flags(facts(updated_at=last_month), NOW)
    assert [f.kind for f in flags] == ["stale"] and "31-10-2026" in flags[0].detail
    assert kinds(facts(updated_at=None)) == ["stale"]


def test_only_confirmed_for_six_months_or_more():
    seven_months_ago = dt.datetime(2026, 4, 10, tzinfo=TZ).astimezone(UTC)
    five_months_ago = dt.datetime(2026, 6, 10, tzinfo=TZ).astimezone(UTC)
    blind = facts(last_update_kind="confirm", values_since=seven_months_ago)
    flags = quality.offering_flags(blind, NOW)
    assert [f.kind for f in flags] == ["confirm_only"] and "10-04-2026" in flags[0].detail
    assert kinds(facts(last_update_kind="confirm", values_since=five_months_ago)) == []
    # The last action was a real update: not a run of confirmations.
    assert kinds(facts(last_update_kind="update", values_since=seven_months_ago)) == []
    # Exactly six months is "6+ months".
    assert kinds(facts(last_update_kind="confirm", values_since=dt.datetime(2026, 5, 20, 12, tzinfo=TZ).astimezone(UTC))) == ["confirm_only"]


def test_months_before_clamps_to_the_end_of_a_shorter_month():
    end_of_august = dt.datetime(2026, 8, 31, 10, tzinfo=TZ)
    assert quality.months_before(end_of_august, 6).date() == dt.date(2026, 2, 28)


def test_large_jumps_use_a_strict_threshold():
    assert quality.is_large_jump(2, 15, 12) is True
    assert quality.is_large_jump(2, 14, 12) is False
    assert quality.is_large_jump(30, 4, 12) is True
    assert quality.is_large_jump(None, 40, 12) is False


def test_jump_flags_carry_both_values_and_the_date():
    changes = [WaitingJump(7, NOW, 2, 30), WaitingJump(8, NOW, 2, 5)]
    flags = quality.jump_flags(changes, 12)
    assert [(f.kind, f.offering_id) for f in flags] == [("jump", 7)]
    assert "2 weken naar 30 weken" in flags[0].detail and "20-11-2026" in flags[0].detail


def test_order_puts_the_serious_kinds_first():
    flags = [
        quality.Flag("stale", 1, ""),
        quality.Flag("zero_wait_no_place", 2, ""),
        quality.Flag("jump", 3, "", at=NOW),
    ]
    assert [f.kind for f in quality.order_flags(flags)] == ["zero_wait_no_place", "jump", "stale"]
