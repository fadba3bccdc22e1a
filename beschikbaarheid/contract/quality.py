"""Doubtful figures on the region's contracted offer: how many of each kind, one page of them, and
all of one provider's for its dossier; the rules are domain.quality's, with their SQL form here."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa

from beschikbaarheid.contract.region import Context, is_contracted
from beschikbaarheid.domain import quality as rules
from beschikbaarheid.domain import waiting_stats
from beschikbaarheid.domain.quality import Flag, OfferingFacts, WaitingJump
from beschikbaarheid.domain.waiting_stats import to_int
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Location, Offering, OfferingChange, Product, Provider, UTCDateTime
from beschikbaarheid.models.contract_mgmt import WAITING_TIME_UPDATE

PER_PAGE = 100
OFFERING_KINDS = tuple(kind for kind in rules.FLAG_KINDS if kind != "jump")


def _values_since():
    """SQL form of OfferingFacts.values_since: when a figure last changed, else (an offering that was
    only ever confirmed) its first history row."""
    change = sa.orm.aliased(OfferingChange)
    first_row = sa.select(sa.func.min(change.changed_at)).where(change.offering_id == Offering.id).scalar_subquery()
    return sa.type_coerce(sa.func.coalesce(Offering.values_changed_at, first_row), UTCDateTime())


def offering_rules(as_of: dt.datetime, cutoff: dt.datetime) -> dict[str, sa.ColumnElement]:
    """The SQL form of every rule of domain.quality.offering_flags, by flag kind (conditions on Offering).

    A national region has tens of thousands of flagged offerings (early in the month most are not
    yet updated), too many to load for a page that shows a hundred: the page counts and pages with
    these, and the domain rules word what it shows. tests/contract/test_quality.py checks both agree.
    """
    zero_wait, since = Offering.waiting_weeks == 0, _values_since()
    return {
        "zero_wait_no_place": sa.and_(zero_wait, Offering.free_places == 0),
        "free_above_capacity": Offering.free_places > Offering.capacity,
        # confirm_only_since: the last action a confirmation made after the figures last changed, at or before the cutoff
        "confirm_only": sa.and_(Offering.last_update_kind == "confirm", Offering.updated_at > since, since <= cutoff),
        "realised_above_expected": realised_above_expected(),
        "zero_wait": sa.and_(zero_wait, sa.or_(Offering.free_places.is_(None), Offering.free_places != 0)),
        "capacity_missing": Offering.capacity.is_(None),
        "stale": Offering.is_stale(as_of),
    }


def realised_above_expected() -> sa.ColumnElement:
    """SQL form of waiting_stats.realised_far_above_expected (a condition on Offering)."""
    return sa.and_(
        Offering.realised_started >= waiting_stats.REALISED_MIN_STARTED,
        Offering.realised_wait_weeks >= waiting_stats.REALISED_FACTOR * Offering.waiting_weeks,
        Offering.realised_wait_weeks - Offering.waiting_weeks >= waiting_stats.REALISED_MIN_EXTRA_WEEKS,
    )


def _weeks(text):
    """History text as whole weeks in SQL; anything but plain digits (which the app always writes) is NULL."""
    return sa.case(
        (sa.and_(sa.func.length(text).between(1, 9), sa.func.ltrim(text, "0123456789") == ""), sa.cast(text, sa.Integer)),
    )


def waiting_jumps(ctx: Context, max_jump_weeks: int, provider_id: int | None = None) -> list[WaitingJump]:
    """Waiting-time updates of contracted offerings in the jump window that may be jumps.

    The database narrows them to differences above `max_jump_weeks` from a partial index of
    waiting-time updates; domain.quality.jump_flags decides. Whether the offering is contracted is
    asked afterwards for the few that remain (joined in one statement, PostgreSQL would hash every
    offering and contract first).
    """
    since = rules.months_before(ctx.as_of, rules.JUMP_WINDOW_MONTHS)
    stmt = sa.select(OfferingChange.offering_id, OfferingChange.changed_at, OfferingChange.old_value, OfferingChange.new_value,
                     OfferingChange.unusual_confirmed).where(
        WAITING_TIME_UPDATE,
        OfferingChange.changed_at >= since,
        sa.func.abs(_weeks(OfferingChange.new_value) - _weeks(OfferingChange.old_value)) > max_jump_weeks,
    )
    if provider_id is not None:
        stmt = stmt.where(OfferingChange.offering_id.in_(sa.select(Offering.id).where(Offering.provider_id == provider_id)))
    rows = db.session.execute(stmt).all()
    ids = list({oid for oid, *_ in rows})
    contracted = set(db.session.scalars(
        sa.select(Offering.id).where(Offering.id.in_(ids), is_contracted(ctx.region.id, ctx.today))
    )) if ids else set()
    return [WaitingJump(oid, at, to_int(old), to_int(new), bool(unusual)) for oid, at, old, new, unusual in rows if oid in contracted]


def _facts(*conditions) -> list[OfferingFacts]:
    """What the domain rules look at, for the offerings matching `conditions`."""
    stmt = sa.select(
        Offering.id, Offering.capacity, Offering.free_places, Offering.waiting_weeks, Offering.updated_at,
        Offering.last_update_kind, Offering.unusual_confirmed, _values_since(), Offering.realised_wait_weeks, Offering.realised_started,
    ).where(*conditions).order_by(Offering.id)
    return [OfferingFacts(oid, cap, free, wait, upd, kind, bool(unusual), since, realised, started)
            for oid, cap, free, wait, upd, kind, unusual, since, realised, started in db.session.execute(stmt)]


def provider_flags(ctx: Context, provider_id: int, max_jump_weeks: int) -> list[Flag]:
    """Every flag on one provider's contracted offerings, most serious kind first (its dossier)."""
    cutoff = rules.months_before(ctx.as_of, rules.CONFIRM_ONLY_MONTHS)
    flags = [flag for facts in _facts(Offering.provider_id == provider_id, is_contracted(ctx.region.id, ctx.today))
             for flag in rules.offering_flags(facts, ctx.as_of, confirm_cutoff=cutoff)]
    return rules.order_flags([*flags, *rules.jump_flags(waiting_jumps(ctx, max_jump_weeks, provider_id), max_jump_weeks)])


