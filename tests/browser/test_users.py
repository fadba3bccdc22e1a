"""A beheerder invites a referrer in Chromium; the referrer opens the mailed link (a real local SMTP
server) and chooses a password. axe-core finds no serious violation on the new pages, which also fit
a 390-px phone, and the user search filters as one types (htmx) and without JavaScript."""
import re

import pytest
from playwright.sync_api import expect

from beschikbaarheid.extensions import db
from beschikbaarheid.services import audit
from tests import factories
from tests.browser.support import Checker

pytestmark = pytest.mark.browser

PASSWORD = "wachtwoord-123"
NEW_PASSWORD = "fietsbel-regenjas-kopje-thee"
PHONE = {"width": 390, "height": 844}


def _fill():
    region = factories.region("Een 10 voor de Jeugd")
    provider = factories.provider("De Linde")
    factories.offering(factories.location(provider), factories.product("43A10", region_obj=region))
    factories.user("beheerder", region_id=region.id, email="beheer@regio.example", name="Bea Beheer")
    factories.user("contractmanager", region_id=region.id, email="karel@regio.example", name="Karel Contract")
    factories.user("aanbieder", provider_id=provider.id, region_id=region.id, email="hoofd@linde.example", is_org_admin=True)
    audit.record("cli", region_id=region.id, action="user.create", entity="user", summary="Karel Contract <karel@regio.example>",
                 changes={"role": [None, "contractmanager"]})
    db.session.commit()


def _login(page, base, email, password=PASSWORD):
    page.goto(base + "/account/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord", exact=True).fill(password)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_load_state()
    assert "/account/inloggen" not in page.url


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_beheerder_invites_a_referrer_who_sets_a_password_through_the_mailed_link(app, live_server, browser, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, PUBLIC_BASE_URL=live_server)
    with app.app_context():
        _fill()
    checker = Checker(live_server)
    admin_context = browser.new_context(locale="nl-NL", viewport=PHONE)
    invitee_context = browser.new_context(locale="nl-NL", viewport=PHONE)
    try:
        page = admin_context.new_page()
        _login(page, live_server, "beheer@regio.example")
        page.get_by_role("link", name="Gebruikers").first.click()
        expect(page.get_by_role("heading", name="Gebruikers", exact=True)).to_be_visible()
        checker.check(page, "users list")
        assert _fits_the_phone(page)

        # The live filter (htmx) narrows the table while typing.
        page.get_by_label("Zoek op naam of e-mailadres").fill("karel")
        expect(page.locator("#gebruikers-resultaat")).not_to_contain_text("Bea Beheer")
        expect(page.locator("#gebruikers-resultaat")).to_contain_text("Karel Contract")

        page.get_by_role("link", name="Iemand uitnodigen").click()
        checker.check(page, "invite form")
        page.get_by_role("button", name="Uitnodiging versturen").click()
        expect(page.locator(".error-summary")).to_be_visible()
        email = page.get_by_label("E-mailadres")
        assert email.get_attribute("aria-invalid") == "true" and "email-error" in email.get_attribute("aria-describedby")
        checker.check(page, "invite form with errors")
        assert _fits_the_phone(page)

        page.get_by_label("Naam").fill("Vera Verwijzer")
        page.get_by_label("E-mailadres").fill("vera@gemeente.example")
        page.get_by_label("Verwijzer", exact=True).check()
        page.get_by_label("Soort verwijzer").select_option("01")
        page.get_by_role("button", name="Uitnodiging versturen").click()
        expect(page.locator(".flash-success")).to_contain_text("Uitnodiging verstuurd naar vera@gemeente.example")
        expect(page.locator(".facts")).to_contain_text("Uitgenodigd, nog niet aangenomen")
        checker.check(page, "user detail")

        message = smtp_server.inbox.wait_for(1, timeout=20)[0]
        link = re.search(re.escape(live_server) + r"/account/uitnodiging/\S+", message.get_body(("plain",)).get_content()).group(0)
        invitee = invitee_context.new_page()
        invitee.goto(link)
        checker.check(invitee, "accept invitation")
        invitee.get_by_label("Nieuw wachtwoord", exact=True).fill(NEW_PASSWORD)
        invitee.get_by_label("Herhaal het nieuwe wachtwoord").fill(NEW_PASSWORD)
        invitee.get_by_role("button", name="Wachtwoord opslaan").click()
        invitee.wait_for_url(live_server + "/zoeken/")
        expect(invitee.locator(".flash-success")).to_contain_text("Welkom, Vera Verwijzer")
        invitee.goto(link)
        expect(invitee.get_by_role("heading", level=1)).to_contain_text("werkt niet")
        checker.check(invitee, "invitation used")

        page.goto(live_server + "/beheer/audit/")
        expect(page.locator("table")).to_contain_text("Gebruiker uitgenodigd")
        checker.check(page, "audit trail")
        assert _fits_the_phone(page)
        page.goto(live_server + "/beheer/audit/?van=morgen")
        checker.check(page, "audit trail with a filter error")

        org = invitee_context.new_page()
        invitee_context.clear_cookies()
        _login(org, live_server, "hoofd@linde.example")
        org.goto(live_server + "/aanbieder/collegas/")
        checker.check(org, "colleagues")
        assert _fits_the_phone(org)
    finally:
        admin_context.close()
        invitee_context.close()
    assert not checker.failures, checker.report()
    assert len(checker.checked) == 9


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_the_user_search_works_without_javascript(app, live_server, page_nojs):
    with app.app_context():
        _fill()
    _login(page_nojs, live_server, "beheer@regio.example")
    page_nojs.goto(live_server + "/beheer/gebruikers/")
    page_nojs.get_by_label("Zoek op naam of e-mailadres").fill("karel")
    page_nojs.get_by_role("button", name="Zoeken").click()
    page_nojs.wait_for_load_state()
    assert "q=karel" in page_nojs.url
    table = page_nojs.locator("#gebruikers-resultaat").inner_text()
    assert "Karel Contract" in table and "Bea Beheer" not in table
