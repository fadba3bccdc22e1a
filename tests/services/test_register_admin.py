"""Services behind the register pages: region settings reach the next computation, an ended contract
leaves the reminders, and 'probeer een hulpvraag' is the search's own matching."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import AuditEvent, Contract, Region
from beschikbaarheid.search.service import run_search
from beschikbaarheid.services import catalogue, contracts
from beschikbaarheid.services import reminders as service
from jobs.reminders import run_reminder_job
from tests import factories
from tests.factories import LAST_MONTH, on, reminder_provider


def _kinds(as_of) -> list[str]:
    return [d.kind for d in service.plan(as_of, now=as_of)]


def test_the_regions_follow_up_days_decide_the_second_reminder(mail_app, smtp_server):
    reminder_provider("Stal", updated=(LAST_MONTH,))
    run_reminder_job(on(2, 8))  # Monday 2 March: the first reminder
    smtp_server.inbox.wait_for(1)
    assert _kinds(on(5, 9)) == []  # the installation's 7 days have not passed
    region = db.session.scalar(sa.select(Region))
    region.reminder_followup_days, region.reminder_escalate_days = 3, 4
    db.session.commit()
    assert _kinds(on(5, 9)) == ["second"]  # 2 March + 3 days
    assert "escalation" in _kinds(on(6, 9))  # still not current 4 days after the first: the call list
    region.reminder_followup_days = region.reminder_escalate_days = None
    db.session.commit()
    assert _kinds(on(6, 9)) == []  # back to the installation's timing


def test_an_ended_contract_leaves_the_reminders(mail_app):
    provider_id = reminder_provider("Stal", updated=(LAST_MONTH,))
    assert [s.provider_id for s in service.provider_states(on(2, 8))] == [provider_id]
    contract = db.session.scalar(sa.select(Contract).where(Contract.provider_id == provider_id))
    contracts.end_contract("test", contract, dt.date(2026, 2, 28))
    assert service.provider_states(on(2, 8)) == [] and _kinds(on(2, 8)) == []
    event = db.session.scalar(sa.select(AuditEvent))
    assert (event.action, event.actor, event.changes) == ("contract.end", "test", {"valid_until": [None, "2026-02-28"]})


def test_trying_a_need_gives_the_products_the_search_would_search(app):
    with app.test_request_context():
        world = factories.search_world()
        for need in ("gezinshuis", "ambulante hulp autisme", "segment 2", "45", "pleeg zorg"):
            tried = catalogue.try_need(world["region"], need)
            outcome = run_search({"locatie": "5701", "leeftijd": "12", "product": need})
            assert outcome.need is not None, need
            assert {p.id for p, _strength, _why in tried.matches} == set(outcome.need.product_ids), need
            assert [s for _p, s, _w in tried.matches] == sorted(outcome.need.strengths.values(), reverse=True), need
        world["gezinshuis"].active = False
        db.session.commit()
        tried = catalogue.try_need(world["region"], "43A10")
        assert tried.need is None and "komt niet voor in de productcatalogus" in tried.error


def test_a_products_own_waiting_norm_replaces_the_regions_on_the_waiting_page(app):
    from beschikbaarheid.contract.region import context_for
    from beschikbaarheid.contract.waiting import waiting_overview
    from beschikbaarheid.models import utcnow

    with app.app_context():
        world = factories.search_world()

        def above() -> int:
            ctx = context_for(world["region"], utcnow(), app.config)
            return next(pw.stats.above_norm for pw in waiting_overview(ctx) if pw.product.id == world["gezinshuis"].id)

        assert above() == 0  # every published wait is within the region's 14 weeks
        catalogue.save_product("test", world["region"], world["gezinshuis"],
                               {"code": "43A10", "name": "Gezinshuis", "segment": 2, "form": "wonen", "waiting_norm_weeks": 3})
        assert above() == 4  # 4, 10, 4 and 4 weeks exceed the product's own 3
