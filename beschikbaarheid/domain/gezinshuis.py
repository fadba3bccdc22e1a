"""The gezinshuis coordination point's vocabulary: the household's age bands, specialisms, the
outcomes of a placement request, and who may act as the region's coordinator.

Plain values only (no Flask, no database). Counts per band, never a child's name or date of birth.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from beschikbaarheid.domain.freshness import dutch

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
AGE_MAX = 21  # the oldest age anywhere on the coordination point: a placement can last until 21

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


# -- Which product is a gezinshuis ------------------------------------------------------------------

GEZINSHUIS_CODE = "43A10"  # JZ21 Gezinshuis
CRISIS_FORM = "crisis"


def is_gezinshuis(code: str, name: str, form: str) -> bool:
    """The one rule for "this product is a gezinshuis": the JZ21 code 43A10, or a product whose name
    says Gezinshuis (a region's own code for a specialist gezinshuis), except crisis care (46A02
    Crisisplek gezinshuis is a crisis place, not a home to match a child with)."""
    lowered = name.lower()
    return (code == GEZINSHUIS_CODE or "gezinshuis" in lowered) and form != CRISIS_FORM and "crisis" not in lowered


# -- The provider's profile: checks ------------------------------------------------------------------

PLACES_MAX = 12  # more places than this is not a gezinshuis but a group
HOUSEHOLD_MAX = 12  # children of one kind in one band
FREE_FROM_PAST_DAYS = 14  # "plek vrij per" may lie this far back (the month's update comes a little late)
FREE_FROM_AHEAD_DAYS = 2 * 365
NOTES_MAX = 300


def profile_errors(values: dict, today: dt.date, _=dutch) -> dict[str, str]:
    """The Dutch message per field for a profile that breaks a rule; {} when it may be saved.

    `values`: places_allowed, places_taken, age_min, age_max, siblings_together, siblings_max,
    household {(kind, band): n}, free_from (date or None). Plain numbers, already parsed.
    """
    errors: dict[str, str] = {}
    allowed, taken = values["places_allowed"], values["places_taken"]
    if not 1 <= allowed <= PLACES_MAX:
        errors["places_allowed"] = _("Het aantal toegestane plekken ligt tussen 1 en %(max)d.", max=PLACES_MAX)
    if taken < 0 or taken > allowed:
        errors["places_taken"] = _("Er kunnen niet meer plekken bezet zijn (%(taken)d) dan er zijn toegestaan (%(allowed)d).",
                                   taken=taken, allowed=allowed)
    low, high = values["age_min"], values["age_max"]
    if not 0 <= low <= AGE_MAX:
        errors["age_min"] = _("De leeftijd vanaf ligt tussen 0 en %(max)d.", max=AGE_MAX)
    if not 0 <= high <= AGE_MAX:
        errors["age_max"] = _("De leeftijd tot en met ligt tussen 0 en %(max)d.", max=AGE_MAX)
    elif low > high and "age_min" not in errors:
        errors["age_max"] = _("De leeftijd tot en met (%(high)d) is lager dan de leeftijd vanaf (%(low)d).", high=high, low=low)
    if values["siblings_together"]:
        if not 2 <= values["siblings_max"] <= allowed:
            errors["siblings_max"] = _("Broers en zussen samen: vul in hoeveel kinderen samen kunnen komen, 2 tot en met het aantal toegestane plekken (%(allowed)d).",
                                       allowed=allowed)
    elif values["siblings_max"] not in (0, None):
        errors["siblings_max"] = _("U gaf aan dat broers en zussen niet samen geplaatst kunnen worden; laat het aantal dan leeg of 0.")
    household = values["household"]
    if any(not 0 <= n <= HOUSEHOLD_MAX for n in household.values()):
        errors["household"] = _("Een aantal kinderen per leeftijdsgroep ligt tussen 0 en %(max)d.", max=HOUSEHOLD_MAX)
    else:
        placed = sum(n for (kind, _band), n in household.items() if kind == "placed")
        if placed != taken and "places_taken" not in errors:
            errors["household"] = _("Bij de gezinssamenstelling staan %(placed)d geplaatste kinderen, maar %(taken)d bezette plekken. Maak die gelijk.",
                                    placed=placed, taken=taken)
    free_from = values.get("free_from")
    if free_from is not None:
        if free_from < today - dt.timedelta(days=FREE_FROM_PAST_DAYS):
            errors["free_from"] = _("'Plek vrij per' ligt meer dan %(days)d dagen in het verleden. Is de plek vrij, verlaag dan het aantal bezette plekken; anders een nieuwe datum of leeg.",
                                    days=FREE_FROM_PAST_DAYS)
        elif free_from > today + dt.timedelta(days=FREE_FROM_AHEAD_DAYS):
            errors["free_from"] = _("'Plek vrij per' ligt meer dan twee jaar vooruit; laat het veld dan leeg.")
        elif taken < allowed:
            errors["free_from"] = _("Er is nu al een plek vrij; 'plek vrij per' is alleen voor een plek die later vrijkomt. Laat het veld leeg.")
    return errors


def vacant_since(old_free: int, new_free: int, current: dt.date | None, today: dt.date) -> dt.date | None:
    """The first day of the present vacancy: today when free places go from 0 to more, kept while
    places stay free, cleared when none are free."""
    if new_free <= 0:
        return None
    if old_free <= 0 or current is None:
        return today
    return current


# -- Best match: a child's profile (for this search only) against a gezinshuis ----------------------

# Target groups that ask for a specialist gezinshuis (ZWAAR): the children who wait longest.
HEAVY_GROUPS = ("LVB", "EXTERNALISEREND", "INTERNALISEREND", "GGZ", "VERSLAVING")
TEEN_AGE = 12
TODDLER_BAND = "0-3"
WEIGHTS = {"household": 30, "groups": 30, "availability": 25, "distance": 15}
DISTANCE_SCALE_KM = 50.0  # beyond this the distance part is 0 (when the user gives no maximum)


@dataclass(frozen=True)
class Child:
    """The child's profile as entered for one search; never stored."""

    age: int
    siblings: int = 0  # brothers or sisters to be placed together with the child
    groups: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Home:
    """What the match needs to know of one gezinshuis."""

    age_min: int
    age_max: int
    free_now: int
    free_from: dt.date | None
    siblings_together: bool
    siblings_max: int
    household: dict = field(default_factory=dict)  # {(kind, band): n}
    groups: frozenset[str] = frozenset()
    specialisms: frozenset[str] = frozenset()
    km: float | None = None


