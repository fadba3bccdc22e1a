"""Set-based reads for the contract-manager pages: a handful of GROUP BY queries per page, never a
loop of per-provider ORM queries, so the compliance page stays fast at national scale.

The rules themselves live in the pure domain modules (compliance, waiting_stats, quality); where a
query aggregates in SQL for speed it mirrors `domain.reminders.is_current`, and the tests check that
both agree on the same data.
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import current_app, g, has_request_context
from sqlalchemy.orm import joinedload

from beschikbaarheid.domain import compliance, freshness
from beschikbaarheid.domain.compliance import Share
from beschikbaarheid.extensions import db
from beschikbaarheid.models import (
    SEGMENT_LABELS,
    Contract,
    Location,
    Municipality,
    Offering,
    OfferingChange,
    Product,
    Provider,
    Region,
    UTCDateTime,
)
from beschikbaarheid.models.contract_mgmt import CallLog, ComplianceSnapshot

SOURCE = "Beschikbaarheidswijzer"


# --- region -------------------------------------------------------------------------------------

def regions() -> list[Region]:
    """All regions by name (an administrator may switch between them)."""
    return list(db.session.scalars(sa.select(Region).order_by(Region.name)))


def resolve_region(user, requested_id: int | None) -> Region | None:
    """The region a page reports on: a contract manager's own region, else the requested or first one."""
    if getattr(user, "region_id", None) and user.role == "contractmanager":
        return db.session.get(Region, user.region_id)
    if requested_id:
        found = db.session.get(Region, requested_id)
        if found:
            return found
    if getattr(user, "region_id", None):
        found = db.session.get(Region, user.region_id)
        if found:
            return found
    return db.session.scalar(sa.select(Region).order_by(Region.name).limit(1))


def region_policy(region: Region, config) -> tuple[float, int]:
    """(compliance target, waiting norm in weeks): the region's own values, else the settings."""
    target = region.compliance_target if region.compliance_target is not None else config["COMPLIANCE_TARGET"]
    norm = region.waiting_norm_weeks if region.waiting_norm_weeks is not None else config["WAITING_NORM_WEEKS"]
    return float(target), int(norm)


# --- contracts ----------------------------------------------------------------------------------

def contracted_pairs(region_id: int, on: dt.date):
    """(provider_id, product_id) under an active contract in the region on `on`, as a subquery."""
    return (
        sa.select(Contract.provider_id, Contract.product_id)
        .where(Contract.region_id == region_id, Contract.is_active(on))
        .distinct()
        .subquery("k")
    )


# --- compliance: one statement per month --------------------------------------------------------

@dataclass
class ComplianceNow:
    """This month's compliance for a region, in total and per segment and product."""

    region: Region
    as_of: dt.datetime
    month: dt.date
    contract_day: dt.date
    total: Share
    segments: list[tuple[int, str, Share]] = field(default_factory=list)
    products: list[tuple[Product, Share]] = field(default_factory=list)
    # (provider_id, contracted offerings, fresh offerings, last update) of providers not current
    not_current: list[tuple[int, int, int, dt.datetime | None]] = field(default_factory=list)


def _per_pair(region_id: int, contract_on: dt.date, fresh, exists=None):
    """CTE: per contracted (provider, product) its offerings, how many are fresh, and the last update.

    `fresh` (and `exists`) are SQL conditions on Offering: for the running month `updated_at` in
    this month (freshness.is_stale), for a closed month a history row in that month (the replay).
    Contracts are de-duplicated first (two overlapping contracts for one product count once), then
    joined to the offerings: a hash join on PostgreSQL, two covering indexes on SQLite.
    """
    k = contracted_pairs(region_id, contract_on)
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


def _current_flag(n, n_fresh):
    """SQL mirror of domain.reminders.is_current: at least one offering, and none of them stale."""
    return sa.case((sa.and_(n > 0, n_fresh == n), 1), else_=0)


