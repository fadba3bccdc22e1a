"""A regional beheerder in Chromium on the demo: add a product, contract a provider for it at a new
location, and find it in search; every register page passes axe and fits a 390 px phone."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from beschikbaarheid.extensions import db
from beschikbaarheid.models import Region
from tests.browser.support import Checker, login, overflowing

pytestmark = pytest.mark.browser


def _region_id(site) -> int:
    with site.app.app_context():
        return db.session.scalar(db.select(Region.id).order_by(Region.id))


def test_add_product_contract_at_a_new_location_and_find_it_in_search(site, new_page):
    base = site.url
    checker = Checker(base)
    page = new_page()
    login(page, base, "beheerder@demo.example")

    page.goto(base + "/beheer/")
    page.get_by_role("link", name="Een 10 voor de Jeugd").first.click()
    checker.check(page, "region home")
    page.get_by_role("link", name="Productcatalogus").click()
    checker.check(page, "catalogue")
    page.get_by_role("link", name="Product toevoegen").click()
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator(".error-summary")).to_be_visible()
    checker.check(page, "new product, with errors")
    page.get_by_label("Productcode").fill("43B77")
    page.get_by_label("Naam").fill("Logeerhuis")
    page.get_by_label("Segment").select_option("3")
    page.get_by_label("Vorm van hulp").select_option("deeltijd")
    page.get_by_label("Trefwoorden").fill("weekendopvang, logeerweekend")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator(".flashes")).to_contain_text("Product 43B77 Logeerhuis is toegevoegd.")

    page.get_by_role("textbox", name="Hulpvraag").fill("logeerweekend")
    page.get_by_role("button", name="Probeer").click()
    expect(page.locator("#hulpvraag-uitkomst")).to_contain_text("43B77 Logeerhuis")
    checker.check(page, "catalogue, a need tried")

    region_id = _region_id(site)
    page.goto(base + f"/beheer/regio/{region_id}/aanbieders")
    checker.check(page, "providers")
    page.locator(".provider-list a").first.click()
    provider_name = page.locator("h1").inner_text()
    checker.check(page, "provider")
    page.get_by_role("link", name="Locatie toevoegen").click()
    page.get_by_label("Naam van de locatie").fill("Logeerhuis Brandevoort")
    page.get_by_label("Straat en huisnummer").fill("Kerkstraat 12")
    page.get_by_label("Postcode").fill("5701 AB")
    page.get_by_label("Breedtegraad (lat)").fill("51,62")
    page.get_by_label("Lengtegraad (lon)").fill("5,66")
    page.get_by_role("button", name="Locatie opslaan").click()
    expect(page.locator("#plek-vraag")).to_contain_text("Klopt dat?")
    checker.check(page, "new location, questioned")
    page.get_by_label("Breedtegraad (lat)").fill("")
    page.get_by_label("Lengtegraad (lon)").fill("")
    page.get_by_role("button", name="Locatie opslaan").click()
    expect(page.locator(".flashes")).to_contain_text("Locatie Logeerhuis Brandevoort is opgeslagen.")

    page.get_by_role("link", name="Contract toevoegen").click()
    checker.check(page, "new contract")
    page.get_by_label("Productcode").fill("43B77")
    page.get_by_label("Locatie").select_option(label="Logeerhuis Brandevoort")
    page.get_by_role("button", name="Contract opslaan").click()
    expect(page.locator(".flashes")).to_contain_text(f"{provider_name} is gecontracteerd voor 43B77 op Logeerhuis Brandevoort.")

    page.goto(base + "/zoeken/?locatie=5701&leeftijd=12&product=logeerhuis")
    expect(page.locator("#resultaten")).to_contain_text("Logeerhuis Brandevoort")

    for path, name in [(f"/beheer/regio/{region_id}/contracten", "contracts"),
                       (f"/beheer/regio/{region_id}/contracten/verlengen?jaar=2026", "extension preview"),
                       (f"/beheer/regio/{region_id}/instellingen", "settings")]:
        page.goto(base + path)
        checker.check(page, name)
    page.get_by_label("Nalevingsdoel (%)").fill("120")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator(".error-summary")).to_contain_text("tussen 1 en 100 procent")
    checker.check(page, "settings, with errors")

    provider = new_page()
    login(provider, base, "aanbieder-delinde@demo.example")
    provider.get_by_role("link", name="Contactgegevens en locaties").click()
    provider.get_by_label("E-mailadres intake").fill("geen adres")
    provider.get_by_role("button", name="Contactgegevens opslaan").click()
    expect(provider.locator(".error-summary")).to_contain_text("Vul een geldig e-mailadres in")
    checker.check(provider, "provider's own details, with errors")

    assert not checker.failures, checker.report()
    assert len(checker.checked) == 13


def test_register_pages_fit_a_phone(site, new_page):
    base, region_id = site.url, _region_id(site)
    page = new_page(viewport={"width": 390, "height": 800})
    login(page, base, "beheerder@demo.example")
    problems = {}
    for path in ("/", "producten", "producten/nieuw", "aanbieders", "contracten", "instellingen", "contracten/verlengen?jaar=2026"):
        page.goto(base + f"/beheer/regio/{region_id}/" + ("" if path == "/" else path))
        page.wait_for_load_state()
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > 390 or overflowing(page):
            problems[path] = (scroll, overflowing(page))
    assert problems == {}
