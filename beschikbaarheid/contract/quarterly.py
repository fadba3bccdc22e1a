"""Kwartaalrapportage ontbrekend aanbod: one quarter's supply gaps, shortage per product, expected
against realised wait and feedback summary, as tables that become one XLSX (a sheet each) or a CSV
each. Every table states its period, source and denominators; figures "at the end of the quarter"
are replayed from the append-only history, so a report of a past quarter does not change with today."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from beschikbaarheid.contract.feedback import REASONS, FeedbackCounts, feedback_counts
from beschikbaarheid.contract.gaps import needs_table
from beschikbaarheid.contract.region import SOURCE, Context
from beschikbaarheid.contract.shortage import COLUMNS as SHORTAGE_COLUMNS
from beschikbaarheid.contract.shortage import shortage_at, shortage_notes, shortage_row
from beschikbaarheid.contract.waiting import REALISED_COLUMNS, RealisedRow, realised_cells, realised_notes, replay_figures
from beschikbaarheid.domain import compliance, waiting_stats
from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.domain.quarters import Quarter
from beschikbaarheid.exports import Table
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Offering, Product

REALISED_FIELDS = ("waiting_weeks", "realised_wait_weeks", "realised_started", "waiting_count", "free_places")
REPLAYED = (*REALISED_FIELDS, "capacity")  # both sheets' figures, replayed once for the workbook


@dataclass
class Period:
    """The quarter as the report sees it: its months up to now, its days, and the moment it is judged at."""

    quarter: Quarter
    months: list[dt.date]
    first_day: dt.date
    last_day: dt.date  # the quarter's last day, or today for the running quarter
    as_of: dt.datetime  # the end of the quarter, or now
    replayed: tuple | None = None  # replay_figures of REPLAYED at its month ends, once per report

    def figures(self, ctx: Context) -> tuple:
        """Every offering's figures at the ends of the quarter's months (replayed on first use)."""
        if self.replayed is None:
            self.replayed = replay_figures(ctx, self.months, REPLAYED)
        return self.replayed

    @property
    def start(self) -> dt.datetime:
        return dt.datetime.combine(self.first_day, dt.time(0), tzinfo=TZ)

    @property
    def end(self) -> dt.datetime:
        """The first moment after the period."""
        return dt.datetime.combine(self.last_day + dt.timedelta(days=1), dt.time(0), tzinfo=TZ)

    @property
    def text(self) -> str:
        return f"{self.quarter.label} ({self.first_day:%d-%m-%Y} t/m {self.last_day:%d-%m-%Y})"


def period_of(ctx: Context, quarter: Quarter) -> Period:
    """The quarter's months that have begun, and its end (the running quarter ends now)."""
    running = compliance.month_first(ctx.as_of)
    months = [m for m in quarter.months if m <= running]
    if quarter.last_day < ctx.today:
        return Period(quarter, months, quarter.first_day, quarter.last_day,
                      compliance.month_last_instant(months[-1]).astimezone(dt.timezone.utc))
    return Period(quarter, months, quarter.first_day, ctx.today, ctx.as_of)


def _period_notes(ctx: Context, period: Period) -> list[tuple[str, str]]:
    return [("Kwartaal", period.text), ("Gemaakt op", f"{ctx.local:%d-%m-%Y %H:%M}")]


def gaps_sheet(ctx: Context, period: Period) -> Table:
    """The needs without an option nearby in the quarter (search log and 'geen passend aanbod')."""
    table = needs_table(ctx, period.first_day, period.last_day, as_of=period.as_of)
    table.notes = [*_period_notes(ctx, period), *table.notes]
    table.title = f"Ontbrekend aanbod {period.quarter.label} — {ctx.region.name}"
    return table


def shortage_sheet(ctx: Context, period: Period) -> Table:
    """Per product the shortage at the quarter's end, and the children waiting at each of its month ends."""
    per_product = shortage_at(ctx, period.months, replayed=period.figures(ctx))
    products = db.session.scalars(sa.select(Product).where(Product.id.in_(list(per_product))).order_by(Product.segment, Product.code))
    month_columns = [f"Wachtenden eind {compliance.month_label(m)}" for m in period.months]
    rows = []
    for p in products:
        series = per_product[p.id]
        rows.append([*shortage_row(p, series[-1]), *(s.waiting if s.reported else None for s in series)])
    return Table(
        title=f"Tekort per product {period.quarter.label} — {ctx.region.name}",
        source=f"{SOURCE} (opgave aanbieders per aanbod, nagerekend uit de historie)",
        as_of=period.as_of,
        columns=[*SHORTAGE_COLUMNS, *month_columns],
        rows=rows,
        notes=[*_period_notes(ctx, period), *shortage_notes(ctx)[1:],
               ("Stand", "de cijfers die aan het eind van het kwartaal (of de maand) golden")],
        sheet="Tekort per product",
    )


