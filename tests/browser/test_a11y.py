"""Every page in Chromium checked with axe-core against WCAG 2.1 A and AA: no serious or critical
violation. Plus what axe cannot judge on its own: reflow at 320 px, the skip link, form errors
that are announced and tied to their field, and text alternatives for the charts.

The demo region is loaded once for the module (about 3 s, conftest.py's `site`) into a SQLite file
and served on loopback; the tests log in through the real login form, like a user.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from beschikbaarheid.extensions import db
from tests.browser.support import axe_violations, login, overflowing

pytestmark = pytest.mark.browser

FAR_SEARCH = "/zoeken/?locatie=5701&leeftijd=12&product=pleegzorg"  # 4 nearby, 4 further away
CSV_WITH_ERRORS = (
    "aanbieder;locatie;productcode;postcode;woonplaats;vrije_plekken;wachttijd_weken;aanmelding\n"
    "De Linde;Hoofdlocatie;99X99;5701;Helmond;twee;-3;misschien\n"
    ";Tweede;43A10;5701;Helmond;1;2;open\n"
)


def test_public_and_search_pages_pass_axe(site, new_page, checker):
    base = site.url
    page = new_page()
    for name, path in [
        ("start page", "/"),
        ("login", "/account/inloggen"),
        ("password reset request", "/account/wachtwoord-vergeten"),
        ("accessibility statement", "/toegankelijkheid"),
        ("404", "/bestaat-niet"),
        ("search, empty", "/zoeken/"),
        ("search, input errors", "/zoeken/?locatie=xyzzy&leeftijd=abc&product=gezinshuis&max_km=nul"),
        ("search, suggestions", "/zoeken/?locatie=Bergen&leeftijd=12&product=gezinshuis&doelgroepen=ASX"),
        ("search, need not recognised", "/zoeken/?locatie=5701&leeftijd=12&product=xyzq"),
    ]:
        page.goto(base + path)
        checker.check(page, name)

    # The harness itself can fail: an unlabelled field added to the page is reported.
    page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input type=text id=zonder-label>')")
    assert any(v["id"] == "label" for v in axe_violations(page, base))

    page.goto(base + "/account/inloggen")
    page.get_by_role("button", name="Inloggen").click()
    checker.check(page, "login, with errors")

    page.goto(base + FAR_SEARCH)
    assert page.locator("#verder-weg-kop").count() == 1
    for summary in page.locator(".why summary").all():
        summary.click()
    assert page.locator("details.why[open]").count() == page.locator("details.why").count() > 0
    checker.check(page, "search, results with 'verder weg' and every 'waarom deze plek' open")

    page.get_by_role("button", name="Meld: geen passend aanbod").click()
    expect(page.locator("#geen-aanbod [role=status]")).to_contain_text("anoniem opgeslagen")
    checker.check(page, "search, 'geen passend aanbod' reported")

    # Without htmx the same form is a plain post answered by a redirect and a flash message
    # (form.submit() skips htmx's submit handler, as a browser without JavaScript would).
    page.goto(base + FAR_SEARCH)
    page.evaluate("document.querySelector('#geen-aanbod form').submit()")
    page.wait_for_load_state()
    expect(page.locator(".flashes")).to_contain_text("anoniem opgeslagen")
    checker.check(page, "search after a plain form post, with the flash message")

    page.goto(base + FAR_SEARCH + "&weergave=kaarten&sorteer=afstand")
    assert page.locator("article.result").count() > 0
    checker.check(page, "search, cards sorted by distance")
    page.goto(base + FAR_SEARCH)
    for box in page.locator("#resultaten-lijst input[name=aanbod]").all()[:2]:
        box.check()
    page.get_by_role("button", name="Shortlist van aangevinkte resultaten").click()
    expect(page.locator(".shortlist-title")).to_have_count(2)
    checker.check(page, "shortlist")
    page.goto(base + "/zoeken/shortlist?aanbod=abc")
    checker.check(page, "shortlist, invalid choice")

    assert not checker.failures, checker.report()
    assert len(checker.checked) == 16


def test_provider_pages_pass_axe(site, new_page, checker):
    from beschikbaarheid.signed_links import make_provider_token

    base, ids = site.url, site.ids
    first, second, third = ids.offerings[:3]
    page = new_page()
    login(page, base, "aanbieder-delinde@demo.example")
    checker.check(page, "provider home")

    page.locator(f"#o-{first}").get_by_role("link", name="Wijzigen").click()
    expect(page.locator(f"#free_places-{first}")).to_be_visible()
    checker.check(page, "provider home, inline edit")

    page.locator(f"#free_places-{first}").fill("veel")
    page.locator(f"#o-{first}").get_by_role("button", name="Opslaan").click()
    expect(page.locator(f"#o-{first} .field-error")).to_be_visible()
    checker.check(page, "provider home, inline edit with an error")

    page.goto(base + f"/aanbieder/aanbod/{second}/bewerken")
    checker.check(page, "edit page")

    page.get_by_label("Wachttijd in weken").fill("150")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator(".question")).to_be_visible()
    checker.check(page, "edit page, plausibility question")

    page.goto(base + f"/aanbieder/aanbod/{third}/bewerken")
    other = new_page()
    login(other, base, "aanbieder-delinde@demo.example")
    other.goto(base + f"/aanbieder/aanbod/{third}/bewerken")
    # The note, not a figure: a figure may raise a plausibility question instead of saving.
    other.get_by_label("Notitie voor verwijzers").fill("Collega was eerder")
    other.get_by_role("button", name="Opslaan").click()
    other.wait_for_load_state()
    page.get_by_label("Notitie voor verwijzers").fill("Ik was later")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator(".conflict")).to_be_visible()
    checker.check(page, "edit page, conflict")

    page.goto(base + f"/aanbieder/aanbod/{second}/historie")
    assert page.locator("svg[role=img]").count() >= 1  # the expected wait; the realised wait has its own chart once reported
    checker.check(page, "history page with chart")

    with site.app.test_request_context():
        token = make_provider_token(ids.provider, "confirm")
    link_page = new_page()
    link_page.goto(base + f"/aanbieder/link/{token}")
    expect(link_page.get_by_role("button", name="Alles ongewijzigd bevestigen")).to_be_visible()
    checker.check(link_page, "link confirm page")
    link_page.get_by_role("button", name="Alles ongewijzigd bevestigen").click()
    checker.check(link_page, "link confirmed")
    link_page.goto(base + "/aanbieder/link/niet-geldig")
    checker.check(link_page, "link error page")

    page.goto(base + "/account/")
    checker.check(page, "my account")
    page.get_by_role("button", name="Wachtwoord opslaan").click()
    expect(page.locator(".field-error").first).to_be_visible()
    checker.check(page, "my account, password form with errors")

    page.goto(base + "/beheer/")
    assert page.locator("h1").inner_text().startswith("Dat lukte niet")
    checker.check(page, "403")

    assert not checker.failures, checker.report()


def test_contract_and_beheer_pages_pass_axe(site, new_page, checker):
    base = site.url
    # Something in the anonymous search log, so the gaps page has tables to show.
    searcher = new_page()
    for query in (FAR_SEARCH, "/zoeken/?locatie=5701&leeftijd=12&product=43A09&doelgroepen=LVB"):
        searcher.goto(base + query)
        searcher.get_by_label("Toelichting (optioneel)").fill("Geen plek voor broers en zussen samen")
        searcher.get_by_role("button", name="Meld: geen passend aanbod").click()
        searcher.wait_for_load_state()

    page = new_page()
    login(page, base, "contractmanager@demo.example")
    checker.check(page, "contract index (compliance)")
    assert page.locator("svg[role=img]").count() >= 1

    page.locator(".overdue details summary").first.click()
    page.locator(".overdue .call-form").first.get_by_role("button").click()
    expect(page.locator(".overdue .call-form [role=alert]").first).to_be_visible()
    checker.check(page, "contract index, call form with errors")

    page.goto(base + "/contract/wachttijden")
    checker.check(page, "waiting times")
    page.locator("table.waiting tbody a").first.click()
    page.wait_for_load_state()
    assert page.locator("#trend").count() == 1
    checker.check(page, "waiting times, one product's trend")

    page.goto(base + "/contract/kwaliteit")
    checker.check(page, "data quality")
    page.goto(base + "/contract/tekorten")
    assert page.locator("#behoeften").count() == 1
    checker.check(page, "supply gaps")
    page.goto(base + "/contract/tekort")
    assert page.locator("figure svg[role=img]").count() == 1
    checker.check(page, "shortage per product")
    page.goto(base + "/contract/verwacht-gerealiseerd")
    assert page.locator("#aanbieders").count() == 1
    checker.check(page, "expected and realised wait")
    page.goto(base + "/contract/kwartaalrapportage?kwartaal=2026-K9")
    expect(page.locator("main .error-message[role=alert]")).to_contain_text("bestaat niet of is nog niet begonnen")
    checker.check(page, "quarterly report, wrong quarter")
    page.goto(base + f"/contract/aanbieder/{site.ids.provider}")
    checker.check(page, "provider dossier")

    admin = new_page()
    login(admin, base, "beheerder@demo.example")
    checker.check(admin, "beheer index")
    admin.goto(base + "/beheer/import")
    checker.check(admin, "beheer import")
    admin.get_by_label("Regio").fill("Een 10 voor de Jeugd")
    admin.set_input_files("input[type=file]", files=[{"name": "fout.csv", "mimeType": "text/csv",
                                                      "buffer": CSV_WITH_ERRORS.encode()}])
    admin.get_by_role("button", name="Importeren").click()
    expect(admin.locator("#fouten-kop")).to_be_visible()
    checker.check(admin, "beheer import with errors")

    assert not checker.failures, checker.report()


# --- What axe does not check by itself ---------------------------------------------------------

def test_gezinshuis_pages_pass_axe(site, new_page, checker):
    """The coordinator's overview and best match, and a gezinshuis provider's profile page."""
    from beschikbaarheid.models import GezinshuisProfile, Location, User

    base = site.url
    page = new_page()
    login(page, base, "contractmanager@demo.example")  # holds the coordinator right in the demo
    for name, path in [
        ("gezinshuizen overview", "/gezinshuizen/"),
        ("gezinshuizen overview, filtered", "/gezinshuizen/?leeftijd=13&doelgroep=LVB&locatie=Helmond&km=25&weken=12"),
        ("gezinshuizen overview, input errors", "/gezinshuizen/?leeftijd=abc&km=nul&locatie=xyzzy"),
        ("best match, empty", "/gezinshuizen/match"),
        ("best match, input errors", "/gezinshuizen/match?leeftijd=&locatie=Helmond&doelgroep=ONBEKEND"),
    ]:
        page.goto(base + path)
        checker.check(page, name)
    page.goto(base + "/gezinshuizen/match?leeftijd=13&broers=1&doelgroep=LVB&locatie=Helmond")
    for summary in page.locator(".match summary").all():
        summary.click()
    assert page.locator(".match").count() > 0
    checker.check(page, "best match, results with every profile open")

    with site.app.app_context():
        provider_id = db.session.scalar(db.select(User.provider_id).where(User.email == "aanbieder-zonnehoek@demo.example"))
        location_id = db.session.scalar(db.select(GezinshuisProfile.location_id).join(Location, Location.id == GezinshuisProfile.location_id)
                                        .where(Location.provider_id == provider_id).limit(1))
    provider = new_page()
    login(provider, base, "aanbieder-zonnehoek@demo.example")
    provider.goto(base + f"/aanbieder/{provider_id}/gezinshuis/{location_id}")
    checker.check(provider, "gezinshuis profile")
    provider.get_by_label("Bezette plekken").fill("99")
    provider.get_by_role("button", name="Profiel opslaan").click()
    expect(provider.locator(".error-summary").first).to_be_visible()
    checker.check(provider, "gezinshuis profile, with errors")

    assert not checker.failures, checker.report()
    assert len(checker.checked) == 8


REFLOW_PAGES = ["/", "/account/inloggen", "/zoeken/", FAR_SEARCH, FAR_SEARCH + "&weergave=kaarten", "/toegankelijkheid", "/bestaat-niet"]


def test_main_pages_reflow_at_320_px_without_horizontal_scrolling(site, new_page):
    base = site.url
    page = new_page(viewport={"width": 320, "height": 640})
    problems = {}

    def check(name):
        page.wait_for_load_state()
        scroll = page.evaluate("document.documentElement.scrollWidth")
        if scroll > 320 or overflowing(page):
            problems[name] = (scroll, overflowing(page))

    for path in REFLOW_PAGES:
        page.goto(base + path)
        check(path)
    page.goto(base + FAR_SEARCH)
    page.locator(".why summary").first.click()
    check("search, 'waarom deze plek' open")

    login(page, base, "aanbieder-delinde@demo.example")
    check("provider home")
    first = site.ids.offerings[3]
    page.locator(f"#o-{first}").get_by_role("link", name="Wijzigen").click()
    expect(page.locator(f"#free_places-{first}")).to_be_visible()
    check("provider home, inline edit")
    page.goto(base + f"/aanbieder/aanbod/{first}/bewerken")
    check("edit page")
    page.goto(base + f"/aanbieder/aanbod/{first}/historie")
    check("history page")

    manager = new_page(viewport={"width": 320, "height": 640})
    login(manager, base, "contractmanager@demo.example")
    page = manager
    check("contract index")
    for path in ("/contract/wachttijden", "/contract/kwaliteit", "/contract/tekorten", f"/contract/aanbieder/{site.ids.provider}",
                 "/contract/tekort", "/contract/verwacht-gerealiseerd", "/contract/kwartaalrapportage",
                 "/gezinshuizen/", "/gezinshuizen/match?leeftijd=13&broers=1&doelgroep=LVB&locatie=Helmond"):
        page.goto(base + path)
        check(path)
    assert not problems, problems


def test_skip_link_is_the_first_stop_and_moves_focus_to_the_content(site, new_page):
    page = new_page()
    page.goto(site.url + "/zoeken/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    box = skip.bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0, "the focused skip link must be on screen"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") != "none" or \
        page.evaluate("getComputedStyle(document.activeElement).backgroundColor") != "rgba(0, 0, 0, 0)"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "inhoud"
    page.keyboard.press("Tab")
    # The next stop is inside the main content, not back in the header.
    assert page.evaluate("document.getElementById('inhoud').contains(document.activeElement)")


def test_form_errors_are_announced_and_tied_to_their_fields(site, new_page):
    base = site.url
    page = new_page()
    page.goto(base + "/account/inloggen")
    page.get_by_role("button", name="Inloggen").click()
    email = page.get_by_label("E-mailadres")
    assert email.get_attribute("aria-invalid") == "true"
    described = email.get_attribute("aria-describedby").split()
    assert any("Vul uw e-mailadres in." in page.locator(f"#{i}").inner_text() for i in described)
    assert page.locator("[role=alert]").count() >= 1, "the error must be announced"

    page.goto(base + "/zoeken/?locatie=5701&leeftijd=abc&product=gezinshuis")
    age = page.get_by_label("Leeftijd", exact=True)
    assert age.get_attribute("aria-invalid") == "true"
    assert "heel getal" in page.locator("#fout-leeftijd").inner_text()
    assert "fout-leeftijd" in age.get_attribute("aria-describedby").split()
    summary = page.locator(".error-summary")
    assert summary.get_attribute("role") == "alert"
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "leeftijd"

    # While typing (htmx), the error arrives in a live region too.
    page.goto(base + "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis")
    age = page.get_by_label("Leeftijd", exact=True)
    age.fill("abc")
    expect(page.locator("#fout-leeftijd")).to_contain_text("heel getal")
    expect(page.locator("#live-status")).to_contain_text("Controleer uw invoer")
    assert page.locator("#live-status").get_attribute("aria-live") == "polite"


def test_tables_have_headers_and_charts_have_text_alternatives(site, new_page):
    base = site.url
    page = new_page()
    login(page, base, "contractmanager@demo.example")
    pages = ["/contract/", "/contract/wachttijden?product=1", "/contract/kwaliteit", f"/contract/aanbieder/{site.ids.provider}",
             "/contract/tekort", "/contract/verwacht-gerealiseerd", "/contract/kwartaalrapportage",
             f"/aanbieder/aanbod/{site.ids.offerings[0]}/historie"]
    for path in pages:
        page.goto(base + path)
        for table in page.locator("main table").all():
            assert table.locator("th").count() > 0, f"table without headers on {path}"
            assert table.locator("caption").count() == 1 or table.get_attribute("aria-label"), f"table without caption on {path}"
        for svg in page.locator("main svg").all():
            hidden = svg.get_attribute("aria-hidden") == "true"
            if hidden:
                continue
            assert svg.get_attribute("role") == "img", f"svg without role=img on {path}"
            label_ids = (svg.get_attribute("aria-labelledby") or "").split()
            name = " ".join(page.locator(f"[id='{i}']").first.text_content() or "" for i in label_ids) or svg.get_attribute("aria-label") or ""
            assert len(name.strip()) > 20, f"chart without a useful text alternative on {path}: {name!r}"
    assert re.search(r"\d", page.locator("#chart-desc").text_content())


def test_gezinshuis_request_log_and_steering_pages_pass_axe(site, new_page, checker):
    from beschikbaarheid.models import PlacementRequest, User

    with site.app.app_context():
        db.session.scalar(db.select(User).where(User.email == "contractmanager@demo.example")).is_coordinator = True
        db.session.commit()
        request_id = db.session.scalar(db.select(PlacementRequest.id).order_by(PlacementRequest.id).limit(1))
    base = site.url
    page = new_page()
    login(page, base, "contractmanager@demo.example")
    page.goto(base + "/gezinshuizen/aanvragen")
    checker.check(page, "gezinshuis request log")
    page.goto(base + "/gezinshuizen/aanvragen/nieuw")
    checker.check(page, "gezinshuis new request")
    page.get_by_label("Broers en zussen die mee geplaatst moeten worden").fill("9")
    page.get_by_role("button", name="Aanvraag vastleggen").click()
    expect(page.locator(".error-summary[role=alert]")).to_be_visible()
    checker.check(page, "gezinshuis new request with errors")
    page.goto(base + f"/gezinshuizen/aanvragen/{request_id}/uitkomst")
    checker.check(page, "gezinshuis request outcome")
    page.goto(base + "/gezinshuizen/sturing")
    assert page.locator("figure svg[role=img]").count() == 2
    checker.check(page, "gezinshuis steering figures")
def test_referrer_plek_alert_pages_pass_axe(site, new_page, checker):
    """A referrer saves a search as a plek-alert (the button under the results), then Mijn zoekopdrachten
    and the mail's stop link page."""
    from beschikbaarheid.models import SearchAlert
    from beschikbaarheid.services.alerts import make_token

    base = site.url
    page = new_page()
    login(page, base, "verwijzer-gemeente@demo.example")
    page.goto(base + FAR_SEARCH)
    checker.check(page, "search results with the plek-alert button")
    page.get_by_role("button", name="Bewaar als plek-alert").click()
    page.wait_for_load_state()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mijn zoekopdrachten")
    expect(page.locator(".flashes")).to_contain_text("Plek-alert bewaard")
    checker.check(page, "Mijn zoekopdrachten")
    with site.app.app_context():
        alert_id = db.session.scalar(db.select(SearchAlert.id).order_by(SearchAlert.id.desc()))
        token = make_token(alert_id, "stop")
    visitor = new_page()
    visitor.goto(f"{base}/mijn-zoekopdrachten/link/{token}")
    checker.check(visitor, "plek-alert stop link")
    visitor.get_by_role("button", name="Stoppen").click()
    expect(visitor.get_by_role("status")).to_contain_text("is gestopt")
    checker.check(visitor, "plek-alert stopped")
    assert not checker.failures, checker.report()
