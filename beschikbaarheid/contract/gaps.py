"""Supply gaps from the anonymous search log: needs without an option within the search radius or
reported as "geen passend aanbod", per municipality the share with an option nearby, both as downloads."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa

from beschikbaarheid.contract.region import SOURCE, Context, products_by_id
from beschikbaarheid.domain import compliance
from beschikbaarheid.exports import Table, percent
from beschikbaarheid.extensions import db
from beschikbaarheid.models import CATEGORY_LABELS, SEGMENT_LABELS, Municipality, NoMatchReport, Product, SearchLog

PER_PAGE = 50
NEED_KINDS = {"code": "productcode", "name": "productnaam", "form": "vorm van zorg", "segment": "segment", "category": "categorie"}


@dataclass
class GapNeed:
    """One need (product, segment or category) in one municipality and age band, with its counts."""

    need: str
    municipality_code: str | None
    municipality: str
    age_band: str
    searches: int = 0
    without: int = 0
    reports: int = 0


@dataclass
class GapMunicipality:
    """One municipality's searches and how many of them found an option within the radius."""

    code: str | None
    name: str
    searches: int
    within: int

    @property
    def share_within(self) -> float | None:
        """Share of its searches with an option nearby; None without searches."""
        return self.within / self.searches if self.searches else None


@dataclass
class GapsResult:
    """The needs without a nearby option (all, or one page of them), the municipalities and recent reasons."""

    since: dt.date
    needs: list[GapNeed] = field(default_factory=list)
    municipalities: list[GapMunicipality] = field(default_factory=list)
    reasons: list = field(default_factory=list)
    searches: int = 0
    page: int = 1
    pages: int = 1


def _need_key(columns) -> tuple:
    """The columns a need's label is made of, most specific first, the less specific ones left out.

    So a search by product code and one by product name for the same product are one need, and a
    search by form of care whose products share a segment is the need of that segment.
    """
    no_product = sa.and_(columns.product_id.is_(None), columns.product_code.is_(None))
    no_segment = sa.and_(no_product, columns.segment.is_(None))
    return (
        columns.product_id.label("product_id"),
        columns.product_code.label("product_code"),
        sa.case((no_product, columns.segment)).label("segment"),
        sa.case((no_segment, columns.category)).label("category"),
        sa.case((sa.and_(no_segment, columns.category.is_(None)), columns.need_kind)).label("need_kind"),
    )


