"""Who gets which monthly reminder, and when: pure functions over plain values (no Flask, no DB).

The reminder job runs daily; everything here is computed from state (offering updates and the
reminders already logged for the month), never from which trigger fired. That makes a missed run
harmless: the next run finds the same providers due and handles them once.
"""
from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from beschikbaarheid.domain.freshness import TZ, is_current, is_stale

KINDS = ("first", "second", "escalation")
KIND_LABELS = {"first": "eerste herinnering", "second": "tweede herinnering", "escalation": "belijst contractmanager"}
NO_EMAIL = "geen e-mailadres"

MONTHS_NL = (
    "januari", "februari", "maart", "april", "mei", "juni",
    "juli", "augustus", "september", "oktober", "november", "december",
)


# --- working days ---------------------------------------------------------------------------

def easter_sunday(year: int) -> dt.date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm); Easter Monday, Ascension and Whit Monday hang on it."""
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    el = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * el) // 451
    month, day = divmod(h + el - 7 * m + 114, 31)
    return dt.date(year, month, day + 1)


@functools.lru_cache(maxsize=32)  # asked for every day counted; the calendar of a year does not change
def dutch_holidays(year: int) -> dict[dt.date, str]:
    """The generally observed Dutch public holidays (no mail goes out on them).

    Good Friday and Liberation Day (5 May) are left out: they are not a day off for most
    organisations (Liberation Day only once every five years under many collective agreements).
    """
    easter = easter_sunday(year)
    kings_day = dt.date(year, 4, 27)
    if kings_day.weekday() == 6:  # on a Sunday it moves to Saturday the 26th
        kings_day = dt.date(year, 4, 26)
    return {
        dt.date(year, 1, 1): "Nieuwjaarsdag",
        easter: "Eerste paasdag",
        easter + dt.timedelta(days=1): "Tweede paasdag",
        kings_day: "Koningsdag",
        easter + dt.timedelta(days=39): "Hemelvaartsdag",
        easter + dt.timedelta(days=49): "Eerste pinksterdag",
        easter + dt.timedelta(days=50): "Tweede pinksterdag",
        dt.date(year, 12, 25): "Eerste kerstdag",
        dt.date(year, 12, 26): "Tweede kerstdag",
    }


def is_working_day(day: dt.date) -> bool:
    """Monday to Friday and not a Dutch public holiday: providers read mail on working days."""
    return day.weekday() < 5 and day not in dutch_holidays(day.year)


def first_working_day(year: int, month: int) -> dt.date:
    """The first working day of a month, when the first reminder of that month goes out."""
    day = dt.date(year, month, 1)
    while not is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def period_of(as_of: dt.datetime) -> str:
    """The reminder period 'YYYY-MM' (Amsterdam calendar month) that a moment belongs to."""
    local = as_of.astimezone(TZ)
    return f"{local.year:04d}-{local.month:02d}"


def period_label(period: str) -> str:
    """Dutch month name for a period, e.g. '2026-03' -> 'maart 2026'."""
    year, month = period.split("-")
    return f"{MONTHS_NL[int(month) - 1]} {int(year)}"


# --- due reminders --------------------------------------------------------------------------

@dataclass(frozen=True)
class Schedule:
    """The reminder settings (REMINDER_HOUR, REMINDER_FOLLOWUP_DAYS, REMINDER_ESCALATE_DAYS, ...)."""

    hour: int = 8
    followup_days: int = 7
    escalate_days: int = 14
    max_attempts: int = 5
    stuck_after: dt.timedelta = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class ReminderRecord:
    """What is logged for one (provider, period, kind): its status and the day it was due for."""

    kind: str
    status: str  # sending | sent | failed
    scheduled_for: dt.date
    attempts: int = 1
    claimed_at: dt.datetime | None = None
    error: str | None = None


@dataclass(frozen=True)
class ProviderState:
    """A contracted provider as the reminder rules see it."""

    provider_id: int
    name: str
    email: str | None
    offering_updated_ats: tuple[dt.datetime | None, ...]
    reminders: Mapping[str, ReminderRecord] = field(default_factory=dict)  # this period, by kind


@dataclass(frozen=True)
class DueReminder:
    """One action the job must take, with the reason it prints."""

    provider_id: int
    name: str
    email: str | None
    kind: str
    reason: str
    retry: bool = False  # an earlier attempt failed or got stuck: reclaim the logged row

    @property
    def without_email(self) -> bool:
        return self.kind != "escalation" and not self.email


def reminder_moment(day: dt.date, hour: int) -> dt.datetime:
    """The local moment on `day` from which a reminder is due (REMINDER_HOUR, Amsterdam)."""
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def _retryable(rec: ReminderRecord, now: dt.datetime, schedule: Schedule, has_email: bool) -> bool:
    """A failed attempt is retried (up to max_attempts); a claim stuck in 'sending' after a crash too.

    A failure for lack of an address is retried only once an address has been entered.
    """
    if rec.status == "failed":
        if rec.error == NO_EMAIL:
            return has_email
        return rec.attempts < schedule.max_attempts
    if rec.status == "sending":
        return rec.claimed_at is not None and rec.claimed_at <= now - schedule.stuck_after
    return False


def _needs(rec: ReminderRecord | None, now: dt.datetime, schedule: Schedule, has_email: bool = True) -> tuple[bool, bool]:
    """(due, retry) for one kind given what is logged: not yet logged, or logged but retryable."""
    if rec is None:
        return True, False
    return (True, True) if _retryable(rec, now, schedule, has_email) else (False, False)


def due_reminders(
    providers: Iterable[ProviderState], as_of: dt.datetime, schedule: Schedule, *, now: dt.datetime | None = None
) -> list[DueReminder]:
    """Every reminder action due at `as_of` for the month `as_of` falls in.

    - nothing on weekends and holidays, nor before REMINDER_HOUR on the first working day;
    - first: not current and no first reminder logged (or the last attempt failed / got stuck);
    - second: still not current `followup_days` after the day the first reminder was sent;
    - escalation (call list): still not current `escalate_days` after the first reminder, counted
      from the first working day when the first reminder never got out; at once without e-mail.
    Days are counted on the logical date (`scheduled_for`), so `--as-of` runs are reproducible;
    `now` (real time, default `as_of`) only decides whether a 'sending' claim is stuck.
    """
    now = now or as_of
    local = as_of.astimezone(TZ)
    today = local.date()
    first_day = first_working_day(today.year, today.month)
    if not is_working_day(today) or local < reminder_moment(first_day, schedule.hour):
        return []
    due: list[DueReminder] = []
    for p in providers:
        if is_current(p.offering_updated_ats, as_of):
            continue
        recs = p.reminders
        first = recs.get("first")
        n_offerings = len(p.offering_updated_ats)
        stale_reason = (
            "geen aanbod geregistreerd" if not n_offerings
            else f"{sum(1 for u in p.offering_updated_ats if is_stale(u, as_of))} van {n_offerings} aanbod niet bijgewerkt deze maand"
        )

        needed, retry = _needs(first, now, schedule, bool(p.email))
        if needed:
            why = f"{stale_reason}; eerste werkdag {first_day:%d-%m}"
            if retry:
                why += f"; nieuwe poging na {first.status} ({first.attempts}x)"
            due.append(DueReminder(p.provider_id, p.name, p.email, "first", why, retry))

        first_sent = first is not None and first.status == "sent"
        if first_sent:
            follow_day = first.scheduled_for + dt.timedelta(days=schedule.followup_days)
            if today >= follow_day:
                needed, retry = _needs(recs.get("second"), now, schedule)
                if needed:
                    why = f"{stale_reason}; eerste herinnering {first.scheduled_for:%d-%m}, {schedule.followup_days} dagen verstreken"
                    due.append(DueReminder(p.provider_id, p.name, p.email, "second", why, retry))

        if not p.email:
            anchor, after = today, "geen e-mailadres: direct naar de belijst"
        elif first_sent:
            anchor = first.scheduled_for + dt.timedelta(days=schedule.escalate_days)
            after = f"eerste herinnering {first.scheduled_for:%d-%m}, {schedule.escalate_days} dagen verstreken"
        else:
            anchor = first_day + dt.timedelta(days=schedule.escalate_days)
            after = f"herinnering kon niet worden verstuurd; {schedule.escalate_days} dagen na de eerste werkdag"
        if today >= anchor:
            needed, retry = _needs(recs.get("escalation"), now, schedule)
            if needed:
                due.append(DueReminder(p.provider_id, p.name, p.email, "escalation", f"{stale_reason}; {after}", retry))
    return due
