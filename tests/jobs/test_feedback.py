"""The daily "Klopt dit niet?" job against a real SMTP server (aiosmtpd): each provider gets at most one
mail a day listing its new reports, a failed send is retried, and reports unanswered for five working
days land on the contract manager's call list."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from beschikbaarheid.contract.calls import escalated_reports
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Contract, Feedback, FeedbackMail, Offering, Provider
from beschikbaarheid.services.feedback_daily import FEEDBACK_HEADER
from jobs.feedback import run_feedback_job
from jobs.runs import recent_runs
from tests import factories as f
from tests.factories import on, reminder_provider
from tests.plugins.smtp import free_port


def report(provider_id: int, when: dt.datetime, reason: str = "wachttijd", text: str = "") -> int:
    offering = db.session.scalars(sa.select(Offering).where(Offering.provider_id == provider_id)).first()
    item = Feedback(offering_id=offering.id, reason=reason, text=text, created_at=when)
    db.session.add(item)
    db.session.commit()
    return item.id


def mails(**where) -> list[FeedbackMail]:
    db.session.expire_all()
    stmt = sa.select(FeedbackMail).order_by(FeedbackMail.provider_id, FeedbackMail.day)
    for key, value in where.items():
        stmt = stmt.where(getattr(FeedbackMail, key) == value)
    return list(db.session.scalars(stmt))


def test_each_provider_gets_one_mail_listing_its_new_reports(mail_app, smtp_server):
    linde = reminder_provider("De Linde")
    peel = reminder_provider("Huize Peel")
    reminder_provider("Zonder meldingen")
    report(linde, on(2, 10), "wachttijd")
    report(linde, on(2, 11), "anders", "Intake verloopt via het wijkteam")
    report(peel, on(2, 12), "contact")

    out = run_feedback_job(on(3, 9)).result
    smtp_server.inbox.wait_for(2)
    assert sorted(d.name for d in out.sent) == ["De Linde", "Huize Peel"]
    by_header = {m[FEEDBACK_HEADER]: m for m in smtp_server.inbox.messages}
    assert set(by_header) == {f"{linde}/2026-03-03", f"{peel}/2026-03-03"}
    message = by_header[f"{linde}/2026-03-03"]
    assert message["Subject"] == "Verwijzers melden: klopt dit niet? (2 open)"
    assert db.session.get(Provider, linde).intake_email in message["To"]
    text = message.get_body(("plain",)).get_content()
    assert "Wachttijd langer dan vermeld" in text and 'Anders - "Intake verloopt via het wijkteam"' in text
    assert "https://wijzer.test/aanbieder/link/" in text
    html = message.get_body(("html",)).get_content()
    assert "Intake verloopt via het wijkteam" in html and "Naar uw aanbod" in html
    assert all(r.status == "sent" and r.report_count for r in mails())
    assert all(item.mailed_at is not None for item in db.session.scalars(sa.select(Feedback)))


def test_a_second_run_the_same_day_sends_nothing_and_a_new_report_waits_for_tomorrow(mail_app, smtp_server):
    linde = reminder_provider("De Linde")
    report(linde, on(2, 10))
    assert len(run_feedback_job(on(3, 9)).result.sent) == 1
    smtp_server.inbox.wait_for(1)
    report(linde, on(3, 10), "intake_dicht")
    again = run_feedback_job(on(3, 15)).result
    assert again.planned == [] and again.sent == []
    assert len(smtp_server.inbox.messages) == 1
    tomorrow = run_feedback_job(on(4, 9)).result
    smtp_server.inbox.wait_for(2)
    assert len(tomorrow.sent) == 1 and len(tomorrow.sent[0].reports) == 1  # only the new report
    assert "Intake gesloten" in smtp_server.inbox.messages[1].get_body(("plain",)).get_content()
    assert run_feedback_job(on(4, 10)).result.planned == []


def test_without_intake_address_the_providers_own_users_get_the_mail(mail_app, smtp_server):
    pid = reminder_provider("Zonder intake", email=None)
    user = f.user("aanbieder", email="planner@zonderintake.example", provider_id=pid)
    f.user("aanbieder", email="oud@zonderintake.example", provider_id=pid, active=False)
    db.session.commit()
    report(pid, on(2, 10))
    out = run_feedback_job(on(3, 9)).result
    smtp_server.inbox.wait_for(1)
    assert len(out.sent) == 1
    assert [r for _s, rcpts in smtp_server.inbox.envelopes for r in rcpts] == [user.email]


def test_smtp_down_nothing_marked_mailed_then_the_next_run_sends_once(mail_app, smtp_server):
    linde = reminder_provider("De Linde")
    fid = report(linde, on(2, 10))
    port = mail_app.config["MAIL_PORT"]
    mail_app.config["MAIL_PORT"] = free_port()  # nothing listens there
    down = run_feedback_job(on(3, 9)).result
    assert down.sent == [] and len(down.failed) == 1
    (row,) = mails()
    assert row.status == "failed" and "niet bereikbaar" in row.error
    assert db.session.get(Feedback, fid).mailed_at is None
    mail_app.config["MAIL_PORT"] = port
    retry = run_feedback_job(on(3, 10)).result
    smtp_server.inbox.wait_for(1)
    assert len(retry.sent) == 1
    (row,) = mails()
    assert (row.status, row.attempts) == ("sent", 2)
    assert run_feedback_job(on(3, 11)).result.planned == []
    assert len(smtp_server.inbox.messages) == 1


def test_a_report_unanswered_for_five_working_days_lands_on_the_call_list(mail_app, smtp_server):
    linde = reminder_provider("De Linde")
    region_id = db.session.scalar(sa.select(Contract.region_id).where(Contract.provider_id == linde))
    # Thursday 5 March 2026; five working days later is Thursday 12 March (the weekend does not count).
    fid = report(linde, on(5, 10), "geen_plek")
    answered = report(linde, on(5, 11), "contact")
    item = db.session.get(Feedback, answered)
    item.answered_at, item.answer, item.answer_text = on(6, 9), "klopt", "Nummer klopt"
    db.session.commit()
    assert run_feedback_job(on(11, 9)).result.escalated == []
    assert escalated_reports(region_id, on(11, 9)) == ([], 0)
    out = run_feedback_job(on(12, 9)).result
    assert out.escalated == [fid]
    (entry,), total = escalated_reports(region_id, on(12, 9))
    assert total == 1
    assert (entry.feedback.id, entry.provider.id, entry.working_days) == (fid, linde, 5)
    first = db.session.get(Feedback, fid).escalated_at
    assert run_feedback_job(on(13, 9)).result.escalated == []  # once
    db.session.expire_all()
    assert db.session.get(Feedback, fid).escalated_at == first
    assert recent_runs("feedback")[0].status == "ok"


def test_the_contract_manager_sees_escalated_reports_with_reason_and_age(mail_app, smtp_server, client, login):
    linde = reminder_provider("De Linde")
    fid = report(linde, on(2, 10), "anders", "Geen reactie op aanmelding")
    db.session.get(Feedback, fid).escalated_at = on(9, 9)
    region_id = db.session.scalar(sa.select(Contract.region_id).where(Contract.provider_id == linde))
    manager = f.user("contractmanager", region_id=region_id)
    db.session.commit()
    login(manager)
    html = client.get("/contract/").get_data(as_text=True)
    assert "Belijst: meldingen 'klopt dit niet?' zonder antwoord" in html
    row = html.split(f'id="melding-{fid}"', 1)[1].split("</tr>", 1)[0]
    assert "De Linde" in row and "Anders — “Geen reactie op aanmelding”" in row and "02-03-2026" in row


def test_a_long_call_list_shows_the_oldest_reports_and_says_how_many_there_are(mail_app, smtp_server, client, login):
    linde = reminder_provider("De Linde")
    ids = [report(linde, on(2, 8) + dt.timedelta(minutes=i)) for i in range(53)]
    for fid in ids:
        db.session.get(Feedback, fid).escalated_at = on(9, 9)
    region_id = db.session.scalar(sa.select(Contract.region_id).where(Contract.provider_id == linde))
    manager = f.user("contractmanager", region_id=region_id)
    db.session.commit()
    login(manager)
    html = client.get("/contract/").get_data(as_text=True)
    assert "De 50 oudste van 53 meldingen op de belijst." in html
    assert f'id="melding-{ids[49]}"' in html and f'id="melding-{ids[50]}"' not in html