def _levels_statement(pp, *, with_details: bool):
    """One UNION ALL statement over the CTE: totals, and optionally per segment, per product and
    the providers that are not current (with their last update) for the call list."""
    pt = (
        sa.select(
            pp.c.provider_id,
            sa.func.sum(pp.c.n).label("n"),
            sa.func.sum(pp.c.n_fresh).label("n_fresh"),
            sa.func.max(pp.c.last_update).label("last_update"),
        )
        .group_by(pp.c.provider_id)
        .cte("pt")
    )
    no_time = sa.cast(sa.null(), UTCDateTime())
    total = sa.select(
        sa.literal("total").label("level"),
        sa.literal(0).label("key"),
        sa.func.count().label("contracted"),
        sa.func.count(sa.case((_current_flag(pt.c.n, pt.c.n_fresh) == 1, 1))).label("current"),
        no_time.label("last_update"),
    ).select_from(pt)
    if not with_details:
        return total
    ps = (
        sa.select(pp.c.provider_id, Product.segment, sa.func.sum(pp.c.n).label("n"), sa.func.sum(pp.c.n_fresh).label("n_fresh"))
        .join(Product, Product.id == pp.c.product_id)
        .group_by(pp.c.provider_id, Product.segment)
        .subquery("ps")
    )
    segment = sa.select(
        sa.literal("segment"), ps.c.segment, sa.func.count(),
        sa.func.count(sa.case((_current_flag(ps.c.n, ps.c.n_fresh) == 1, 1))), no_time,
    ).group_by(ps.c.segment)
    product = sa.select(
        sa.literal("product"), pp.c.product_id, sa.func.count(),
        sa.func.count(sa.case((_current_flag(pp.c.n, pp.c.n_fresh) == 1, 1))), no_time,
    ).group_by(pp.c.product_id)
    overdue = sa.select(sa.literal("overdue"), pt.c.provider_id, pt.c.n, pt.c.n_fresh, pt.c.last_update).where(
        _current_flag(pt.c.n, pt.c.n_fresh) == 0
    )
    return sa.union_all(total, segment, product, overdue)


def _register_fingerprint(region_id: int, on: dt.date) -> tuple:
    """Changes whenever anything the running month's figures depend on changes.

    Every ORM save or confirmation of an offering bumps its `version` (optimistic locking), so
    SUM(version) moves with each one; added or removed offerings move COUNT and MAX(id).
    """
    offerings = db.session.execute(
        sa.select(sa.func.count(Offering.id), sa.func.max(Offering.id), sa.func.sum(Offering.version), sa.func.max(Offering.updated_at))
    ).one()
    products = db.session.execute(
        sa.select(sa.func.count(Product.id), sa.func.sum(Product.id * 10 + Product.segment)).where(Product.region_id == region_id)
    ).one()
    return (tuple(offerings), tuple(products), _contract_fingerprint(region_id, on))


def _compute_current(region_id: int, as_of: dt.datetime, day: dt.date) -> dict:
    """The running month's figures as plain values (what the cache keeps)."""
    pp = _per_pair(region_id, day, Offering.updated_at >= freshness.month_start(as_of))
    figures = {"total": (0, 0), "segments": [], "products": [], "not_current": []}
    for level, key, contracted, current, last_update in db.session.execute(_levels_statement(pp, with_details=True)):
        pair = (int(current or 0), int(contracted or 0))
        if level == "overdue":
            figures["not_current"].append((int(key), int(contracted or 0), int(current or 0), last_update))
        elif level == "total":
            figures["total"] = pair
        elif level == "segment":
            figures["segments"].append((int(key), pair))
        else:
            figures["products"].append((int(key), pair))
    return figures


CACHE_SIZE = 16


def current_compliance(region: Region, as_of: dt.datetime, target: float) -> ComplianceNow:
    """This month's compliance from the offerings' updated_at (as the reminder job sees it).

    The figures are kept per app process, keyed by a fingerprint of everything they depend on (the
    offerings, the region's products and contracts, the month and the contract day): a page view
    with no update since the last one costs three small aggregate queries instead of the join.
    Set CONTRACT_COMPLIANCE_CACHE = False to always compute.
    """
    month = compliance.month_first(as_of)
    day = compliance.contract_day(month, as_of)
    use_cache = current_app.config.get("CONTRACT_COMPLIANCE_CACHE", True)
    figures = None
    if use_cache:
        cache = current_app.extensions.setdefault("contract_compliance_cache", {})
        key = (region.id, month, day, _register_fingerprint(region.id, day))
        figures = cache.get(key)
    if figures is None:
        figures = _compute_current(region.id, as_of, day)
        if use_cache:
            while len(cache) >= CACHE_SIZE:
                cache.pop(next(iter(cache)))
            cache[key] = figures
    result = ComplianceNow(region=region, as_of=as_of, month=month, contract_day=day,
                           total=Share(*figures["total"], target), not_current=list(figures["not_current"]))
    result.segments = sorted((number, SEGMENT_LABELS.get(number, str(number)), Share(*pair, target)) for number, pair in figures["segments"])
    products = {p.id: p for p in db.session.scalars(sa.select(Product).where(Product.id.in_([k for k, _ in figures["products"]])))}
    result.products = sorted(
        ((products[k], Share(*pair, target)) for k, pair in figures["products"] if k in products),
        key=lambda ps: (ps[0].segment, ps[0].code),
    )
    return result


