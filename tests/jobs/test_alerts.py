"""Plek-alerts against a real SMTP server (aiosmtpd): an alert on a gezinshuis search mails once when a
provider frees a matching place through the real update service, nothing when nothing changed, nothing
twice, and after an SMTP outage the next run sends the mail once."""
from __future__ import annotations

import datetime as dt
import re

import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import AlertMail, Offering, SearchAlert, utcnow
from beschikbaarheid.services import alerts
from beschikbaarheid.services.alerts import ALERT_HEADER
from beschikbaarheid.services.offerings import Actor, save_checked
from jobs.alerts import run_alert_job
from tests import factories as f
from tests.plugins.smtp import free_port

SEARCH = {"locatie": "5701", "leeftijd": "12", "product": "gezinshuis"}


def saved_alert(search=SEARCH) -> tuple[dict, SearchAlert]:
    world = f.search_world()
    referrer = f.user("verwijzer", email="verwijzer@toegang.example", referrer_type="01")
    db.session.commit()
    alert, created = alerts.save_alert(referrer, search)
    assert created
    return world, alert


def provider_saves(offering_id: int, **values) -> None:
    """The provider changes its figures through the one update path (as the 'Mijn aanbod' form does)."""
    offering = db.session.get(Offering, offering_id)
    current = {"capacity": offering.capacity, "free_places": offering.free_places, "waiting_weeks": offering.waiting_weeks,
               "intake_status": offering.intake_status}
    save_checked(offering, {**current, **values}, expected_version=offering.version,
                 actor=Actor(author="planner@aanbieder.example", via="form", user_id=None))
    db.session.commit()


def test_a_freed_gezinshuis_place_is_mailed_exactly_once(mail_app, smtp_server):
    world, alert = saved_alert()
    assert run_alert_job().result.planned == []  # saved just now: nothing opened up since
    peel = world["peel"].id  # Huize Peel in Deurne: 0 free places, 10 weeks
    provider_saves(peel, free_places=1)

    out = run_alert_job().result
    smtp_server.inbox.wait_for(1)
    assert len(out.sent) == 1
    (message,) = smtp_server.inbox.messages
    assert message["To"] == "verwijzer@toegang.example"
    assert message[ALERT_HEADER].startswith(f"{alert.id}/")
    text = message.get_body(("plain",)).get_content()
    assert "Huize Peel" in text and "er is een plek vrijgekomen" in text
    assert "De Linde" not in text  # nothing changed there
    assert "Vrije plekken: 1" in text and "Wachttijd: 10 weken" in text
    assert "https://wijzer.test/zoeken/?" in text and "product=gezinshuis" in text
    stop_link = re.search(r"https://wijzer.test(/mijn-zoekopdrachten/link/\S+)", text)
    assert stop_link
    html = message.get_body(("html",)).get_content()
    assert "Huize Peel" in html and "Verlengen met 60 dagen" in html

    # Running again (the same day or the next) sends nothing: that change was mailed.
    assert run_alert_job().result.planned == []
    assert len(smtp_server.inbox.messages) == 1


def test_nothing_changed_or_only_worse_sends_nothing(mail_app, smtp_server):
    world, _alert = saved_alert()
    provider_saves(world["linde"].id, free_places=0, waiting_weeks=12)  # worse: no opening
    out = run_alert_job().result
    assert out.planned == [] and out.sent == []
    assert run_alert_job().result.planned == []
    assert smtp_server.inbox.messages == []
    # Worse first, better again later: that improvement is an opening, mailed.
    provider_saves(world["linde"].id, free_places=2)
    assert len(run_alert_job().result.sent) == 1
    text = smtp_server.inbox.wait_for(1)[0].get_body(("plain",)).get_content()
    assert "De Linde" in text and "er is een plek vrijgekomen" in text


def test_an_alert_watches_every_matching_offering_not_only_the_first_results(mail_app, smtp_server):
    from beschikbaarheid.search import service as search

    mail_app.config["SEARCH_MAX_RESULTS"] = 1  # the page shows one gezinshuis; the alert watches both
    world, _alert = saved_alert()
    (shown,) = search.run_search(SEARCH).results
    hidden = world["peel"] if shown.offering_id == world["linde"].id else world["linde"]
    provider_saves(hidden.id, free_places=0)
    provider_saves(hidden.id, free_places=1)
    assert len(run_alert_job().result.sent) == 1
    text = smtp_server.inbox.wait_for(1)[0].get_body(("plain",)).get_content()
    assert hidden.location.name in text and "er is een plek vrijgekomen" in text


