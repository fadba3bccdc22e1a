"""The scheduler wiring, the job lock, the staleness job and the jobs CLI (including two real processes)."""
from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger

from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.extensions import db
from beschikbaarheid.models import JobRun, Offering, ReminderLog
from jobs import locks
from jobs.reminders import run_reminder_job
from jobs.scheduler import ALERT_JOB_ID, FEEDBACK_JOB_ID, REDUCTION_JOB_ID, REMINDER_JOB_ID, STALENESS_JOB_ID, build_scheduler
from jobs.staleness import mark_stale_offerings, run_staleness_job
from tests.factories import LAST_MONTH, THIS_MONTH, on, reminder_provider
from tests.helpers import ROOT



@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


# --- scheduler ------------------------------------------------------------------------------

def test_scheduler_has_both_jobs_with_amsterdam_cron_triggers(ctx):
    ctx.config.update(REMINDER_HOUR=9, JOBS_MISFIRE_GRACE_SECONDS=3600)
    scheduler = build_scheduler(ctx, BackgroundScheduler, run_on_start=False)
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {REMINDER_JOB_ID, STALENESS_JOB_ID, FEEDBACK_JOB_ID, REDUCTION_JOB_ID, ALERT_JOB_ID}
        for job in jobs.values():
            assert isinstance(job.trigger, CronTrigger)
            assert str(job.trigger.timezone) == "Europe/Amsterdam"
            assert job.coalesce is True and job.max_instances == 1 and job.misfire_grace_time == 3600
        reminder = jobs[REMINDER_JOB_ID].trigger
        fields = {f.name: str(f) for f in reminder.fields}
        assert fields["hour"] == "9" and fields["minute"] == "0" and fields["day"] == "*"  # daily: the job decides
        # Daily at 09:00 Amsterdam time, across the switch to summer time (29 March 2026).
        after = dt.datetime(2026, 3, 28, 10, tzinfo=TZ)
        nxt = reminder.get_next_fire_time(None, after)
        assert nxt == dt.datetime(2026, 3, 29, 9, tzinfo=TZ) and nxt.utcoffset() == dt.timedelta(hours=2)
        staleness = {f.name: str(f) for f in jobs[STALENESS_JOB_ID].trigger.fields}
        assert staleness["hour"] == "0" and staleness["minute"] == "5"
        feedback = {f.name: str(f) for f in jobs[FEEDBACK_JOB_ID].trigger.fields}
        assert feedback["hour"] == "9" and feedback["minute"] == "0" and feedback["day"] == "*"
        reduction = {f.name: str(f) for f in jobs[REDUCTION_JOB_ID].trigger.fields}
        assert reduction["hour"] == "1" and reduction["minute"] == "15" and reduction["day"] == "*"
        alerts = {f.name: str(f) for f in jobs[ALERT_JOB_ID].trigger.fields}
        assert alerts["hour"] == "7" and alerts["minute"] == "30" and alerts["day"] == "*"
    finally:
        scheduler.shutdown(wait=False)


def test_scheduler_runs_every_job_once_at_start(app):
    """Without waiting for 08:00: run_on_start fires every job now, in the scheduler's threads."""
    scheduler = build_scheduler(app, BackgroundScheduler, run_on_start=True)
    scheduler.start()
    try:
        deadline = time.monotonic() + 20
        with app.app_context():
            while time.monotonic() < deadline:
                runs = db.session.scalars(sa.select(JobRun).where(JobRun.status != "running")).all()
                db.session.rollback()
                if len(runs) >= 5:
                    break
                time.sleep(0.1)
            assert sorted((r.job, r.status) for r in runs) == [("alerts", "ok"), ("feedback", "ok"), ("gezinshuis-reduce", "ok"), ("reminders", "ok"), ("staleness", "ok")]
    finally:
        scheduler.shutdown(wait=True)


def test_jobs_run_starts_a_blocking_scheduler(app, runner, monkeypatch):
    started = []

    def fake_start(self, *args, **kwargs):
        started.append(self)
        raise KeyboardInterrupt  # what Ctrl+C does to the blocking loop

    monkeypatch.setattr(BlockingScheduler, "start", fake_start)
    result = runner.invoke(args=["jobs", "run"])
    assert result.exit_code == 0, result.output
    assert len(started) == 1 and isinstance(started[0], BlockingScheduler)
    assert "Maandelijkse herinneringen" in result.output and "Europe/Amsterdam" in result.output
    assert "Planner stopt" in result.output


def test_web_app_does_not_start_a_scheduler(app, monkeypatch):
    """Web workers never run jobs: creating the app and serving a request starts nothing."""
    from apscheduler.schedulers.base import BaseScheduler

    calls = []
    monkeypatch.setattr(BaseScheduler, "start", lambda self, *a, **k: calls.append(self))
    from beschikbaarheid import create_app

    other = create_app({"SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"]}, env="test")
    other.test_client().get("/")
    assert calls == []