def _history_replay_conditions(start: dt.datetime, end: dt.datetime):
    """(fresh, exists) for a closed month, replayed from the history (see domain.compliance).

    An offering existed at the month's end when it has a history row before the end (or, without any
    history, when its own updated_at is before the end); it was fresh when it has a history row in
    the month (or, without history, its updated_at falls in the month).
    """
    change = sa.orm.aliased(OfferingChange)
    has_any = sa.exists(sa.select(1).where(change.offering_id == Offering.id))
    before_end = sa.exists(sa.select(1).where(change.offering_id == Offering.id, change.changed_at < end))
    in_month_ids = sa.select(OfferingChange.offering_id).where(
        OfferingChange.changed_at >= start, OfferingChange.changed_at < end
    )
    exists = sa.or_(before_end, sa.and_(~has_any, sa.or_(Offering.updated_at.is_(None), Offering.updated_at < end)))
    fresh = sa.or_(
        Offering.id.in_(in_month_ids),
        sa.and_(~has_any, Offering.updated_at >= start, Offering.updated_at < end),
    )
    return fresh, exists


def closed_month_compliance(region_id: int, month: dt.date, target: float) -> Share:
    """A closed month's compliance, replayed from the append-only history (the expensive one)."""
    start, end = compliance.month_bounds(month)
    day = (end - dt.timedelta(days=1)).date()  # the month's last day
    fresh, exists = _history_replay_conditions(start, end)
    pp = _per_pair(region_id, day, fresh, exists)
    _, _, contracted, current, _ = db.session.execute(_levels_statement(pp, with_details=False)).one()
    return Share(int(current or 0), int(contracted or 0), target)


# --- compliance trend with stored closed months -------------------------------------------------

def _contract_fingerprint(region_id: int, on: dt.date | None = None) -> str:
    """Contracts of the region added, removed or re-pointed change this string; with `on`, also
    which of them are active that day. Read once per request (flask.g), from the covering index.

    Date edits through the ORM also clear the stored months (listener in models.contract_mgmt).
    """
    memo = g.setdefault("contract_fingerprints", {}) if has_request_context() else {}
    if (region_id, on) in memo:
        return memo[(region_id, on)]
    columns = [sa.func.count(Contract.id), sa.func.max(Contract.id), sa.func.sum(Contract.id * (Contract.provider_id * 7 + Contract.product_id))]
    if on is not None:
        columns.append(sa.func.sum(sa.case((Contract.is_active(on), Contract.id), else_=0)))
    row = db.session.execute(sa.select(*columns).where(Contract.region_id == region_id)).one()
    memo[(region_id, on)] = ":".join(str(v) for v in row)
    return memo[(region_id, on)]


def _invalidate_backdated(region_id: int, current_month: dt.date, high_water: int) -> bool:
    """Drop stored months that history written after them (with an older date) has changed.

    Only the rows added since the last check are read (ids above the stored high-water mark), so
    this costs as much as the history written since the page was last shown. True when it wrote.
    """
    oldest = db.session.scalar(sa.select(sa.func.min(ComplianceSnapshot.history_high_water)).where(ComplianceSnapshot.region_id == region_id))
    if oldest is None or oldest >= high_water:
        return False
    earliest = db.session.scalar(
        sa.select(sa.func.min(OfferingChange.changed_at)).where(OfferingChange.id > oldest)
    )
    start_current, _ = compliance.month_bounds(current_month)
    if earliest is not None and earliest < start_current:
        db.session.execute(
            sa.delete(ComplianceSnapshot).where(
                ComplianceSnapshot.region_id == region_id, ComplianceSnapshot.month >= compliance.month_first(earliest)
            )
        )
    db.session.execute(
        sa.update(ComplianceSnapshot).where(ComplianceSnapshot.region_id == region_id).values(history_high_water=high_water)
    )
    return True


