"""Compliance with the monthly update target: this month's share of current providers (in total, per
segment, per product), the 12-month trend, the providers to call, and the two compliance exports."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from beschikbaarheid.contract.calls import last_calls
from beschikbaarheid.contract.region import SOURCE, Context, contracted_pairs
from beschikbaarheid.domain import compliance
from beschikbaarheid.domain.compliance import Share
from beschikbaarheid.domain.reminders import period_of
from beschikbaarheid.exports import Table, percent
from beschikbaarheid.extensions import db
from beschikbaarheid.models import SEGMENT_LABELS, CallLog, ComplianceSnapshot, Offering, OfferingChange, Product, Provider, ReminderLog, UTCDateTime
from beschikbaarheid.services.reminders import reminders_by_provider

TREND_MONTHS = 12
PER_PAGE = 50


# --- the counting, in SQL -----------------------------------------------------------------------

def _per_pair(region_id: int, contract_day: dt.date, fresh, exists=None):
    """CTE: per contracted (provider, product) its offerings, how many are fresh, and the last update.

    `fresh` (and `exists`) are SQL conditions on Offering: for the running month "not stale"
    (Offering.is_stale, the SQL form of freshness.is_stale), for a closed month a history row in that
    month (the replay). Contracts are de-duplicated first (two overlapping contracts for one product
    count once), then joined to the offerings through two covering indexes.
    """
    k = contracted_pairs(region_id, contract_day)
    on = sa.and_(Offering.provider_id == k.c.provider_id, Offering.product_id == k.c.product_id)
    if exists is not None:
        on = sa.and_(on, exists)
    return (
        sa.select(
            k.c.provider_id,
            k.c.product_id,
            sa.func.count(Offering.id).label("n"),
            sa.func.count(sa.case((fresh, 1))).label("n_fresh"),
            sa.func.max(Offering.updated_at).label("last_update"),
        )
        .select_from(k)
        .outerjoin(Offering, on)
        .group_by(k.c.provider_id, k.c.product_id)
        .cte("pp")
    )


def _per_provider(pp):
    """Per provider: its contracted offerings, how many are fresh, and its last update."""
    return sa.select(
        pp.c.provider_id,
        sa.func.sum(pp.c.n).label("n"),
        sa.func.sum(pp.c.n_fresh).label("n_fresh"),
        sa.func.max(pp.c.last_update).label("last_update"),
    ).group_by(pp.c.provider_id)


def _is_current(n, n_fresh):
    """freshness.is_current over counts: at least one contracted offering, and every one of them fresh."""
    return sa.and_(n > 0, n_fresh == n)


def _count_current(n, n_fresh):
    """How many of the grouped rows are current."""
    return sa.func.count(sa.case((_is_current(n, n_fresh), 1)))


def _levels_statement(pp, *, with_details: bool):
    """One UNION ALL over the CTE: the total and, with details, per segment, per product and the
    providers that are not current (with their counts and last update) for the call list."""
    pt = _per_provider(pp).cte("pt")
    no_time = sa.cast(sa.null(), UTCDateTime())
    total = sa.select(
        sa.literal("total").label("level"), sa.literal(0).label("key"), sa.func.count().label("contracted"),
        _count_current(pt.c.n, pt.c.n_fresh).label("current"), no_time.label("last_update"),
    ).select_from(pt)
    if not with_details:
        return total
    ps = (
        sa.select(pp.c.provider_id, Product.segment, sa.func.sum(pp.c.n).label("n"), sa.func.sum(pp.c.n_fresh).label("n_fresh"))
        .join(Product, Product.id == pp.c.product_id)
        .group_by(pp.c.provider_id, Product.segment)
        .subquery("ps")
    )
    segment = sa.select(sa.literal("segment"), ps.c.segment, sa.func.count(), _count_current(ps.c.n, ps.c.n_fresh), no_time)
    product = sa.select(sa.literal("product"), pp.c.product_id, sa.func.count(), _count_current(pp.c.n, pp.c.n_fresh), no_time)
    overdue = sa.select(sa.literal("overdue"), pt.c.provider_id, pt.c.n, pt.c.n_fresh, pt.c.last_update)
    return sa.union_all(
        total,
        segment.group_by(ps.c.segment),
        product.group_by(pp.c.product_id),
        overdue.where(sa.not_(_is_current(pt.c.n, pt.c.n_fresh))),
    )


# --- this month ---------------------------------------------------------------------------------

@dataclass
class ComplianceNow:
    """This month's compliance for a region, in total and per segment and product."""

    month: dt.date
    total: Share
    segments: list[tuple[int, str, Share]] = field(default_factory=list)
    products: list[tuple[Product, Share]] = field(default_factory=list)
    # (provider_id, contracted offerings, fresh offerings, last update) of the providers not current
    not_current: list[tuple[int, int, int, dt.datetime | None]] = field(default_factory=list)


