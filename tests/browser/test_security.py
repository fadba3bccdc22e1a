"""The Content-Security-Policy in Chromium: the main pages of every role, with their htmx interactions,
run without a single CSP violation (so the policy is strict and the site still works under it)."""
from __future__ import annotations

import pytest
from playwright.sync_api import expect

from beschikbaarheid.extensions import db
from tests import factories
from tests.factories import search_world

pytestmark = pytest.mark.browser

PASSWORD = "wachtwoord-123"
# Reports every violation on the console, also ones Chromium would only count (e.g. inline styles set by script).
REPORT_VIOLATIONS = """
document.addEventListener('securitypolicyviolation', function (e) {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline') + ' at ' + e.sourceFile + ':' + e.lineNumber);
});
"""


@pytest.fixture
def filled(app):
    with app.app_context():
        w = search_world()
        users = {
            "aanbieder": factories.user("aanbieder", provider_id=w["linde"].provider_id),
            "contractmanager": factories.user("contractmanager"),
            "beheerder": factories.user("beheerder"),
        }
        db.session.commit()
        return {"a1": w["linde"].id, "b": w["peel"].provider_id, "emails": {k: u.email for k, u in users.items()}}


@pytest.fixture
def csp_messages(page):
    """Console messages about the Content-Security-Policy, collected across navigations."""
    found: list[str] = []
    page.add_init_script(REPORT_VIOLATIONS)

    def on_console(message):
        text = message.text
        if "Content Security Policy" in text or "Refused to" in text or text.startswith("CSP violation"):
            found.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.on("pageerror", lambda error: found.append(f"{page.url}: page error {error}"))
    return found


def _login(page, base, email):
    page.goto(base + "/account/inloggen")
    page.locator("input[name=email]").fill(email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("form:has(input[name=password]) button[type=submit]").click()
    page.wait_for_load_state()
    assert "/account/inloggen" not in page.url


def _logout(page):
    page.locator("form[action$='/account/uitloggen'] button").click()
    page.wait_for_load_state()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_main_pages_and_htmx_run_without_csp_violations(filled, live_server, page, csp_messages):
    base = live_server
    for path in ("/", "/toegankelijkheid", "/account/inloggen", "/account/wachtwoord-vergeten", "/bestaat-niet"):
        page.goto(base + path)

    # The search: a full page, then htmx swaps for a filter and while typing.
    page.goto(base + "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis")
    expect(page.locator("#resultaten")).to_contain_text("De Linde")
    assert page.evaluate("typeof window.htmx") == "object"  # htmx loaded under the policy
    page.evaluate("window.__zelfdePagina = true")
    page.locator("input[name=doelgroepen][value=ASS]").check()
    expect(page.locator("#resultaten")).not_to_contain_text("Tienerhuis")
    assert page.evaluate("window.__zelfdePagina") is True  # swapped by htmx, not reloaded

    # A provider: its table, the inline editor (htmx), the history chart.
    _login(page, base, filled["emails"]["aanbieder"])
    page.goto(base + "/aanbieder/")
    row = page.locator(f"#o-{filled['a1']}")
    row.get_by_role("link", name="Wijzigen").click()
    expect(page.locator(f"#waiting_weeks-{filled['a1']}")).to_be_visible()
    page.goto(base + f"/aanbieder/aanbod/{filled['a1']}/historie")
    _logout(page)

    # A contract manager: every monitor page, with their charts, and a dossier.
    _login(page, base, filled["emails"]["contractmanager"])
    for path in ("/contract/", "/contract/wachttijden", "/contract/kwaliteit", "/contract/tekorten", f"/contract/aanbieder/{filled['b']}"):
        page.goto(base + path)
    _logout(page)

    # An administrator: overview and import.
    _login(page, base, filled["emails"]["beheerder"])
    for path in ("/beheer/", "/beheer/import", "/aanbieder/"):
        page.goto(base + path)

    assert csp_messages == [], "\n".join(csp_messages)

    # Control: the listener does see a violation (an injected inline script), so the empty list means something.
    page.evaluate("() => { const s = document.createElement('script'); s.textContent = 'window.__injected = 1'; document.body.append(s); }")
    expect(page.locator("body")).to_be_visible()
    page.wait_for_timeout(200)
    assert any("script-src" in m or "inline script" in m for m in csp_messages), csp_messages
    assert page.evaluate("window.__injected") is None