def closed_months_trend(region: Region, as_of: dt.datetime, target: float, months: int = 12) -> list[tuple[dt.date, Share]]:
    """The `months - 1` closed months before the running one (oldest first), stored once computed.

    A closed month's figure only changes when history is written afterwards with an older date (an
    import, a demo load) or when the region's contracts change; both are detected here and the
    affected months are computed again. Otherwise this reads one small table. Commits only when it
    stored something.
    """
    wanted = compliance.months_back(as_of, months)[:-1]
    current_month = compliance.month_first(as_of)
    high_water = db.session.scalar(sa.select(sa.func.max(OfferingChange.id))) or 0
    fingerprint = _contract_fingerprint(region.id)
    changed = _invalidate_backdated(region.id, current_month, high_water)
    stored = {
        s.month: s
        for s in db.session.scalars(
            sa.select(ComplianceSnapshot).where(ComplianceSnapshot.region_id == region.id, ComplianceSnapshot.month.in_(wanted))
        )
    }
    series: list[tuple[dt.date, Share]] = []
    # No autoflush: a concurrent first view may insert the same month; the clash must surface at
    # the commit below (where it is expected and harmless), not inside the next month's query.
    with db.session.no_autoflush:
        for month in wanted:
            snap = stored.get(month)
            if snap is None or snap.contract_fingerprint != fingerprint:
                share = closed_month_compliance(region.id, month, target)
                if snap is None:
                    snap = ComplianceSnapshot(region_id=region.id, month=month)
                    db.session.add(snap)
                snap.contracted, snap.current = share.contracted, share.current
                snap.history_high_water, snap.contract_fingerprint = high_water, fingerprint
                changed = True
            series.append((month, Share(snap.current, snap.contracted, target)))
    if changed:
        try:
            db.session.commit()
        except sa.exc.IntegrityError:  # another request stored the same month at the same moment: fine
            db.session.rollback()
    return series


def compliance_trend(region: Region, as_of: dt.datetime, target: float, months: int = 12) -> list[tuple[dt.date, Share]]:
    """The last `months` months, oldest first: the closed ones stored, the running one live."""
    closed = closed_months_trend(region, as_of, target, months)
    return [*closed, (compliance.month_first(as_of), current_compliance(region, as_of, target).total)]


# --- overdue providers --------------------------------------------------------------------------

@dataclass
class OverdueProvider:
    """A contracted provider that is not current this month, with what the call needs."""

    provider_id: int
    name: str
    intake_email: str | None
    intake_phone: str | None
    offerings: int
    fresh: int
    last_update: dt.datetime | None
    reminders: list = field(default_factory=list)
    last_call: CallLog | None = None

    @property
    def escalated(self) -> bool:
        return any(r.kind == "escalation" and r.status == "sent" for r in self.reminders)


def overdue_page(now: ComplianceNow, *, limit: int, offset: int = 0) -> list[OverdueProvider]:
    """One page of the providers that are not current: never updated first, then the longest silent."""
    names = dict(
        db.session.execute(sa.select(Provider.id, Provider.name).where(Provider.id.in_([r[0] for r in now.not_current]))).all()
    ) if now.not_current else {}
    ordered = sorted(
        now.not_current,
        key=lambda r: (r[3] is not None, r[3] or dt.datetime.min.replace(tzinfo=dt.timezone.utc), names.get(r[0], "").lower(), r[0]),
    )[offset:offset + limit]
    ids = [r[0] for r in ordered]
    contacts = {
        pid: (email, phone)
        for pid, email, phone in db.session.execute(
            sa.select(Provider.id, Provider.intake_email, Provider.intake_phone).where(Provider.id.in_(ids))
        )
    } if ids else {}
    reminders = reminders_for(ids, now.as_of)
    calls = last_calls(ids)
    return [
        OverdueProvider(pid, names.get(pid, ""), *contacts.get(pid, (None, None)), n, fresh, last_update,
                        reminders=reminders.get(pid, []), last_call=calls.get(pid))
        for pid, n, fresh, last_update in ordered
    ]


def reminders_for(provider_ids: Iterable[int], as_of: dt.datetime) -> dict[int, list]:
    """This month's reminder log per provider (from the scheduler's log)."""
    ids = list(provider_ids)
    if not ids:
        return {}
    from beschikbaarheid.domain.reminders import period_of
    from beschikbaarheid.services.reminders import reminders_by_provider

    return reminders_by_provider(period_of(as_of), ids)


