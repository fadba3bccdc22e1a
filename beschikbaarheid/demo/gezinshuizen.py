"""The demo region's gezinshuis profiles: every home of the ten gezinshuis providers of segment 2,
some with a place free now (and the days it has stood empty), some with a place coming free within
eight weeks, households with mixed age bands, a few specialist homes for heavier problems, a year of
unplanned endings, and the coordinator right on the demo contract manager.

Deterministic: one seeded random generator, homes in a fixed order.
"""
from __future__ import annotations

import datetime as dt
import random

import sqlalchemy as sa

from beschikbaarheid.demo.data import accounts as demo_accounts
from beschikbaarheid.domain.gezinshuis import HOUSEHOLD_BANDS, band_of
from beschikbaarheid.extensions import db
from beschikbaarheid.models import GezinshuisEnding, GezinshuisProfile, User
from beschikbaarheid.services.gezinshuis import region_gezinshuizen

SEED = 18
AUTHOR = "Demoregio (gezinshuisprofiel)"
NOTES = (
    "Hond en kat in huis.",
    "Slaapkamers op de eerste verdieping: trap.",
    "Basisschool en voortgezet onderwijs op fietsafstand.",
    "Woonboerderij aan de rand van het dorp, veel buitenruimte.",
    "Rustige straat, geen huisdieren.",
    "Speciaal onderwijs (cluster 4) op tien minuten met de bus.",
    "",
)
# What kind of home, in a fixed cycle over the shuffled homes: (ages, specialisms, groups, availability).
KINDS = (
    ((10, 21), ("ZWAAR", "TIENERS"), ("LVB", "EXTERNALISEREND", "TRAUMA"), "free"),
    ((0, 18), ("JONG",), ("BROERS_ZUSSEN", "TRAUMA"), "soon"),
    ((4, 18), (), ("LVB", "ASS"), "full"),
    ((12, 21), ("TIENERS", "18PLUS"), ("18PLUS", "INTERNALISEREND"), "soon"),
    ((0, 18), (), ("BROERS_ZUSSEN", "HUISELIJK_GEWELD"), "free"),
    ((6, 18), ("ZWAAR",), ("LVB", "GGZ", "EXTERNALISEREND"), "full"),
    ((0, 12), ("JONG", "MEDISCH"), ("TRAUMA",), "soon"),
    ((8, 18), (), ("ASS", "SCHEIDING"), "later"),
)


def _placed_household(rng: random.Random, taken: int, ages: tuple[int, int]) -> dict:
    household: dict = {}
    for _n in range(taken):
        band = band_of(rng.randint(ages[0], min(ages[1], 17)))
        household[("placed", band)] = household.get(("placed", band), 0) + 1
    for _n in range(rng.choice((0, 0, 1, 2))):  # the parents' own children
        band = rng.choice(HOUSEHOLD_BANDS)
        household[("own", band)] = household.get(("own", band), 0) + 1
    return household


def _month_back(day: dt.date, months: int) -> dt.date:
    """The first day of the month `months` before the month of `day`."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    return dt.date(year, month + 1, 1)


def load_gezinshuizen(region, as_of: dt.date, reference: dt.datetime) -> dict:
    """Profiles for the region's gezinshuizen, a year of endings, and the coordinator right. Does not commit."""
    db.session.flush()
    rng = random.Random(SEED)
    homes = [location for location, _profile in region_gezinshuizen(region.id, as_of)]
    order = list(range(len(homes)))
    rng.shuffle(order)
    profiles = endings = 0
    for position, index in enumerate(order):
        location = homes[index]
        ages, specialisms, groups, availability = KINDS[position % len(KINDS)]
        allowed = rng.choice((3, 4, 4, 5))
        free = {"free": rng.choice((1, 1, 2)), "soon": 0, "full": 0, "later": 0}[availability]
        if position == 0:
            free = 2  # the specialist home that can take a teenager with LVB and a brother now
        taken = allowed - free
        siblings_max = rng.choice((2, 3)) if position == 0 or rng.random() < 0.5 else 0
        siblings_max = min(siblings_max, allowed)
        free_from = None
        if availability == "soon":
            free_from = as_of + dt.timedelta(days=rng.randint(7, 55))
        elif availability == "later":
            free_from = as_of + dt.timedelta(days=rng.randint(70, 200))
        profile = GezinshuisProfile(
            location=location, places_allowed=allowed, places_taken=taken, age_min=ages[0], age_max=ages[1],
            siblings_together=siblings_max > 1, siblings_max=siblings_max if siblings_max > 1 else 0, free_from=free_from,
            vacant_since=as_of - dt.timedelta(days=rng.randint(3, 120)) if free else None,
            notes=rng.choice(NOTES), updated_by=AUTHOR,
            # most homes confirmed this month; every fourth one last updated about six weeks ago
            updated_at=reference - dt.timedelta(days=rng.randint(40, 50) if position % 4 == 3 else min(as_of.day - 1, rng.randint(0, 10)),
                                                hours=rng.randint(0, 3)),
        )
        profile.household = _placed_household(rng, taken, ages)
        profile.target_groups = groups
        profile.specialisms = specialisms
        db.session.add(profile)
        profiles += 1
        for months_back in range(12):
            if rng.random() < (0.25 if "ZWAAR" in specialisms or ages[0] >= 10 else 0.08):
                db.session.add(GezinshuisEnding(location=location, month=_month_back(as_of, months_back), count=1, reported_at=reference))
                endings += 1
    coordinator = db.session.scalar(sa.select(User).where(User.email == demo_accounts.COORDINATOR))
    if coordinator is not None:
        coordinator.is_coordinator = True
    return {"gezinshuis_profiles": profiles, "gezinshuis_endings": endings}
