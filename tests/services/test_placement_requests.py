"""The request log's service: log a request, set and reset its outcome, reduce old details into month counts."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import PlacementRequest, PlacementRequestMonth
from beschikbaarheid.services import placement_requests as log
from tests import factories

TODAY = dt.date(2026, 12, 4)


def test_a_logged_request_is_kept_by_its_monday_and_waits(app):
    with app.app_context():
        region = factories.region()
        town = factories.municipality(region_obj=region)
        saved = log.log_request(region.id, age_band="12-15", target_groups=["lvb", "EXTERNALISEREND"], siblings=1,
                                municipality_id=town.id, requested_week=dt.date(2026, 12, 3))
        db.session.commit()
        again = db.session.get(PlacementRequest, saved.id)
        assert again.requested_week == dt.date(2026, 11, 30)
        assert again.target_groups == ["EXTERNALISEREND", "LVB"] and again.outcome == "wachtend" and again.outcome_week is None


def test_an_outcome_is_set_by_its_week_and_reset_by_wachtend(app):
    with app.app_context():
        region = factories.region()
        saved = log.log_request(region.id, age_band="4-7", target_groups=[], siblings=0, municipality_id=None,
                                requested_week=dt.date(2026, 10, 5))
        log.set_outcome(saved, "pleegzorg", dt.date(2026, 11, 12))
        db.session.commit()
        assert (saved.outcome, saved.outcome_week) == ("pleegzorg", dt.date(2026, 11, 9))
        log.set_outcome(saved, "wachtend", dt.date(2026, 11, 12))
        db.session.commit()
        assert (saved.outcome, saved.outcome_week) == ("wachtend", None)


def test_the_list_is_newest_first_and_filters_and_stays_in_its_region(app):
    with app.app_context():
        region, other = factories.region(), factories.region("Andere regio")
        for week, outcome in ((dt.date(2026, 9, 7), "wachtend"), (dt.date(2026, 11, 2), "gezinshuis"), (dt.date(2026, 10, 5), "wachtend")):
            r = log.log_request(region.id, age_band="8-11", target_groups=[], siblings=0, municipality_id=None, requested_week=week)
            if outcome != "wachtend":
                log.set_outcome(r, outcome, week)
        log.log_request(other.id, age_band="0-3", target_groups=[], siblings=0, municipality_id=None, requested_week=dt.date(2026, 11, 30))
        db.session.commit()
        page = log.request_page(region.id, "alle", 1)
        assert [r.requested_week.month for r in page.rows] == [11, 10, 9]
        assert page.counts == {"alle": 3, "wachtend": 2, "uitkomst": 1}
        assert [r.requested_week.month for r in log.request_page(region.id, "wachtend", 1).rows] == [10, 9]
        assert [r.outcome for r in log.request_page(region.id, "uitkomst", 1).rows] == ["gezinshuis"]
        foreign = log.request_page(other.id, "alle", 1).rows[0]
        assert log.region_request(region.id, foreign.id) is None and log.region_request(other.id, foreign.id) is foreign


def _months(region_id):
    return {(m.month, m.age_band, m.outcome): (m.requests, m.weeks_to_outcome_total)
            for m in db.session.scalars(sa.select(PlacementRequestMonth).where(PlacementRequestMonth.region_id == region_id))}


def test_reduction_keeps_the_counts_adds_to_existing_months_and_is_idempotent(app):
    with app.app_context():
        region, other = factories.region(), factories.region("Andere regio")
        db.session.add(PlacementRequestMonth(region_id=region.id, month=dt.date(2024, 6, 1), age_band="16-17", outcome="woongroep",
                                             requests=2, weeks_to_outcome_total=30))
        rows = [(region.id, dt.date(2024, 6, 3), "16-17", "woongroep", dt.date(2024, 7, 1)),  # 4 weeks
                (region.id, dt.date(2024, 6, 10), "16-17", "wachtend", None),
                (region.id, dt.date(2024, 11, 25), "0-3", "gezinshuis", dt.date(2024, 12, 2)),  # counts in November (its Thursday)
                (other.id, dt.date(2024, 6, 3), "16-17", "woongroep", dt.date(2024, 6, 17)),
                (region.id, dt.date(2024, 12, 2), "4-7", "wachtend", None)]  # within two years of 4 Dec 2026
        for region_id, week, band, outcome, outcome_week in rows:
            db.session.add(PlacementRequest(region_id=region_id, age_band=band, requested_week=week, outcome=outcome, outcome_week=outcome_week))
        db.session.commit()
        before = db.session.scalar(sa.select(sa.func.count()).select_from(PlacementRequest))

        outcome = log.reduce_old_details(TODAY)
        assert outcome.reduced == 4 and outcome.cutoff == dt.date(2024, 12, 2)
        expected = {(dt.date(2024, 6, 1), "16-17", "woongroep"): (3, 34), (dt.date(2024, 6, 1), "16-17", "wachtend"): (1, 0),
                    (dt.date(2024, 11, 1), "0-3", "gezinshuis"): (1, 1)}
        assert _months(region.id) == expected
        assert _months(other.id) == {(dt.date(2024, 6, 1), "16-17", "woongroep"): (1, 2)}
        left = db.session.scalar(sa.select(sa.func.count()).select_from(PlacementRequest))
        assert left == before - 4 == 1
        # requests and reduced counts together: nothing lost
        total = sum(n for n, _w in _months(region.id).values()) + sum(n for n, _w in _months(other.id).values()) + left
        assert total == 2 + before

        assert log.reduce_old_details(TODAY).reduced == 0
        assert _months(region.id) == expected
