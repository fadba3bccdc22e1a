"""Waiting times of the region's contracted offer per product: range, median, P90 and the share
above the norm today, one product's month-by-month trend replayed from the history, and the export."""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from beschikbaarheid.contract.region import SOURCE, Context, is_contracted
from beschikbaarheid.domain import compliance, waiting_stats
from beschikbaarheid.domain.waiting_stats import WaitingChange, WaitingStats, to_int
from beschikbaarheid.exports import Table, percent
from beschikbaarheid.extensions import db
from beschikbaarheid.contract.feedback import WINDOW_DAYS, FeedbackCounts, feedback_counts, window_start
from beschikbaarheid.contract.quality import realised_above_expected
from beschikbaarheid.models import Contract, Offering, OfferingChange, Product, Provider

TREND_MONTHS = 12


@dataclass
class ProductWaiting:
    """One product's row on the page: contracted providers, the spread of its waiting weeks, how many are stale."""

    product: Product
    providers: int
    stats: WaitingStats
    stale: int


def norm_for(ctx: Context, product: Product) -> int:
    """The waiting-time norm a product is measured against: its own (set in the catalogue), else the region's."""
    return product.waiting_norm_weeks or ctx.norm_weeks


def waiting_overview(ctx: Context) -> list[ProductWaiting]:
    """Per product of the catalogue: contracted providers and the spread of published waiting weeks.

    The database returns one row per product and waiting time (with how many offerings publish it
    and how many of those are stale), so tens of thousands of offerings arrive as a few thousand rows.
    """
    providers = dict(db.session.execute(
        sa.select(Contract.product_id, sa.func.count(sa.distinct(Contract.provider_id)))
        .where(Contract.region_id == ctx.region.id, Contract.is_active(ctx.today))
        .group_by(Contract.product_id)
    ).tuples().all())
    values: dict[int, list[int | None]] = defaultdict(list)
    stale: dict[int, int] = defaultdict(int)
    for product_id, weeks, n, n_stale in db.session.execute(
        sa.select(Offering.product_id, Offering.waiting_weeks, sa.func.count(), sa.func.count(sa.case((Offering.is_stale(ctx.as_of), 1))))
        .where(is_contracted(ctx.region.id, ctx.today))
        .group_by(Offering.product_id, Offering.waiting_weeks)
    ):
        values[product_id] += [weeks] * n
        stale[product_id] += n_stale
    catalogue = db.session.scalars(sa.select(Product).where(Product.region_id == ctx.region.id).order_by(Product.segment, Product.code))
    return [
        ProductWaiting(product, providers.get(product.id, 0), waiting_stats.waiting_stats(values.get(product.id, []), norm_for(ctx, product)),
                       stale.get(product.id, 0))
        for product in catalogue
        if product.id in providers or product.id in values
    ]


PARSERS = {"realised_wait_weeks": waiting_stats.to_number}  # other figures are whole numbers


@dataclass
class Replayed:
    """The figures each offering showed at a series of moments, and whether it was contracted then."""

    moments: list[dt.datetime]
    # offering id -> (product id, {field: value per moment}); None before the offering existed
    values: dict[int, tuple[int, dict[str, list]]]
    contracted: list[set[tuple[int, int]]]  # per moment: (provider id, product id) under an active contract
    born: dict[int, dt.datetime | None]  # offering id -> its first history row (None: unknown, always there)

    def existed(self, oid: int, i: int) -> bool:
        """The offering existed at moment `i` (its figures may still be unknown)."""
        born = self.born.get(oid)
        return born is None or self.moments[i] >= born

    def at(self, i: int, field: str, provider_of: dict[int, int]):
        """(offering id, product id, value) of every offering contracted at moment `i`."""
        active = self.contracted[i]
        return [(oid, product_id, figures[field][i]) for oid, (product_id, figures) in self.values.items()
                if (provider_of[oid], product_id) in active]


