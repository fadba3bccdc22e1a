"""The one place that decides whether availability data is current, and how its age is told."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Amsterdam")


def local_date(moment: dt.datetime) -> dt.date:
    """The calendar day in Amsterdam that `moment` falls on ("today" for contracts, logs and reminders)."""
    return moment.astimezone(TZ).date()


def month_start(now: dt.datetime) -> dt.datetime:
    """Start of the calendar month (Amsterdam time) that `now` falls in, as an aware datetime."""
    local = now.astimezone(TZ)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def is_stale(updated_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Stale = not updated or confirmed since the current month began (the region's monthly rule)."""
    return updated_at is None or updated_at < month_start(now)


def is_current(offering_updated_ats: Iterable[dt.datetime | None], as_of: dt.datetime) -> bool:
    """A contracted provider is current when EVERY offering under an active contract was updated or confirmed this month.

    Why every and not any: the wijzer shows (and the search weighs) freshness per offering, so a
    provider that refreshed one of five rows still publishes four stale figures; the provider
    screen confirms all rows in one click, so asking for all costs the provider nothing. A
    contracted provider with no offering at all is NOT current: it has nothing in the wijzer,
    which is exactly what the contract manager must hear about. Staleness itself is decided by
    `is_stale` above. Reminders, the provider page and the contract-manager dashboard (the 90%
    target) all use this function.
    """
    updates = list(offering_updated_ats)
    return bool(updates) and not any(is_stale(u, as_of) for u in updates)


def age_days(updated_at: dt.datetime | None, now: dt.datetime) -> int | None:
    """Whole days between the last update and now, None when never updated."""
    if updated_at is None:
        return None
    return max(0, (local_date(now) - local_date(updated_at)).days)


def dutch(text: str, /, **values) -> str:
    """The domain's default translator: the Dutch text itself, with its %(name)s values filled in.

    Functions that word things for people take `_` (a gettext-like callable); the web layer passes
    Flask-Babel's, so the same sentence appears in the reader's language. pybabel extracts `_(...)`.
    """
    return text % values if values else text


def age_label(updated_at: dt.datetime | None, now: dt.datetime, _=dutch) -> str:
    """Dutch description of the data's age, e.g. 'bijgewerkt 3 dagen geleden'."""
    days = age_days(updated_at, now)
    if days is None:
        return _("nooit bijgewerkt")
    if days == 0:
        return _("vandaag bijgewerkt")
    if days == 1:
        return _("gisteren bijgewerkt")
    if days < 14:
        return _("bijgewerkt %(n)d dagen geleden", n=days)
    if days < 60:
        return _("bijgewerkt %(n)d weken geleden", n=days // 7)
    months = days // 30
    return _("bijgewerkt %(n)d maanden geleden", n=months)


OPEN_REPORT_FACTOR = 0.5  # freshness while a referrer's "Klopt dit niet?" report is unanswered


def freshness_factor(updated_at: dt.datetime | None, now: dt.datetime, open_reports: int = 0) -> float:
    """0..1: 1 for today, falling over the month; stale data gets at most 0.3, never-updated 0.

    While a referrer's "Klopt dit niet?" report on the offering is open (`open_reports` > 0) the
    factor is halved (OPEN_REPORT_FACTOR), however many reports there are: practice doubts the
    figures, so they count as less current until the provider updates them or answers "klopt wel".
    """
    days = age_days(updated_at, now)
    if days is None:
        return 0.0
    if is_stale(updated_at, now):
        factor = max(0.0, 0.3 - 0.01 * max(0, days - 31))
    else:
        factor = max(0.4, 1.0 - days / 50.0)
    return factor * OPEN_REPORT_FACTOR if open_reports > 0 else factor