def current_compliance(ctx: Context) -> ComplianceNow:
    """This month's figures from the offerings' updated_at, as the reminder job sees them (one statement)."""
    pp = _per_pair(ctx.region.id, ctx.today, sa.not_(Offering.is_stale(ctx.as_of)))
    now = ComplianceNow(month=compliance.month_first(ctx.as_of), total=Share(0, 0, ctx.target))
    segments, products = [], {}
    for level, key, contracted, current, last_update in db.session.execute(_levels_statement(pp, with_details=True)):
        share = Share(int(current or 0), int(contracted or 0), ctx.target)
        if level == "overdue":
            now.not_current.append((int(key), int(contracted or 0), int(current or 0), last_update))
        elif level == "total":
            now.total = share
        elif level == "segment":
            segments.append((int(key), share))
        else:
            products[int(key)] = share
    now.segments = sorted((number, SEGMENT_LABELS.get(number, str(number)), share) for number, share in segments)
    catalogue = db.session.scalars(sa.select(Product).where(Product.id.in_(products)).order_by(Product.segment, Product.code))
    now.products = [(product, products[product.id]) for product in catalogue]
    return now


# --- closed months: replayed once, then stored --------------------------------------------------

def _replay_conditions(start: dt.datetime, end: dt.datetime):
    """(fresh, exists) on Offering for a closed month, replayed from the history (see domain.compliance).

    An offering existed at the month's end when it has a history row before the end (or, without any
    history, when its own updated_at is before the end); it was fresh when it has a history row in
    the month (or, without history, its updated_at falls in the month).
    """
    change = sa.orm.aliased(OfferingChange)
    has_any = sa.exists(sa.select(1).where(change.offering_id == Offering.id))
    before_end = sa.exists(sa.select(1).where(change.offering_id == Offering.id, change.changed_at < end))
    in_month = sa.select(OfferingChange.offering_id).where(OfferingChange.changed_at >= start, OfferingChange.changed_at < end)
    exists = sa.or_(before_end, sa.and_(~has_any, sa.or_(Offering.updated_at.is_(None), Offering.updated_at < end)))
    fresh = sa.or_(Offering.id.in_(in_month), sa.and_(~has_any, Offering.updated_at >= start, Offering.updated_at < end))
    return fresh, exists


def closed_month_share(region_id: int, month: dt.date, target: float) -> Share:
    """A closed month's compliance, replayed from the append-only history (at national scale a few
    hundred milliseconds a month, hence stored by `closed_months`)."""
    start, end = compliance.month_bounds(month)
    pp = _per_pair(region_id, (end - dt.timedelta(days=1)).date(), *_replay_conditions(start, end))
    _, _, contracted, current, _ = db.session.execute(_levels_statement(pp, with_details=False)).one()
    return Share(int(current or 0), int(contracted or 0), target)


def closed_months(ctx: Context, months: int = TREND_MONTHS) -> list[tuple[dt.date, Share]]:
    """The `months - 1` closed months before the running one, oldest first.

    Each is computed once and stored (ComplianceSnapshot); a write that could change it deletes it
    (models.contract_mgmt), and the next view computes it again. Commits only when it stored a month.
    """
    wanted = compliance.months_back(ctx.as_of, months)[:-1]
    stored = dict(db.session.execute(
        sa.select(ComplianceSnapshot.month, ComplianceSnapshot)
        .where(ComplianceSnapshot.region_id == ctx.region.id, ComplianceSnapshot.month.in_(wanted))
    ).tuples().all())
    shares = {m: Share(s.current, s.contracted, ctx.target) for m, s in stored.items()}
    # Every missing month is computed before any is stored: a concurrent first view may store the
    # same months, and that clash must come at the commit (expected and harmless), not as an
    # autoflush inside the next month's query.
    missing = {m: closed_month_share(ctx.region.id, m, ctx.target) for m in wanted if m not in stored}
    for month, share in missing.items():
        db.session.add(ComplianceSnapshot(region_id=ctx.region.id, month=month, contracted=share.contracted, current=share.current))
    if missing:
        try:
            db.session.commit()
        except sa.exc.IntegrityError:  # another view stored the same month at the same moment: fine
            db.session.rollback()
    shares.update(missing)
    return [(m, shares[m]) for m in wanted]


# --- the page -----------------------------------------------------------------------------------

@dataclass
class ProviderCompliance:
    """One contracted provider's status this month (the per-provider export; the call list adds to it)."""

    provider_id: int
    name: str
    intake_email: str | None
    intake_phone: str | None
    offerings: int
    fresh: int
    last_update: dt.datetime | None

    @property
    def current(self) -> bool:
        """The same rule as the page: offerings, and all of them fresh."""
        return self.offerings > 0 and self.fresh == self.offerings


