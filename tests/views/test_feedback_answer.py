"""The provider answers referrers' "Klopt dit niet?" reports on its page: "klopt wel" with an
explanation, or an update / confirmation of the offering; the result card then says it was checked."""
from __future__ import annotations

import re

import pytest

from beschikbaarheid.extensions import db
from beschikbaarheid.models import Feedback, Offering
from tests import factories as f
from tests.helpers import csrf_from

SEARCH = "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis&weergave=kaarten"  # the cards (the compact list: tests/views/test_search_list.py)


@pytest.fixture
def reported(app, world):
    """Open reports on De Linde (provider A) and on Huize Peel (provider B); A's user and a contract manager."""
    with app.app_context():
        linde = db.session.get(Offering, world["linde"])
        items = [Feedback(offering_id=world["linde"], reason="wachttijd"),
                 Feedback(offering_id=world["peel"], reason="contact", text="Telefoon wordt niet opgenomen")]
        db.session.add_all(items)
        users = {"a": f.user("aanbieder", provider_id=linde.provider_id), "cm": f.user("contractmanager", region_id=world["region"])}
        db.session.commit()
        return {"linde_report": items[0].id, "peel_report": items[1].id, "a": linde.provider_id, **world,
                "users": {k: u.email for k, u in users.items()}}


def _login(client, email):
    from tests.helpers import csrf_token

    token = csrf_token(client, "/account/inloggen")
    assert client.post("/account/inloggen", data={"email": email, "password": "wachtwoord-123", "csrf_token": token}).status_code == 302


def _card(html, oid):
    return re.search(rf'<article id="resultaat-{oid}".*?</article>', html, re.S).group(0)


def _get(app, fid) -> Feedback:
    with app.app_context():
        return db.session.get(Feedback, fid)


def test_the_provider_sees_only_the_reports_on_its_own_offerings(client, app, reported):
    _login(client, reported["users"]["a"])
    html = client.get("/aanbieder/").get_data(as_text=True)
    assert "1 melding van verwijzers: klopt dit niet?" in html
    assert f'id="melding-{reported["linde_report"]}"' in html and "wachttijd langer dan vermeld" in html
    assert "Telefoon wordt niet opgenomen" not in html  # provider B's report
    assert f'action="/aanbieder/melding/{reported["linde_report"]}/klopt-wel"' in html


def test_klopt_wel_with_an_explanation_answers_the_report_and_the_card_shows_it(client, app, reported):
    _login(client, reported["users"]["a"])
    html = client.get("/aanbieder/").get_data(as_text=True)
    response = client.post(f"/aanbieder/melding/{reported['linde_report']}/klopt-wel",
                           data={"csrf_token": csrf_from(html), "text": "Wachttijd klopt: 4 weken vanaf aanmelding"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#meldingen")
    item = _get(app, reported["linde_report"])
    assert (item.answer, item.answer_text, item.answered_by) == ("klopt", "Wachttijd klopt: 4 weken vanaf aanmelding", reported["users"]["a"])
    page = client.get("/aanbieder/").get_data(as_text=True)
    assert "Beantwoord: de gegevens van Gezinshuis" in page and "melding van verwijzers" not in page
    card = _card(client.get(SEARCH).get_data(as_text=True), reported["linde"])
    assert re.search(r"gecontroleerd door de aanbieder op \d{1,2} \w+: klopt wel — Wachttijd klopt: 4 weken vanaf aanmelding", card)
    assert "nog niet beantwoord" not in card


@pytest.mark.parametrize(("text", "message"), [
    ("", "Leg kort uit waarom de gegevens kloppen."),
    ("x" * 301, "maximaal 300 tekens"),
    ("Kind met BSN 123456782 is geplaatst", "burgerservicenummer"),
    ("Moeder gebeld op 06-12345678", "telefoonnummer"),
])
def test_a_bad_explanation_is_refused_in_dutch_and_the_report_stays_open(client, app, reported, text, message):
    _login(client, reported["users"]["a"])
    html = client.get("/aanbieder/").get_data(as_text=True)
    response = client.post(f"/aanbieder/melding/{reported['linde_report']}/klopt-wel", data={"csrf_token": csrf_from(html), "text": text})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and message in body
    assert f'aria-describedby="uitleg-{reported["linde_report"]}-hint uitleg-{reported["linde_report"]}-error"' in body
    assert _get(app, reported["linde_report"]).answered_at is None


def test_updating_the_offering_answers_its_reports_and_the_card_says_so(client, app, reported):
    _login(client, reported["users"]["a"])
    oid = reported["linde"]
    html = client.get(f"/aanbieder/aanbod/{oid}/bewerken").get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), "version": "1", "layout": "page", "capacity": "6", "free_places": "1",
            "waiting_weeks": "8", "intake_status": "open", "age_min": "0", "age_max": "18", "note": "",
            "target_groups": ["ASS", "LVB"]}
    assert client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=data).status_code == 302
    item = _get(app, reported["linde_report"])
    assert (item.answer, item.answered_by) == ("update", reported["users"]["a"])
    assert _get(app, reported["peel_report"]).answered_at is None  # another provider's report stays open
    card = _card(client.get(SEARCH).get_data(as_text=True), oid)
    assert re.search(r"gecontroleerd door de aanbieder op \d{1,2} \w+: gegevens bijgewerkt", card)


def test_confirm_all_unchanged_answers_the_reports_too(client, app, reported):
    _login(client, reported["users"]["a"])
    html = client.get("/aanbieder/").get_data(as_text=True)
    data = {"csrf_token": csrf_from(html), f"version-{reported['linde']}": "1"}
    assert client.post(f"/aanbieder/{reported['a']}/bevestigen", data=data).status_code == 302
    assert _get(app, reported["linde_report"]).answer == "update"


def test_an_answer_after_an_update_meanwhile_says_it_was_already_answered(client, app, reported):
    _login(client, reported["users"]["a"])
    html = client.get("/aanbieder/").get_data(as_text=True)
    with app.app_context():
        db.session.get(Feedback, reported["linde_report"]).answered_at = db.func.now()
        db.session.get(Feedback, reported["linde_report"]).answer = "update"
        db.session.commit()
    response = client.post(f"/aanbieder/melding/{reported['linde_report']}/klopt-wel",
                           data={"csrf_token": csrf_from(html), "text": "Klopt"}, follow_redirects=True)
    assert response.status_code == 200 and "Deze melding was al beantwoord." in response.get_data(as_text=True)
    assert _get(app, reported["linde_report"]).answer == "update"


def test_contract_managers_see_the_open_reports_read_only(client, app, reported):
    _login(client, reported["users"]["cm"])
    html = client.get(f"/aanbieder/{reported['a']}/").get_data(as_text=True)
    assert "1 melding van verwijzers" in html and "wachttijd langer dan vermeld" in html
    assert "klopt-wel" not in html