def _needs_statement(region_id: int, since: dt.date, until: dt.date | None = None):
    """Per need, municipality and age band: searches, searches without an option nearby, and reports;
    only the needs with either of the last two, most often without an option first, with their
    municipality's name and how many such needs there are in all.

    The search log is first grouped in the order of its covering index (no sort), then merged with
    the reports per need; ties are ordered by need, municipality and age band, so pages are stable.
    `until` (inclusive) closes the period of a quarterly report; without it the period runs to today.
    """
    searched_until = [SearchLog.day <= until] if until else []
    reported_until = [NoMatchReport.day <= until] if until else []
    raw = (SearchLog.municipality_code, SearchLog.need_kind, SearchLog.product_id, SearchLog.product_code, SearchLog.segment,
           SearchLog.category, SearchLog.age_band)
    searched = (
        sa.select(*raw, sa.func.count().label("searches"),
                  sa.func.sum(sa.case((SearchLog.within_radius_count == 0, 1), else_=0)).label("without"))
        .where(SearchLog.region_id == region_id, SearchLog.day >= since, *searched_until)
        .group_by(*raw)
        .subquery("searched")
    )
    reported = sa.select(*_need_key(NoMatchReport), NoMatchReport.municipality_code, NoMatchReport.age_band,
                         sa.literal(0), sa.literal(0), sa.literal(1))
    both = sa.union_all(
        sa.select(*_need_key(searched.c), searched.c.municipality_code, searched.c.age_band, searched.c.searches,
                  searched.c.without, sa.literal(0).label("reports")),
        reported.where(NoMatchReport.region_id == region_id, NoMatchReport.day >= since, *reported_until),
    ).subquery("both")
    key = (both.c.product_id, both.c.product_code, both.c.segment, both.c.category, both.c.need_kind, both.c.municipality_code,
           both.c.age_band)
    total = lambda column, name: sa.cast(sa.func.sum(column), sa.Integer).label(name)  # noqa: E731 - PostgreSQL sums as numeric
    needs = (
        sa.select(*key, total(both.c.searches, "searches"), total(both.c.without, "without"), total(both.c.reports, "reports"))
        .group_by(*key)
        .having(sa.or_(sa.func.sum(both.c.without) > 0, sa.func.sum(both.c.reports) > 0))
        .subquery("needs")
    )
    place = sa.func.coalesce(Municipality.name, needs.c.municipality_code)
    return (
        sa.select(needs.c.product_id, needs.c.product_code, needs.c.segment, needs.c.category, needs.c.need_kind,
                  needs.c.municipality_code, place, needs.c.age_band, needs.c.searches, needs.c.without, needs.c.reports,
                  sa.func.count().over())
        .outerjoin(Municipality, Municipality.cbs_code == needs.c.municipality_code)
        .order_by(needs.c.without.desc(), needs.c.reports.desc(), needs.c.product_code.nulls_last(), needs.c.segment.nulls_last(),
                  needs.c.category.nulls_last(), needs.c.need_kind.nulls_last(), place.nulls_last(), needs.c.age_band,
                  needs.c.product_id.nulls_last())
    )


def _need_label(product_id, product_code, segment, category, need_kind, products: dict[int, Product]) -> str:
    """What the need is called on the page and in the export."""
    product = products.get(product_id) if product_id else None
    if product is not None:
        return f"{product.code} {product.name}"
    if product_code:
        return product_code
    if segment:
        return f"Segment {segment}: {SEGMENT_LABELS.get(segment, '')}".rstrip(": ")
    if category:
        return f"Categorie {category}: {CATEGORY_LABELS.get(category, '')}".rstrip(": ")
    return f"Overige zoekvraag ({NEED_KINDS.get(need_kind, need_kind)})"


def municipality_names(codes: Iterable[str | None]) -> dict[str, str]:
    """CBS code -> municipality name."""
    wanted = [c for c in set(codes) if c]
    if not wanted:
        return {}
    return dict(db.session.execute(sa.select(Municipality.cbs_code, Municipality.name).where(Municipality.cbs_code.in_(wanted))).tuples().all())


def municipality_shares(region_id: int, since: dt.date, until: dt.date | None = None) -> list[GapMunicipality]:
    """Per municipality its searches and how many found an option nearby, the lowest share first."""
    rows = db.session.execute(
        sa.select(SearchLog.municipality_code, sa.func.count(), sa.func.sum(sa.case((SearchLog.within_radius_count > 0, 1), else_=0)))
        .where(SearchLog.region_id == region_id, SearchLog.day >= since, *([SearchLog.day <= until] if until else []))
        .group_by(SearchLog.municipality_code)
    ).all()
    names = municipality_names(code for code, _, _ in rows)
    return sorted(
        (GapMunicipality(code, names.get(code, code or "onbekend"), int(n), int(within or 0)) for code, n, within in rows),
        key=lambda m: (m.share_within if m.share_within is not None else 2, m.name),
    )