def last_calls(provider_ids: Iterable[int] | None = None) -> dict[int, CallLog]:
    """The most recent call (by when it took place) per provider, for the given providers or all."""
    if provider_ids is not None:
        provider_ids = list(provider_ids)
        if not provider_ids:
            return {}
    ranked = sa.select(
        CallLog.id,
        sa.func.row_number().over(partition_by=CallLog.provider_id, order_by=(CallLog.called_at.desc(), CallLog.id.desc())).label("rn"),
    )
    if provider_ids is not None:
        ranked = ranked.where(CallLog.provider_id.in_(provider_ids))
    ranked = ranked.subquery()
    rows = db.session.scalars(sa.select(CallLog).join(ranked, ranked.c.id == CallLog.id).where(ranked.c.rn == 1))
    return {c.provider_id: c for c in rows}


def calls_for(provider_id: int, limit: int = 50) -> list[CallLog]:
    """A provider's calls, newest first."""
    return list(
        db.session.scalars(
            sa.select(CallLog)
            .options(joinedload(CallLog.user))
            .where(CallLog.provider_id == provider_id)
            .order_by(CallLog.called_at.desc(), CallLog.id.desc())
            .limit(limit)
        )
    )


# --- per provider (export and dossier) ----------------------------------------------------------

@dataclass
class ProviderCompliance:
    """One contracted provider's status this month, for the per-provider export."""

    provider_id: int
    name: str
    intake_email: str | None
    intake_phone: str | None
    offerings: int
    fresh: int
    last_update: dt.datetime | None

    @property
    def current(self) -> bool:
        return self.offerings > 0 and self.fresh == self.offerings


def provider_compliance(region: Region, as_of: dt.datetime) -> list[ProviderCompliance]:
    """Every contracted provider of the region with its offerings and how many are fresh."""
    day = compliance.contract_day(compliance.month_first(as_of), as_of)
    pp = _per_pair(region.id, day, Offering.updated_at >= freshness.month_start(as_of))
    pt = (
        sa.select(pp.c.provider_id, sa.func.sum(pp.c.n).label("n"), sa.func.sum(pp.c.n_fresh).label("n_fresh"),
                  sa.func.max(pp.c.last_update).label("last_update"))
        .group_by(pp.c.provider_id)
        .subquery("pt")
    )
    stmt = (
        sa.select(Provider.id, Provider.name, Provider.intake_email, Provider.intake_phone, pt.c.n, pt.c.n_fresh,
                  sa.type_coerce(pt.c.last_update, UTCDateTime()))
        .join(pt, pt.c.provider_id == Provider.id)
        .order_by(Provider.name, Provider.id)
    )
    return [ProviderCompliance(pid, name, e, p, int(n), int(nf), lu) for pid, name, e, p, n, nf, lu in db.session.execute(stmt)]


def provider_activity(provider_id: int, region_id: int | None, since: dt.datetime) -> dict[int, list[dt.datetime]]:
    """History timestamps per offering of one provider since `since` plus each offering's first row."""
    stmt = sa.select(OfferingChange.offering_id, OfferingChange.changed_at).join(Offering, Offering.id == OfferingChange.offering_id)
    stmt = stmt.where(Offering.provider_id == provider_id, OfferingChange.changed_at >= since)
    activity: dict[int, list[dt.datetime]] = defaultdict(list)
    for offering_id, changed_at in db.session.execute(stmt):
        activity[offering_id].append(changed_at)
    first_rows = sa.select(OfferingChange.offering_id, sa.func.min(OfferingChange.changed_at)).join(
        Offering, Offering.id == OfferingChange.offering_id
    ).where(Offering.provider_id == provider_id).group_by(OfferingChange.offering_id)
    for offering_id, first in db.session.execute(first_rows):
        activity[offering_id].append(first)
    return activity


def provider_monthly_status(provider_id: int, region_id: int, as_of: dt.datetime, months: int = 12) -> list[tuple[dt.date, bool | None]]:
    """Per month (oldest first) whether this provider was current, replayed with `is_current` itself.

    None for months in which it held no contract in the region.
    """
    wanted = compliance.months_back(as_of, months)
    first_start, _ = compliance.month_bounds(wanted[0])
    offerings = db.session.execute(
        sa.select(Offering.id, Offering.product_id, Offering.updated_at).where(Offering.provider_id == provider_id)
    ).all()
    contracts = db.session.scalars(
        sa.select(Contract).where(Contract.provider_id == provider_id, Contract.region_id == region_id)
    ).all()
    activity = provider_activity(provider_id, region_id, first_start)
    result: list[tuple[dt.date, bool | None]] = []
    for month in wanted:
        day = compliance.contract_day(month, as_of)
        active_products = {c.product_id for c in contracts if c.is_active(day)}
        if not active_products:
            result.append((month, None))
            continue
        if month == wanted[-1]:
            result.append((month, compliance.is_current(
                [u for _, pid, u in offerings if pid in active_products], as_of)))
            continue
        lists = []
        for oid, pid, updated_at in offerings:
            if pid not in active_products:
                continue
            times = activity.get(oid)
            lists.append(times if times else ([updated_at] if updated_at else []))
        result.append((month, compliance.provider_current_at(lists, compliance.month_last_instant(month))))
    return result


