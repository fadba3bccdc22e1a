"""Sturingsinformatie of the coordination point: per month of request the requests, their outcomes
and weeks to placement (the detailed log plus the monthly counts older requests were reduced to),
free gezinshuis places at each month end (replayed from the offerings' history), vacancy days of
the places empty now, unplanned endings, and which groups wait longest. Tables for the page and
the CSV/XLSX downloads; no Flask here.

What is a history and what is a snapshot:
- requests, outcomes, weeks and endings are kept per month, so every month has its own figures;
- free places per month end come from the history of the gezinshuis offerings' "vrije plekken";
- vacancy days come from the profiles' "leeg sinds" of the places that are empty NOW: a place
  that stood empty earlier and has since been filled left no trace (there is no profile history).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import sqlalchemy as sa

from beschikbaarheid.contract.region import SOURCE, Context
from beschikbaarheid.contract.shortage import Shortage, shortage_at
from beschikbaarheid.domain import compliance
from beschikbaarheid.domain import gezinshuis as rules
from beschikbaarheid.domain.waiting_stats import median
from beschikbaarheid.exports import Table, percent
from beschikbaarheid.extensions import db
from beschikbaarheid.services.gezinshuis import gezinshuis_product_ids
from beschikbaarheid.models import (
    TARGET_GROUPS,
    GezinshuisEnding,
    GezinshuisProfile,
    Offering,
    PlacementRequest,
    PlacementRequestMonth,
    Product,
)

PERIODS = (6, 12, 24, 36)  # months the page can show; beyond two years only the reduced counts remain
NO_GROUP = "-"  # a request logged without a target group
GROUP_MIN = 3  # groups with fewer requests are listed after the others: one long wait says little


@dataclass
class MonthFigures:
    """One month of request: how many requests, how they ended, and the month's places and endings."""

    month: dt.date
    requests: int = 0
    outcomes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(rules.OUTCOMES, 0))
    placement_weeks: list[int] = field(default_factory=list)  # detailed requests placed in a gezinshuis
    reduced_requests: int = 0  # of `requests`, counted from the reduced monthly rows
    reduced_placed: int = 0
    reduced_placement_weeks: int = 0  # their sum of weeks to placement
    places: Shortage | None = None  # free places of the gezinshuis offerings at the month end
    vacancy_days: int = 0
    endings: int = 0

    @property
    def placed(self) -> int:
        return self.outcomes["gezinshuis"]

    @property
    def plan_b(self) -> int:
        return sum(self.outcomes[o] for o in rules.PLAN_B)

    @property
    def waiting(self) -> int:
        return self.outcomes["wachtend"]

    @property
    def median_weeks(self) -> float | None:
        """Median weeks from request to placement over the detailed requests (None: none placed)."""
        return median(self.placement_weeks)

    @property
    def mean_weeks(self) -> float | None:
        """Mean weeks to placement over every placed request of the month, reduced ones included."""
        placed = len(self.placement_weeks) + self.reduced_placed
        return (sum(self.placement_weeks) + self.reduced_placement_weeks) / placed if placed else None


@dataclass
class GroupWait:
    """Age band x target group: weeks waited by the requests still waiting and those placed."""

    band: str
    group: str
    waiting: int = 0
    placed: int = 0
    weeks: list[int] = field(default_factory=list)

    @property
    def median_weeks(self) -> float | None:
        return median(self.weeks)

    @property
    def longest_weeks(self) -> int | None:
        return max(self.weeks) if self.weeks else None


@dataclass
class SteeringPage:
    """Everything the page and its downloads show for the chosen months."""

    months: list[MonthFigures]
    groups: list[GroupWait]
    outcomes: dict[str, int]
    free_now: int
    vacant_now: int  # gezinshuizen with a place empty now
    homes: int  # gezinshuizen of the region with a profile
    offerings: int  # gezinshuis offerings whose free places are replayed
    reduced_from: dt.date  # requests from before this week exist only as monthly counts

    @property
    def with_outcome(self) -> int:
        return sum(n for o, n in self.outcomes.items() if o != "wachtend")

    @property
    def plan_b(self) -> int:
        return sum(self.outcomes[o] for o in rules.PLAN_B)

    @property
    def plan_b_share(self) -> float | None:
        return self.plan_b / self.with_outcome if self.with_outcome else None


def region_locations(region_id: int):
    """The locations with an offering of the region's catalogue: where the region's gezinshuizen are."""
    return (sa.select(Offering.location_id).join(Product, Product.id == Offering.product_id)
            .where(Product.region_id == region_id).distinct())


