"""The daily reduction of gezinshuis requests older than two years: counts kept, details gone, twice harmless."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.extensions import db
from beschikbaarheid.models import JobRun, PlacementRequest, PlacementRequestMonth
from jobs import locks
from jobs.gezinshuis import JOB, run_reduction_job
from tests import factories

AS_OF = dt.datetime(2026, 12, 4, 8, tzinfo=TZ)


def _add(region_id, week, band="12-15", outcome="wachtend", outcome_week=None):
    db.session.add(PlacementRequest(region_id=region_id, age_band=band, requested_week=week, outcome=outcome, outcome_week=outcome_week))


def test_the_job_reduces_old_requests_once_and_records_its_run(app):
    with app.app_context():
        region = factories.region()
        _add(region.id, dt.date(2024, 3, 4), outcome="gezinshuis", outcome_week=dt.date(2024, 5, 27))  # 12 weeks
        _add(region.id, dt.date(2024, 3, 11), outcome="gezinshuis", outcome_week=dt.date(2024, 3, 25))  # 2 weeks
        _add(region.id, dt.date(2024, 3, 18))
        _add(region.id, dt.date(2026, 11, 30))  # recent: stays as it is
        db.session.commit()

        first = run_reduction_job(AS_OF)
        assert first.status == "ok" and first.result.reduced == 3
        months = {(m.month, m.outcome): (m.requests, m.weeks_to_outcome_total) for m in db.session.scalars(sa.select(PlacementRequestMonth))}
        assert months == {(dt.date(2024, 3, 1), "gezinshuis"): (2, 14), (dt.date(2024, 3, 1), "wachtend"): (1, 0)}
        assert [r.requested_week for r in db.session.scalars(sa.select(PlacementRequest))] == [dt.date(2026, 11, 30)]

        second = run_reduction_job(AS_OF)
        assert second.status == "ok" and second.result.reduced == 0
        again = {(m.month, m.outcome): (m.requests, m.weeks_to_outcome_total) for m in db.session.scalars(sa.select(PlacementRequestMonth))}
        assert again == months
        assert [r.status for r in db.session.scalars(sa.select(JobRun).where(JobRun.job == JOB))] == ["ok", "ok"]


def test_a_run_while_another_holds_the_lock_does_nothing(app):
    with app.app_context():
        region = factories.region()
        _add(region.id, dt.date(2023, 1, 2))
        db.session.commit()
        assert locks.acquire(JOB, "iemand-anders")
        assert run_reduction_job(AS_OF).status == "locked"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlacementRequest)) == 1
        locks.release(JOB, "iemand-anders")
        assert run_reduction_job(AS_OF).result.reduced == 1


def test_the_cli_runs_the_reduction(app, runner):
    with app.app_context():
        region = factories.region()
        _add(region.id, dt.date(2023, 1, 2))
        db.session.commit()
    result = runner.invoke(args=["jobs", "run-once", "aanvragen", "--as-of", "2026-12-04"])
    assert result.exit_code == 0, result.output
    assert "1 aanvragen in 1 maandtellingen" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PlacementRequest)) == 0
