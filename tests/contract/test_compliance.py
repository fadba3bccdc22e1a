"""The set-based compliance figures agree with the one definition of "current" (freshness.is_current),
this month and replayed for closed months, on SQLite and PostgreSQL."""
import datetime as dt

from beschikbaarheid.contract import compliance as figures
from beschikbaarheid.contract.dossier import monthly_status
from beschikbaarheid.contract.region import context_for
from beschikbaarheid.domain import compliance, freshness
from beschikbaarheid.domain.freshness import is_current
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Contract, Offering, utcnow
from beschikbaarheid.services.offerings import apply_update, confirm_unchanged, record_creation
from tests import factories

TARGET = 0.9


def _stale(now):
    return freshness.month_start(now) - dt.timedelta(days=2)


def build_register(now):
    """Six providers covering every case; returns them by letter (see the test for the expected figures)."""
    region = factories.region()
    p1 = factories.product("43A10", "Gezinshuis", region, segment=2)
    p2 = factories.product("45A01", "Ambulante hulp", region, segment=4, form="ambulant")
    prov = {k: factories.provider(f"Aanbieder {k}") for k in "ABCDEF"}
    loc = {k: factories.location(p) for k, p in prov.items()}
    # A: everything fresh -> current
    factories.offering(loc["A"], p1, updated_at=now)
    factories.offering(loc["A"], p2, updated_at=now)
    # B: one of two offerings stale -> not current (segment 2 current, segment 4 not)
    factories.offering(loc["B"], p1, updated_at=now)
    factories.offering(loc["B"], p2, updated_at=_stale(now))
    # C: contracted, but nothing in the wijzer -> not current
    db.session.add(Contract(region=region, provider=prov["C"], product=p1, valid_from=dt.date(2020, 1, 1)))
    # D: contract ended -> not in the denominator at all
    db.session.add(Contract(region=region, provider=prov["D"], product=p1, valid_from=dt.date(2020, 1, 1), valid_until=dt.date(2021, 12, 31)))
    factories.offering(loc["D"], p1, contract=False, updated_at=now)
    # E: its contracted offering is stale; a fresh offering of a product it has no contract for does not help
    factories.offering(loc["E"], p1, updated_at=_stale(now))
    factories.offering(loc["E"], p2, contract=False, updated_at=now)
    # F: two overlapping contracts for the same product count once
    factories.offering(loc["F"], p1, updated_at=now)
    db.session.add(Contract(region=region, provider=prov["F"], product=p1, valid_from=dt.date(2021, 1, 1)))
    db.session.commit()
    return region, prov, (p1, p2)


def test_current_month_figures_by_hand(app):
    with app.app_context():
        now = utcnow()
        region, prov, (p1, p2) = build_register(now)
        result = figures.current_compliance(context_for(region, now, app.config))
        assert (result.total.current, result.total.contracted) == (2, 5)  # A and F of A, B, C, E, F
        segments = {n: (s.current, s.contracted) for n, _label, s in result.segments}
        assert segments == {2: (3, 5), 4: (1, 2)}
        products = {p.code: (s.current, s.contracted) for p, s in result.products}
        assert products == {"43A10": (3, 5), "45A01": (1, 2)}
        not_current = {pid: (n, fresh) for pid, n, fresh, _ in result.not_current}
        assert not_current == {prov["B"].id: (2, 1), prov["C"].id: (0, 0), prov["E"].id: (1, 0)}


def test_sql_agrees_with_is_current_for_every_provider(app):
    with app.app_context():
        now = utcnow()
        region, prov, _ = build_register(now)
        today = now.astimezone(freshness.TZ).date()
        contracts = db.session.scalars(db.select(Contract).where(Contract.region_id == region.id)).all()
        active = {(c.provider_id, c.product_id) for c in contracts if c.is_active(today)}
        expected = {}
        for pid in {p for p, _ in active}:
            stamps = [o.updated_at for o in db.session.scalars(db.select(Offering).where(Offering.provider_id == pid))
                      if (pid, o.product_id) in active]
            expected[pid] = is_current(stamps, now)
        result = figures.current_compliance(context_for(region, now, app.config))
        assert result.total.contracted == len(expected)
        assert result.total.current == sum(expected.values())
        assert {pid for pid, *_ in result.not_current} == {pid for pid, ok in expected.items() if not ok}


def test_overdue_page_lists_never_updated_first_with_contact_details(app):
    with app.app_context():
        now = utcnow()
        region, prov, _ = build_register(now)
        this_month = figures.current_compliance(context_for(region, now, app.config))
        page = figures.overdue_page(this_month, now, limit=2)
        # C never updated, then E (stale since last month), then B (updated one of two this month).
        assert [o.name for o in page] == ["Aanbieder C", "Aanbieder E"]
        assert page[0].last_update is None and page[0].intake_email.endswith("@aanbieder.example")
        rest = figures.overdue_page(this_month, now, limit=2, offset=2)
        assert [(o.name, o.offerings, o.fresh) for o in rest] == [("Aanbieder B", 2, 1)]


def _mid(month: dt.date) -> dt.datetime:
    return dt.datetime.combine(month.replace(day=15), dt.time(12), tzinfo=freshness.TZ)


