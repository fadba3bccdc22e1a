"""The reminder rules without a database: working days, who counts as current, who is due for what."""
from __future__ import annotations

import datetime as dt

import pytest

from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.domain.reminders import (
    NO_EMAIL,
    ProviderState,
    ReminderRecord,
    Schedule,
    due_reminders,
    dutch_holidays,
    easter_sunday,
    first_working_day,
    is_current,
    is_working_day,
    period_label,
    period_of,
)

SCHEDULE = Schedule(hour=8, followup_days=7, escalate_days=14, max_attempts=3, stuck_after=dt.timedelta(minutes=30))
FEB = dt.datetime(2026, 2, 15, 12, tzinfo=TZ)  # last month: stale in March
MAR = dt.datetime(2026, 3, 1, 10, tzinfo=TZ)  # this month (a Sunday)


def at(day: int, hour: int = 8, month: int = 3) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=TZ)


def state(pid=1, updates=(FEB,), email="intake@a.example", **reminders) -> ProviderState:
    return ProviderState(pid, f"Aanbieder {pid}", email, tuple(updates), reminders)


def kinds(due) -> list[tuple[int, str]]:
    return [(d.provider_id, d.kind) for d in due]


@pytest.mark.parametrize("year,expected", [(2024, dt.date(2024, 3, 31)), (2025, dt.date(2025, 4, 20)), (2026, dt.date(2026, 4, 5)), (2038, dt.date(2038, 4, 25))])
def test_easter(year, expected):
    assert easter_sunday(year) == expected


def test_holidays_move_kings_day_off_sunday():
    assert dt.date(2025, 4, 26) in dutch_holidays(2025)  # 27 April 2025 is a Sunday
    assert dt.date(2026, 4, 27) in dutch_holidays(2026)
    assert dt.date(2026, 5, 14) in dutch_holidays(2026)  # Hemelvaart
    assert dt.date(2026, 5, 25) in dutch_holidays(2026)  # Tweede pinksterdag


@pytest.mark.parametrize(
    "year,month,expected",
    [
        (2026, 1, dt.date(2026, 1, 2)),  # Thursday 1 January: Nieuwjaarsdag
        (2027, 1, dt.date(2027, 1, 4)),  # Friday 1 January holiday, then a weekend
        (2026, 3, dt.date(2026, 3, 2)),  # Sunday 1 March
        (2026, 8, dt.date(2026, 8, 3)),  # Saturday 1 August
        (2024, 4, dt.date(2024, 4, 2)),  # Monday 1 April 2024 was Easter Monday
        (2026, 6, dt.date(2026, 6, 1)),  # an ordinary Monday
        (2026, 12, dt.date(2026, 12, 1)),
    ],
)
def test_first_working_day(year, month, expected):
    assert first_working_day(year, month) == expected
    assert is_working_day(expected)


def test_period_in_amsterdam_time():
    # 23:30 UTC on 31 March is already April in Amsterdam.
    assert period_of(dt.datetime(2026, 3, 31, 23, 30, tzinfo=dt.timezone.utc)) == "2026-04"
    assert period_label("2026-03") == "maart 2026"


def test_is_current_needs_every_contracted_offering_this_month():
    now = at(10)
    assert is_current([MAR, MAR], now)
    assert not is_current([MAR, FEB], now)  # one stale offering keeps the provider on the list
    assert not is_current([MAR, None], now)
    assert not is_current([], now)  # contracted but nothing in the wijzer: not current


def test_first_reminder_on_first_working_day_from_reminder_hour():
    providers = [state(1), state(2, updates=(MAR,)), state(3, updates=(MAR, FEB))]
    assert due_reminders(providers, at(1, 12), SCHEDULE) == []  # Sunday 1 March
    assert due_reminders(providers, at(2, 7), SCHEDULE) == []  # before 08:00
    due = due_reminders(providers, at(2, 8), SCHEDULE)
    assert kinds(due) == [(1, "first"), (3, "first")]
    assert "1 van 2 aanbod niet bijgewerkt" in due[1].reason


def test_nothing_on_weekends_even_when_due():
    assert due_reminders([state(1)], at(7, 10), SCHEDULE) == []  # Saturday
    assert kinds(due_reminders([state(1)], at(9, 10), SCHEDULE)) == [(1, "first")]


