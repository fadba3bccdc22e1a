"""`flask privacy check [--blank]`: client data stored by earlier versions is reported (never printed) and blanked."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import CallLog, NoMatchReport, Offering, OfferingChange, utcnow
from tests import factories

BSN_NOTE = "Zoon van fam. K., BSN 1234.56.782"
PHONE_REASON = "moeder vraagt terugbellen op 06-12345678"
STORY = "Mijn dochter van 14 wacht al maanden"


def _stored_by_an_older_version():
    """Rows as an earlier version let them through: straight into the tables, no checks."""
    now = utcnow()
    provider = factories.provider("Zonnehuis", intake_phone="040-1234567")
    product = factories.product()
    bad = factories.offering(factories.location(provider, "Oost"), product)
    good = factories.offering(factories.location(provider, "West"), product)
    db.session.flush()
    db.session.execute(sa.update(Offering).where(Offering.id == bad.id).values(note=BSN_NOTE))
    db.session.execute(sa.update(Offering).where(Offering.id == good.id).values(note="Intake via 040-1234567; wachttijd 6 weken"))
    db.session.add_all([
        OfferingChange(offering_id=bad.id, changed_at=now, author="a", via="form", kind="update", field="note", old_value="", new_value=BSN_NOTE),
        OfferingChange(offering_id=bad.id, changed_at=now, author="a", via="form", kind="update", field="note", old_value=BSN_NOTE, new_value="Spoed in overleg"),
        OfferingChange(offering_id=bad.id, changed_at=now, author="a", via="form", kind="update", field="waiting_weeks", old_value="4", new_value="6"),
    ])
    base = {"day": now.date(), "need_kind": "code", "age_band": "12-17"}
    db.session.add_all([NoMatchReport(reason=PHONE_REASON, **base), NoMatchReport(reason="Geen plek voor broers en zussen samen", **base)])
    db.session.add_all([
        CallLog(provider_id=provider.id, called_at=now - dt.timedelta(hours=1), outcome="bereikt", note=STORY),
        CallLog(provider_id=provider.id, called_at=now - dt.timedelta(hours=1), outcome="bereikt", note="Werkt vrijdag bij"),
    ])
    db.session.commit()
    return bad.id, good.id


def test_check_reports_table_id_and_field_without_the_value(app, runner):
    with app.app_context():
        bad_id, _good_id = _stored_by_an_older_version()
        history_ids = db.session.scalars(sa.select(OfferingChange.id).where(OfferingChange.field == "note").order_by(OfferingChange.id)).all()
        reason_id = db.session.scalar(sa.select(NoMatchReport.id).where(NoMatchReport.reason == PHONE_REASON))
        call_id = db.session.scalar(sa.select(CallLog.id).where(CallLog.note == STORY))
    result = runner.invoke(args=["privacy", "check"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"offering {bad_id} note: BSN" in lines
    assert f"offering_change {history_ids[0]} new_value: BSN" in lines and f"offering_change {history_ids[1]} old_value: BSN" in lines
    assert f"no_match_report {reason_id} reason: telefoonnummer" in lines
    assert f"call_log {call_id} note: verhaal over een cliënt" in lines
    assert len([line for line in lines if ": " in line and not line.startswith("Fout")]) == 5
    assert "5 waarde(n) lijken cliëntgegevens te bevatten" in result.output
    for value in (BSN_NOTE, "1234.56.782", "06-12345678", STORY):
        assert value not in result.output


def test_blank_empties_them_history_included_and_keeps_the_rest(app, runner):
    with app.app_context():
        bad_id, good_id = _stored_by_an_older_version()
    result = runner.invoke(args=["privacy", "check", "--blank"])
    assert result.exit_code == 0, result.output
    assert "5 waarde(n) leeggemaakt (1 in call_log, 1 in no_match_report, 1 in offering, 2 in offering_change)." in result.output
    with app.app_context():
        assert db.session.get(Offering, bad_id).note == "" and db.session.get(Offering, bad_id).version == 2
        assert db.session.get(Offering, good_id).note == "Intake via 040-1234567; wachttijd 6 weken"
        history = db.session.execute(sa.select(OfferingChange.field, OfferingChange.old_value, OfferingChange.new_value)
                                     .order_by(OfferingChange.id)).all()
        assert [tuple(h) for h in history if h.field in ("note", "waiting_weeks") and h.old_value is not None] == [
            ("note", "", ""), ("note", "", "Spoed in overleg"), ("waiting_weeks", "4", "6")]
        assert sorted(db.session.scalars(sa.select(NoMatchReport.reason))) == ["", "Geen plek voor broers en zussen samen"]
        assert sorted(db.session.scalars(sa.select(CallLog.note))) == ["", "Werkt vrijdag bij"]
    again = runner.invoke(args=["privacy", "check"])
    assert again.exit_code == 0 and "Geen opgeslagen tekst die op cliëntgegevens lijkt." in again.output


def test_report_texts_and_answers_are_checked_and_blanked_too(app, runner):
    from beschikbaarheid.models import Feedback

    with app.app_context():
        provider = factories.provider("Zonnehuis", intake_phone="040-1234567")
        offering = factories.offering(factories.location(provider, "Oost"), factories.product())
        db.session.flush()
        now = utcnow()
        bad_text = Feedback(offering_id=offering.id, reason="anders", text="mail ouder@gezin.example")
        bad_answer = Feedback(offering_id=offering.id, reason="wachttijd", answered_at=now, answer="klopt", answer_text=BSN_NOTE)
        fine = Feedback(offering_id=offering.id, reason="contact", answered_at=now, answer="klopt", answer_text="Bel de intake: 040-1234567")
        db.session.add_all([bad_text, bad_answer, fine])
        db.session.commit()
        ids = (bad_text.id, bad_answer.id, fine.id)
    result = runner.invoke(args=["privacy", "check"])
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert f"feedback {ids[0]} text: e-mailadres" in lines and f"feedback {ids[1]} answer_text: BSN" in lines
    assert not any(line.startswith(f"feedback {ids[2]} ") for line in lines)  # the provider's own number passes
    assert "ouder@gezin.example" not in result.output
    assert runner.invoke(args=["privacy", "check", "--blank"]).exit_code == 0
    with app.app_context():
        texts = {f.id: (f.text, f.answer_text) for f in db.session.scalars(sa.select(Feedback))}
    assert texts == {ids[0]: ("", ""), ids[1]: ("", ""), ids[2]: ("", "Bel de intake: 040-1234567")}