def replay_figures(ctx: Context, months: list[dt.date], fields: tuple[str, ...], product_ids: list[int] | None = None):
    """Per month end (the running month: now) the value of each field every offering of the region's
    products (or of `product_ids`) showed, replayed from the append-only history, and which offerings
    were contracted on that month's contract day. Returns (Replayed, offering id -> provider id).

    - the newest change at or before a moment decides; before the first, that change's old value;
    - an offering without history of a field has shown its current value since it was born;
    - before its first history row of any kind (its birth) an offering did not exist.
    """
    in_scope = Offering.product_id.in_(product_ids) if product_ids is not None else Offering.product_id.in_(
        sa.select(Product.id).where(Product.region_id == ctx.region.id))
    running = compliance.month_first(ctx.as_of)
    # In UTC like the history's timestamps: comparing datetimes of one time zone is much cheaper.
    moments = [ctx.as_of if m >= running else compliance.month_last_instant(m).astimezone(dt.timezone.utc) for m in months]
    first = min(moments)
    earlier = sa.exists(sa.select(1).where(OfferingChange.offering_id == Offering.id, OfferingChange.changed_at <= first))
    offerings = db.session.execute(
        sa.select(Offering.id, Offering.provider_id, Offering.product_id, Offering.updated_at, earlier,
                  *(getattr(Offering, f) for f in fields))
        .where(in_scope)
    ).all()
    scoped = sa.select(Offering.id).where(in_scope)
    # Only the history after the first moment is read (a national history is millions of rows): a
    # value at a moment is the newest change at or before it, or else the old value of the first
    # change after it, and each row's old value is the one before it, so the rows up to `first` add
    # nothing; an offering with no change after `first` has shown its current value throughout.
    changes: dict[tuple[int, str], list[WaitingChange]] = defaultdict(list)
    for oid, field, at, old, new in db.session.execute(
        sa.select(OfferingChange.offering_id, OfferingChange.field, OfferingChange.changed_at, OfferingChange.old_value,
                  OfferingChange.new_value)
        .where(OfferingChange.offering_id.in_(scoped), OfferingChange.changed_at > first, OfferingChange.field.in_(fields),
               OfferingChange.kind.in_(("create", "update")))
        .order_by(OfferingChange.changed_at, OfferingChange.id)
    ):
        parse = PARSERS.get(field, to_int)
        changes[(oid, field)].append(WaitingChange(at, parse(old), parse(new)))
    # An offering exists from its first history row of any kind: one with a row at or before `first`
    # existed at every moment; the others from their first row after it, or (no history at all)
    # since their last update.
    born: dict[int, dt.datetime] = {}
    if not all(existed for _oid, _pr, _pd, _u, existed, *_ in offerings):
        born = dict(db.session.execute(
            sa.select(OfferingChange.offering_id, sa.func.min(OfferingChange.changed_at))
            .where(OfferingChange.offering_id.in_(scoped), OfferingChange.changed_at > first)
            .group_by(OfferingChange.offering_id)
        ).tuples().all())
    born_of = {oid: None if existed else born.get(oid, updated_at) for oid, _pr, _pd, updated_at, existed, *_ in offerings}
    days = [compliance.contract_day(month, ctx.as_of) for month in months]
    contract_scope = Contract.product_id.in_(product_ids) if product_ids is not None else sa.true()
    active = db.session.execute(
        sa.select(Contract.provider_id, Contract.product_id, *(sa.func.max(sa.case((Contract.is_active(day), 1), else_=0)) for day in days))
        .where(Contract.region_id == ctx.region.id, contract_scope)
        .group_by(Contract.provider_id, Contract.product_id)
    ).all()
    n = len(moments)

    def replay(oid: int, field: str, current):
        """One figure at every moment (most offerings: unchanged since `first`, their current value)."""
        found = changes.get((oid, field))
        if not found and born_of[oid] is None:
            return [current] * n
        return waiting_stats.values_at(found or [], moments, born=born_of[oid], current=current)

    values = {
        oid: (product_id, {field: replay(oid, field, current) for field, current in zip(fields, currents)})
        for oid, _provider_id, product_id, _updated_at, _existed, *currents in offerings
    }
    contracted = [{(provider_id, product_id) for provider_id, product_id, *in_month in active if in_month[i]} for i in range(len(months))]
    return Replayed(moments, values, contracted, born_of), {oid: provider_id for oid, provider_id, *_ in offerings}


def waiting_trend(ctx: Context, product: Product, months: int = TREND_MONTHS) -> list[tuple[dt.date, WaitingStats]]:
    """Per month end (the running month: now) the waiting weeks in force, replayed from the history."""
    wanted = compliance.months_back(ctx.as_of, months)
    replayed, provider_of = replay_figures(ctx, wanted, ("waiting_weeks",), [product.id])
    return [(month, waiting_stats.waiting_stats([v for _o, _p, v in replayed.at(i, "waiting_weeks", provider_of)], norm_for(ctx, product)))
            for i, month in enumerate(wanted)]


