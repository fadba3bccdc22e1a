"""The reminder job against a real SMTP server (aiosmtpd): who gets what, once, and what happens on failure."""
from __future__ import annotations

import datetime as dt
import re
import threading

import pytest
import sqlalchemy as sa

from beschikbaarheid import create_app
from beschikbaarheid import mail as mailer
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Offering, OfferingChange, ReminderLog
from beschikbaarheid.services import reminders as service
from jobs.reminders import run_reminder_job
from tests.factories import LAST_MONTH, THIS_MONTH, on, reminder_provider
from tests.plugins.smtp import free_port

HEADER = service.REMINDER_HEADER


def recipients(smtp_server) -> list[str]:
    return [rcpt for _sender, rcpts in smtp_server.inbox.envelopes for rcpt in rcpts]


def header_keys(smtp_server) -> list[str]:
    return [m[HEADER] for m in smtp_server.inbox.messages]


def logs(**where) -> list[ReminderLog]:
    stmt = sa.select(ReminderLog).order_by(ReminderLog.provider_id, ReminderLog.kind)
    for key, value in where.items():
        stmt = stmt.where(getattr(ReminderLog, key) == value)
    db.session.expire_all()
    return list(db.session.scalars(stmt))


def test_first_working_day_reminds_every_provider_not_current(mail_app, smtp_server):
    stale = reminder_provider("Stal", updated=(LAST_MONTH,))
    reminder_provider("Bij", updated=(THIS_MONTH,))
    half = reminder_provider("Half", updated=(THIS_MONTH, LAST_MONTH))
    never = reminder_provider("Nooit", updated=(None,))
    no_mail = reminder_provider("Zonder", updated=(LAST_MONTH,), email=None)

    # Sunday 1 March and Monday before 08:00: nothing yet.
    assert run_reminder_job(on(1, 12)).result.planned == []
    assert run_reminder_job(on(2, 7)).result.planned == []

    out = run_reminder_job(on(2, 8)).result
    smtp_server.inbox.wait_for(3)
    assert sorted(d.provider_id for d in out.sent) == sorted([stale, half, never])
    assert sorted(recipients(smtp_server)) == sorted(emails_of([stale, half, never]))
    assert all(m["Subject"] == "Werk uw beschikbaarheid bij voor maart 2026" for m in smtp_server.inbox.messages)
    sent = logs(status="sent", kind="first")
    assert [r.provider_id for r in sent] == sorted([stale, half, never]) and all(r.sent_at and r.period == "2026-03" for r in sent)
    # No address: logged as a failure and put straight on the call list.
    (failure,) = logs(provider_id=no_mail, kind="first")
    assert failure.status == "failed" and failure.error == "geen e-mailadres"
    assert [e.provider.id for e in service.call_list(on(2, 9))] == [no_mail]


def emails_of(provider_ids) -> list[str]:
    from beschikbaarheid.models import Provider

    return [db.session.get(Provider, pid).intake_email for pid in provider_ids]


def test_running_twice_sends_nothing_twice(mail_app, smtp_server):
    for n in range(3):
        reminder_provider(f"Twee {n}")
    first = run_reminder_job(on(2, 8)).result
    again = run_reminder_job(on(2, 9)).result
    later = run_reminder_job(on(3, 8)).result
    smtp_server.inbox.wait_for(3)
    assert len(first.sent) == 3 and again.planned == [] and later.planned == []
    assert len(smtp_server.inbox.messages) == 3
    assert len(set(header_keys(smtp_server))) == 3


