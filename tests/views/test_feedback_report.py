"""Referrers' "Klopt dit niet?" on a search result: the small page without JavaScript, the inline htmx
form, bad input (a reason not in the list, client-like text) and what the card then shows."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import Feedback
from tests import factories as f
from tests.helpers import csrf_from, csrf_token

SEARCH_QS = "locatie=5701&leeftijd=12&product=gezinshuis&weergave=kaarten"  # the cards (the compact list: tests/views/test_search_list.py)
SEARCH = f"/zoeken/?{SEARCH_QS}"


def report_url(oid: int) -> str:
    return f"/zoeken/aanbod/{oid}/klopt-niet"


def card(html: str, oid: int) -> str:
    match = re.search(rf'<article id="resultaat-{oid}".*?</article>', html, re.S)
    assert match, f"no card for offering {oid}"
    return match.group(0)


def stored(app) -> list[Feedback]:
    with app.app_context():
        return list(db.session.scalars(sa.select(Feedback).order_by(Feedback.id)))


def post_report(client, oid, *, htmx=False, **data):
    token = csrf_token(client, f"{report_url(oid)}?q=x")
    headers = {"HX-Request": "true"} if htmx else {}
    return client.post(report_url(oid), data={"csrf_token": token, "q": SEARCH_QS, **data}, headers=headers)


def test_every_result_card_links_to_the_report_page(client, world):
    html = client.get(SEARCH).get_data(as_text=True)
    linde = card(html, world["linde"])
    assert "Klopt dit niet?" in linde
    assert f'href="/zoeken/aanbod/{world["linde"]}/klopt-niet?q=' in linde
    assert f'hx-target="#melding-{world["linde"]}"' in linde


def test_without_javascript_a_referrer_reports_on_a_small_page_and_the_card_shows_it(client, app, world):
    oid = world["linde"]
    page = client.get(f"{report_url(oid)}?q={SEARCH_QS.replace('&', '%26')}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "<legend>Wat klopt er niet?" in html and "Wachttijd langer dan vermeld" in html and "De Linde" in html
    response = client.post(report_url(oid), data={"csrf_token": csrf_from(html), "q": SEARCH_QS, "reason": "wachttijd"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"{SEARCH}#resultaat-{oid}"
    [item] = stored(app)
    assert (item.offering_id, item.reason, item.text, item.referrer_type, item.answered_at) == (oid, "wachttijd", "", None, None)
    html = client.get(SEARCH).get_data(as_text=True)
    assert "Bedankt, gemeld" in html
    assert "1 melding: wachttijd langer dan vermeld, vandaag, nog niet beantwoord" in card(html, oid)
    assert "nog niet beantwoord" not in card(html, world["teen"])


def test_with_htmx_the_card_says_thanks_inline(client, app, world):
    oid = world["teen"]
    form = client.get(f"{report_url(oid)}?q=x", headers={"HX-Request": "true"})
    assert form.status_code == 200 and "<html" not in form.get_data(as_text=True)
    assert f'id="melding-{oid}"' in form.get_data(as_text=True)
    response = post_report(client, oid, htmx=True, reason="anders", text="Intake loopt via de gemeente, niet via de aanbieder")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html
    assert "Bedankt, gemeld." in html and "1 melding: anders, vandaag, nog niet beantwoord" in html
    assert stored(app)[0].text == "Intake loopt via de gemeente, niet via de aanbieder"


def test_a_logged_in_referrer_is_recorded_by_type_only(client, app, world, login):
    with app.app_context():
        user = f.user("verwijzer", email="wijkteam@helmond.example", referrer_type="01")
        db.session.commit()
        login(user)
    assert post_report(client, world["linde"], reason="intake_dicht").status_code == 302
    [item] = stored(app)
    assert item.referrer_type == "01"
    assert "wijkteam" not in repr(vars(item))


@pytest.mark.parametrize(("data", "message"), [
    ({"reason": "onzin"}, "Kies een reden uit de lijst."),
    ({}, "Kies wat er niet klopt."),
    ({"reason": "anders", "text": ""}, "bij &#39;anders&#39; verplicht"),
    ({"reason": "anders", "text": "Kind geboren 13-03-2015 kon niet terecht"}, "geboortedatum"),
    ({"reason": "anders", "text": "Bel moeder op 06-12345678"}, "telefoonnummer"),
    ({"reason": "anders", "text": "BSN 123456782 afgewezen"}, "burgerservicenummer"),
    ({"reason": "anders", "text": "mail ouder@voorbeeld.nl"}, "e-mailadres"),
    ({"reason": "contact", "text": "x" * 201}, "maximaal 200 tekens"),
    ({"reason": "contact", "text": "regel\x1b[2J"}, "stuurteken"),
])
@pytest.mark.parametrize("htmx", [False, True])
def test_bad_input_is_refused_in_dutch_and_nothing_is_stored(client, app, world, data, message, htmx):
    response = post_report(client, world["linde"], htmx=htmx, **data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html
    assert ("<html" in html) is not htmx  # the page without JavaScript, the card's block with htmx
    assert stored(app) == []


def test_an_offering_the_search_cannot_show_cannot_be_reported(client, app, world):
    for oid in (world["nocontract"], 2147483647):
        assert client.get(report_url(oid)).status_code == 404
    assert client.get("/zoeken/aanbod/99999999999/klopt-niet").status_code == 404
    assert stored(app) == []


def test_an_open_report_lowers_the_freshness_part_and_the_api_counts_it(client, app, world):
    def linde_result():
        body = client.get(f"/api/v1/search?{SEARCH_QS}").get_json()
        return next(r for r in body["results"] if r["offering_id"] == world["linde"])

    before = linde_result()
    assert before["meldingen_open"] == 0
    post_report(client, world["linde"], reason="geen_plek")
    post_report(client, world["linde"], reason="wachttijd")
    after = linde_result()
    assert after["meldingen_open"] == 2
    assert after["onderdelen"]["actualiteit"] == pytest.approx(before["onderdelen"]["actualiteit"] / 2, abs=0.001)
    assert after["score"] < before["score"]
    html = client.get(SEARCH).get_data(as_text=True)
    assert "2 meldingen: wachttijd langer dan vermeld" in card(html, world["linde"])
    assert "actualiteit telt half mee" in card(html, world["linde"])
