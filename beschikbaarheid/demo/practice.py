"""The demo's practice figures (issue 15): children waiting, realised waits, waits per target group,
"Klopt dit niet?" reports and a year of anonymous searches, planned on top of `plan.plan_demo`'s
offerings (the `plan` argument is its DemoPlan) with their own seed, so the earlier figures stay as
they were.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

from beschikbaarheid.demo.data import catalogue, places


@dataclass(frozen=True)
class PlannedFeedback:
    """A referrer's "Klopt dit niet?" report on offering number `offering`, and the answer if any."""

    offering: int
    days_ago: int  # before the reference day
    reason: str
    referrer_type: str | None
    answer_days: float | None  # after the report; None: still open
    answer: str | None = None
    answer_text: str = ""


@dataclass(frozen=True)
class PlannedSearch:
    """One anonymous search of the past year (and whether the referrer flagged "geen passend aanbod")."""

    days_ago: int
    code: str | None  # product code searched, or None for a search by segment
    segment: int | None
    municipality: str  # CBS code
    age_band: str
    within: int  # options within the radius
    shown: int
    no_match_reason: str | None  # None: not flagged; "" flagged without a reason



WAITING_LIST_CODES = ("43A09", "43A10", "43A14")  # segment 2 except begeleiding naar zelfstandig wonen (43B99)
OPTIMISTS = 4  # providers whose children wait far longer than the wait they publish
FEEDBACK_ANSWERS_KLOPT = (
    "De wachttijd klopt voor de meeste aanmeldingen; bij spoed zoeken we samen naar een oplossing.",
    "Er is inmiddels weer een plek vrij; de cijfers zijn bijgewerkt.",
    "Klopt: de wachttijd geldt vanaf een volledige aanmelding.",
)
NO_MATCH_REASONS = ("", "", "", "Geen gezinshuis met plek voor broertje en zusje samen.",
                    "Alle woongroepen in de buurt hebben een aanmeldstop.", "Wachttijd overal langer dan een half jaar.",
                    "Geen aanbod voor LVB in combinatie met trauma binnen 25 km.")


def plan_practice(rng: random.Random, plan, specs: dict) -> None:
    """Children waiting, realised waits, waits per target group, feedback and a year of searches."""
    optimists = set(rng.sample(sorted({o.provider for o in plan.offerings if specs[o.code].segment in (2, 4)}), OPTIMISTS))
    plan.anomalies["realised_far_longer"] = []
    for index, offering in enumerate(plan.offerings):
        spec = specs[offering.code]
        if spec.segment == 5:
            continue  # crisis: no waiting list by definition
        reports = offering.code in WAITING_LIST_CODES or offering.code == "43B99" or rng.random() < 0.7
        if not reports:
            continue
        optimist = offering.provider in optimists
        figures = []
        for state in offering.states:
            weeks = state["waiting_weeks"]
            if offering.code == "43B99":
                waiting = 0  # no waiting list: a place when the young adult is ready
            elif offering.code in WAITING_LIST_CODES:
                waiting = max(1, round(weeks / 26 * state["capacity"] * rng.uniform(0.3, 0.7)))
            else:
                waiting = max(0, round(weeks / 8 * state["capacity"] / 6 * rng.uniform(0.5, 1.5)))
            started = 0 if state["intake_status"] == "gesloten" else rng.randint(0, max(1, state["capacity"] // 2))
            if optimist:
                started = max(started, 3)
                realised = max(weeks * rng.uniform(2.4, 3.5), weeks + rng.uniform(6, 14))
            else:
                realised = max(0.0, weeks * rng.uniform(0.8, 1.3) + rng.uniform(-1, 1))
            figures.append({"waiting_count": waiting, "realised_wait_weeks": round(realised, 1) if started else None,
                            "realised_started": started})
        offering.figures = figures
        if optimist:
            plan.anomalies["realised_far_longer"].append(index)
        if "ASS" in offering.groups and rng.random() < 0.35:
            offering.group_waits = {"ASS": offering.states[-1]["waiting_weeks"] + rng.randint(8, 20)}
        elif "LVB" in offering.groups and rng.random() < 0.2:
            offering.group_waits = {"LVB": offering.states[-1]["waiting_weeks"] + rng.randint(6, 14)}
    plan.feedback = _plan_feedback(rng, plan, optimists)
    plan.searches = _plan_searches(rng, plan, specs)


def _plan_feedback(rng: random.Random, plan, optimists: set[int]) -> list[PlannedFeedback]:
    """About 70 reports over the year: most answered within days, some still open (some of those escalated)."""
    candidates = [i for i, o in enumerate(plan.offerings) if o.figures is not None]
    reasons = ("wachttijd", "geen_plek", "intake_dicht", "contact", "past_niet", "anders")
    out = []
    for _ in range(70):
        i = rng.choice(candidates)
        optimist = plan.offerings[i].provider in optimists
        reason = "wachttijd" if optimist and rng.random() < 0.7 else rng.choices(reasons, (4, 3, 2, 1, 1, 1))[0]
        days_ago = rng.randint(1, 360)
        roll = rng.random()
        if days_ago <= 3 or roll < 0.15:
            answer_days, answer, text = None, None, ""
        else:
            answer_days = min(days_ago - 0.5, rng.choice((0.2, 0.8, 1.5, 2.5, 4, 6, 9, 14)) * rng.uniform(0.8, 1.2))
            answer = "update" if rng.random() < 0.55 else "klopt"
            text = rng.choice(FEEDBACK_ANSWERS_KLOPT) if answer == "klopt" else ""
        out.append(PlannedFeedback(i, days_ago, reason, rng.choice((None, "01", "04", "02")), answer_days, answer, text))
    return out


def _plan_searches(rng: random.Random, plan, specs: dict) -> list[PlannedSearch]:
    """A year of anonymous searches from the member municipalities: stay products in short supply far
    more often without an option nearby (and flagged "geen passend aanbod") than ambulant help."""
    scarce = {"43A10": 0.45, "43A14": 0.35, "43A12": 0.5, "43A09": 0.2, "43B99": 0.25}
    codes = [s.code for s in catalogue.PRODUCTS]
    weights = [5 if specs[c].segment == 2 else 1 if specs[c].segment == 5 else 3 for c in codes]
    members = sorted(places.MEMBER_CODES)
    out = []
    for _ in range(3000):
        days_ago = rng.randint(0, 364)
        by_segment = rng.random() < 0.1
        code = None if by_segment else rng.choices(codes, weights)[0]
        segment = rng.randint(1, 5) if by_segment else None
        miss = scarce.get(code, 0.05) if code else 0.08
        age = rng.choices(("0-3", "4-11", "12-17", "18+"), (1, 4, 6, 1))[0]
        if age == "12-17" and code in scarce:
            miss += 0.1  # teenagers wait longest (004:948)
        within = 0 if rng.random() < miss else rng.randint(1, 9)
        flagged = within == 0 and rng.random() < 0.3
        out.append(PlannedSearch(days_ago, code, segment, rng.choice(members), age, within, within + rng.randint(0, 4),
                                 rng.choice(NO_MATCH_REASONS) if flagged else None))
    return out