def test_nobody_twice_once_logged():
    sent = ReminderRecord("first", "sent", dt.date(2026, 3, 2))
    assert due_reminders([state(1, first=sent)], at(3), SCHEDULE) == []


def test_second_reminder_after_followup_days_counted_from_the_first():
    first = ReminderRecord("first", "sent", dt.date(2026, 3, 4))  # caught up late, on the 4th
    assert kinds(due_reminders([state(1, first=first)], at(10), SCHEDULE)) == []
    assert kinds(due_reminders([state(1, first=first)], at(11), SCHEDULE)) == [(1, "second")]
    # updated in between: nothing more
    assert due_reminders([state(1, updates=(at(5),), first=first)], at(11), SCHEDULE) == []


def test_escalation_after_escalate_days():
    first = ReminderRecord("first", "sent", dt.date(2026, 3, 2))
    second = ReminderRecord("second", "sent", dt.date(2026, 3, 9))
    assert kinds(due_reminders([state(1, first=first, second=second)], at(13), SCHEDULE)) == []
    assert kinds(due_reminders([state(1, first=first, second=second)], at(16), SCHEDULE)) == [(1, "escalation")]
    done = ReminderRecord("escalation", "sent", dt.date(2026, 3, 16))
    assert due_reminders([state(1, first=first, second=second, escalation=done)], at(17), SCHEDULE) == []


def test_without_email_fails_first_and_escalates_at_once():
    due = due_reminders([state(1, email=None)], at(2), SCHEDULE)
    assert kinds(due) == [(1, "first"), (1, "escalation")]
    assert due[0].without_email and not due[1].without_email
    logged = ReminderRecord("first", "failed", dt.date(2026, 3, 2), error=NO_EMAIL)
    escalated = ReminderRecord("escalation", "sent", dt.date(2026, 3, 2))
    assert due_reminders([state(1, email=None, first=logged, escalation=escalated)], at(3), SCHEDULE) == []
    # an address entered later: the first reminder is retried
    assert kinds(due_reminders([state(1, first=logged, escalation=escalated)], at(3), SCHEDULE)) == [(1, "first")]


def test_failed_first_is_retried_up_to_max_attempts_and_escalates_anyway():
    failed = ReminderRecord("first", "failed", dt.date(2026, 3, 2), attempts=2, error="verbinding geweigerd")
    due = due_reminders([state(1, first=failed)], at(3), SCHEDULE)
    assert kinds(due) == [(1, "first")] and due[0].retry
    exhausted = ReminderRecord("first", "failed", dt.date(2026, 3, 2), attempts=3, error="verbinding geweigerd")
    assert due_reminders([state(1, first=exhausted)], at(3), SCHEDULE) == []
    # the mail never got out: escalation counts from the first working day
    assert kinds(due_reminders([state(1, first=exhausted)], at(16), SCHEDULE)) == [(1, "escalation")]


def test_stuck_sending_claim_is_retried_only_after_the_stuck_time():
    now = dt.datetime(2026, 3, 2, 9, tzinfo=TZ)
    fresh = ReminderRecord("first", "sending", dt.date(2026, 3, 2), claimed_at=now - dt.timedelta(minutes=5))
    stuck = ReminderRecord("first", "sending", dt.date(2026, 3, 2), claimed_at=now - dt.timedelta(hours=1))
    assert due_reminders([state(1, first=fresh)], now, SCHEDULE, now=now) == []
    due = due_reminders([state(1, first=stuck)], now, SCHEDULE, now=now)
    assert kinds(due) == [(1, "first")] and due[0].retry


def test_missed_first_working_day_is_caught_up_once():
    # No run on Monday 2 March: Tuesday's run finds the provider due, once.
    due = due_reminders([state(1)], at(3, 8), SCHEDULE)
    assert kinds(due) == [(1, "first")]
    logged = ReminderRecord("first", "sent", dt.date(2026, 3, 3))
    assert due_reminders([state(1, first=logged)], at(4, 8), SCHEDULE) == []


def test_a_new_month_starts_over():
    # Updated in March is stale in April; April's records are empty, so April's first reminder is due.
    april = dt.datetime(2026, 4, 1, 8, tzinfo=TZ)
    assert kinds(due_reminders([state(1, updates=(MAR,))], april, SCHEDULE)) == [(1, "first")]
    assert due_reminders([state(1, updates=(april,))], april, SCHEDULE) == []
