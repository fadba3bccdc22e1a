"""The search in Chromium: htmx updates the results without a page load and keeps the URL in step;
the same search works with JavaScript switched off."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import expect

from tests.factories import search_world

pytestmark = pytest.mark.browser


@pytest.fixture
def filled(app):
    with app.app_context():
        search_world()


def titles(page) -> list[str]:
    return [t.split(" —")[0].strip() for t in page.locator("#resultaten .result-title").all_inner_texts()]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_changing_a_filter_updates_results_without_a_page_load(filled, live_server, page):
    errors = []
    # The browser logs every 4xx answer as a console error; the 400 for "abc" is the expected answer.
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "status of 400" not in m.text else None)
    page.goto(live_server + "/zoeken/")
    page.get_by_label("Postcode of woonplaats").fill("5701")
    page.get_by_label("Leeftijd").fill("12")
    page.get_by_label("Hulpvraag").fill("gezinshuiz")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_selector("#resultaten-kop")
    assert titles(page)[:3] == ["De Linde", "Tienerhuis", "Huize Peel"]
    assert "Verder weg" in page.locator("#resultaten").inner_text()

    # A marker on window survives only if the page is not reloaded.
    page.evaluate("window.__zelfdePagina = true")
    page.get_by_label("ASS (autisme)").check()
    expect(page.locator("#resultaten")).not_to_contain_text("Tienerhuis")  # (CSP forbids wait_for_function)
    assert titles(page)[0] == "De Linde"
    assert "Tienerhuis" not in titles(page)
    assert page.evaluate("window.__zelfdePagina") is True
    assert "doelgroepen=ASS" in page.url and "locatie=5701" in page.url
    assert page.locator("#live-status").inner_text().startswith("1 plek binnen 15 km")

    # Typing in a text field also updates (debounced), still without a page load.
    page.get_by_label("Leeftijd").fill("abc")
    expect(page.locator("#fout-leeftijd")).to_contain_text("heel getal")
    assert page.evaluate("window.__zelfdePagina") is True
    assert page.get_by_label("Leeftijd").input_value() == "abc"
    assert errors == [], errors


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_same_search_works_without_javascript(filled, live_server, page_nojs):
    page = page_nojs
    page.goto(live_server + "/zoeken/")
    page.get_by_label("Postcode of woonplaats").fill("5701")
    page.get_by_label("Leeftijd").fill("12")
    page.get_by_label("Hulpvraag").fill("gezinshuiz")
    page.get_by_label("ASS (autisme)").check()
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_selector("#resultaten-kop")
    assert re.search(r"/zoeken/\?.*locatie=5701", page.url) and "doelgroepen=ASS" in page.url
    assert titles(page)[0] == "De Linde"
    assert page.get_by_label("Hulpvraag").input_value() == "gezinshuiz"
    # "Waarom deze plek?" is a plain <details>: it opens without JavaScript.
    page.locator("#resultaten details summary").first.click()
    assert page.locator("#resultaten details").first.get_attribute("open") is not None
    # The no-match flag is an ordinary form post with a confirmation after the redirect.
    page.get_by_label("Toelichting (optioneel)").fill("Geen plek voor broers en zussen samen")
    page.get_by_role("button", name="Meld: geen passend aanbod").click()
    assert "anoniem opgeslagen" in page.locator(".flashes").inner_text()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_tick_two_results_and_open_the_shortlist(filled, live_server, page):
    page.goto(live_server + "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis")
    page.get_by_label("Op de shortlist: De Linde, Gezinshuis").check()
    page.get_by_label("Op de shortlist: Huize Peel, Gezinshuis").check()
    # Another order re-renders the results (htmx): the ticks stay.
    page.get_by_label("Sorteren").select_option("wachttijd")
    expect(page).to_have_url(re.compile(r"sorteer=wachttijd"))
    expect(page.get_by_label("Op de shortlist: Huize Peel, Gezinshuis")).to_be_checked()
    assert page.get_by_label("Op de shortlist: De Linde, Gezinshuis").is_checked()
    assert not page.get_by_label("Op de shortlist: Tienerhuis, Gezinshuis").is_checked()
    page.get_by_role("button", name="Shortlist van aangevinkte resultaten").click()
    page.wait_for_selector("h1")
    assert "/zoeken/shortlist?" in page.url and "locatie=5701" in page.url
    titles = [t.split(" —")[0].strip() for t in page.locator(".shortlist-title").all_inner_texts()]
    assert titles == ["De Linde", "Huize Peel"]
    assert "https://delinde.example" in page.locator("main").inner_text()
    # printed, the menu and the buttons are gone
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible() and not page.locator("#shortlist-csv").is_visible()
    assert page.locator(".shortlist-title").first.is_visible()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_compact_list_fits_a_390_pixel_phone(filled, live_server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="nl-NL")
    page = context.new_page()
    try:
        page.goto(live_server + "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis")
        assert page.locator("#resultaten-lijst .result-title").count() == 3
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        # the row is a stacked block with its labels; its details open without leaving the page
        assert page.get_by_text("Afstand:").first.is_visible()
        page.locator("#resultaten-lijst details summary").first.click()
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
    finally:
        context.close()


def add_twelve_gezinshuizen(app) -> None:
    """Twelve more gezinshuizen east of Helmond: 15 results in all."""
    from beschikbaarheid.extensions import db
    from beschikbaarheid.models import Product
    from tests import factories as f

    with app.app_context():
        gezinshuis = db.session.scalar(db.select(Product).where(Product.code == "43A10"))
        for i in range(12):
            place = f.location(f.provider(f"Extra Huis {i:02d}"), f"Locatie Extra {i:02d}", 51.4786, 5.6597 + (1 + i) / 69.4, "5701", "Helmond")
            f.offering(place, gezinshuis, waiting_weeks=i)
        db.session.commit()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_toon_meer_adds_rows_and_moves_the_focus_to_the_first_new_one(app, filled, live_server, page):
    add_twelve_gezinshuizen(app)
    page.goto(live_server + "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis")
    assert page.locator("#resultaten-lijst .result-title").count() == 10
    page.get_by_label("Op de shortlist: De Linde, Gezinshuis").check()
    page.evaluate("window.__zelfdePagina = true")
    page.locator("#toon-meer").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#resultaten-lijst .result-title")).to_have_count(15)
    assert page.evaluate("window.__zelfdePagina") is True and "aantal=20" in page.url and "aanbod" not in page.url
    eleventh = page.locator("#resultaten-lijst input[name=aanbod]").nth(10)
    expect(eleventh).to_be_focused()
    assert page.get_by_label("Op de shortlist: De Linde, Gezinshuis").is_checked()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_toon_meer_keeps_the_ticks_without_javascript(app, filled, live_server, page_nojs):
    page = page_nojs
    add_twelve_gezinshuizen(app)
    page.goto(live_server + "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis")
    assert page.get_by_label("Op de shortlist: Huize Peel, Gezinshuis").count() == 0  # not among the first ten
    page.get_by_label("Op de shortlist: De Linde, Gezinshuis").check()
    page.get_by_label("Op de shortlist: Extra Huis 00, Gezinshuis").check()
    page.get_by_role("button", name="Toon meer").click()
    page.wait_for_load_state()
    assert page.locator("#resultaten-lijst .result-title").count() == 15 and "aantal=20" in page.url
    assert page.get_by_label("Op de shortlist: De Linde, Gezinshuis").is_checked()
    assert page.get_by_label("Op de shortlist: Extra Huis 00, Gezinshuis").is_checked()
    assert not page.get_by_label("Op de shortlist: Extra Huis 01, Gezinshuis").is_checked()
    page.get_by_label("Op de shortlist: Huize Peel, Gezinshuis").check()  # one of the rows "toon meer" added
    page.get_by_role("button", name="Shortlist van aangevinkte resultaten").click()
    page.wait_for_selector("h1")
    titles = [t.split(" —")[0].strip() for t in page.locator(".shortlist-title").all_inner_texts()]
    assert sorted(titles) == ["De Linde", "Extra Huis 00", "Huize Peel"]


def pdf_pages(pdf: bytes) -> int:
    """The number of pages in a PDF Chromium printed (its page objects are not compressed)."""
    return len(re.findall(rb"/Type\s*/Page\b", pdf))


def twenty_to_choose(app) -> list[int]:
    """Twenty contracted offerings with everything a shortlist shows filled in, a quarter of them stale."""
    from beschikbaarheid.extensions import db
    from beschikbaarheid.models import Product
    from tests import factories as f

    with app.app_context():
        region = db.session.scalar(db.select(Product).where(Product.code == "43A10")).region
        product = f.product("54A01", "Jeugd-GGZ diagnostiek en kortdurende behandeling", region, 4, "ambulant")
        ids = []
        for i in range(20):  # as long as the demo region's longest names and addresses
            owner = f.provider(f"Het Groene Huis Kind & Jeugdpsychologie {i:02d}",
                               intake_email=f"aanmelding{i:02d}@het-groene-huis-kind-en-jeugdpsychologie.example",
                               intake_phone="0492-123456", website=f"https://www.het-groene-huis-kind-en-jeugdpsychologie-{i:02d}.example")
            place = f.location(owner, f"Praktijk Het Groene Huis {i:02d}", 51.4786, 5.6597 + i / 69.4, "5701", "Helmond")
            place.street = f"Wilhelminalaan {100 + i}"
            stale = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=45) if i % 4 == 0 else None  # a quarter not updated this month
            ids.append(f.offering(place, product, waiting_weeks=i, free_places=i % 3, intake_status=("open", "overleg")[i % 2],
                                  updated_at=stale).id)
        db.session.commit()
        return ids


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_shortlist_of_twenty_prints_on_one_a4_page(app, filled, live_server, page):
    ids = twenty_to_choose(app)
    page.goto(live_server + "/zoeken/shortlist?" + "&".join(f"aanbod={i}" for i in ids) + "&locatie=5701&leeftijd=12&product=diagnostiek")
    assert page.locator(".shortlist-title").count() == 20
    assert pdf_pages(page.pdf(format="A4")) == 1
    # printed, every item is there and the smallest text is still 8 pt (in CSS pixels: 8 * 96 / 72)
    page.emulate_media(media="print")
    assert page.locator(".shortlist-title").nth(19).is_visible()
    assert page.get_by_text("aanmelding19@het-groene-huis-kind-en-jeugdpsychologie.example").is_visible()
    assert page.locator("#kort-%d" % ids[19]).get_by_text("0492-123456").is_visible()
    smallest = page.evaluate("""() => Math.min(...[...document.querySelectorAll('main *')]
        .filter(el => el.offsetParent !== null && [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()))
        .map(el => parseFloat(getComputedStyle(el).fontSize)))""")
    assert smallest >= 8 * 96 / 72 - 0.01, smallest
