"""What each contract-manager page and export shows: queries (contract/queries.py) combined with the
pure rules (domain.compliance, waiting_stats, quality), plus the one write: logging a call.

Views and exports call these functions, so a figure on the page and in the download is the same.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from beschikbaarheid.contract import queries
from beschikbaarheid.domain import compliance, freshness, quality, waiting_stats
from beschikbaarheid.domain.compliance import Share
from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.domain.waiting_stats import WaitingChange, WaitingStats, to_int
from beschikbaarheid.exports import Table
from beschikbaarheid.extensions import db
from beschikbaarheid.models import CATEGORY_LABELS, SEGMENT_LABELS, Product, Provider, Region
from beschikbaarheid.models.contract_mgmt import CallLog

SOURCE = queries.SOURCE
PER_PAGE = 50
TREND_MONTHS = 12


@dataclass(frozen=True)
class Context:
    """The frame every figure is reported in: region, moment, and the region's policy numbers."""

    region: Region
    as_of: dt.datetime
    target: float
    norm_weeks: int

    @property
    def local(self) -> dt.datetime:
        return self.as_of.astimezone(TZ)

    @property
    def year(self) -> int:
        return self.local.year

    @property
    def denominator(self) -> str:
        return f"gecontracteerde aanbieders {self.year} (contract actief op {self.local:%d-%m-%Y})"

    @property
    def source_line(self) -> str:
        """'Bron: ..., peildatum ..., noemer: ...' as printed under every figure."""
        return f"Bron: {SOURCE}, peildatum {self.local:%d-%m-%Y %H:%M}, noemer: {self.denominator}"


def context_for(region: Region, as_of: dt.datetime, config) -> Context:
    target, norm = queries.region_policy(region, config)
    return Context(region, as_of, target, norm)


# --- compliance ---------------------------------------------------------------------------------

@dataclass
class CompliancePage:
    ctx: Context
    now: queries.ComplianceNow
    trend: list[tuple[dt.date, Share]]
    overdue: list[queries.OverdueProvider]
    page: int
    pages: int