def supply_gaps(ctx: Context, months: int = 12, page: int | None = None) -> GapsResult:
    """The needs without an option within the radius (most often first; all, or one page of them),
    every municipality's share, and the latest reasons given."""
    since = compliance.months_back(ctx.as_of, months)[0]
    statement = _needs_statement(ctx.region.id, since)
    if page is None:
        rows = db.session.execute(statement).all()
    else:
        page = max(1, page)
        rows = db.session.execute(statement.limit(PER_PAGE).offset((page - 1) * PER_PAGE)).all()
        if not rows and page > 1:  # past the last page (an old link): show the last one
            needs = db.session.scalar(sa.select(sa.func.count()).select_from(statement.subquery()))
            return supply_gaps(ctx, months, -(-needs // PER_PAGE))
    products = products_by_id(r.product_id for r in rows)
    municipalities = municipality_shares(ctx.region.id, since)
    reasons = db.session.scalars(
        sa.select(NoMatchReport)
        .where(NoMatchReport.region_id == ctx.region.id, NoMatchReport.day >= since, NoMatchReport.reason != "")
        .order_by(NoMatchReport.day.desc(), NoMatchReport.id.desc())
        .limit(20)
    )
    return GapsResult(
        since=since,
        needs=[GapNeed(_need_label(*need, products), code, place or "onbekend", age_band, searches, without, reports)
               for *need, code, place, age_band, searches, without, reports, _ in rows],
        municipalities=municipalities,
        reasons=list(reasons),
        searches=sum(m.searches for m in municipalities),
        page=page or 1,
        pages=max(1, -(-rows[0][-1] // PER_PAGE)) if rows and page else 1,
    )


def _notes(ctx: Context, since: dt.date, until: dt.date | None = None) -> list[tuple[str, str]]:
    """Region, period and radius: what both gap downloads are about."""
    return [("Regio", ctx.region.name), ("Periode", f"{since:%d-%m-%Y} t/m {until or ctx.local:%d-%m-%Y}"),
            ("Zoekstraal", "de straal van de zoekopdracht (standaard 15 km)")]


def gaps_table(ctx: Context, months: int = 12) -> Table:
    """Every need without an option nearby, as a download."""
    return needs_table(ctx, compliance.months_back(ctx.as_of, months)[0])


def needs_table(ctx: Context, since: dt.date, until: dt.date | None = None, as_of: dt.datetime | None = None) -> Table:
    """Every need without an option nearby in [since, until], with the searches and reports behind it."""
    rows = db.session.execute(_needs_statement(ctx.region.id, since, until)).all()
    products = products_by_id(r.product_id for r in rows)
    searches = sum(m.searches for m in municipality_shares(ctx.region.id, since, until))
    return Table(
        title=f"Tekorten in het aanbod — {ctx.region.name}",
        source=f"{SOURCE} (anonieme zoeklog en meldingen 'geen passend aanbod')",
        as_of=as_of or ctx.as_of,
        columns=["Behoefte", "Gemeente (CBS-code)", "Gemeente", "Leeftijd", "Zoekopdrachten", "Zonder optie binnen zoekstraal",
                 "Meldingen geen passend aanbod"],
        rows=[[_need_label(*need, products), code or "", place or "onbekend", age_band, n, without, reports]
              for *need, code, place, age_band, n, without, reports, _ in rows],
        notes=[*_notes(ctx, since, until), ("Noemer", f"alle {searches} zoekopdrachten in de regio in deze periode; "
                                                      "getoond: behoeften met een zoekopdracht zonder optie of een melding")],
        sheet="Tekorten",
    )


def gap_municipalities_table(ctx: Context, months: int = 12) -> Table:
    """Per municipality the share of searches with an option nearby, as a download."""
    since = compliance.months_back(ctx.as_of, months)[0]
    return Table(
        title=f"Zoekopdrachten met een optie binnen de zoekstraal per gemeente — {ctx.region.name}",
        source=f"{SOURCE} (anonieme zoeklog)",
        as_of=ctx.as_of,
        columns=["Gemeente (CBS-code)", "Gemeente", "Zoekopdrachten", "Met optie binnen zoekstraal", "Aandeel met optie (%)"],
        rows=[[m.code or "", m.name, m.searches, m.within, percent(m.share_within)] for m in municipality_shares(ctx.region.id, since)],
        notes=_notes(ctx, since),
        sheet="Per gemeente",
    )
