"""A year of the coordinator's anonymous gezinshuis requests for the demo region (issue 18): about
120 requests, in which young children are placed quickly and teenagers with LVB or externalising
behaviour wait longest, are placed less often in a gezinshuis and more often end in plan B.

Own seed, so the rest of the demo stays as it was; the weeks are counted back from the reference day.
"""
from __future__ import annotations

import datetime as dt
import random

from beschikbaarheid.demo.data import places
from beschikbaarheid.domain.gezinshuis import monday
from beschikbaarheid.extensions import db
from beschikbaarheid.models import PlacementRequest

SEED = 18
WEEKS = 52
REQUESTS = 120
BANDS = (("0-3", 10), ("4-7", 16), ("8-11", 20), ("12-15", 32), ("16-17", 18), ("18+", 4))
HARD = {"LVB", "EXTERNALISEREND"}
# Per kind of request: (weeks to an outcome low..high, chance the outcome is a gezinshuis, plan B outcomes)
PROFILES = {
    "young": ((1, 8), 0.92, ("pleegzorg",)),
    "middle": ((3, 16), 0.78, ("pleegzorg", "woongroep")),
    "teen": ((8, 28), 0.6, ("woongroep", "anders", "pleegzorg")),
    "teen_hard": ((12, 48), 0.4, ("woongroep", "segment1", "anders", "woongroep")),
}


def _groups(rng: random.Random, band: str) -> list[str]:
    if band in ("12-15", "16-17", "18+"):
        groups = []
        if rng.random() < 0.45:
            groups.append("LVB")
        if rng.random() < 0.4:
            groups.append("EXTERNALISEREND")
        if rng.random() < 0.2:
            groups.append(rng.choice(("INTERNALISEREND", "TRAUMA", "ASS")))
        return groups
    return rng.sample(["TRAUMA", "BROERS_ZUSSEN", "ASS", "SCHEIDING"], k=rng.choice((0, 1, 1, 2)))


def plan_requests(as_of: dt.date) -> list[dict]:
    """The requests as plain values (band, groups, siblings, municipality CBS code, weeks), deterministic."""
    rng = random.Random(SEED)
    this_week = monday(as_of)
    bands, weights = zip(*BANDS)
    planned = []
    for _ in range(REQUESTS):
        band = rng.choices(bands, weights)[0]
        groups = _groups(rng, band)
        kind = ("young" if band in ("0-3", "4-7") else "middle" if band == "8-11"
                else "teen_hard" if HARD & set(groups) else "teen")
        (low, high), home_chance, plan_b = PROFILES[kind]
        requested = this_week - dt.timedelta(weeks=rng.randrange(WEEKS))
        wait = rng.randint(low, high)
        outcome_week = requested + dt.timedelta(weeks=wait)
        if outcome_week > this_week:
            outcome, outcome_week = "wachtend", None
        else:
            outcome = "gezinshuis" if rng.random() < home_chance else rng.choice(plan_b)
        siblings = rng.choice((0, 0, 0, 1, 1, 2)) if kind in ("young", "middle") else rng.choice((0, 0, 0, 0, 1))
        planned.append({"age_band": band, "groups": groups, "siblings": siblings, "cbs": rng.choice(places.MEMBER_CODES),
                        "requested_week": requested, "outcome": outcome, "outcome_week": outcome_week})
    return planned


def load_placement_requests(region, municipalities: dict, as_of: dt.date) -> int:
    """Add the planned requests for `region` (municipalities by CBS code); returns how many."""
    for p in plan_requests(as_of):
        request = PlacementRequest(region=region, age_band=p["age_band"], siblings=p["siblings"], municipality=municipalities[p["cbs"]],
                                   requested_week=p["requested_week"], outcome=p["outcome"], outcome_week=p["outcome_week"])
        request.target_groups = p["groups"]
        db.session.add(request)
    return REQUESTS
