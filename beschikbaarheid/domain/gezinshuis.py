"""The gezinshuis coordination point's vocabulary: the household's age bands, specialisms, the
outcomes of a placement request, and who may act as the region's coordinator.

Plain values only (no Flask, no database). Counts per band, never a child's name or date of birth.
"""
from __future__ import annotations

import datetime as dt

N_ = str  # marks a Dutch text for pybabel; `_` translates it where it is shown

# Age bands in which a household's children are counted (placed children and the parents' own).
HOUSEHOLD_BANDS = ("0-3", "4-7", "8-11", "12-15", "16-17", "18+")
HOUSEHOLD_KINDS = {"placed": N_("Geplaatste kinderen"), "own": N_("Eigen kinderen")}

# What a gezinshuis specialises in, beyond the target groups it serves.
SPECIALISMS = {
    "ZWAAR": N_("Specialistisch gezinshuis (zwaardere problematiek)"),
    "JONG": N_("Jonge kinderen (0-4)"),
    "TIENERS": N_("Tieners"),
    "18PLUS": N_("Doorplaatsing na 18 (tot 21)"),
    "MEDISCH": N_("Medische zorg of beperking"),
}

# Ages in which a placement request is logged (steering figures): never the exact age.
REQUEST_BANDS = ("0-3", "4-7", "8-11", "12-15", "16-17", "18+")

# The outcome of a placement request; "wachtend" until one is logged.
OUTCOMES = {
    "wachtend": N_("Wacht nog"),
    "gezinshuis": N_("Geplaatst in een gezinshuis"),
    "pleegzorg": N_("Pleegzorg"),
    "woongroep": N_("Woongroep"),
    "segment1": N_("Segment 1 (hoogspecialistisch)"),
    "anders": N_("Anders"),
}

# Details of requests older than this are reduced to monthly counts.
REQUEST_DETAIL_YEARS = 2

COORDINATOR_ROLES = ("contractmanager", "beheerder")


def band_of(age: int, bands: tuple[str, ...] = HOUSEHOLD_BANDS) -> str:
    """The band an age falls in ("4-7", "18+")."""
    for band in bands:
        low, _, high = band.rstrip("+").partition("-")
        if int(low) <= age and (not high or age <= int(high)):
            return band
    return bands[-1]


def is_coordinator(role: str, right: bool) -> bool:
    """A contract manager or administrator account that holds the coordinator right."""
    return right and role in COORDINATOR_ROLES


# -- The anonymous request log: what a request is, its weeks, and when its details are reduced --------

PLAN_B = ("pleegzorg", "woongroep", "segment1", "anders")  # an outcome other than the gezinshuis asked for
SIBLINGS_MAX = 6  # siblings to be placed together with the child: more is not a request for one gezinshuis
AGE_MAX = 21  # an age typed instead of a band: 0..21, turned into the band at once and never kept

BAD_BAND = N_("Kies een leeftijdscategorie uit de lijst, of vul een leeftijd in (0 tot en met 21 jaar).")
BAD_AGE = N_("Vul een leeftijd in hele jaren in, van 0 tot en met 21.")
BAND_AND_AGE = N_("Kies een leeftijdscategorie óf vul een leeftijd in, niet allebei.")
BAD_GROUP = N_("Kies de doelgroepen uit de lijst.")
BAD_SIBLINGS = N_("Vul het aantal broers en zussen in dat mee geplaatst moet worden: 0 tot en met 6.")
BAD_MUNICIPALITY = N_("Kies een gemeente van uw regio uit de lijst.")
BAD_WEEK = N_("Vul de week in als jaar en weeknummer (bijvoorbeeld 2026-W49) of als datum (jjjj-mm-dd).")
FUTURE_WEEK = N_("De week van de aanvraag kan niet in de toekomst liggen.")
TOO_OLD_WEEK = N_("Aanvragen van meer dan twee jaar geleden worden niet meer per aanvraag bewaard.")
BAD_OUTCOME = N_("Kies een uitkomst uit de lijst.")
OUTCOME_WEEK_MISSING = N_("Vul de week van de uitkomst in.")
OUTCOME_BEFORE_REQUEST = N_("De week van de uitkomst kan niet vóór de week van de aanvraag liggen.")
FUTURE_OUTCOME = N_("De week van de uitkomst kan niet in de toekomst liggen.")


def monday(day: dt.date) -> dt.date:
    """The Monday of a day's ISO week: a request is kept by its week, never by its day."""
    return day - dt.timedelta(days=day.weekday())


def parse_week(text: str | None) -> dt.date | None:
    """'2026-W49' (an HTML week input) or '2026-12-03' (a date, e.g. where the browser has no week
    input) as the Monday of that ISO week; None for anything else."""
    value = (text or "").strip().upper()
    if len(value) > 10 or not value.isascii():
        return None
    try:
        if "W" in value:
            year, _, week = value.partition("-W")
            if not (year.isdigit() and week.isdigit() and len(year) == 4 and 1 <= len(week) <= 2):
                return None
            return dt.date.fromisocalendar(int(year), int(week), 1)
        return monday(dt.date.fromisoformat(value)) if len(value) == 10 else None
    except ValueError:
        return None


