"""The coordinator in Chromium: logs a request, sets its outcome, and sees the steering page change,
at phone width (390 px) without horizontal scrolling."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from beschikbaarheid.domain.compliance import month_label
from beschikbaarheid.domain.freshness import local_date
from beschikbaarheid.extensions import db
from beschikbaarheid.models import utcnow
from tests import factories

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def _month_cells(page) -> list[str]:
    label = month_label(local_date(utcnow()).replace(day=1))
    row = page.locator("table tbody tr", has=page.locator("th", has_text=label)).first
    return [c.strip() for c in row.locator("td").all_inner_texts()]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_coordinator_logs_a_request_and_its_outcome_and_reads_the_steering_page(app, live_server, browser):
    with app.app_context():
        region = factories.region("Regio Helmond-De Peel")
        factories.municipality("Helmond", "0794", region_obj=region)
        factories.municipality("Deurne", "0762", region_obj=region)
        factories.user("contractmanager", email="coord@regio.example", region_id=region.id, is_coordinator=True)
        db.session.commit()
    context = browser.new_context(locale="nl-NL", viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(live_server + "/account/inloggen")
        page.get_by_label("E-mailadres").fill("coord@regio.example")
        page.get_by_label("Wachtwoord", exact=True).fill("wachtwoord-123")
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_load_state()
        page.get_by_role("link", name="Coördinatiepunt gezinshuizen").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Gezinshuizen")
        page.get_by_role("navigation", name="Coördinatiepunt gezinshuizen").get_by_role("link", name="Aanvragen", exact=True).click()
        expect(page.get_by_role("heading", name="Aanvragen voor een gezinshuis")).to_be_visible()
        assert _fits_the_phone(page)

        page.goto(live_server + "/gezinshuizen/sturing")
        assert _month_cells(page)[:2] == ["0", "0"]

        page.goto(live_server + "/gezinshuizen/aanvragen")
        page.get_by_role("link", name="Aanvraag vastleggen").first.click()
        page.get_by_label("Of: leeftijd in jaren").fill("13")
        page.get_by_label("LVB (licht verstandelijke beperking)").check()
        page.get_by_label("Broers en zussen die mee geplaatst moeten worden").fill("1")
        page.get_by_label("Gemeente").select_option(label="Helmond")
        assert _fits_the_phone(page)
        page.get_by_role("button", name="Aanvraag vastleggen").click()
        expect(page.locator("body")).to_contain_text("Aanvraag vastgelegd: 12-15 jaar")
        expect(page.locator("table")).to_contain_text("Helmond")
        assert _fits_the_phone(page)

        page.get_by_role("link", name="Uitkomst vastleggen").first.click()
        page.get_by_label("Uitkomst", exact=True).select_option(label="Geplaatst in een gezinshuis")
        page.get_by_role("button", name="Uitkomst opslaan").click()
        expect(page.locator("body")).to_contain_text("Uitkomst vastgelegd: Geplaatst in een gezinshuis")

        page.get_by_role("link", name="Sturingsinformatie").first.click()
        expect(page.get_by_role("heading", name="Sturingsinformatie gezinshuizen")).to_be_visible()
        cells = _month_cells(page)
        assert cells[:4] == ["1", "1", "0", "0"], cells  # one request, placed, no plan B, none waiting
        assert page.locator("figure svg[role=img]").count() == 2
        assert _fits_the_phone(page)
    finally:
        context.close()
