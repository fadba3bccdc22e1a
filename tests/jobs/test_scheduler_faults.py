"""The reminder run killed with SIGKILL halfway, as a real process: the next runs finish the rest, nobody is skipped.

tests/jobs/test_reminders.py covers SMTP down, the server lost mid-batch and an exception halfway;
tests/jobs/test_scheduler.py covers two processes at once. What neither does is kill -9 a real
`flask jobs run-once reminders` process mid-send: no `finally`, no flush, a held job lock, claims
left 'sending'. That is what a power cut or the OOM killer does to the scheduler service.
"""
from __future__ import annotations

import asyncio
import datetime as dt
import os
import signal
import subprocess
import sys
import time

import pytest
import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import JobRun, ReminderLog
from beschikbaarheid.services.reminders import REMINDER_HEADER as HEADER
from tests.factories import reminder_provider
from tests.plugins.smtp import Inbox, running_smtp
from tests.helpers import ROOT

PROVIDERS = 40
COMMIT_EVERY = 10  # the production default of REMINDER_COMMIT_EVERY, set explicitly so the bound below holds


class _SlowInbox(Inbox):
    """A mail server that takes a moment per message, so there is a 'halfway' to kill the sender in."""

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        await asyncio.sleep(0.05)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp():
    with running_smtp(_SlowInbox()) as controller:
        yield controller


def _run_once(app, smtp_port: int) -> subprocess.Popen:
    """`flask jobs run-once reminders` for Monday 2 March 2026 as a separate process."""
    env = {
        **os.environ,
        "BESCHIKBAARHEID_ENV": "test",
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": str(smtp_port),
        "PUBLIC_BASE_URL": "https://wijzer.test",
        "REMINDER_COMMIT_EVERY": str(COMMIT_EVERY),
    }
    cmd = [sys.executable, "-m", "flask", "--app", "beschikbaarheid", "jobs", "run-once", "reminders", "--as-of", "2026-03-02"]
    return subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _log_rows() -> list[ReminderLog]:
    db.session.expire_all()
    rows = db.session.scalars(sa.select(ReminderLog).order_by(ReminderLog.provider_id)).all()
    db.session.rollback()
    return rows


def _keys(inbox) -> list[str]:
    return [m[HEADER] for m in inbox.messages]


def test_sigkill_mid_run_then_reruns_finish_without_skipping_anyone(app, slow_smtp):
    with app.app_context():
        ids = [reminder_provider(f"Kill {n:02d}") for n in range(PROVIDERS)]

        # 1. The scheduler process dies hard while it is sending.
        victim = _run_once(app, slow_smtp.port)
        deadline = time.monotonic() + 60
        while len(slow_smtp.inbox.messages) < COMMIT_EVERY + 2:
            assert victim.poll() is None, f"run ended before it could be killed: {victim.communicate()[0]}"
            assert time.monotonic() < deadline, "no mail arrived"
            time.sleep(0.01)
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=10)
        assert victim.returncode == -signal.SIGKILL
        time.sleep(0.3)  # a message in flight may still land

        delivered_before = set(_keys(slow_smtp.inbox))
        rows = _log_rows()
        sent_before = {r.provider_id for r in rows if r.status == "sent"}
        in_flight = {r.provider_id for r in rows if r.status == "sending"}
        assert sent_before and in_flight, [(r.provider_id, r.status) for r in rows]
        assert len(delivered_before) < PROVIDERS  # really halfway
        # Recorded as sent means really delivered; the gap is at most one commit group.
        assert {f"{pid}/2026-03/first" for pid in sent_before} <= delivered_before
        assert len(delivered_before) - len(sent_before) <= COMMIT_EVERY + 1

        # 2. systemd restarts the scheduler at once: the dead run still holds the lock, nothing is done twice.
        restarted = _run_once(app, slow_smtp.port)
        output = restarted.communicate(timeout=120)[0]
        assert restarted.returncode == 2 and "lock" in output, output
        assert set(_keys(slow_smtp.inbox)) == delivered_before and len(slow_smtp.inbox.messages) == len(delivered_before)

        # 3. Half an hour later (the lock's lease and REMINDER_STUCK_MINUTES have passed) the daily run finishes the rest.
        past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(minutes=31)
        db.session.execute(sa.text("UPDATE job_lock SET expires_at = :t WHERE name = 'reminders'"), {"t": past})
        db.session.execute(sa.update(ReminderLog).where(ReminderLog.status == "sending").values(claimed_at=past))
        db.session.commit()
        later = _run_once(app, slow_smtp.port)
        output = later.communicate(timeout=120)[0]
        assert later.returncode == 0, output

        slow_smtp.inbox.wait_for(PROVIDERS, timeout=10)
        keys = _keys(slow_smtp.inbox)
        rows = _log_rows()
        # Nobody skipped: every provider got its reminder and the log says sent, once per provider.
        assert sorted(r.provider_id for r in rows) == ids and {r.status for r in rows} == {"sent"}
        assert {int(k.split("/")[0]) for k in keys} == set(ids)
        # Duplicates only where the kill hit between the server's 250 and our commit (documented
        # at-least-once window), never for a reminder that was already recorded as sent.
        duplicated = {int(k.split("/")[0]) for k in keys if keys.count(k) > 1}
        assert duplicated <= in_flight and not duplicated & sent_before
        assert len(keys) - PROVIDERS <= COMMIT_EVERY + 1
        assert all(r.attempts == 2 for r in rows if r.provider_id in in_flight)
        print(f"killed after {len(delivered_before)} delivered ({len(sent_before)} recorded sent, {len(in_flight)} claimed); "
              f"re-run sent the rest; {len(keys) - PROVIDERS} duplicate(s)")

        # The operator can see what happened: the killed run never finished, the restart was locked out.
        runs = db.session.scalars(sa.select(JobRun).where(JobRun.job == "reminders").order_by(JobRun.id)).all()
        assert [r.status for r in runs] == ["running", "locked", "ok"]