@pytest.mark.parametrize("use_lock", [True, False], ids=["with-lock", "constraint-only"])
def test_two_apps_at_once_send_each_reminder_once(mail_app, smtp_server, use_lock):
    """Two app instances (as two scheduler processes would be) on the same database, racing."""
    ids = [reminder_provider(f"Race {n}") for n in range(60)]  # more than one claim chunk
    other = create_app({
        "SQLALCHEMY_DATABASE_URI": mail_app.config["SQLALCHEMY_DATABASE_URI"],
        "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": smtp_server.port, "PUBLIC_BASE_URL": "https://wijzer.test",
    }, env="test")
    barrier = threading.Barrier(2)
    results, errors = {}, []

    def send_after_both_planned(mails, on_result):
        barrier.wait(timeout=20)  # both runs have computed the same plan before either claims a mail
        return mailer.send_many(mails, on_result=on_result)

    def worker(name, app):
        try:
            with app.app_context():
                results[name] = run_reminder_job(on(2, 8), use_lock=use_lock, send=send_after_both_planned)
                db.session.remove()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            barrier.abort()

    threads = [threading.Thread(target=worker, args=(n, a)) for n, a in (("a", mail_app), ("b", other))]
    if use_lock:
        # With the lock the loser never reaches send(): let it through the barrier on its own.
        barrier = threading.Barrier(1)
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    with other.app_context():
        db.engine.dispose()
    assert not errors, errors
    smtp_server.inbox.wait_for(60)
    assert len(smtp_server.inbox.messages) == 60
    assert len(set(header_keys(smtp_server))) == 60
    assert {r.provider_id for r in logs(status="sent")} == set(ids)
    sent = sum(len(r.result.sent) for r in results.values() if r.result)
    assert sent == 60
    if use_lock:
        assert sorted(r.status for r in results.values()) in (["locked", "ok"], ["ok", "ok"])
    else:
        assert sum(len(r.result.skipped) for r in results.values()) == 60  # every mail: one winner, one skip


def test_followup_and_escalation_by_day(mail_app, smtp_server):
    lagging = reminder_provider("Laat")
    late_updater = reminder_provider("Inhaler")
    run_reminder_job(on(2, 8))
    smtp_server.inbox.wait_for(2)

    assert run_reminder_job(on(6, 8)).result.planned == []  # Friday: nothing new
    # Tuesday 10 March the second provider updates; Monday 9 March was the follow-up day.
    second = run_reminder_job(on(9, 8)).result
    assert sorted((d.provider_id, d.kind) for d in second.sent) == sorted([(lagging, "second"), (late_updater, "second")])
    smtp_server.inbox.wait_for(4)
    assert smtp_server.inbox.messages[-1]["Subject"].startswith("Tweede herinnering")
    with mail_app.app_context():
        offering = db.session.scalar(sa.select(Offering).where(Offering.provider_id == late_updater))
        offering.updated_at = on(10, 14)
        db.session.commit()

    assert run_reminder_job(on(13, 8)).result.planned == []
    escalation = run_reminder_job(on(16, 8)).result
    assert [(d.provider_id, d.kind) for d in escalation.escalated] == [(lagging, "escalation")]
    assert escalation.sent == []  # escalation is the call list, not another mail
    assert len(smtp_server.inbox.messages) == 4
    assert [e.provider.id for e in service.call_list(on(16, 9))] == [lagging]
    assert run_reminder_job(on(17, 8)).result.planned == []
    # The log the contract manager reads: every reminder of the month, with kind and outcome.
    history = service.reminder_history(provider_id=lagging)
    assert [(r.kind, r.status) for r in history] == [("escalation", "sent"), ("second", "sent"), ("first", "sent")]


def test_dry_run_prints_who_and_why_and_sends_nothing(mail_app, smtp_server, runner):
    reminder_provider("Droog Stal")
    reminder_provider("Droog Bij", updated=(THIS_MONTH,))
    reminder_provider("Droog Zonder", email=None)
    result = runner.invoke(args=["jobs", "run-once", "reminders", "--dry-run", "--as-of", "2026-03-02"])
    assert result.exit_code == 0, result.output
    assert "Droog Stal" in result.output and "eerste herinnering" in result.output
    assert "1 van 1 aanbod niet bijgewerkt deze maand" in result.output
    assert "Droog Zonder (geen e-mailadres)" in result.output and "belijst" in result.output
    assert "Droog Bij" not in result.output
    assert "droogloop" in result.output
    assert logs() == []
    assert smtp_server.inbox.wait_for(1, timeout=0.5) == []


def test_run_once_cli_sends_and_reports(mail_app, smtp_server, runner):
    reminder_provider("Cli Stal")
    result = runner.invoke(args=["jobs", "run-once", "reminders", "--as-of", "2026-03-02"])
    assert result.exit_code == 0, result.output
    assert "verstuurd" in result.output and "Cli Stal" in result.output
    assert len(smtp_server.inbox.wait_for(1)) == 1
    again = runner.invoke(args=["jobs", "run-once", "reminders", "--as-of", "2026-03-02"])
    assert "Niemand is nu aan de beurt" in again.output
    bad = runner.invoke(args=["jobs", "run-once", "reminders", "--as-of", "2-3-2026"])
    assert bad.exit_code == 2 and "ongeldige datum" in bad.output


