"""The one place that decides whether availability data is current, and how its age is told."""
from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

TZ = ZoneInfo("Europe/Amsterdam")


def month_start(now: dt.datetime) -> dt.datetime:
    """Start of the calendar month (Amsterdam time) that `now` falls in, as an aware datetime."""
    local = now.astimezone(TZ)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def is_stale(updated_at: dt.datetime | None, now: dt.datetime) -> bool:
    """Stale = not updated or confirmed since the current month began (the region's monthly rule)."""
    return updated_at is None or updated_at < month_start(now)


def age_days(updated_at: dt.datetime | None, now: dt.datetime) -> int | None:
    """Whole days between the last update and now, None when never updated."""
    if updated_at is None:
        return None
    return max(0, (now.astimezone(TZ).date() - updated_at.astimezone(TZ).date()).days)


def dutch(text: str, **values) -> str:
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


def freshness_factor(updated_at: dt.datetime | None, now: dt.datetime) -> float:
    """0..1: 1 for today, falling over the month; stale data gets at most 0.3, never-updated 0."""
    days = age_days(updated_at, now)
    if days is None:
        return 0.0
    if is_stale(updated_at, now):
        return max(0.0, 0.3 - 0.01 * max(0, days - 31))
    return max(0.4, 1.0 - days / 50.0)