# --- lock -----------------------------------------------------------------------------------

def test_lock_is_exclusive_expires_and_can_be_lost(ctx):
    assert locks.acquire("demo", "a")
    assert not locks.acquire("demo", "b")
    locks.renew("demo", "a")
    # a crashed holder stops renewing: after the lease the next run takes over
    later = dt.datetime.now(dt.timezone.utc) + locks.DEFAULT_LEASE + dt.timedelta(seconds=1)
    assert locks.acquire("demo", "b", now=later)
    with pytest.raises(locks.LockLost):
        locks.renew("demo", "a")
    locks.release("demo", "a")  # not ours any more: no effect
    assert not locks.acquire("demo", "c")
    locks.release("demo", "b")
    assert locks.acquire("demo", "c")


def test_reminder_run_skips_while_another_holds_the_lock(mail_app, smtp_server, runner):
    reminder_provider("Slot")
    assert locks.acquire("reminders", "other-process")
    result = run_reminder_job(on(2, 8))
    assert result.status == "locked" and result.result is None
    cli = runner.invoke(args=["jobs", "run-once", "reminders", "--as-of", "2026-03-02"])
    assert cli.exit_code == 2 and "lock" in cli.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ReminderLog)) == 0
    # The other process crashed: once its lease has expired the run goes ahead.
    db.session.execute(sa.text("UPDATE job_lock SET expires_at = :t"), {"t": dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)})
    db.session.commit()
    assert len(run_reminder_job(on(2, 8)).result.sent) == 1
    assert len(smtp_server.inbox.wait_for(1)) == 1
    status = runner.invoke(args=["jobs", "status"])
    assert "locked" in status.output and "lock reminders: vrij" in status.output


def test_two_processes_at_once_send_each_reminder_once(mail_app, smtp_server):
    """Two real `flask jobs run-once reminders` processes against the same database."""
    ids = [reminder_provider(f"Proces {n}") for n in range(40)]
    env = {
        **os.environ,
        "BESCHIKBAARHEID_ENV": "test",
        "DATABASE_URL": mail_app.config["SQLALCHEMY_DATABASE_URI"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_server.port),
        "PUBLIC_BASE_URL": "https://wijzer.test",
    }
    cmd = [sys.executable, "-m", "flask", "--app", "beschikbaarheid", "jobs", "run-once", "reminders", "--as-of", "2026-03-02"]
    procs = [subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    codes = sorted(p.returncode for p in procs)
    assert codes in ([0, 0], [0, 2]), outputs
    smtp_server.inbox.wait_for(40)
    keys = [m["X-Beschikbaarheid-Herinnering"] for m in smtp_server.inbox.messages]
    assert len(keys) == 40 and len(set(keys)) == 40
    db.session.expire_all()
    sent = db.session.scalars(sa.select(ReminderLog.provider_id).where(ReminderLog.status == "sent")).all()
    assert sorted(sent) == ids


# --- staleness ------------------------------------------------------------------------------

def test_staleness_job_marks_and_unmarks_in_bulk_and_is_idempotent(mail_app, runner):
    reminder_provider("Oud", updated=(LAST_MONTH, LAST_MONTH))
    reminder_provider("Nieuw", updated=(THIS_MONTH,))
    reminder_provider("Nooit", updated=(None,))
    fresh_but_flagged = db.session.scalar(sa.select(Offering).where(Offering.updated_at == THIS_MONTH))
    fresh_but_flagged.stale = True
    db.session.commit()
    versions = {o.id: o.version for o in db.session.scalars(sa.select(Offering))}

    out = mark_stale_offerings(on(2, 1))
    assert (out.total, out.marked_stale, out.marked_fresh) == (4, 3, 1)
    db.session.expire_all()
    assert sorted(o.stale for o in db.session.scalars(sa.select(Offering))) == [False, True, True, True]
    # The derived flag does not bump the version: a provider's open form never conflicts because of it.
    assert {o.id: o.version for o in db.session.scalars(sa.select(Offering))} == versions
    again = mark_stale_offerings(on(2, 1))
    assert (again.marked_stale, again.marked_fresh) == (0, 0)

    # In April, March's update is stale too; through the CLI with --as-of.
    result = runner.invoke(args=["jobs", "run-once", "staleness", "--as-of", "2026-04-01"])
    assert result.exit_code == 0, result.output
    assert "Aanbod bekeken: 4; nu verouderd: 1; weer actueel: 0." in result.output
    db.session.expire_all()
    assert all(o.stale for o in db.session.scalars(sa.select(Offering)))
    assert run_staleness_job(on(2, 1)).status == "ok"
    db.session.expire_all()
    assert sorted(o.stale for o in db.session.scalars(sa.select(Offering))) == [False, True, True, True]