def steering_page(ctx: Context, months_n: int) -> SteeringPage:
    """The figures for the `months_n` months up to now."""
    months = compliance.months_back(ctx.as_of, months_n)
    first = months[0]
    figures = {m: MonthFigures(m) for m in months}
    outcomes = dict.fromkeys(rules.OUTCOMES, 0)
    groups: dict[tuple[str, str], GroupWait] = {}
    region_id = ctx.region.id

    for week, band, raw_groups, outcome, outcome_week in db.session.execute(
        sa.select(PlacementRequest.requested_week, PlacementRequest.age_band, PlacementRequest.target_groups_raw,
                  PlacementRequest.outcome, PlacementRequest.outcome_week)
        .where(PlacementRequest.region_id == region_id, PlacementRequest.requested_week >= first - dt.timedelta(days=3))
    ):
        month = figures.get(rules.month_of(week))
        if month is None:  # a week of the month before the period
            continue
        month.requests += 1
        month.outcomes[outcome] += 1
        outcomes[outcome] += 1
        waited = rules.weeks_waiting(week, outcome, outcome_week, ctx.today)
        if outcome == "gezinshuis":
            month.placement_weeks.append(waited)
        if outcome in ("wachtend", "gezinshuis"):
            for group in [g for g in raw_groups.split("|") if g] or [NO_GROUP]:
                row = groups.setdefault((band, group), GroupWait(band, group))
                row.waiting += outcome == "wachtend"
                row.placed += outcome == "gezinshuis"
                row.weeks.append(waited)

    for month_start, outcome, count, weeks in db.session.execute(
        sa.select(PlacementRequestMonth.month, PlacementRequestMonth.outcome, PlacementRequestMonth.requests,
                  PlacementRequestMonth.weeks_to_outcome_total)
        .where(PlacementRequestMonth.region_id == region_id, PlacementRequestMonth.month >= first)
    ):
        month = figures.get(month_start)
        if month is None:
            continue
        month.requests += count
        month.reduced_requests += count
        month.outcomes[outcome] += count
        outcomes[outcome] += count
        if outcome == "gezinshuis":
            month.reduced_placed += count
            month.reduced_placement_weeks += weeks

    locations = region_locations(region_id)
    for month_start, count in db.session.execute(
        sa.select(GezinshuisEnding.month, sa.func.sum(GezinshuisEnding.count))
        .where(GezinshuisEnding.location_id.in_(locations), GezinshuisEnding.month >= first)
        .group_by(GezinshuisEnding.month)
    ):
        if month_start.replace(day=1) in figures:
            figures[month_start.replace(day=1)].endings += int(count or 0)

    profiles = list(db.session.scalars(sa.select(GezinshuisProfile).where(GezinshuisProfile.location_id.in_(locations))))
    vacant = [p for p in profiles if p.free_places > 0]
    for m in months:
        figures[m].vacancy_days = sum(rules.vacancy_days(p.vacant_since, m, ctx.today) * p.free_places for p in vacant)

    products = sorted(gezinshuis_product_ids(region_id))
    offerings = 0
    if products:
        replayed = shortage_at(ctx, months, products)
        for i, m in enumerate(months):
            total = Shortage()
            for series in replayed.values():
                s = series[i]
                total.offerings += s.offerings
                total.free_reported += s.free_reported
                total.free += s.free
            figures[m].places = total
        offerings = max((figures[m].places.offerings for m in months), default=0)

    ordered = sorted(groups.values(), key=lambda g: (len(g.weeks) < GROUP_MIN, -(g.median_weeks or 0), -(g.longest_weeks or 0),
                                                     g.band, g.group))
    return SteeringPage([figures[m] for m in months], ordered, outcomes, sum(p.free_places for p in vacant), len(vacant),
                        len(profiles), offerings, rules.detail_cutoff(ctx.today))


# -- downloads ----------------------------------------------------------------------------------------

def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _notes(ctx: Context, data: SteeringPage, months_n: int) -> list[tuple[str, str]]:
    first = data.months[0].month
    return [("Regio", ctx.region.name),
            ("Periode", f"{months_n} maanden: {compliance.month_label(first)} t/m {compliance.month_label(data.months[-1].month)}"),
            ("Gemaakt op", f"{ctx.local:%d-%m-%Y %H:%M}")]


