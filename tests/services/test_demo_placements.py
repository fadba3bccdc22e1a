"""The demo's year of anonymous gezinshuis requests tells the region's story: teenagers with LVB or
externalising behaviour wait longest and end in plan B more often; young children are placed quickly."""
from __future__ import annotations

import datetime as dt
import statistics

import sqlalchemy as sa

from beschikbaarheid.demo.placements import REQUESTS, plan_requests
from beschikbaarheid.domain.gezinshuis import PLAN_B, weeks_waiting

AS_OF = dt.date(2026, 12, 4)


def _split(planned):
    hard = [p for p in planned if p["age_band"] in ("12-15", "16-17") and {"LVB", "EXTERNALISEREND"} & set(p["groups"])]
    young = [p for p in planned if p["age_band"] in ("0-3", "4-7")]
    return hard, young


def _weeks(rows):
    return statistics.median(weeks_waiting(p["requested_week"], p["outcome"], p["outcome_week"], AS_OF)
                             for p in rows if p["outcome"] in ("wachtend", "gezinshuis"))


def test_a_year_of_requests_in_which_teenagers_with_lvb_or_externalising_behaviour_wait_longest():
    planned = plan_requests(AS_OF)
    assert len(planned) == REQUESTS == 120
    assert all(AS_OF - dt.timedelta(days=366) <= p["requested_week"] <= AS_OF for p in planned)
    hard, young = _split(planned)
    assert len(hard) >= 25 and len(young) >= 20
    assert _weeks(hard) >= 3 * _weeks(young)
    share_waiting = sum(p["outcome"] == "wachtend" for p in hard) / len(hard)
    assert share_waiting > 0.4 > sum(p["outcome"] == "wachtend" for p in young) / len(young)
    plan_b = lambda rows: sum(p["outcome"] in PLAN_B for p in rows) / max(1, sum(p["outcome"] != "wachtend" for p in rows))  # noqa: E731
    assert plan_b(hard) > plan_b(young)
    assert plan_requests(AS_OF) == planned  # deterministic


def test_the_demo_loads_the_requests_into_its_region(app):
    from beschikbaarheid.demo.load import load_demo
    from beschikbaarheid.extensions import db
    from beschikbaarheid.models import PlacementRequest, Region

    with app.app_context():
        load_demo(AS_OF)
        region_ids = set(db.session.scalars(sa.select(PlacementRequest.region_id)))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlacementRequest)) == REQUESTS
        assert region_ids == {db.session.scalar(sa.select(Region.id))}