def week_text(week: dt.date) -> str:
    """A Monday as the week input shows it: '2026-W49'."""
    year, number, _ = week.isocalendar()
    return f"{year}-W{number:02d}"


def weeks_between(start: dt.date, end: dt.date) -> int:
    """Whole weeks from one Monday to another (0: the same week)."""
    return (monday(end) - monday(start)).days // 7


def detail_cutoff(today: dt.date, years: int = REQUEST_DETAIL_YEARS) -> dt.date:
    """The Monday of the week `years` years ago: requests from a week before it are older than that
    and their details go."""
    try:
        back = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        back = today.replace(year=today.year - years, day=28)
    return monday(back)


def is_reducible(requested_week: dt.date, today: dt.date) -> bool:
    """The request's whole week lies more than REQUEST_DETAIL_YEARS before today."""
    return requested_week < detail_cutoff(today)


def resolve_band(band: str | None, age: str | None) -> tuple[str | None, list[str]]:
    """The age band of a request from a chosen band or a typed age (which is not kept): (band, problems)."""
    band, age = (band or "").strip(), (age or "").strip()
    if band and age:
        return None, [BAND_AND_AGE]
    if age:
        if not (age.isascii() and age.isdigit() and len(age) <= 2 and int(age) <= AGE_MAX):
            return None, [BAD_AGE]
        return band_of(int(age), REQUEST_BANDS), []
    if band not in REQUEST_BANDS:
        return None, [BAD_BAND]
    return band, []


def request_problems(*, target_groups, known_groups, siblings, municipality_id, region_municipalities,
                     week: dt.date | None, today: dt.date) -> dict[str, list[str]]:
    """Why a request cannot be logged, per field (empty: it can). Plain values; the caller resolved
    the band (resolve_band) and parsed the week (parse_week: None when unreadable)."""
    problems: dict[str, list[str]] = {}
    if any(g not in known_groups for g in target_groups):
        problems["target_groups"] = [BAD_GROUP]
    if not isinstance(siblings, int) or not 0 <= siblings <= SIBLINGS_MAX:
        problems["siblings"] = [BAD_SIBLINGS]
    if municipality_id not in region_municipalities:
        problems["municipality"] = [BAD_MUNICIPALITY]
    if week is None:
        problems["week"] = [BAD_WEEK]
    elif week > monday(today):
        problems["week"] = [FUTURE_WEEK]
    elif is_reducible(week, today):
        problems["week"] = [TOO_OLD_WEEK]
    return problems


def outcome_problems(outcome: str | None, week: dt.date | None, week_given: bool, requested_week: dt.date,
                     today: dt.date) -> dict[str, list[str]]:
    """Why an outcome cannot be logged: 'wachtend' needs no week (it resets); any other outcome a
    week from the request's week up to this week."""
    if outcome not in OUTCOMES:
        return {"outcome": [BAD_OUTCOME]}
    if outcome == "wachtend":
        return {}
    if week is None:
        return {"week": [BAD_WEEK if week_given else OUTCOME_WEEK_MISSING]}
    if week < requested_week:
        return {"week": [OUTCOME_BEFORE_REQUEST]}
    if week > monday(today):
        return {"week": [FUTURE_OUTCOME]}
    return {}


def month_of(week: dt.date) -> dt.date:
    """The month a week counts in: that of its Thursday (as ISO 8601 gives a week to the year of its
    Thursday), so a week that starts on 30 November and holds 3 December is a December week."""
    return (monday(week) + dt.timedelta(days=3)).replace(day=1)


def reduce_requests(rows) -> dict[tuple[dt.date, str, str], tuple[int, int]]:
    """(requested_week, age_band, outcome, outcome_week) rows as counts per (month, band, outcome),
    each with the sum of weeks from request to outcome (0 for requests still waiting)."""
    out: dict[tuple[dt.date, str, str], tuple[int, int]] = {}
    for week, band, outcome, outcome_week in rows:
        key = (month_of(week), band, outcome)
        count, total = out.get(key, (0, 0))
        weeks = weeks_between(week, outcome_week) if outcome != "wachtend" and outcome_week else 0
        out[key] = (count + 1, total + weeks)
    return out


def weeks_waiting(requested_week: dt.date, outcome: str, outcome_week: dt.date | None, today: dt.date) -> int:
    """Weeks a request waited: to its outcome, or (still waiting) to this week."""
    end = outcome_week if outcome != "wachtend" and outcome_week else monday(today)
    return max(0, weeks_between(requested_week, end))


def vacancy_days(vacant_since: dt.date | None, month: dt.date, today: dt.date) -> int:
    """Days of `month` (up to today) on which a place that stands empty since `vacant_since` was empty."""
    if vacant_since is None:
        return 0
    start = max(vacant_since, month)
    following = (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    end = min(following - dt.timedelta(days=1), today)
    return max(0, (end - start).days + 1)
