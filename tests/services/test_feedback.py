"""services/feedback.py: the one path for reports and answers, checked whoever calls it."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import Feedback, Offering, utcnow
from beschikbaarheid.services import feedback
from beschikbaarheid.services.offerings import apply_update, confirm_unchanged
from tests import factories


def _offerings():
    prov = factories.provider("Zonnehuis", intake_phone="040-1234567")
    loc = factories.location(prov)
    first = factories.offering(loc, factories.product("43A10", "Gezinshuis"), waiting_weeks=4)
    second = factories.offering(loc, factories.product("45A01", "Ambulante jeugdhulp"), waiting_weeks=2)
    db.session.commit()
    return first, second


def _count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(Feedback))


@pytest.mark.parametrize(("reason", "text", "message"), [
    ("verzonnen", "", "Kies een reden uit de lijst."),
    ("anders", "   ", "bij 'anders' verplicht"),
    ("anders", "x" * 201, "maximaal 200 tekens"),
    ("wachttijd", "Jongen van 12 kon niet starten", "bepaald kind"),
    ("wachttijd", "ouders: info@gezin.example", "e-mailadres"),
    ("wachttijd", "tekst\x07", "stuurteken"),
])
def test_report_refuses_bad_input_whoever_calls_it(app, reason, text, message):
    with app.app_context():
        offering, _second = _offerings()
        with pytest.raises(feedback.FeedbackRefused, match=message):
            feedback.report(offering, reason=reason, text=text, referrer_type=None)
        assert _count() == 0


def test_report_stores_the_reason_text_and_referrer_type_only(app):
    with app.app_context():
        offering, _second = _offerings()
        item = feedback.report(offering, reason="anders", text="  Intake via wijkteam \x00", referrer_type="02")
        assert (item.reason, item.text, item.referrer_type, item.is_open) == ("anders", "Intake via wijkteam", "02", True)


def test_klopt_wel_answers_once_and_may_name_the_providers_own_number(app):
    with app.app_context():
        offering, _second = _offerings()
        item = feedback.report(offering, reason="contact", text="", referrer_type=None)
        with pytest.raises(feedback.FeedbackRefused, match="telefoonnummer"):
            feedback.answer_klopt(item, author="planner@zonnehuis.example", text="Bel 06-12345678")
        own = ("040-1234567",)
        feedback.answer_klopt(item, author="planner@zonnehuis.example", text="Intake bereikbaar op 040-1234567", own=own)
        assert (item.answer, item.answered_by) == ("klopt", "planner@zonnehuis.example")
        with pytest.raises(feedback.AlreadyAnswered):
            feedback.answer_klopt(item, author="iemand@anders.example", text="Nog eens", own=own)
        db.session.refresh(item)
        assert item.answer_text == "Intake bereikbaar op 040-1234567"


def _open_counts() -> dict[int, int]:
    """Open reports per offering, as the search reads them."""
    return dict(db.session.execute(sa.select(Offering.id, feedback.open_count(Offering.id))).tuples().all())


def test_every_update_or_confirmation_answers_only_that_offerings_open_reports(app):
    with app.app_context():
        first, second = _offerings()
        a = feedback.report(first, reason="wachttijd", text="", referrer_type=None)
        b = feedback.report(second, reason="geen_plek", text="", referrer_type=None)
        apply_update(first, {"waiting_weeks": 9}, author="import@regio.example", via="import")
        db.session.commit()
        db.session.refresh(a), db.session.refresh(b)
        assert (a.answer, a.answered_by, b.answered_at) == ("update", "import@regio.example", None)
        assert _open_counts() == {first.id: 0, second.id: 1}
        confirm_unchanged(second, author="planner@zonnehuis.example", via="form")
        db.session.commit()
        db.session.refresh(b)
        assert b.answer == "update" and _open_counts() == {first.id: 0, second.id: 0}


def test_a_rolled_back_update_answers_nothing(app):
    with app.app_context():
        first, _second = _offerings()
        item = feedback.report(first, reason="wachttijd", text="", referrer_type=None)
        apply_update(first, {"waiting_weeks": 9}, author="x@y.example", via="form")
        db.session.rollback()
        confirm_unchanged(_second, author="x@y.example", via="form")  # another offering, committed
        db.session.commit()
        db.session.refresh(item)
        assert item.answered_at is None


def test_card_statuses_show_open_reports_before_a_recent_answer(app):
    with app.app_context():
        first, second = _offerings()
        now = utcnow()
        old = Feedback(offering_id=first.id, reason="contact", created_at=now - dt.timedelta(days=3),
                       answered_at=now - dt.timedelta(days=2), answer="klopt", answer_text="Nummer klopt")
        db.session.add_all([old, Feedback(offering_id=second.id, reason="intake_dicht", created_at=now - dt.timedelta(days=1))])
        db.session.commit()
        states = feedback.card_statuses([first.id, second.id], now, date_text=lambda moment: "D")
        assert states[first.id].open_count == 0 and states[first.id].answer_text == "gecontroleerd door de aanbieder op D: klopt wel — Nummer klopt"
        assert states[second.id].open_text == "1 melding: intake gesloten, gisteren, nog niet beantwoord"
        db.session.add(Feedback(offering_id=first.id, reason="wachttijd", created_at=now))
        db.session.commit()
        again = feedback.card_statuses([first.id], now)
        assert again[first.id].open_count == 1 and again[first.id].answer_text == ""