@dataclass
class OverdueProvider(ProviderCompliance):
    """A contracted provider that is not current this month, with what the call needs."""

    reminders: list = field(default_factory=list)
    last_call: CallLog | None = None

    @property
    def escalated(self) -> bool:
        """The reminder job escalated it this month: it is on the call list."""
        return any(r.kind == "escalation" and r.status == "sent" for r in self.reminders)


def overdue_page(now: ComplianceNow, as_of: dt.datetime, *, limit: int, offset: int = 0) -> list[OverdueProvider]:
    """One page of the providers that are not current: never updated first, then the longest silent."""
    ids = [r[0] for r in now.not_current]
    names = dict(db.session.execute(sa.select(Provider.id, Provider.name).where(Provider.id.in_(ids))).tuples().all()) if ids else {}
    never = dt.datetime.min.replace(tzinfo=dt.timezone.utc)
    ordered = sorted(
        now.not_current, key=lambda r: (r[3] is not None, r[3] or never, names.get(r[0], "").lower(), r[0])
    )[offset:offset + limit]
    page_ids = [r[0] for r in ordered]
    if not page_ids:
        return []
    contacts = {
        pid: (email, phone)
        for pid, email, phone in db.session.execute(
            sa.select(Provider.id, Provider.intake_email, Provider.intake_phone).where(Provider.id.in_(page_ids))
        )
    }
    reminders = reminders_by_provider(period_of(as_of), page_ids)
    calls = last_calls(page_ids)
    return [
        OverdueProvider(pid, names.get(pid, ""), *contacts.get(pid, (None, None)), n, fresh, last_update,
                        reminders=reminders.get(pid, []), last_call=calls.get(pid))
        for pid, n, fresh, last_update in ordered
    ]


@dataclass
class CompliancePage:
    """What the compliance page shows: this month, the trend, and one page of providers to call."""

    ctx: Context
    now: ComplianceNow
    trend: list[tuple[dt.date, Share]]
    overdue: list[OverdueProvider]
    page: int
    pages: int


def compliance_page(ctx: Context, page: int = 1) -> CompliancePage:
    """Headline, segments, products, 12-month trend and one page of overdue providers."""
    closed = closed_months(ctx)  # may commit: first
    now = current_compliance(ctx)
    pages = max(1, -(-len(now.not_current) // PER_PAGE))
    page = min(max(1, page), pages)
    overdue = overdue_page(now, ctx.as_of, limit=PER_PAGE, offset=(page - 1) * PER_PAGE)
    return CompliancePage(ctx, now, [*closed, (now.month, now.total)], overdue, page, pages)


# --- exports ------------------------------------------------------------------------------------

def compliance_table(ctx: Context) -> Table:
    """Totals, segments and products of this month's compliance (export)."""
    now = current_compliance(ctx)
    target_pct = round(ctx.target * 100, 1)

    def row(level: str, code: str, name: str, share: Share) -> list:
        """One line of the table: the same columns for the total, a segment and a product."""
        return [level, code, name, share.current, share.contracted, percent(share.share), target_pct, share.meets_target]

    rows = [row("totaal", "", "Alle gecontracteerde aanbieders", now.total)]
    rows += [row("segment", str(number), label, share) for number, label, share in now.segments]
    rows += [row("product", product.code, product.name, share) for product, share in now.products]
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


def provider_compliance(ctx: Context) -> list[ProviderCompliance]:
    """Every contracted provider of the region with its offerings and how many are fresh."""
    pt = _per_provider(_per_pair(ctx.region.id, ctx.today, sa.not_(Offering.is_stale(ctx.as_of)))).subquery("pt")
    stmt = (
        sa.select(Provider.id, Provider.name, Provider.intake_email, Provider.intake_phone, pt.c.n, pt.c.n_fresh,
                  sa.type_coerce(pt.c.last_update, UTCDateTime()))
        .join(pt, pt.c.provider_id == Provider.id)
        .order_by(Provider.name, Provider.id)
    )
    return [ProviderCompliance(pid, name, e, p, int(n), int(nf), lu) for pid, name, e, p, n, nf, lu in db.session.execute(stmt)]


def sent_reminder_counts(provider_ids: Iterable[int], period: str) -> dict[int, int]:
    """Sent reminders per provider in a period (for the per-provider export)."""
    rows = db.session.execute(
        sa.select(ReminderLog.provider_id, sa.func.count())
        .where(ReminderLog.period == period, ReminderLog.status == "sent")
        .group_by(ReminderLog.provider_id)
    )
    wanted = set(provider_ids)
    return {pid: int(n) for pid, n in rows if pid in wanted}


def provider_compliance_table(ctx: Context) -> Table:
    """Every contracted provider with its status this month (export)."""
    rows = provider_compliance(ctx)
    reminders = sent_reminder_counts([r.provider_id for r in rows], period_of(ctx.as_of))
    calls = last_calls()
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