def build_history(now):
    """Provider G: two offerings created three months ago; two months ago only one was confirmed,
    last month both were (one updated, one confirmed). Returns (region, provider, offerings, months)."""
    months = compliance.months_back(now, 4)  # [m-3, m-2, m-1, m]
    region = factories.region()
    p1 = factories.product("43A10", "Gezinshuis", region, segment=2)
    p2 = factories.product("45A01", "Ambulante hulp", region, segment=4, form="ambulant")
    g = factories.provider("Aanbieder G")
    loc = factories.location(g)
    x = factories.offering(loc, p1, updated_at=_mid(months[0]))
    y = factories.offering(loc, p2, updated_at=_mid(months[0]))
    for o in (x, y):
        record_creation(o, author="import", via="import", now=_mid(months[0]))
    confirm_unchanged(x, author="a@g.nl", via="form", now=_mid(months[1]))
    apply_update(x, {"waiting_weeks": 9}, author="a@g.nl", via="form", now=_mid(months[2]))
    confirm_unchanged(y, author="a@g.nl", via="form", now=_mid(months[2]))
    db.session.commit()
    return region, g, (x, y), months


def test_closed_months_are_replayed_from_the_history(app):
    with app.app_context():
        now = utcnow()
        region, g, _, months = build_history(now)
        assert figures.closed_month_share(region.id, months[1], TARGET) == compliance.Share(0, 1, TARGET)
        assert figures.closed_month_share(region.id, months[2], TARGET) == compliance.Share(1, 1, TARGET)
        # The dossier's per-provider replay (is_current itself) says the same.
        status = dict(monthly_status(g.id, region.id, now, months=4))
        assert status[months[1]] is False and status[months[2]] is True
        assert status[months[0]] is True  # created (stamped) in that month
        assert status[months[3]] is False  # nothing this month


def test_trend_stores_closed_months_and_recomputes_after_backdated_history(app):
    with app.app_context():
        now = utcnow()
        region, g, (x, y), months = build_history(now)
        ctx = context_for(region, now, app.config)
        assert dict(figures.closed_months(ctx, months=4))[months[1]].current == 0
        # An import writes a confirmation dated two months ago: that month's figure changes.
        confirm_unchanged(y, author="import", via="import", now=_mid(months[1]))
        db.session.commit()
        assert dict(figures.closed_months(ctx, months=4))[months[1]].current == 1


def test_two_first_views_at_the_same_moment_both_get_the_figures(app, monkeypatch):
    """Two workers open the page before the closed months are stored: the second one's insert of
    the same months clashes at its commit, and it still shows the figures (no 500)."""
    import sqlalchemy as sa

    from beschikbaarheid.models import ComplianceSnapshot

    with app.app_context():
        now = utcnow()
        region, g, _, months = build_history(now)
        ctx = context_for(region, now, app.config)
        compute = figures.closed_month_share
        other_worker = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"])

        def meanwhile(region_id, month, target):
            share = compute(region_id, month, target)
            with other_worker.begin() as conn:  # the other worker stores this month first
                conn.execute(sa.insert(ComplianceSnapshot.__table__).values(
                    region_id=region_id, month=month, contracted=share.contracted, current=share.current))
            return share

        monkeypatch.setattr(figures, "closed_month_share", meanwhile)
        trend = dict(figures.closed_months(ctx, months=4))
        other_worker.dispose()
        assert trend[months[1]].current == 0 and trend[months[2]].current == 1
        assert db.session.scalar(sa.select(sa.func.count()).select_from(ComplianceSnapshot)) == 3


def test_contract_edits_recompute_the_stored_months(app):
    with app.app_context():
        now = utcnow()
        region, g, _, months = build_history(now)
        ctx = context_for(region, now, app.config)
        assert dict(figures.closed_months(ctx, months=4))[months[2]].contracted == 1
        for contract in db.session.scalars(db.select(Contract)):
            contract.valid_from = months[3]  # contracted only from this month on
        db.session.commit()
        assert dict(figures.closed_months(ctx, months=4))[months[2]].contracted == 0


def test_figures_follow_every_update(app):
    with app.app_context():
        now = utcnow()
        region, prov, _ = build_register(now)
        assert figures.current_compliance(context_for(region, now, app.config)).total.current == 2
        stale = db.session.scalar(db.select(Offering).where(Offering.provider_id == prov["B"].id, Offering.updated_at < freshness.month_start(now)))
        confirm_unchanged(stale, author="b@b.nl", via="form")
        db.session.commit()
        assert figures.current_compliance(context_for(region, utcnow(), app.config)).total.current == 3


def test_compliance_page_assembles_trend_and_overdue(app):
    with app.app_context():
        now = utcnow()
        region, prov, _ = build_register(now)
        ctx = context_for(region, now, app.config)
        page = figures.compliance_page(ctx)
        assert len(page.trend) == 12 and page.trend[-1][1] == page.now.total
        assert {o.provider_id for o in page.overdue} == {prov["B"].id, prov["C"].id, prov["E"].id}
        assert ctx.source_line.startswith("Bron: Beschikbaarheidswijzer, peildatum ")
        assert f"noemer: gecontracteerde aanbieders {now.astimezone(freshness.TZ).year}" in ctx.source_line


def test_contract_writes_work_on_a_database_without_the_snapshot_table(tmp_path):
    """A database not yet migrated for the stored months still accepts contracts (the cache is skipped)."""
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    from beschikbaarheid.models import Product, Provider, Region

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'old.sqlite'}")
    tables = [t for t in db.metadata.sorted_tables if t.name != "compliance_snapshot"]
    db.metadata.create_all(engine, tables=tables)
    with Session(engine) as session:
        region = Region(name="Oud")
        product = Product(region=region, code="43A10", name="Gezinshuis", category="43", segment=2, form="wonen")
        provider = Provider(name="Oud BV")
        session.add(Contract(region=region, provider=provider, product=product, valid_from=dt.date(2026, 1, 1)))
        session.commit()
        assert session.scalar(sa.select(sa.func.count(Contract.id))) == 1
    engine.dispose()