def test_smtp_down_nothing_marked_sent_then_next_run_retries_once(mail_app, smtp_server, runner):
    ids = [reminder_provider(f"Storing {n}") for n in range(3)]
    mail_app.config["MAIL_PORT"] = free_port()  # nothing listens there
    result = runner.invoke(args=["jobs", "run-once", "reminders", "--as-of", "2026-03-02"])
    assert result.exit_code == 1
    assert "MISLUKT" in result.output and "niet bereikbaar" in result.output
    failed = logs(kind="first")
    assert [r.status for r in failed] == ["failed"] * 3 and all("niet bereikbaar" in r.error for r in failed)
    assert logs(status="sent") == []

    mail_app.config["MAIL_PORT"] = smtp_server.port  # the server is back; the next daily run retries
    out = run_reminder_job(on(3, 8)).result
    assert sorted(d.provider_id for d in out.sent) == ids and all(d.retry for d in out.sent)
    assert [(r.status, r.attempts, r.error) for r in logs(kind="first")] == [("sent", 2, None)] * 3
    assert run_reminder_job(on(4, 8)).result.planned == []
    smtp_server.inbox.wait_for(3)
    assert len(smtp_server.inbox.messages) == 3


def test_server_lost_halfway_records_the_rest_and_a_rerun_finishes(mail_app, smtp_server):
    from aiosmtpd.controller import Controller

    from tests.plugins.smtp import Inbox

    ids = [reminder_provider(f"Weg {n}") for n in range(5)]
    flaky_inbox = Inbox()
    flaky = Controller(flaky_inbox, hostname="127.0.0.1", port=free_port())
    flaky.start()
    mail_app.config["MAIL_PORT"] = flaky.port
    seen = []

    def stop_after_two(mails, on_result):
        def record(result):
            on_result(result)
            seen.append(result)
            if len(seen) == 2:
                flaky.stop()  # the mail server goes away mid-batch
        return mailer.send_many(mails, on_result=record)

    out = run_reminder_job(on(2, 8), send=stop_after_two).result
    assert len(out.sent) == 2 and len(out.failed) == 3 and out.server_error
    assert len(logs(status="sent")) == 2 and len(logs(status="failed")) == 3
    assert len(flaky_inbox.messages) == 2

    mail_app.config["MAIL_PORT"] = smtp_server.port  # a working server for the re-run
    rerun = run_reminder_job(on(2, 10)).result
    smtp_server.inbox.wait_for(3)
    assert len(rerun.sent) == 3 and len(smtp_server.inbox.messages) == 3
    delivered = [m[HEADER] for m in flaky_inbox.messages + smtp_server.inbox.messages]
    assert sorted(int(k.split("/")[0]) for k in delivered) == ids


def test_crash_halfway_then_rerun_finishes_without_duplicates(mail_app, smtp_server):
    ids = [reminder_provider(f"Crash {n}") for n in range(5)]

    def crash_after_two(mails, on_result):
        count = []

        def record(result):
            on_result(result)
            count.append(result)
            if len(count) == 2:
                raise RuntimeError("stroomstoring")  # the process dies between two messages
        return mailer.send_many(mails, on_result=record)

    with pytest.raises(RuntimeError, match="stroomstoring"):
        run_reminder_job(on(2, 8), send=crash_after_two)
    assert len(logs(status="sent")) == 2
    released = logs(status="failed")
    assert len(released) == 3 and all("afgebroken" in r.error for r in released)
    from jobs.runs import recent_runs

    assert recent_runs("reminders")[0].status == "failed"

    rerun = run_reminder_job(on(2, 9)).result
    assert len(rerun.sent) == 3
    smtp_server.inbox.wait_for(5)
    keys = header_keys(smtp_server)
    assert len(keys) == 5 and len(set(keys)) == 5
    assert sorted(int(k.split("/")[0]) for k in keys) == ids


def test_hard_crash_leaves_claims_that_are_retried_only_when_stuck(mail_app, smtp_server):
    stuck = reminder_provider("Vastgelopen")
    busy = reminder_provider("Bezig")
    now = dt.datetime.now(dt.timezone.utc)
    for pid, claimed in ((stuck, now - dt.timedelta(hours=2)), (busy, now - dt.timedelta(minutes=1))):
        db.session.add(ReminderLog(provider_id=pid, period="2026-03", kind="first", status="sending",
                                   scheduled_for=dt.date(2026, 3, 2), claim_token="dead-run", claimed_at=claimed))
    db.session.commit()
    out = run_reminder_job(on(2, 9)).result
    assert [(d.provider_id, d.retry) for d in out.sent] == [(stuck, True)]
    smtp_server.inbox.wait_for(1)
    assert header_keys(smtp_server) == [f"{stuck}/2026-03/first"]
    assert [r.status for r in logs(provider_id=busy)] == ["sending"]  # another run's live claim is left alone