# --- waiting times ------------------------------------------------------------------------------

def contracted_condition(region_id: int, on: dt.date):
    """SQL condition on Offering: its (provider, product) holds an active contract in the region."""
    return sa.exists(
        sa.select(1).where(
            Contract.region_id == region_id,
            Contract.provider_id == Offering.provider_id,
            Contract.product_id == Offering.product_id,
            Contract.is_active(on),
        )
    )


def contracted_providers_per_product(region_id: int, on: dt.date) -> dict[int, int]:
    """Number of providers with an active contract per product."""
    rows = db.session.execute(
        sa.select(Contract.product_id, sa.func.count(sa.distinct(Contract.provider_id)))
        .where(Contract.region_id == region_id, Contract.is_active(on))
        .group_by(Contract.product_id)
    )
    return {pid: int(n) for pid, n in rows}


def contracted_waiting_values(region_id: int, on: dt.date) -> list[tuple[int, int | None, dt.datetime | None]]:
    """(product_id, waiting_weeks, updated_at) of every contracted offering in the region."""
    return [
        tuple(r)
        for r in db.session.execute(
            sa.select(Offering.product_id, Offering.waiting_weeks, Offering.updated_at).where(contracted_condition(region_id, on))
        )
    ]


def region_products(region_id: int) -> list[Product]:
    """The region's catalogue by segment and code."""
    return list(db.session.scalars(sa.select(Product).where(Product.region_id == region_id).order_by(Product.segment, Product.code)))


@dataclass
class ProductHistory:
    """What the waiting-time replay of one product needs: its offerings, contracts and history rows."""

    offerings: list[tuple[int, int, int | None, dt.datetime | None]]  # id, provider_id, waiting_weeks, updated_at
    contracts: list[Contract]
    waiting_changes: dict[int, list[tuple[dt.datetime, str | None, str | None]]]
    born: dict[int, dt.datetime]


def product_history(region_id: int, product_id: int) -> ProductHistory:
    """Offerings of one product with their waiting-time history and first history row (three queries)."""
    offerings = [
        tuple(r)
        for r in db.session.execute(
            sa.select(Offering.id, Offering.provider_id, Offering.waiting_weeks, Offering.updated_at).where(Offering.product_id == product_id)
        )
    ]
    ids = [o[0] for o in offerings]
    contracts = list(db.session.scalars(sa.select(Contract).where(Contract.region_id == region_id, Contract.product_id == product_id)))
    changes: dict[int, list] = defaultdict(list)
    born: dict[int, dt.datetime] = {}
    if ids:
        in_product = sa.select(Offering.id).where(Offering.product_id == product_id)
        for oid, at, old, new in db.session.execute(
            sa.select(OfferingChange.offering_id, OfferingChange.changed_at, OfferingChange.old_value, OfferingChange.new_value)
            .where(
                OfferingChange.offering_id.in_(in_product),
                OfferingChange.field == "waiting_weeks",
                OfferingChange.kind.in_(("create", "update")),
            )
            .order_by(OfferingChange.changed_at, OfferingChange.id)
        ):
            changes[oid].append((at, old, new))
        for oid, first in db.session.execute(
            sa.select(OfferingChange.offering_id, sa.func.min(OfferingChange.changed_at))
            .where(OfferingChange.offering_id.in_(in_product))
            .group_by(OfferingChange.offering_id)
        ):
            born[oid] = first
    return ProductHistory(offerings, contracts, dict(changes), born)


# --- data quality -------------------------------------------------------------------------------

@dataclass(frozen=True)
class OfferingInfo:
    """Who and what an offering is, for showing a flag."""

    offering_id: int
    provider_id: int
    provider_name: str
    product_code: str
    product_name: str
    location_name: str