def test_an_offering_that_left_the_results_and_comes_back_says_what_opened_up(mail_app, smtp_server):
    world, _alert = saved_alert()
    provider_saves(world["linde"].id, intake_status="gesloten")  # no longer matches (intake stop)
    assert run_alert_job().result.planned == []
    provider_saves(world["linde"].id, intake_status="open")
    assert len(run_alert_job().result.sent) == 1
    text = smtp_server.inbox.wait_for(1)[0].get_body(("plain",)).get_content()
    assert "De Linde" in text and "de intake is weer open" in text


def test_offerings_without_a_contract_today_are_not_mailed(mail_app, smtp_server):
    world, _alert = saved_alert()
    for name in ("expired", "nocontract"):  # gezinshuizen in Helmond, but not contracted (any more)
        provider_saves(world[name].id, free_places=3, waiting_weeks=0)
    out = run_alert_job().result
    assert out.planned == [] and smtp_server.inbox.messages == []


def test_a_location_moved_out_of_reach_and_back_is_mailed_when_it_comes_back(mail_app, smtp_server):
    from beschikbaarheid.services import register_admin

    world, _alert = saved_alert()
    admin = f.user("beheerder", email="beheer@regio.example")
    peel = db.session.get(Offering, world["peel"].id).location

    def move(postcode, lat, lon):
        register_admin.save_location(admin, peel.provider, peel, {"name": peel.name, "postcode": postcode, "lat": lat, "lon": lon},
                                     confirmed_far=True)

    move("5751", 53.2194, 6.5665)  # typed wrongly: Groningen, out of reach
    provider_saves(world["peel"].id, free_places=1)
    assert run_alert_job().result.planned == []  # a place, but not where the referrer looks
    move("5751", 51.4617, 5.7969)  # corrected: back in Deurne
    assert len(run_alert_job().result.sent) == 1
    text = smtp_server.inbox.wait_for(1)[0].get_body(("plain",)).get_content()
    assert "Huize Peel" in text and "past nu bij uw zoekopdracht" in text


def test_a_product_the_need_covers_that_joins_the_catalogue_is_mailed_with_its_places(mail_app, smtp_server):
    from beschikbaarheid.services import catalogue

    world = f.search_world()
    variant = f.product("43A11", "Gezinshuis (deeltijd)", world["region"], 2, "wonen")
    variant.active = False  # not in the catalogue yet when the alert is saved
    home = f.location(f.provider("Deeltijdhuis Helmond"), "Deeltijdhuis", 51.4805, 5.6610, "5701", "Helmond")
    f.offering(home, variant, free_places=1)
    referrer = f.user("verwijzer", email="verwijzer@toegang.example", referrer_type="01")
    db.session.commit()
    alerts.save_alert(referrer, SEARCH)
    assert run_alert_job().result.planned == []

    catalogue.set_active(f.user("beheerder", email="beheer@regio.example"), variant, True)
    assert len(run_alert_job().result.sent) == 1
    text = smtp_server.inbox.wait_for(1)[0].get_body(("plain",)).get_content()
    assert "Deeltijdhuis" in text and "43A11" in text and "past nu bij uw zoekopdracht" in text
    assert "Huize Peel" not in text and "De Linde" not in text  # nothing new there
    assert run_alert_job(utcnow() + dt.timedelta(days=1)).result.planned == []


def test_an_offering_whose_contract_ends_and_starts_again_is_mailed_when_it_is_back(mail_app, smtp_server):
    from beschikbaarheid.domain.freshness import local_date
    from beschikbaarheid.models import Contract
    from beschikbaarheid.services import contracts

    world, _alert = saved_alert()
    admin = f.user("beheerder", email="beheer@regio.example")
    linde = db.session.get(Offering, world["linde"].id)
    contract = db.session.scalars(sa.select(Contract).where(Contract.provider_id == linde.provider_id)).one()
    today = local_date(utcnow())
    contracts.end_contract(admin, contract, today)  # its last day
    assert run_alert_job(utcnow() + dt.timedelta(days=1)).result.planned == []  # De Linde left the search
    contracts.create_contract(admin, world["region"], linde.provider, "43A10", linde.location, today + dt.timedelta(days=2), None)
    out = run_alert_job(utcnow() + dt.timedelta(days=2)).result
    assert len(out.sent) == 1
    text = smtp_server.inbox.wait_for(1)[0].get_body(("plain",)).get_content()
    assert "De Linde" in text and "past nu bij uw zoekopdracht" in text


def test_intake_reopening_and_wait_within_maximum_are_openings(mail_app, smtp_server):
    world, _alert = saved_alert({**SEARCH, "max_wachttijd": "8"})
    peel = world["peel"].id  # 10 weeks: above the maximum, so not among the results yet
    provider_saves(peel, waiting_weeks=6)
    out = run_alert_job().result
    smtp_server.inbox.wait_for(1)
    assert len(out.sent) == 1
    text = smtp_server.inbox.messages[0].get_body(("plain",)).get_content()
    assert "Huize Peel" in text and "past nu bij uw zoekopdracht" in text