def test_missed_run_is_caught_up_once(mail_app, smtp_server):
    pid = reminder_provider("Gemist")
    # The scheduler was down on Monday 2 March; Wednesday's run catches up, Thursday's does nothing.
    out = run_reminder_job(on(4, 8)).result
    assert [(d.provider_id, d.kind) for d in out.sent] == [(pid, "first")]
    assert run_reminder_job(on(5, 8)).result.planned == []
    (first,) = logs(kind="first")
    assert first.scheduled_for == dt.date(2026, 3, 4)
    # The follow-up counts from the day the first reminder actually went out.
    assert run_reminder_job(on(10, 8)).result.planned == []
    assert [d.kind for d in run_reminder_job(on(11, 8)).result.sent] == ["second"]
    smtp_server.inbox.wait_for(2)
    assert len(smtp_server.inbox.messages) == 2


def test_one_smtp_connection_for_the_whole_batch(mail_app, smtp_server, monkeypatch):
    for n in range(120):
        reminder_provider(f"Batch {n:03d}")
    opened = []
    original = mailer.SmtpConnection.open

    def counting_open(self):
        opened.append(1)
        return original(self)

    monkeypatch.setattr(mailer.SmtpConnection, "open", counting_open)
    out = run_reminder_job(on(2, 8)).result
    assert len(out.sent) == 120
    assert len(opened) == 1
    assert len(smtp_server.inbox.wait_for(120)) == 120


def test_the_mail_lists_the_offerings_and_its_links_work(mail_app, smtp_server, client):
    pid = reminder_provider("De Linde", updated=(LAST_MONTH, THIS_MONTH))
    run_reminder_job(on(2, 8))
    (msg,) = smtp_server.inbox.wait_for(1)
    assert msg["To"].addresses[0].addr_spec.startswith("intake")
    text = msg.get_body(("plain",)).get_content()
    html = msg.get_body(("html",)).get_content()
    for body in (text, html):
        assert "De Linde" in body
        assert "43A10 Gezinshuis" in body and "45A07 Ambulante jeugdhulp" in body
        assert "De Linde locatie, Helmond" in body
        assert "6 weken" in body and "Alleen na overleg" in body
        assert "10-02-2026" in body  # the stale offering's last update
    assert "niet actueel" in text
    links = re.findall(r"https://wijzer\.test/\S+", text)
    assert len(links) == 2 and links[0] != links[1]
    html_links = re.findall(r'href="(https://wijzer\.test/[^"]+)"', html)
    assert sorted(html_links) != [] and len(html_links) == 2
    confirm_url, update_url = links

    # The confirm link: GET only shows what it will do ...
    page = client.get(confirm_url.removeprefix("https://wijzer.test"))
    assert page.status_code == 200
    body = page.get_data(as_text=True)
    assert "De Linde" in body
    with mail_app.app_context():
        before = {o.id: o.updated_at for o in db.session.scalars(sa.select(Offering).where(Offering.provider_id == pid))}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(OfferingChange)) == 0
    # ... and POSTing its form (with the CSRF token) confirms everything, with the link as author.
    fields = dict(re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', body))
    assert "csrf_token" in fields
    done = client.post(confirm_url.removeprefix("https://wijzer.test"), data=fields)
    assert done.status_code == 200
    db.session.expire_all()
    offerings = db.session.scalars(sa.select(Offering).where(Offering.provider_id == pid)).all()
    assert all(o.last_update_kind == "confirm" and o.updated_at > before[o.id] for o in offerings)
    changes = db.session.scalars(sa.select(OfferingChange)).all()
    assert len(changes) == 2 and all(c.via == "link" and c.kind == "confirm" and c.author.startswith("link:") for c in changes)
    # Now current: no follow-up for this provider.
    assert run_reminder_job(on(9, 8)).result.planned == []

    # The update link opens the provider's update screen without a password.
    opened = client.get(update_url.removeprefix("https://wijzer.test"), follow_redirects=True)
    assert opened.status_code == 200 and "De Linde" in opened.get_data(as_text=True)