@dataclass(frozen=True)
class Match:
    """How well a gezinshuis fits: `fits` False with `blockers` when it cannot take the child;
    otherwise `score` 0-100 from `parts` (0-1 each, weights in WEIGHTS) and the `reasons` behind it
    as (sign, text): sign '+' speaks for it, '-' against, '' is information."""

    fits: bool
    score: int
    parts: dict
    reasons: tuple
    blockers: tuple
    free_date: dt.date | None  # today when a place is free now, else the expected date


def _household_part(child: Child, home: Home, _) -> tuple[float, list]:
    """Fit with the children already in the home, by age band (kinds together: placed and own).

    Two rules, both about the household as the issue describes it: a teenager does not come into a
    house with toddlers (nor a toddler among placed teenagers), and a third placed child in one band
    makes too many peers competing for the same attention. A peer (same band) is good company.
    """
    band = band_of(child.age)
    in_band = {b: 0 for b in HOUSEHOLD_BANDS}
    placed_in_band = {b: 0 for b in HOUSEHOLD_BANDS}
    for (kind, b), n in home.household.items():
        if b in in_band:
            in_band[b] += n
            if kind == "placed":
                placed_in_band[b] += n
    part, reasons = 1.0, []
    if child.age >= TEEN_AGE and in_band[TODDLER_BAND]:
        part -= 0.5
        reasons.append(("-", _("een tiener in een gezin met %(n)d kind(eren) van 0-3 jaar", n=in_band[TODDLER_BAND])))
    teens = in_band["12-15"] + in_band["16-17"]
    if band == TODDLER_BAND and placed_in_band["12-15"] + placed_in_band["16-17"]:
        part -= 0.5
        reasons.append(("-", _("een jong kind tussen %(n)d geplaatste tieners", n=teens)))
    if placed_in_band[band] >= 2:
        part -= 0.3
        reasons.append(("-", _("al %(n)d geplaatste kinderen van %(band)s jaar", n=placed_in_band[band], band=band)))
    elif in_band[band] == 1 and part == 1.0:
        reasons.append(("+", _("een leeftijdsgenoot (%(band)s jaar) in huis", band=band)))
    if not home.household:
        reasons.append(("", _("geen kinderen in huis opgegeven")))
    elif part == 1.0 and in_band[band] != 1:
        reasons.append(("+", _("past bij de leeftijden in huis")))
    return max(0.0, part), reasons


