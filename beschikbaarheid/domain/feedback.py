"""Referrers' "Klopt dit niet?" reports: when an open report escalates, and how a card tells its state.

Pure Python, no Flask, no database. The rules:

- **Working days** are the reminders' (`domain.reminders.is_working_day`): Monday to Friday, not a
  Dutch public holiday. One definition for every "working days" in the app.
- **Escalation**: a report still unanswered after ESCALATE_WORKING_DAYS (5) working days lands on the
  contract manager's call list. Counted from the day after the report (Amsterdam calendar): a report
  made on a Monday escalates on the next Monday, one made on a Friday on the next Friday.
- **Score**: while a report is open the offering's freshness counts half (`freshness.freshness_factor`).
- **Card**: an open report reads "1 melding: wachttijd langer dan vermeld, 3 dagen geleden, nog niet
  beantwoord"; an answered one "gecontroleerd door de aanbieder op 3 december: klopt wel — <text>"
  or "... : gegevens bijgewerkt". Answers older than ANSWER_SHOWN_DAYS are no longer shown.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from beschikbaarheid.domain.freshness import dutch, local_date
from beschikbaarheid.domain.reminders import MONTHS_NL, is_working_day

ESCALATE_WORKING_DAYS = 5
ANSWER_SHOWN_DAYS = 30


def working_days_after(start: dt.date, end: dt.date) -> int:
    """How many working days lie after `start` up to and including `end` (0 when end <= start)."""
    count, day = 0, start + dt.timedelta(days=1)
    while day <= end:
        count += is_working_day(day)
        day += dt.timedelta(days=1)
    return count


def escalation_due(created_at: dt.datetime, now: dt.datetime, working_days: int = ESCALATE_WORKING_DAYS) -> bool:
    """True when a report made at `created_at` and still open at `now` belongs on the call list."""
    return working_days_after(local_date(created_at), local_date(now)) >= working_days


def days_ago_label(moment: dt.datetime, now: dt.datetime, _=dutch) -> str:
    """'vandaag', 'gisteren' or '3 dagen geleden' (Amsterdam calendar days)."""
    days = max(0, (local_date(now) - local_date(moment)).days)
    if days == 0:
        return _("vandaag")
    if days == 1:
        return _("gisteren")
    return _("%(n)d dagen geleden", n=days)


def date_label(moment: dt.datetime) -> str:
    """'3 december' (Dutch month names, Amsterdam date)."""
    day = local_date(moment)
    return f"{day.day} {MONTHS_NL[day.month - 1]}"


@dataclass(frozen=True)
class OpenReport:
    """An unanswered report as the card shows it."""

    reason_label: str
    created_at: dt.datetime


@dataclass(frozen=True)
class LastAnswer:
    """The provider's most recent answer to a report on the offering."""

    answer: str  # 'update' | 'klopt'
    answered_at: dt.datetime
    text: str = ""


def open_status(reports: list[OpenReport], now: dt.datetime, _=dutch) -> str:
    """'1 melding: wachttijd langer dan vermeld, 3 dagen geleden, nog niet beantwoord' (newest report named)."""
    if not reports:
        return ""
    newest = max(reports, key=lambda r: r.created_at)
    head = _("1 melding") if len(reports) == 1 else _("%(n)d meldingen", n=len(reports))
    return _("%(head)s: %(reason)s, %(when)s, nog niet beantwoord", head=head,
             reason=newest.reason_label[:1].lower() + newest.reason_label[1:], when=days_ago_label(newest.created_at, now, _))


def answer_status(answer: LastAnswer | None, now: dt.datetime, _=dutch, date_text=date_label) -> str:
    """'gecontroleerd door de aanbieder op 3 december: klopt wel — <text>' or '...: gegevens bijgewerkt'.

    Empty when there is no answer or it is older than ANSWER_SHOWN_DAYS. `date_text` words the date
    (the web layer passes one in the reader's language).
    """
    if answer is None or (now - answer.answered_at) > dt.timedelta(days=ANSWER_SHOWN_DAYS):
        return ""
    when = date_text(answer.answered_at)
    if answer.answer == "klopt":
        return _("gecontroleerd door de aanbieder op %(date)s: klopt wel — %(text)s", date=when, text=answer.text)
    return _("gecontroleerd door de aanbieder op %(date)s: gegevens bijgewerkt", date=when)