def compliance_page(ctx: Context, page: int = 1) -> CompliancePage:
    """Headline, segments, products, 12-month trend and one page of overdue providers."""
    closed = queries.closed_months_trend(ctx.region, ctx.as_of, ctx.target, TREND_MONTHS)  # may commit: first
    now = queries.current_compliance(ctx.region, ctx.as_of, ctx.target)
    trend = [*closed, (now.month, now.total)]
    pages = max(1, -(-len(now.not_current) // PER_PAGE))
    page = min(max(1, page), pages)
    overdue = queries.overdue_page(now, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return CompliancePage(ctx, now, trend, overdue, page, pages)


def _pct(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


def compliance_table(ctx: Context) -> Table:
    """Totals, segments and products of this month's compliance (export)."""
    now = queries.current_compliance(ctx.region, ctx.as_of, ctx.target)
    target_pct = round(ctx.target * 100, 1)
    rows = [["totaal", "", "Alle gecontracteerde aanbieders", now.total.current, now.total.contracted, _pct(now.total.share), target_pct,
             now.total.meets_target]]
    for number, label, share in now.segments:
        rows.append(["segment", str(number), label, share.current, share.contracted, _pct(share.share), target_pct, share.meets_target])
    for product, share in now.products:
        rows.append(["product", product.code, product.name, share.current, share.contracted, _pct(share.share), target_pct, share.meets_target])
    return Table(
        title=f"Naleving actualiseren {compliance.month_label(now.month)} — {ctx.region.name}",
        source=SOURCE,
        as_of=ctx.as_of,
        columns=["Niveau", "Code", "Naam", "Actueel", "Noemer", "Aandeel actueel (%)", "Doel (%)", "Doel gehaald"],
        rows=rows,
        notes=[
            ("Regio", ctx.region.name),
            ("Noemer", ctx.denominator),
            ("Definitie", "Actueel: al het gecontracteerde aanbod van de aanbieder is deze maand bijgewerkt of als ongewijzigd bevestigd."),
        ],
        sheet="Naleving",
    )


def provider_compliance_table(ctx: Context) -> Table:
    """Every contracted provider with its status this month (export)."""
    from beschikbaarheid.domain.reminders import period_of

    rows = queries.provider_compliance(ctx.region, ctx.as_of)
    ids = [r.provider_id for r in rows]
    reminders = queries.reminder_counts(ids, period_of(ctx.as_of))
    calls = queries.last_calls()
    return Table(
        title=f"Naleving per aanbieder {compliance.month_label(compliance.month_first(ctx.as_of))} — {ctx.region.name}",
        source=SOURCE,
        as_of=ctx.as_of,
        columns=["Aanbieder-id", "Aanbieder", "Intake e-mail", "Intake telefoon", "Gecontracteerd aanbod", "Waarvan actueel",
                 "Actueel deze maand", "Laatst bijgewerkt", "Herinneringen verstuurd deze maand", "Laatste gesprek", "Uitkomst laatste gesprek"],
        rows=[
            [r.provider_id, r.name, r.intake_email or "", r.intake_phone or "", r.offerings, r.fresh, r.current, r.last_update,
             reminders.get(r.provider_id, 0), calls[r.provider_id].called_at if r.provider_id in calls else None,
             calls[r.provider_id].outcome_label if r.provider_id in calls else ""]
            for r in rows
        ],
        notes=[("Regio", ctx.region.name), ("Noemer", ctx.denominator)],
        sheet="Per aanbieder",
    )


# --- waiting times ------------------------------------------------------------------------------

@dataclass
class ProductWaiting:
    product: Product
    providers: int
    stats: WaitingStats
    stale: int


def waiting_overview(ctx: Context) -> list[ProductWaiting]:
    """Per product of the catalogue: contracted providers and the spread of published waiting weeks."""
    day = ctx.local.date()
    providers = queries.contracted_providers_per_product(ctx.region.id, day)
    values: dict[int, list[int | None]] = defaultdict(list)
    stale: dict[int, int] = defaultdict(int)
    for product_id, weeks, updated_at in queries.contracted_waiting_values(ctx.region.id, day):
        values[product_id].append(weeks)
        if freshness.is_stale(updated_at, ctx.as_of):
            stale[product_id] += 1
    result = []
    for product in queries.region_products(ctx.region.id):
        if product.id not in providers and product.id not in values:
            continue
        result.append(ProductWaiting(product, providers.get(product.id, 0),
                                     waiting_stats.waiting_stats(values.get(product.id, []), ctx.norm_weeks), stale.get(product.id, 0)))
    return result


def waiting_trend(ctx: Context, product: Product, months: int = TREND_MONTHS) -> list[tuple[dt.date, WaitingStats]]:
    """Per month end (the running month: now) the waiting weeks in force, replayed from the history."""
    data = queries.product_history(ctx.region.id, product.id)
    changes = {
        oid: [WaitingChange(at, to_int(old), to_int(new)) for at, old, new in rows] for oid, rows in data.waiting_changes.items()
    }
    series = []
    for month in compliance.months_back(ctx.as_of, months):
        day = compliance.contract_day(month, ctx.as_of)
        at = ctx.as_of if month == compliance.month_first(ctx.as_of) else compliance.month_last_instant(month)
        contracted = {c.provider_id for c in data.contracts if c.is_active(day)}
        values = [
            waiting_stats.value_at(changes.get(oid, []), at, born=data.born.get(oid, updated_at), current=weeks)
            for oid, provider_id, weeks, updated_at in data.offerings
            if provider_id in contracted
        ]
        series.append((month, waiting_stats.waiting_stats(values, ctx.norm_weeks)))
    return series


def waiting_table(ctx: Context) -> Table:
    rows = []
    for pw in waiting_overview(ctx):
        s = pw.stats
        rows.append([pw.product.code, pw.product.name, pw.product.segment, pw.providers, s.count, s.minimum, s.maximum,
                     None if s.median is None else float(s.median), None if s.p90 is None else float(s.p90), ctx.norm_weeks,
                     s.above_norm, _pct(s.share_above_norm), pw.stale])
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


# --- data quality -------------------------------------------------------------------------------

@dataclass
class QualityResult:
    flags: list[quality.Flag]

    def counts(self) -> dict[str, int]:
        counts = {kind: 0 for kind in quality.FLAG_KINDS}
        for f in self.flags:
            counts[f.kind] += 1
        return counts


def quality_flags(ctx: Context, max_jump_weeks: int, provider_id: int | None = None) -> QualityResult:
    """All flags on the region's contracted offerings (or one provider's), most serious kind first."""
    cutoff = quality.months_before(ctx.as_of, quality.CONFIRM_ONLY_MONTHS)
    flags: list[quality.Flag] = []
    for facts in queries.quality_candidates(ctx.region.id, ctx.as_of, cutoff, provider_id):
        flags.extend(quality.offering_flags(facts, ctx.as_of, confirm_cutoff=cutoff))
    since = quality.months_before(ctx.as_of, quality.JUMP_WINDOW_MONTHS)
    jumps = queries.waiting_jumps(ctx.region.id, ctx.as_of, since, max_jump_weeks, provider_id)
    flags.extend(quality.jump_flags(jumps, max_jump_weeks))
    return QualityResult(quality.order_flags(flags))


def flag_infos(flags: list[quality.Flag]) -> dict[int, queries.OfferingInfo]:
    """Provider, product and location of the offerings behind the flags that are shown."""
    return queries.offering_infos(f.offering_id for f in flags)


# --- supply gaps --------------------------------------------------------------------------------

@dataclass
class GapNeed:
    need: str
    municipality_code: str | None
    municipality: str
    age_band: str
    searches: int = 0
    without: int = 0
    reports: int = 0


@dataclass
class GapMunicipality:
    code: str | None
    name: str
    searches: int
    within: int

    @property
    def share_within(self) -> float | None:
        return self.within / self.searches if self.searches else None


@dataclass
class GapsResult:
    available: bool
    since: dt.date
    needs: list[GapNeed] = field(default_factory=list)
    municipalities: list[GapMunicipality] = field(default_factory=list)
    reasons: list = field(default_factory=list)
    searches: int = 0


NEED_KINDS = {"code": "productcode", "name": "productnaam", "form": "vorm van zorg", "segment": "segment", "category": "categorie"}


def _need_label(kind, product_id, code, segment, category, products: dict[int, Product]) -> str:
    product = products.get(product_id) if product_id else None
    if product is not None:
        return f"{product.code} {product.name}"
    if code:
        return code
    if segment:
        return f"Segment {segment}: {SEGMENT_LABELS.get(segment, '')}".rstrip(": ")
    if category:
        return f"Categorie {category}: {CATEGORY_LABELS.get(category, '')}".rstrip(": ")
    return f"Overige zoekvraag ({NEED_KINDS.get(kind, kind)})"


def supply_gaps(ctx: Context, months: int = 12) -> GapsResult:
    """Needs that find no option within the radius, and per municipality the share that does."""
    since = (compliance.months_back(ctx.as_of, months)[0])
    result = GapsResult(available=False, since=since)
    rows = queries.gap_rows(ctx.region.id, since)
    if rows is None:
        return result
    result.available = True
    searches, reports = rows
    products = queries.products_by_id([r.product_id for r in searches] + [r.product_id for r in reports])
    municipalities = queries.municipality_names([r.municipality_code for r in searches] + [r.municipality_code for r in reports])
    needs: dict[tuple, GapNeed] = {}

    def entry(r) -> GapNeed:
        label = _need_label(r.need_kind, r.product_id, r.product_code, r.segment, r.category, products)
        key = (label, r.municipality_code, r.age_band)
        if key not in needs:
            needs[key] = GapNeed(label, r.municipality_code, municipalities.get(r.municipality_code, r.municipality_code or "onbekend"),
                                 r.age_band)
        return needs[key]

    for r in searches:
        e = entry(r)
        e.searches += int(r.searches)
        e.without += int(r.without or 0)
        result.searches += int(r.searches)
    for r in reports:
        entry(r).reports += int(r.reports)
    result.needs = sorted((n for n in needs.values() if n.without or n.reports),
                          key=lambda n: (-n.without, -n.reports, n.need, n.municipality, n.age_band))
    muni_rows = queries.gap_municipalities(ctx.region.id, since) or []
    names = queries.municipality_names([r.municipality_code for r in muni_rows])
    result.municipalities = sorted(
        (GapMunicipality(r.municipality_code, names.get(r.municipality_code, r.municipality_code or "onbekend"), int(r.searches),
                         int(r.within or 0)) for r in muni_rows),
        key=lambda m: (m.share_within if m.share_within is not None else 2, m.name),
    )
    result.reasons = queries.recent_reasons(ctx.region.id, since)
    return result


def gaps_table(ctx: Context, months: int = 12) -> Table:
    gaps = supply_gaps(ctx, months)
    return Table(
        title=f"Tekorten in het aanbod — {ctx.region.name}",
        source=f"{SOURCE} (anonieme zoeklog en meldingen 'geen passend aanbod')",
        as_of=ctx.as_of,
        columns=["Behoefte", "Gemeente (CBS-code)", "Gemeente", "Leeftijd", "Zoekopdrachten", "Zonder optie binnen zoekstraal",
                 "Meldingen geen passend aanbod"],
        rows=[[n.need, n.municipality_code or "", n.municipality, n.age_band, n.searches, n.without, n.reports] for n in gaps.needs],
        notes=[("Regio", ctx.region.name), ("Periode", f"{gaps.since:%d-%m-%Y} t/m {ctx.local:%d-%m-%Y}"),
               ("Zoekstraal", "de straal van de zoekopdracht (standaard 15 km)")],
        sheet="Tekorten",
    )


def gap_municipalities_table(ctx: Context, months: int = 12) -> Table:
    gaps = supply_gaps(ctx, months)
    return Table(
        title=f"Zoekopdrachten met een optie binnen de zoekstraal per gemeente — {ctx.region.name}",
        source=f"{SOURCE} (anonieme zoeklog)",
        as_of=ctx.as_of,
        columns=["Gemeente (CBS-code)", "Gemeente", "Zoekopdrachten", "Met optie binnen zoekstraal", "Aandeel met optie (%)"],
        rows=[[m.code or "", m.name, m.searches, m.within, _pct(m.share_within)] for m in gaps.municipalities],
        notes=[("Regio", ctx.region.name), ("Periode", f"{gaps.since:%d-%m-%Y} t/m {ctx.local:%d-%m-%Y}"),
               ("Zoekstraal", "de straal van de zoekopdracht (standaard 15 km)")],
        sheet="Per gemeente",
    )


# --- provider dossier ---------------------------------------------------------------------------

@dataclass
class Dossier:
    provider: Provider
    ctx: Context
    contracted: list
    other: list
    contracts: list
    months: list[tuple[dt.date, bool | None]]
    history: list
    reminders: list
    calls: list[CallLog]
    flags: QualityResult

    @property
    def current(self) -> bool:
        return compliance.is_current([o.updated_at for o in self.contracted], self.ctx.as_of)

    @property
    def fresh(self) -> int:
        return sum(1 for o in self.contracted if not freshness.is_stale(o.updated_at, self.ctx.as_of))

    def flags_for(self, offering_id: int) -> list[quality.Flag]:
        return [f for f in self.flags.flags if f.offering_id == offering_id]


def dossier(ctx: Context, provider: Provider, max_jump_weeks: int) -> Dossier:
    """Everything the contract conversation with one provider needs, on one page."""
    from beschikbaarheid.services.offerings import provider_offerings
    from beschikbaarheid.services.reminders import reminder_history

    contracted, other = provider_offerings(provider.id, ctx.local.date())
    contracted = [o for o in contracted if o.product.region_id == ctx.region.id]
    return Dossier(
        provider=provider,
        ctx=ctx,
        contracted=contracted,
        other=other,
        contracts=queries.provider_contracts(provider.id, ctx.region.id),
        months=queries.provider_monthly_status(provider.id, ctx.region.id, ctx.as_of, TREND_MONTHS),
        history=queries.recent_history(provider.id),
        reminders=reminder_history(provider_id=provider.id, limit=24),
        calls=queries.calls_for(provider.id),
        flags=quality_flags(ctx, max_jump_weeks, provider.id),
    )


# --- the one write ------------------------------------------------------------------------------

def log_call(provider: Provider, user, *, called_at: dt.datetime, outcome: str, note: str) -> CallLog:
    """Record a call to a provider (commits): who called, when, the outcome and a short note."""
    call = CallLog(provider_id=provider.id, user_id=user.id, called_at=called_at, outcome=outcome, note=note)
    db.session.add(call)
    db.session.commit()
    return call
