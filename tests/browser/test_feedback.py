"""'Klopt dit niet?' in Chromium: a referrer reports on a result card inline (htmx, no page load), the
card thanks and, on the next search, says the report is open; without JavaScript the same report
goes through a small page."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.support import axe_violations
from tests.factories import search_world

pytestmark = pytest.mark.browser

SEARCH = "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis"


@pytest.fixture
def filled(app):
    with app.app_context():
        return search_world()["linde"].id


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_referrer_reports_inline_and_the_card_shows_it(filled, live_server, page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server + SEARCH)
    card = page.locator(f"#resultaat-{filled}")
    page.evaluate("window.__zelfdePagina = true")
    card.get_by_role("link", name="Klopt dit niet?").click()
    expect(card.get_by_role("group", name="Wat klopt er niet?")).to_be_visible()
    assert axe_violations(page, live_server) == []  # the inline form: fieldset, legend, labels
    card.get_by_label("Wachttijd langer dan vermeld").check()
    card.get_by_role("button", name="Melden").click()
    expect(card).to_contain_text("Bedankt, gemeld.")
    expect(card).to_contain_text("1 melding: wachttijd langer dan vermeld, vandaag, nog niet beantwoord")
    assert page.evaluate("window.__zelfdePagina") is True  # inline: no page load
    page.reload()
    expect(page.locator(f"#resultaat-{filled} .report-status")).to_have_text(
        "1 melding: wachttijd langer dan vermeld, vandaag, nog niet beantwoord")
    page.goto(live_server + f"/zoeken/aanbod/{filled}/klopt-niet")  # the page browsers without JavaScript get
    assert axe_violations(page, live_server) == []
    assert errors == [], errors


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_without_javascript_the_report_is_a_small_page(filled, live_server, page_nojs):
    page = page_nojs
    page.goto(live_server + SEARCH)
    page.locator(f"#resultaat-{filled}").get_by_role("link", name="Klopt dit niet?").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Klopt dit niet?")
    page.get_by_role("radio", name="Anders", exact=True).check()
    page.get_by_role("button", name="Melden").click()
    expect(page.locator(".field-error").first).to_contain_text("verplicht")  # 'anders' needs a few words
    page.get_by_label("Toelichting (bij 'anders' verplicht)").fill("Intake loopt via het wijkteam")
    page.get_by_role("button", name="Melden").click()
    expect(page.locator(".flashes")).to_contain_text("Bedankt, gemeld.")
    expect(page.locator(f"#resultaat-{filled} .report-status")).to_contain_text("1 melding: anders, vandaag")
