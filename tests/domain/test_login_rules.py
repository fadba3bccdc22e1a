"""The pure rules behind logins: the ticket and its limits, the wait after failures, common passwords."""
from __future__ import annotations

import datetime as dt

import pytest

from beschikbaarheid.domain import login_throttle, passwords, sessions

LIMITS = sessions.Limits(idle_seconds=1800, absolute_seconds=12 * 3600)


def test_ticket_round_trip_and_refuses_anything_else():
    ticket = sessions.Ticket(7, 3, 1000, 1500, sessions.new_login_id())
    assert sessions.parse(ticket.text()) == ticket
    assert sessions.new_login_id() != sessions.new_login_id()
    ok = "0123456789abcdef"
    for text in (None, "", "7", "7:3:1000:1500", f"7:3:1000:x:{ok}", f"7:-3:1000:1500:{ok}", "7:3:1000:1500:9",
                 f"7:3:1000:1500:{ok.upper()}", f"٧:3:1000:1500:{ok}", f"7:3:1000:1500:{ok}:1"):
        assert sessions.parse(text) is None, text


@pytest.mark.parametrize(("login_at", "seen_at", "now", "alive"), [
    (0, 0, 1799, True),
    (0, 0, 1800, False),  # idle 30 minutes
    (0, 43_000, 43_199, True),
    (0, 43_100, 43_200, False),  # 12 hours after the password, however busy
    (5000, 5000, 4000, False),  # from the future
    (5000, 4000, 6000, False),  # last use before the login: not a ticket the app wrote
])
def test_ticket_limits(login_at, seen_at, now, alive):
    assert sessions.is_alive(sessions.Ticket(1, 0, login_at, seen_at, "0" * 16), now, LIMITS) is alive


def test_wait_grows_then_locks():
    policy = login_throttle.Policy(free_attempts=5, backoff_seconds=2, lock_after=10, lock_seconds=900)
    assert [login_throttle.wait_after(n, policy) for n in range(1, 13)] == [0, 0, 0, 0, 2, 4, 8, 16, 32, 900, 900, 900]
    assert [n for n in range(1, 20) if login_throttle.starts_lock(n, policy)] == [10]
    t = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    assert login_throttle.seconds_to_wait(6, t, t + dt.timedelta(seconds=1.5), policy) == 3
    assert login_throttle.seconds_to_wait(6, t, t + dt.timedelta(seconds=4), policy) == 0
    assert login_throttle.seconds_to_wait(12, t, t + dt.timedelta(days=1), policy) == 0  # forgotten


@pytest.mark.parametrize(("password", "common"), [
    ("password", True), ("PASSWORD123456", True), ("Welkom2024!!", True), ("wachtwoord-123", True),
    ("123456789012", False), ("abababababab", True), ("fietsbel-regenjas-kopje-thee", False),
    ("demo-wachtwoord-2026", False), ("Zonnebloem#1977", True),
])
def test_common_passwords(password, common):
    assert passwords.is_too_common(password) is common