# --- the page -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class OfferingInfo:
    """Who and what an offering is, for showing a flag."""

    offering_id: int
    provider_id: int
    provider_name: str
    product_code: str
    product_name: str
    location_name: str


def offering_infos(offering_ids: Iterable[int]) -> dict[int, OfferingInfo]:
    """Provider, product and location names of the offerings behind the flags shown (one query)."""
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


@dataclass
class QualityPage:
    """Counts per kind, and one page of the flags of the chosen kind (or of all kinds)."""

    counts: dict[str, int]
    kind: str | None
    flags: list[Flag]
    infos: dict[int, OfferingInfo]
    total: int
    page: int
    pages: int


def quality_page(ctx: Context, max_jump_weeks: int, kind: str | None = None, page: int = 1) -> QualityPage:
    """How many flags of each kind the region's contracted offer raises, and one page of them.

    The order is that of domain.quality.order_flags (kind, then offering): the database counts
    each kind and returns only the offerings of this page, which the domain rules then word.
    """
    cutoff = rules.months_before(ctx.as_of, rules.CONFIRM_ONLY_MONTHS)
    conditions = offering_rules(ctx.as_of, cutoff)
    contracted = is_contracted(ctx.region.id, ctx.today)
    counted = db.session.execute(
        sa.select(*(sa.func.count(sa.case((conditions[k], 1))).label(k) for k in OFFERING_KINDS)).where(contracted)
    ).one()
    jumps = rules.order_flags(rules.jump_flags(waiting_jumps(ctx, max_jump_weeks), max_jump_weeks))
    counts = {k: len(jumps) if k == "jump" else int(getattr(counted, k) or 0) for k in rules.FLAG_KINDS}
    shown = [k for k in rules.FLAG_KINDS if kind in (None, k)]
    total = sum(counts[k] for k in shown)
    pages = max(1, -(-total // PER_PAGE))
    page = min(max(1, page), pages)
    start, flags, before = (page - 1) * PER_PAGE, [], 0
    for k in shown:
        low, high = max(0, start - before), min(counts[k], start + PER_PAGE - before)
        before += counts[k]
        if low >= high:
            continue
        if k == "jump":
            flags += jumps[low:high]
            continue
        ids = db.session.scalars(sa.select(Offering.id).where(contracted, conditions[k]).order_by(Offering.id).offset(low).limit(high - low))
        flags += [f for facts in _facts(Offering.id.in_(list(ids)))
                  for f in rules.offering_flags(facts, ctx.as_of, confirm_cutoff=cutoff) if f.kind == k]
    return QualityPage(counts, kind, flags, offering_infos(f.offering_id for f in flags), total, page, pages)