@dataclass
class WaitingPage:
    """The overview, the product whose trend is shown, and that trend."""

    overview: list[ProductWaiting]
    chosen: Product | None
    trend: list[tuple[dt.date, WaitingStats]]


def waiting_page(ctx: Context, product_id: int | None) -> WaitingPage:
    """The overview and the trend of the asked product, or else of the product with the most waiting times."""
    overview = waiting_overview(ctx)
    chosen = next((pw.product for pw in overview if pw.product.id == product_id), None)
    if chosen is None and overview:
        chosen = max(overview, key=lambda pw: (pw.stats.count, -pw.product.id)).product
    return WaitingPage(overview, chosen, waiting_trend(ctx, chosen) if chosen is not None else [])


def waiting_table(ctx: Context) -> Table:
    """The overview as a download, with the norm and how the percentiles are computed."""
    rows = []
    for pw in waiting_overview(ctx):
        s = pw.stats
        rows.append([pw.product.code, pw.product.name, pw.product.segment, pw.providers, s.count, s.minimum, s.maximum,
                     None if s.median is None else float(s.median), None if s.p90 is None else float(s.p90), norm_for(ctx, pw.product),
                     s.above_norm, percent(s.share_above_norm), pw.stale])
    return Table(
        title=f"Wachttijden per product — {ctx.region.name}",
        source=SOURCE,
        as_of=ctx.as_of,
        columns=["Productcode", "Product", "Segment", "Gecontracteerde aanbieders", "Aanbod met wachttijd", "Minimum (weken)",
                 "Maximum (weken)", "Mediaan (weken)", "P90 (weken)", "Norm (weken)", "Boven norm", "Aandeel boven norm (%)",
                 "Waarvan niet bijgewerkt deze maand"],
        rows=rows,
        notes=[("Regio", ctx.region.name), ("Eenheid", "gecontracteerd aanbod (product op een locatie) met een ingevulde wachttijd"),
               ("Percentielen", "lineaire interpolatie (zoals Excel PERCENTIEL.INC)")],
        sheet="Wachttijden",
    )


# --- Expected against realised ------------------------------------------------------------------

@dataclass
class RealisedRow:
    """Expected and realised wait, children waiting and free places over a group of contracted
    offerings (one product, or one provider's offerings of a product), and the reports on them."""

    key: int
    offerings: int = 0
    reported: int = 0  # offerings that reported a realised wait (or "geen starts")
    started: int = 0  # children who started, the n of the realised average
    realised: float | None = None  # average weeks, weighted by starts
    expected: float | None = None  # the expected weeks of the same offerings, weighted by the same starts
    waiting: int = 0
    waiting_reported: int = 0
    free: int = 0
    flagged: int = 0  # offerings whose realised wait far exceeds the expected one
    feedback: FeedbackCounts | None = None

    @property
    def extra_weeks(self) -> float | None:
        """How many weeks longer children waited than was expected (negative: shorter)."""
        return None if self.realised is None or self.expected is None else self.realised - self.expected


def realised_rows(ctx: Context, group_by, *conditions) -> dict[int, RealisedRow]:
    """Per value of `group_by` (product or provider), the sums over the contracted offerings (one
    query) with the feedback of the last year on them. Only offerings with an expected wait and
    starts weigh in the comparison, so expected and realised are about the same offerings."""
    started = sa.case((sa.and_(Offering.realised_started > 0, Offering.realised_wait_weeks.is_not(None),
                               Offering.waiting_weeks.is_not(None)), Offering.realised_started), else_=0)
    flagged = realised_above_expected()
    rows = db.session.execute(
        sa.select(group_by, sa.func.count(), sa.func.count(Offering.realised_started), sa.func.sum(started),
                  sa.func.sum(started * Offering.realised_wait_weeks), sa.func.sum(started * Offering.waiting_weeks),
                  sa.func.sum(Offering.waiting_count), sa.func.count(Offering.waiting_count), sa.func.sum(Offering.free_places),
                  sa.func.count(sa.case((flagged, 1))))
        .where(is_contracted(ctx.region.id, ctx.today), *conditions)
        .group_by(group_by)
    ).all()
    feedback = feedback_counts(ctx, group_by, window_start(ctx), None, *conditions)
    out = {}
    for key, n, reported, n_started, realised_sum, expected_sum, waiting, waiting_reported, free, n_flagged in rows:
        n_started = int(n_started or 0)
        out[key] = RealisedRow(
            key, n, reported, n_started,
            float(realised_sum) / n_started if n_started else None, float(expected_sum) / n_started if n_started else None,
            int(waiting or 0), waiting_reported, int(free or 0), n_flagged, feedback.get(key, FeedbackCounts()),
        )
    return out