def test_smtp_down_then_the_next_run_sends_once(mail_app, smtp_server):
    world, alert = saved_alert()
    provider_saves(world["peel"].id, free_places=2)
    port = mail_app.config["MAIL_PORT"]
    mail_app.config["MAIL_PORT"] = free_port()  # nothing listens there
    down = run_alert_job().result
    assert down.sent == [] and len(down.failed) == 1
    (row,) = db.session.scalars(sa.select(AlertMail)).all()
    assert row.status == "failed" and "niet bereikbaar" in row.error
    mail_app.config["MAIL_PORT"] = port
    retry = run_alert_job().result
    smtp_server.inbox.wait_for(1)
    assert len(retry.sent) == 1
    db.session.expire_all()
    (row,) = db.session.scalars(sa.select(AlertMail)).all()
    assert (row.status, row.attempts) == ("sent", 2)
    assert run_alert_job().result.planned == []
    assert len(smtp_server.inbox.messages) == 1
    assert "Huize Peel" in smtp_server.inbox.messages[0].get_body(("plain",)).get_content()


def test_one_mail_a_day_per_alert_and_the_rest_the_next_day(mail_app, smtp_server):
    world, _alert = saved_alert()
    provider_saves(world["linde"].id, free_places=0)
    provider_saves(world["peel"].id, free_places=1)
    assert len(run_alert_job().result.sent) == 1
    provider_saves(world["linde"].id, free_places=2)
    assert run_alert_job().result.planned == []  # already mailed today
    tomorrow = run_alert_job(utcnow() + dt.timedelta(days=1)).result
    smtp_server.inbox.wait_for(2)
    assert len(tomorrow.sent) == 1
    text = smtp_server.inbox.messages[1].get_body(("plain",)).get_content()
    assert "De Linde" in text and "Huize Peel" not in text


def test_stopped_and_expired_alerts_are_not_evaluated(mail_app, smtp_server):
    world, alert = saved_alert()
    alerts.stop(alert)
    provider_saves(world["peel"].id, free_places=1)
    assert run_alert_job().result.active == 0
    alerts.renew(alert)  # starts again with a new baseline: the place freed while stopped is not mailed
    assert run_alert_job().result.planned == []
    later = utcnow() + dt.timedelta(days=61)
    provider_saves(world["linde"].id, free_places=0)
    provider_saves(world["linde"].id, free_places=3)
    assert run_alert_job(later).result.active == 0
    assert smtp_server.inbox.messages == []


def test_the_stop_link_in_the_mail_works_without_login(mail_app, smtp_server):
    world, alert = saved_alert()
    provider_saves(world["peel"].id, free_places=1)
    run_alert_job()
    text = smtp_server.inbox.wait_for(1)[0].get_body(("plain",)).get_content()
    path = re.search(r"Geen berichten meer over deze zoekopdracht \(stoppen, zonder in te loggen\):\s+https://wijzer.test(\S+)", text).group(1)
    client = mail_app.test_client()
    page = client.get(path)
    assert page.status_code == 200 and "Plek-alert stoppen" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SearchAlert, alert.id).stopped_at is None  # opening the link (a mail scanner) changes nothing
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page.get_data(as_text=True)).group(1)
    done = client.post(path, data={"csrf_token": token})
    assert done.status_code == 200 and "is gestopt" in done.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(SearchAlert, alert.id).stopped_at is not None
    tampered = client.get(path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB"))
    assert tampered.status_code == 400 and "ongeldig" in tampered.get_data(as_text=True)


def test_an_operator_runs_the_job_once_from_the_command_line(mail_app, smtp_server):
    world, _alert = saved_alert()
    provider_saves(world["peel"].id, free_places=1)
    result = mail_app.test_cli_runner().invoke(args=["jobs", "run-once", "plek-alerts"])
    assert result.exit_code == 0, result.output
    assert "Actieve alerts 1" in result.output and "verstuurd 1" in result.output
    assert len(smtp_server.inbox.wait_for(1)) == 1


def test_a_run_that_breaks_off_while_sending_is_retried_by_the_next_run(mail_app, smtp_server):
    import pytest

    world, _alert = saved_alert()
    provider_saves(world["peel"].id, free_places=1)

    def breaks(mails, on_result=None):
        raise RuntimeError("verbinding weg halverwege")

    with pytest.raises(RuntimeError):
        run_alert_job(send=breaks)
    db.session.expire_all()
    (row,) = db.session.scalars(sa.select(AlertMail)).all()
    assert row.status == "failed" and "afgebroken" in row.error
    assert len(run_alert_job().result.sent) == 1
    assert len(smtp_server.inbox.wait_for(1)) == 1
    assert run_alert_job().result.planned == []
