"""The compliance arithmetic a contract manager reports on, checked by hand (pure, no database)."""
import datetime as dt

import pytest

from beschikbaarheid.domain import compliance, reminders
from beschikbaarheid.domain.compliance import Share
from beschikbaarheid.domain.freshness import TZ

UTC = dt.timezone.utc


def at(y, m, d, h=12):
    return dt.datetime(y, m, d, h, tzinfo=TZ).astimezone(UTC)


def test_nine_of_ten_current_is_ninety_percent_and_meets_the_target():
    share = Share(current=9, contracted=10, target=0.90)
    assert share.share == pytest.approx(0.9)
    assert share.meets_target is True
    assert share.needed == 9 and share.short_of_target == 0 and share.not_current == 1


def test_eight_of_ten_misses_the_target_by_one_provider():
    share = Share(current=8, contracted=10, target=0.90)
    assert share.meets_target is False and share.short_of_target == 1


def test_target_rounds_up_to_whole_providers():
    # 90% of 11 providers is 9.9: ten must be current.
    assert Share(9, 11, 0.9).needed == 10
    assert Share(9, 11, 0.9).meets_target is False
    assert Share(10, 11, 0.9).meets_target is True


def test_no_contracted_providers_is_no_share_not_zero_percent():
    share = Share(0, 0, 0.9)
    assert share.share is None and share.meets_target is None


def test_the_one_definition_of_current_is_the_reminder_jobs():
    assert compliance.is_current is reminders.is_current


def test_month_bounds_follow_amsterdam_time_across_dst():
    start, end = compliance.month_bounds(dt.date(2026, 3, 1))
    assert start.astimezone(UTC) == dt.datetime(2026, 2, 28, 23, 0, tzinfo=UTC)  # CET
    assert end.astimezone(UTC) == dt.datetime(2026, 3, 31, 22, 0, tzinfo=UTC)  # CEST


def test_months_back_cross_the_year_oldest_first():
    months = compliance.months_back(at(2026, 2, 10), 4)
    assert months == [dt.date(2025, 11, 1), dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)]


def test_contract_day_is_today_for_the_running_month_and_the_last_day_otherwise():
    now = at(2026, 3, 15)
    assert compliance.contract_day(dt.date(2026, 3, 1), now) == dt.date(2026, 3, 15)
    assert compliance.contract_day(dt.date(2026, 2, 1), now) == dt.date(2026, 2, 28)


def test_updated_at_as_of_takes_the_latest_row_not_after_the_moment():
    rows = [at(2026, 1, 5), at(2026, 2, 5), at(2026, 4, 5)]
    assert compliance.updated_at_as_of(rows, at(2026, 3, 31)) == at(2026, 2, 5)
    assert compliance.updated_at_as_of(rows, at(2025, 12, 31)) is None


def test_replay_provider_current_per_month():
    feb_and_apr = [at(2026, 2, 3), at(2026, 4, 20)]
    every_month = [at(2026, m, 2) for m in (2, 3, 4)]
    march_end = compliance.month_last_instant(dt.date(2026, 3, 1))
    april_end = compliance.month_last_instant(dt.date(2026, 4, 1))
    assert compliance.provider_current_at([every_month, feb_and_apr], april_end) is True
    # In March one of the two offerings was not touched: not current (every offering counts).
    assert compliance.provider_current_at([every_month, feb_and_apr], march_end) is False
    assert compliance.provider_current_at([every_month], march_end) is True


def test_replay_ignores_offerings_that_did_not_exist_yet():
    march_end = compliance.month_last_instant(dt.date(2026, 3, 1))
    old = [at(2026, 3, 4)]
    created_in_may = [at(2026, 5, 1)]
    assert compliance.provider_current_at([old, created_in_may], march_end) is True


def test_replay_provider_without_offerings_is_not_current():
    assert compliance.provider_current_at([], compliance.month_last_instant(dt.date(2026, 3, 1))) is False


def test_month_label_in_dutch():
    assert compliance.month_label(dt.date(2026, 11, 1)) == "november 2026"
    assert compliance.month_label(dt.date(2026, 3, 1), short=True) == "maa 26"


def test_the_rules_and_charts_import_no_flask():
    """Pure modules: their own imports (and the domain modules they use) name no Flask or database."""
    import ast
    import importlib

    for name in ("domain.compliance", "domain.quality", "domain.waiting_stats", "domain.reminders", "domain.freshness", "charts"):
        module = importlib.import_module(f"beschikbaarheid.{name}")
        tree = ast.parse(open(module.__file__, encoding="utf-8").read())
        imported = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
        imported |= {n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert not {m for m in imported if m.split(".")[0] in ("flask", "flask_sqlalchemy", "sqlalchemy")}, name
        assert not {m for m in imported if m.startswith("beschikbaarheid.") and not m.startswith("beschikbaarheid.domain")}, name