PROVIDERS_SHOWN = 50  # a national product has hundreds of providers; the conversation starts with the largest differences


@dataclass
class RealisedPage:
    """Per product, and for the chosen product per provider."""

    products: list[tuple[Product, RealisedRow]]
    chosen: Product | None
    providers: list[tuple[Provider, RealisedRow]]  # the PROVIDERS_SHOWN with the largest difference
    since: dt.datetime
    provider_count: int = 0  # all providers of the chosen product


def realised_page(ctx: Context, product_id: int | None) -> RealisedPage:
    """Expected against realised per product; per provider for the asked product, else the one with most starts."""
    by_product = realised_rows(ctx, Offering.product_id)
    catalogue = db.session.scalars(sa.select(Product).where(Product.id.in_(list(by_product))).order_by(Product.segment, Product.code))
    products = [(p, by_product[p.id]) for p in catalogue]
    chosen = next((p for p, _r in products if p.id == product_id), None)
    if chosen is None and products:
        chosen = max(products, key=lambda pr: (pr[1].started, pr[1].waiting, -pr[0].id))[0]
    providers = []
    if chosen is not None:
        by_provider = realised_rows(ctx, Offering.provider_id, Offering.product_id == chosen.id)
        names = {p.id: p for p in db.session.scalars(sa.select(Provider).where(Provider.id.in_(list(by_provider))))}
        providers = sorted(((names[k], row) for k, row in by_provider.items()),
                           key=lambda pr: (-(pr[1].extra_weeks if pr[1].extra_weeks is not None else -1e9), pr[0].name))
    return RealisedPage(products, chosen, providers[:PROVIDERS_SHOWN], window_start(ctx), len(providers))


REALISED_COLUMNS = ["Aanbod", "Met opgave gerealiseerd", "Gestart (n)", "Verwacht (weken, gewogen)", "Gerealiseerd (weken, gewogen)",
                    "Verschil (weken)", "Signalen gerealiseerd veel langer", "Met aantal wachtenden", "Wachtenden", "Vrije plekken",
                    "Meldingen ontvangen", "Meldingen beantwoord", "Meldingen open", "Mediane reactietijd (dagen)"]


def realised_cells(row: RealisedRow) -> list:
    """One row's figures in a download, in the order of REALISED_COLUMNS."""
    fb = row.feedback or FeedbackCounts()
    rnd = lambda x: None if x is None else round(x, 1)  # noqa: E731
    return [row.offerings, row.reported, row.started, rnd(row.expected), rnd(row.realised), rnd(row.extra_weeks), row.flagged,
            row.waiting_reported, row.waiting, row.free, fb.received, fb.answered, fb.open, rnd(fb.median_response_days)]


def realised_notes(ctx: Context) -> list[tuple[str, str]]:
    """How expected and realised are compared, the rule behind the signal, and what is counted."""
    return [
        ("Regio", ctx.region.name),
        ("Noemer", "gecontracteerd aanbod (product op een locatie) met een actief contract op de peildatum"),
        ("Verwacht", "gepubliceerde wachttijd van het aanbod dat starts opgaf, gewogen naar het aantal starts"),
        ("Gerealiseerd", "gemiddelde weken van aanmelding tot start van de jeugdigen die in de twee volle maanden vóór de opgave "
                         "startten, gewogen naar het aantal starts"),
        ("Signaal", f"gerealiseerd minstens {waiting_stats.REALISED_FACTOR} keer en {waiting_stats.REALISED_MIN_EXTRA_WEEKS} weken "
                    f"langer dan verwacht, bij minstens {waiting_stats.REALISED_MIN_STARTED} starts"),
        ("Meldingen", f"'Klopt dit niet?'-meldingen van verwijzers, de laatste {WINDOW_DAYS} dagen"),
    ]


def realised_table(ctx: Context) -> Table:
    """Expected against realised per product, as a download."""
    page = realised_page(ctx, None)
    return Table(
        title=f"Verwachte en gerealiseerde wachttijd per product — {ctx.region.name}",
        source=f"{SOURCE} (opgave aanbieders per aanbod, meldingen van verwijzers)",
        as_of=ctx.as_of,
        columns=["Productcode", "Product", *REALISED_COLUMNS],
        rows=[[p.code, p.name, *realised_cells(row)] for p, row in page.products],
        notes=realised_notes(ctx),
        sheet="Verwacht en gerealiseerd",
    )
