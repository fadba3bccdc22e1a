"""The coordination point in Chromium: the coordinator opens the overview, runs a best match for a
13-year-old with LVB and a younger brother from Helmond and reads why each home is where it is; on a
phone (390 px) nothing scrolls sideways, and without JavaScript the same forms work."""
from __future__ import annotations

import datetime as dt

import pytest
from playwright.sync_api import expect

from beschikbaarheid.domain import freshness
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Offering, utcnow
from tests import factories

pytestmark = pytest.mark.browser

PASSWORD = "wachtwoord-123"


def _homes() -> None:
    w = factories.search_world()
    today = freshness.local_date(utcnow())
    linde, peel, teen = (db.session.get(Offering, w[k].id) for k in ("linde", "peel", "teen"))
    factories.gezinshuis_profile(linde.location, allowed=4, taken=2, ages=(10, 18), siblings_max=3, groups=("LVB", "EXTERNALISEREND"),
                                 specialisms=("ZWAAR",), household={("placed", "12-15"): 1, ("placed", "16-17"): 1},
                                 vacant_since=today - dt.timedelta(days=12), notes="Hond in huis, school om de hoek")
    factories.gezinshuis_profile(peel.location, allowed=3, taken=3, household={("placed", "0-3"): 1, ("placed", "4-7"): 2},
                                 siblings_max=2, free_from=today + dt.timedelta(weeks=3))
    factories.gezinshuis_profile(teen.location, allowed=3, taken=2, ages=(12, 18), household={("placed", "12-15"): 2}, groups=("LVB",),
                                 vacant_since=today - dt.timedelta(days=2))
    factories.user("contractmanager", email="coordinator@regio.example", region_id=w["region"].id, is_coordinator=True)
    db.session.commit()


def _login(page, base):
    page.goto(base + "/account/inloggen")
    page.get_by_label("E-mailadres").fill("coordinator@regio.example")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()


def _no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_coordinator_sees_the_homes_and_runs_a_best_match(app, live_server, page):
    with app.app_context():
        _homes()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _login(page, live_server)
    page.get_by_role("navigation", name="Hoofdmenu").get_by_role("link", name="Gezinshuizen").click()
    table = page.get_by_role("table")
    expect(table).to_contain_text("Locatie De Linde")
    expect(page.get_by_role("row").nth(1)).to_contain_text("2 nu vrij")
    expect(table).to_contain_text("Hond in huis")

    page.get_by_role("link", name="Beste match zoeken voor een kind").click()
    page.get_by_label("Leeftijd (jaar)").fill("13")
    page.get_by_label("Broers en zussen mee").fill("1")
    page.get_by_label("Postcode of woonplaats").fill("Helmond")
    page.get_by_label("LVB (licht verstandelijke beperking)").check()
    page.get_by_role("button", name="Zoek de beste match").click()
    first = page.locator(".match").first
    expect(first).to_contain_text("Locatie De Linde")
    expect(first).to_contain_text("specialistisch gezinshuis (zwaardere problematiek)")
    expect(first).to_contain_text("broers en zussen samen: tot 3 kinderen")
    expect(page.locator(".unfit")).to_contain_text("Locatie Tienerhuis: kan geen 2 broers en zussen samen plaatsen")
    assert "leeftijd=13" in page.url and "broers=1" in page.url  # the URL holds the profile; nothing is stored
    assert errors == []


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_on_a_phone_the_pages_fit_and_work_without_javascript(app, live_server, browser):
    with app.app_context():
        _homes()
    context = browser.new_context(java_script_enabled=False, locale="nl-NL", viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        _login(page, live_server)
        page.goto(live_server + "/gezinshuizen/?leeftijd=13")
        expect(page.get_by_text("Locatie De Linde")).to_be_visible()
        assert _no_sideways_scroll(page)
        page.goto(live_server + "/gezinshuizen/match")
        page.get_by_label("Leeftijd (jaar)").fill("13")
        page.get_by_label("Postcode of woonplaats").fill("Helmond")
        page.get_by_role("button", name="Zoek de beste match").click()
        expect(page.locator(".match").first).to_contain_text("Locatie De Linde")
        assert _no_sideways_scroll(page)
    finally:
        context.close()