def realised_rows_at(ctx: Context, period: Period) -> dict[int, RealisedRow]:
    """Per product, expected against realised over the offerings contracted at the quarter's end, with
    the figures that held then (replayed) and the quarter's reports; flagged by the one rule."""
    replayed, provider_of = period.figures(ctx)
    last = len(period.months) - 1
    rows: dict[int, RealisedRow] = {}
    pairs: dict[int, list] = defaultdict(list)
    expected: dict[int, list] = defaultdict(list)
    for oid, (product_id, f) in replayed.values.items():
        if (provider_of[oid], product_id) not in replayed.contracted[last] or not replayed.existed(oid, last):
            continue
        row = rows.setdefault(product_id, RealisedRow(product_id))
        weeks, realised, started, waiting, free = (f[name][last] for name in REALISED_FIELDS)
        row.offerings += 1
        row.reported += started is not None
        row.waiting_reported += waiting is not None
        row.waiting += waiting or 0
        row.free += free or 0
        row.flagged += waiting_stats.realised_far_above_expected(weeks, realised, started)
        if weeks is not None:
            pairs[product_id].append((realised, started))
            expected[product_id].append((weeks, started if realised is not None else 0))
    feedback = feedback_counts(ctx, Offering.product_id, period.start, period.end, on=period.last_day)
    for product_id, row in rows.items():
        row.realised, row.started = waiting_stats.weighted_realised(pairs[product_id])
        row.expected = waiting_stats.weighted_realised(expected[product_id])[0]
        row.feedback = feedback.get(product_id, FeedbackCounts())
    return rows


def realised_sheet(ctx: Context, period: Period) -> Table:
    """Expected against realised per product at the quarter's end, with the quarter's reports."""
    rows = realised_rows_at(ctx, period)
    products = db.session.scalars(sa.select(Product).where(Product.id.in_(list(rows))).order_by(Product.segment, Product.code))
    notes = [(k, v) for k, v in realised_notes(ctx)[1:] if k != "Meldingen"]
    return Table(
        title=f"Verwachte en gerealiseerde wachttijd {period.quarter.label} — {ctx.region.name}",
        source=f"{SOURCE} (opgave aanbieders per aanbod, nagerekend uit de historie; meldingen van verwijzers)",
        as_of=period.as_of,
        columns=["Productcode", "Product", *REALISED_COLUMNS],
        rows=[[p.code, p.name, *realised_cells(rows[p.id])] for p in products],
        notes=[*_period_notes(ctx, period), *notes, ("Meldingen", "'Klopt dit niet?'-meldingen van verwijzers gedaan in het kwartaal")],
        sheet="Verwacht en gerealiseerd",
    )


def feedback_sheet(ctx: Context, period: Period) -> Table:
    """Per product the quarter's "Klopt dit niet?" reports: received, answered, open, escalated, by reason."""
    counts = feedback_counts(ctx, Offering.product_id, period.start, period.end, on=period.last_day)
    products = db.session.scalars(sa.select(Product).where(Product.id.in_(list(counts))).order_by(Product.segment, Product.code))
    total = FeedbackCounts()
    rows = []
    for p in products:
        c = counts[p.id]
        rows.append(_feedback_row(p.code, p.name, c))
        total.received += c.received
        total.answered += c.answered
        total.escalated += c.escalated
        total.response_days += c.response_days
        for reason, n in c.reasons.items():
            total.reasons[reason] = total.reasons.get(reason, 0) + n
    if rows:
        rows.append(_feedback_row("", "Totaal", total))
    return Table(
        title=f"Meldingen 'Klopt dit niet?' {period.quarter.label} — {ctx.region.name}",
        source=f"{SOURCE} (meldingen van verwijzers en antwoorden van aanbieders)",
        as_of=period.as_of,
        columns=["Productcode", "Product", "Ontvangen", "Beantwoord", "Nog open", "Op de belijst (na 5 werkdagen)",
                 "Mediane reactietijd (dagen)", *(f"Reden: {label}" for label in REASONS.values())],
        rows=rows,
        notes=[*_period_notes(ctx, period), ("Regio", ctx.region.name),
               ("Noemer", "meldingen gedaan in het kwartaal over gecontracteerd aanbod"),
               ("Reactietijd", "dagen van melding tot antwoord van de aanbieder, over de beantwoorde meldingen")],
        sheet="Meldingen",
    )


def _feedback_row(code: str, name: str, c: FeedbackCounts) -> list:
    days = c.median_response_days
    return [code, name, c.received, c.answered, c.open, c.escalated, None if days is None else round(days, 1),
            *(c.reasons.get(reason, 0) for reason in REASONS)]


SHEETS = {
    "tekorten": gaps_sheet,
    "tekort-per-product": shortage_sheet,
    "verwacht-gerealiseerd": realised_sheet,
    "meldingen": feedback_sheet,
}


def report(ctx: Context, quarter: Quarter) -> list[Table]:
    """Every table of the quarterly report, in sheet order."""
    period = period_of(ctx, quarter)
    return [build(ctx, period) for build in SHEETS.values()]


def table(ctx: Context, quarter: Quarter, name: str) -> Table:
    """One table of the report (a CSV download); KeyError for an unknown name."""
    return SHEETS[name](ctx, period_of(ctx, quarter))