def quality_candidates(region_id: int, as_of: dt.datetime, confirm_cutoff: dt.datetime, provider_id: int | None = None):
    """Contracted offerings that might raise a flag, with the facts the rules need.

    The WHERE clause only narrows the rows (every rule in domain.quality implies one of its
    conditions); the rules themselves decide. `values_since` is looked up only for offerings whose
    last action was a confirmation and whose figures did not change after `confirm_cutoff`.
    """
    from beschikbaarheid.domain.quality import OfferingFacts

    day = freshness.local_date(as_of)
    change = sa.orm.aliased(OfferingChange)
    recent_change = sa.exists(
        sa.select(1).where(change.offering_id == Offering.id, change.changed_at > confirm_cutoff, change.kind != "confirm")
    )
    last_value_change = (
        sa.select(sa.func.max(change.changed_at)).where(change.offering_id == Offering.id, change.kind != "confirm").scalar_subquery()
    )
    first_row = sa.select(sa.func.min(change.changed_at)).where(change.offering_id == Offering.id).scalar_subquery()
    values_since = sa.case(
        (sa.and_(Offering.last_update_kind == "confirm", ~recent_change), sa.func.coalesce(last_value_change, first_row)),
        else_=sa.null(),
    )
    stmt = (
        sa.select(
            Offering.id, Offering.capacity, Offering.free_places, Offering.waiting_weeks, Offering.updated_at,
            Offering.last_update_kind, Offering.unusual_confirmed, sa.type_coerce(values_since, UTCDateTime()),
        )
        .where(
            contracted_condition(region_id, day),
            sa.or_(
                Offering.waiting_weeks == 0,
                Offering.capacity.is_(None),
                Offering.free_places > Offering.capacity,
                Offering.updated_at.is_(None),
                Offering.updated_at < freshness.month_start(as_of),
                sa.and_(Offering.last_update_kind == "confirm", ~recent_change),
            ),
        )
    )
    if provider_id is not None:
        stmt = stmt.where(Offering.provider_id == provider_id)
    return [
        OfferingFacts(oid, cap, free, wait, upd, kind, bool(unusual), since)
        for oid, cap, free, wait, upd, kind, unusual, since in db.session.execute(stmt)
    ]


def waiting_jumps(region_id: int, as_of: dt.datetime, since: dt.datetime, max_jump_weeks: int, provider_id: int | None = None):
    """Waiting-time updates of contracted offerings since `since` that jump more than `max_jump_weeks`.

    Two steps: the old and new values of every update are compared first (cheap), then only the
    jumps are read in full; the comparison itself is domain.quality.is_large_jump.
    """
    from beschikbaarheid.domain.quality import WaitingJump, is_large_jump
    from beschikbaarheid.domain.waiting_stats import to_int

    day = freshness.local_date(as_of)
    stmt = (
        sa.select(OfferingChange.id, OfferingChange.old_value, OfferingChange.new_value)
        .join(Offering, Offering.id == OfferingChange.offering_id)
        .where(
            OfferingChange.changed_at >= since,
            OfferingChange.kind == "update",
            OfferingChange.field == "waiting_weeks",
            contracted_condition(region_id, day),
        )
    )
    if provider_id is not None:
        stmt = stmt.where(Offering.provider_id == provider_id)
    ids = [cid for cid, old, new in db.session.execute(stmt) if is_large_jump(to_int(old), to_int(new), max_jump_weeks)]
    if not ids:
        return []
    rows = db.session.execute(
        sa.select(OfferingChange.offering_id, OfferingChange.changed_at, OfferingChange.old_value, OfferingChange.new_value,
                  OfferingChange.unusual_confirmed).where(OfferingChange.id.in_(ids))
    )
    return [WaitingJump(oid, at, to_int(old), to_int(new), bool(unusual)) for oid, at, old, new, unusual in rows]


def offering_infos(offering_ids: Iterable[int]) -> dict[int, OfferingInfo]:
    """Provider, product and location names for a set of offerings (one query)."""
    ids = list(set(offering_ids))
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Offering.id, Provider.id, Provider.name, Product.code, Product.name, Location.name)
        .join(Provider, Provider.id == Offering.provider_id)
        .join(Product, Product.id == Offering.product_id)
        .join(Location, Location.id == Offering.location_id)
        .where(Offering.id.in_(ids))
    )
    return {oid: OfferingInfo(oid, pid, pname, code, prod, loc) for oid, pid, pname, code, prod, loc in rows}


# --- supply gaps --------------------------------------------------------------------------------