def _groups_part(child: Child, home: Home, _) -> tuple[float, list]:
    """Share of the child's target groups the home serves, and a specialism where the child needs one."""
    reasons = []
    served = sorted(child.groups & home.groups)
    missing = sorted(child.groups - home.groups)
    coverage = len(served) / len(child.groups) if child.groups else 1.0
    if served:
        reasons.append(("+", _("doelgroep: %(groups)s", groups=", ".join(served))))
    if missing:
        reasons.append(("-", _("doelgroep niet genoemd: %(groups)s", groups=", ".join(missing))))
    wanted = set()
    if child.groups & set(HEAVY_GROUPS):
        wanted.add("ZWAAR")
    if child.age >= TEEN_AGE:
        wanted.add("TIENERS")
    if child.age <= 4:
        wanted.add("JONG")
    if child.age >= 16:
        wanted.add("18PLUS")
    had = sorted(wanted & home.specialisms)
    if "ZWAAR" in had:
        reasons.append(("+", _("specialistisch gezinshuis (zwaardere problematiek)")))
    for code in had:
        if code != "ZWAAR":
            reasons.append(("+", _("specialisme: %(label)s", label=_(SPECIALISMS[code]))))
    if not wanted:
        return coverage, reasons
    specialism = 1.0 if "ZWAAR" in had else (0.5 if had else 0.0)
    if "ZWAAR" not in wanted:
        specialism = 1.0 if had else 0.5
    return 0.7 * coverage + 0.3 * specialism, reasons


def match(child: Child, home: Home, today: dt.date, horizon_weeks: int, max_km: float | None = None, _=dutch) -> Match:
    """Score one gezinshuis for a child; the rule every best-match list uses (tests/domain)."""
    blockers, reasons = [], []
    need = 1 + child.siblings
    if not home.age_min <= child.age <= home.age_max:
        blockers.append(_("neemt kinderen van %(low)d tot en met %(high)d jaar", low=home.age_min, high=home.age_max))
    else:
        reasons.append(("+", _("leeftijd %(age)d past (%(low)d-%(high)d)", age=child.age, low=home.age_min, high=home.age_max)))
    if child.siblings:
        if not home.siblings_together or home.siblings_max < need:
            blockers.append(_("kan geen %(n)d broers en zussen samen plaatsen", n=need))
        else:
            reasons.append(("+", _("broers en zussen samen: tot %(n)d kinderen", n=home.siblings_max)))
    horizon = today + dt.timedelta(weeks=horizon_weeks)
    free_date = None
    if home.free_now >= need:
        free_date = today
        availability = 1.0
        reasons.append(("+", _("%(n)d plek(ken) nu vrij", n=home.free_now)))
    elif home.free_from is not None and home.free_from <= horizon and home.free_now + 1 >= need:
        free_date = max(home.free_from, today)
        weeks = (free_date - today).days / 7
        availability = 0.8 - 0.6 * min(1.0, weeks / max(1, horizon_weeks))
        reasons.append(("", _("plek vrij per %(date)s", date=free_date.strftime("%d-%m-%Y"))))
    else:
        availability = 0.0
        blockers.append(_("geen %(n)d plek(ken) vrij nu of binnen %(weeks)d weken", n=need, weeks=horizon_weeks))
    if home.km is None:
        distance = 0.5
    else:
        scale = max_km or DISTANCE_SCALE_KM
        distance = max(0.0, 1.0 - home.km / scale)
        reasons.append(("", _("%(km).1f km van huis", km=home.km)))
        if max_km is not None and home.km > max_km:
            blockers.append(_("verder dan %(km)d km", km=int(max_km)))
    household, household_reasons = _household_part(child, home, _)
    groups, group_reasons = _groups_part(child, home, _)
    reasons += household_reasons + group_reasons
    parts = {"household": household, "groups": groups, "availability": availability, "distance": distance}
    score = round(sum(WEIGHTS[k] * v for k, v in parts.items()))
    return Match(not blockers, score if not blockers else 0, parts, tuple(reasons), tuple(blockers), free_date)


def match_order(item: Match) -> tuple:
    """Best first: highest score, then the earliest free place."""
    return (-item.score, item.free_date or dt.date.max)