def months_table(ctx: Context, months_n: int, data: SteeringPage | None = None) -> Table:
    """Per month of request: requests, outcomes, weeks to placement, places, vacancy days, endings."""
    data = data or steering_page(ctx, months_n)
    rows = []
    for f in data.months:
        places = f.places
        rows.append([f.month, f.requests, f.reduced_requests, f.placed, f.plan_b, f.waiting,
                     *(f.outcomes[o] for o in rules.PLAN_B), _round(f.median_weeks), _round(f.mean_weeks),
                     places.free if places and places.free_reported else None, places.free_reported if places else None,
                     places.offerings if places else None, f.vacancy_days, f.endings])
    return Table(
        title=f"Sturingsinformatie gezinshuizen per maand — {ctx.region.name}",
        source=f"{SOURCE} (aanvragenlog coördinatiepunt; opgave aanbieders: vrije plekken, profielen, ongeplande beëindigingen)",
        as_of=ctx.as_of,
        columns=["Maand van aanvraag", "Aanvragen", "Waarvan uit maandtelling (ouder dan 2 jaar)", "Geplaatst in gezinshuis",
                 "Plan B", "Wacht nog", "Pleegzorg", "Woongroep", "Segment 1", "Anders", "Mediane weken tot plaatsing",
                 "Gemiddelde weken tot plaatsing", "Vrije gezinshuisplekken eind maand", "Aanbod met opgave vrije plekken",
                 "Gezinshuisaanbod (noemer)", "Leegstandsdagen (huidige lege plekken)", "Ongeplande beëindigingen"],
        rows=rows,
        notes=[*_notes(ctx, data, months_n),
               ("Noemer aanvragen", "aanvragen per maand van aanvraag, zoals het coördinatiepunt ze vastlegde (anoniem)"),
               ("Uitkomsten", "van de aanvragen van die maand: de uitkomst die nu vastligt; plan B = pleegzorg, woongroep, segment 1 of anders"),
               ("Weken tot plaatsing", "van de week van aanvraag tot de week van plaatsing; de mediaan over de aanvragen die nog per "
                                       "aanvraag bewaard zijn, het gemiddelde ook over de maandtellingen"),
               ("Vrije plekken", "som van de opgegeven vrije plekken van gecontracteerd gezinshuisaanbod aan het eind van de maand, "
                                 "nagerekend uit de historie; noemer: het gezinshuisaanbod dat toen gecontracteerd was"),
               ("Leegstandsdagen", "alleen de plekken die nu leeg staan, vanaf hun datum 'leeg sinds' (plekdagen); "
                                   "eerdere leegstand die inmiddels is opgevuld is niet bewaard"),
               ("Ongeplande beëindigingen", "som van de maandopgaven van de aanbieders van gezinshuizen in de regio")],
        sheet="Per maand",
    )


def groups_table(ctx: Context, months_n: int, data: SteeringPage | None = None) -> Table:
    """Per age band and target group: weeks waited by requests still waiting and placed in a gezinshuis."""
    data = data or steering_page(ctx, months_n)
    rows = [[g.band, "geen opgegeven" if g.group == NO_GROUP else str(TARGET_GROUPS.get(g.group, g.group)), g.waiting, g.placed,
             len(g.weeks), _round(g.median_weeks), g.longest_weeks] for g in data.groups]
    return Table(
        title=f"Wie wacht het langst op een gezinshuis — {ctx.region.name}",
        source=f"{SOURCE} (aanvragenlog coördinatiepunt)",
        as_of=ctx.as_of,
        columns=["Leeftijd", "Doelgroep", "Wacht nog", "Geplaatst in gezinshuis", "Aanvragen (noemer)", "Mediane weken", "Langste wacht (weken)"],
        rows=rows,
        notes=[*_notes(ctx, data, months_n),
               ("Noemer", "aanvragen uit de periode die nog wachten of in een gezinshuis geplaatst zijn; "
                          "een aanvraag met meer doelgroepen telt bij elke doelgroep"),
               ("Weken", "wachtend: van de week van aanvraag tot deze week; geplaatst: tot de week van plaatsing"),
               ("Volgorde", f"langste mediaan eerst; groepen met minder dan {GROUP_MIN} aanvragen onderaan"),
               ("Ouder dan 2 jaar", "niet in deze tabel: van die aanvragen zijn alleen tellingen per maand en leeftijd bewaard")],
        sheet="Wie wacht het langst",
    )


def outcomes_table(ctx: Context, months_n: int, data: SteeringPage | None = None) -> Table:
    """How the period's requests ended: count and share per outcome."""
    data = data or steering_page(ctx, months_n)
    total = sum(data.outcomes.values())
    rows = [[code, label, n, percent(n / total) if total else None] for code, label in rules.OUTCOMES.items()
            for n in [data.outcomes[code]]]
    return Table(
        title=f"Uitkomsten van aanvragen voor een gezinshuis — {ctx.region.name}",
        source=f"{SOURCE} (aanvragenlog coördinatiepunt)",
        as_of=ctx.as_of,
        columns=["Code", "Uitkomst", "Aanvragen", "Aandeel (%)"],
        rows=rows,
        notes=[*_notes(ctx, data, months_n), ("Noemer", f"alle {total} aanvragen uit de periode, ook de nog wachtende"),
               ("Plan B", f"{data.plan_b} van {data.with_outcome} aanvragen met een uitkomst "
                          f"({percent(data.plan_b_share) if data.plan_b_share is not None else '-'}%): pleegzorg, woongroep, segment 1 of anders")],
        sheet="Uitkomsten",
    )


TABLES = {"maanden": months_table, "groepen": groups_table, "uitkomsten": outcomes_table}


def report(ctx: Context, months_n: int) -> list[Table]:
    """Every table, for one workbook (the page's figures computed once)."""
    data = steering_page(ctx, months_n)
    return [build(ctx, months_n, data) for build in TABLES.values()]