def search_models():
    """(SearchLog, NoMatchReport) when the search engineer's log exists, else (None, None)."""
    try:
        from beschikbaarheid.models.search_log import NoMatchReport, SearchLog
    except ImportError:  # pragma: no cover - only before the search log is installed
        return None, None
    return SearchLog, NoMatchReport


def _need_columns(model):
    return (model.need_kind, model.product_id, model.product_code, model.segment, model.category,
            model.municipality_code, model.age_band)


def gap_rows(region_id: int, since: dt.date):
    """Per need (product/segment/category x municipality x age band): searches, without an option
    within the radius, and "geen passend aanbod" reports. Two GROUP BY queries."""
    search_log, no_match = search_models()
    if search_log is None:
        return None
    searches = db.session.execute(
        sa.select(
            *_need_columns(search_log),
            sa.func.count().label("searches"),
            sa.func.sum(sa.case((search_log.within_radius_count == 0, 1), else_=0)).label("without"),
        )
        .where(search_log.region_id == region_id, search_log.day >= since)
        .group_by(*_need_columns(search_log))
    ).all()
    reports = db.session.execute(
        sa.select(*_need_columns(no_match), sa.func.count().label("reports"))
        .where(no_match.region_id == region_id, no_match.day >= since)
        .group_by(*_need_columns(no_match))
    ).all()
    return searches, reports


def gap_municipalities(region_id: int, since: dt.date):
    """Per municipality: searches and how many found an option within the radius."""
    search_log, _ = search_models()
    if search_log is None:
        return None
    return db.session.execute(
        sa.select(
            search_log.municipality_code,
            sa.func.count().label("searches"),
            sa.func.sum(sa.case((search_log.within_radius_count > 0, 1), else_=0)).label("within"),
        )
        .where(search_log.region_id == region_id, search_log.day >= since)
        .group_by(search_log.municipality_code)
    ).all()


def recent_reasons(region_id: int, since: dt.date, limit: int = 20):
    """The latest "geen passend aanbod" reports that came with a reason."""
    _, no_match = search_models()
    if no_match is None:
        return []
    return list(
        db.session.scalars(
            sa.select(no_match)
            .where(no_match.region_id == region_id, no_match.day >= since, no_match.reason != "")
            .order_by(no_match.day.desc(), no_match.id.desc())
            .limit(limit)
        )
    )


def municipality_names(codes: Iterable[str | None]) -> dict[str, str]:
    """CBS code -> municipality name."""
    wanted = [c for c in set(codes) if c]
    if not wanted:
        return {}
    return dict(db.session.execute(sa.select(Municipality.cbs_code, Municipality.name).where(Municipality.cbs_code.in_(wanted))).all())


def products_by_id(ids: Iterable[int | None]) -> dict[int, Product]:
    wanted = [i for i in set(ids) if i]
    if not wanted:
        return {}
    return {p.id: p for p in db.session.scalars(sa.select(Product).where(Product.id.in_(wanted)))}


# --- provider dossier ---------------------------------------------------------------------------

def recent_history(provider_id: int, limit: int = 40):
    """The provider's latest history rows across its offerings, with product and location."""
    return db.session.execute(
        sa.select(OfferingChange, Product.code, Product.name, Location.name)
        .join(Offering, Offering.id == OfferingChange.offering_id)
        .join(Product, Product.id == Offering.product_id)
        .join(Location, Location.id == Offering.location_id)
        .where(Offering.provider_id == provider_id)
        .order_by(OfferingChange.changed_at.desc(), OfferingChange.id.desc())
        .limit(limit)
    ).all()


def provider_contracts(provider_id: int, region_id: int | None):
    """The provider's contracts (in the region when given), newest first."""
    stmt = sa.select(Contract).options(joinedload(Contract.product)).where(Contract.provider_id == provider_id)
    if region_id is not None:
        stmt = stmt.where(Contract.region_id == region_id)
    return list(db.session.scalars(stmt.order_by(Contract.valid_from.desc(), Contract.id)))


def reminder_counts(provider_ids: Iterable[int], period: str) -> dict[int, int]:
    """Sent reminders per provider in a period (for the per-provider export)."""
    from beschikbaarheid.models import ReminderLog

    rows = db.session.execute(
        sa.select(ReminderLog.provider_id, sa.func.count())
        .where(ReminderLog.period == period, ReminderLog.status == "sent")
        .group_by(ReminderLog.provider_id)
    )
    wanted = set(provider_ids)
    return {pid: int(n) for pid, n in rows if pid in wanted}
