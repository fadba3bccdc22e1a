"""The search log is written in batches outside the request (search/log_writer.py): rows arrive,
refinements stay one row across batches, a database outage loses nothing that fits the queue, and
exit writes what waits."""
from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap
import time

import pytest
import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import SearchLog
from beschikbaarheid.search.log_writer import SearchLogWriter, writer_for
from tests.test_search_views import HTMX, SEARCH, build_world


def _row(ref=None, count=3, **kw):
    return {"source": "web" if ref else "api", "ref": ref, "day": dt.date(2026, 12, 1), "region_id": None, "need_kind": "code",
            "product_id": None, "product_code": "43A10", "segment": 2, "category": "43", "municipality_code": "0794",
            "pc4": "5701", "age_band": "12-17", "result_count": count, "within_radius_count": count, **kw}


def _logs(app):
    with app.app_context():
        return db.session.execute(sa.select(SearchLog.ref, SearchLog.result_count, SearchLog.source).order_by(SearchLog.id)).all()


@pytest.fixture
def engine(app):
    with app.app_context():
        yield db.engine


def test_rows_wait_until_the_flush_and_refinements_upsert_across_batches(app, engine):
    writer = SearchLogWriter(engine, mode="background", flush_seconds=3600)
    writer._ensure_thread = lambda: None  # flushed by hand here
    writer.submit(_row("a", 1))
    writer.submit(_row(None, 7))
    writer.submit(_row("a", 2))  # refined in the same batch: one row, the latest counts
    assert _logs(app) == [] and writer.pending == 3
    assert writer.flush() == 3
    assert sorted(map(tuple, _logs(app)), key=str) == sorted([("a", 2, "web"), (None, 7, "api")], key=str)
    writer.submit(_row("a", 5))  # refined again, in a later batch
    writer.submit(_row("b", 4))
    writer.flush()
    assert sorted(map(tuple, _logs(app)), key=str) == sorted([("a", 5, "web"), (None, 7, "api"), ("b", 4, "web")], key=str)


def test_the_background_thread_writes_within_the_interval_and_close_writes_the_rest(app, engine):
    writer = SearchLogWriter(engine, mode="background", flush_seconds=0.05)
    writer.submit(_row("t1"))
    deadline = time.monotonic() + 5
    while not _logs(app) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert [r.ref for r in _logs(app)] == ["t1"]
    writer.flush_seconds = 3600
    writer._wake.set()  # let the thread pick up the long interval
    time.sleep(0.1)
    writer.submit(_row("t2"))
    writer.close()
    assert [r.ref for r in _logs(app)] == ["t1", "t2"] and writer.pending == 0


def test_a_full_batch_is_written_without_waiting_for_the_interval(app, engine):
    writer = SearchLogWriter(engine, mode="background", flush_seconds=3600, batch=5)
    for i in range(5):
        writer.submit(_row(f"b{i}"))
    deadline = time.monotonic() + 5
    while len(_logs(app)) < 5 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert len(_logs(app)) == 5
    writer.close()


def test_a_database_outage_keeps_the_rows_for_the_next_flush(app, engine, tmp_path):
    broken = sa.create_engine(f"sqlite:///{tmp_path}/missing-dir/nope.sqlite")  # cannot even be opened
    writer = SearchLogWriter(broken, mode="request")
    writer.submit(_row("x1"))  # must not raise: a search never fails because of its log row
    writer.submit(_row("x2"))
    assert writer.pending == 2 and writer.failures == 2 and writer.written == 0
    writer.engine = engine  # the database is back
    assert writer.flush() == 2
    assert [r.ref for r in _logs(app)] == ["x1", "x2"]


def test_past_the_queue_bound_the_oldest_rows_are_dropped_and_counted(app, engine, tmp_path):
    broken = sa.create_engine(f"sqlite:///{tmp_path}/missing-dir/nope.sqlite")
    writer = SearchLogWriter(broken, mode="request", batch=2, max_queue=3)
    for i in range(5):
        writer.submit(_row(f"q{i}"))
    assert writer.pending == 3 and writer.dropped == 2
    writer.engine = engine
    writer.flush()
    assert [r.ref for r in _logs(app)] == ["q2", "q3", "q4"]


def test_the_search_page_in_background_mode_logs_after_the_answer(app, client):
    with app.app_context():
        build_world()
    writer = writer_for(app)
    writer.mode = "background"
    writer.flush_seconds = 3600
    try:
        assert client.get(SEARCH).status_code == 200
        assert client.get(SEARCH + "&max_km=25", headers=HTMX).status_code == 200  # a refinement
        assert _logs(app) == [] and writer.pending == 2
    finally:
        writer.close()
    logs = _logs(app)
    assert len(logs) == 1 and logs[0].source == "web" and logs[0].ref
    with app.app_context():
        assert db.session.scalars(sa.select(SearchLog.within_radius_count)).one() == 4  # the 25 km refinement


def test_an_exiting_process_writes_what_waits(app, database_url):
    """No flush by hand: the interval is an hour and the process just ends (atexit)."""
    script = textwrap.dedent(f"""
        import datetime
        from beschikbaarheid import create_app
        from beschikbaarheid.search.log_writer import writer_for
        app = create_app({{"SQLALCHEMY_DATABASE_URI": {database_url!r}, "SEARCH_LOG_WRITE": "background",
                          "SEARCH_LOG_FLUSH_S": 3600}}, env="test")
        writer_for(app).submit({_row("exit-1")!r})
        print("pending", writer_for(app).pending)
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "pending 1" in done.stdout
    assert [r.ref for r in _logs(app)] == ["exit-1"]
