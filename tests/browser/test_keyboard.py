"""A referrer searches with the keyboard only (Tab, Shift+Tab, Enter, Space, typing): skip link, the
search form, the first result's "Waarom deze plek?", and the "geen passend aanbod" report.

Every stop is checked: focus moves forward in document order, never to a positive tabindex, and
the focused element shows a visible outline of at least 2 px and is on screen.
"""
from __future__ import annotations

import time

import pytest
from playwright.sync_api import expect

from beschikbaarheid.models import TARGET_GROUPS
from tests.factories import search_world

pytestmark = pytest.mark.browser

# What document.activeElement is, in words a failing assertion can show.
DESCRIBE = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return 'body';
  return el.id ? el.tagName.toLowerCase() + '#' + el.id
               : el.tagName.toLowerCase() + ':' + (el.innerText || el.value || '').trim().slice(0, 40);
}"""

# How the focused element looks: outline (the :focus-visible style), whether it is on screen, and the
# best contrast of the focus ring's colours (outline, box-shadow) against the background around it.
FOCUS_STYLE = """() => {
  const el = document.activeElement, style = getComputedStyle(el), r = el.getBoundingClientRect();
  const rgb = text => (text.match(/rgba?\\(([^)]+)\\)/) || [null, '0,0,0,0'])[1].split(',').map(Number);
  const lum = ([r, g, b]) => [r, g, b].map(c => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; })
                                      .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
  const contrast = (a, b) => { const [x, y] = [lum(a), lum(b)].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
  let node = el.parentElement, bg = [255, 255, 255];
  for (; node; node = node.parentElement) {
    const c = rgb(getComputedStyle(node).backgroundColor);
    if (c.length < 4 || c[3] > 0) { bg = c.slice(0, 3); break; }
  }
  const rings = [rgb(style.outlineColor).slice(0, 3)];
  if (style.boxShadow && style.boxShadow !== 'none') rings.push(rgb(style.boxShadow).slice(0, 3));
  return {outline: style.outlineStyle, width: parseFloat(style.outlineWidth),
          contrast: Math.max(...rings.map(c => contrast(c, bg))),
          visible: r.width > 0 && r.height > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth,
          focusVisible: el.matches(':focus-visible')};
}"""

# True when the element now focused comes after the previous stop in document order. Positions, not
# nodes, are compared: htmx may have re-rendered the results in between.
AFTER_PREVIOUS = """() => {
  const now = Array.prototype.indexOf.call(document.querySelectorAll('*'), document.activeElement);
  const before = window.__vorigeFocus;
  window.__vorigeFocus = now;
  return before === undefined || now > before;
}"""
MARK_POSITION = "() => { window.__vorigeFocus = Array.prototype.indexOf.call(document.querySelectorAll('*'), document.activeElement); }"


def wait_until(page, condition: str, timeout_s: float = 10) -> None:
    """Poll a JavaScript condition (the CSP forbids Playwright's wait_for_function)."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(condition):
        assert time.monotonic() < deadline, f"timed out waiting for {condition}"
        page.wait_for_timeout(50)


@pytest.fixture
def filled(app):
    with app.app_context():
        search_world()


class Keyboard:
    """Presses keys and checks every focus stop on the way."""

    def __init__(self, page):
        self.page = page
        self.stops: list[str] = []

    def tab(self, backwards: bool = False) -> str:
        self.page.keyboard.press("Shift+Tab" if backwards else "Tab")
        where = self.page.evaluate(DESCRIBE)
        self.stops.append(where)
        if not backwards:
            assert self.page.evaluate(AFTER_PREVIOUS), f"focus jumped backwards to {where}; stops so far: {self.stops}"
        else:
            self.page.evaluate(MARK_POSITION)
        self.assert_focus_visible(where)
        return where

    def tab_until(self, wanted: str, limit: int = 150) -> list[str]:
        """Tab forward until the focused element is `wanted`; returns the stops passed on the way."""
        start = len(self.stops)
        for _ in range(limit):
            if self.tab() == wanted:
                return self.stops[start:]
        raise AssertionError(f"{wanted} not reached in {limit} tabs: {self.stops[start:]}")

    def assert_focus_visible(self, where: str) -> None:
        style = self.page.evaluate(FOCUS_STYLE)
        assert style["focusVisible"], f"{where} does not match :focus-visible"
        assert style["outline"] != "none" and style["width"] >= 2, f"{where} has no visible focus outline: {style}"
        assert style["visible"], f"{where} is focused but not on screen"
        assert style["contrast"] >= 3, f"the focus ring of {where} has too little contrast: {style}"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_keyboard_only_search_journey(filled, live_server, page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "status of 400" not in m.text else None)
    page.set_viewport_size({"width": 1024, "height": 768})
    page.goto(live_server + "/zoeken/")
    page.evaluate("() => document.addEventListener('htmx:afterSettle', () => { window.__settled = (window.__settled || 0) + 1; })")
    assert page.evaluate("document.querySelectorAll('[tabindex]:not([tabindex=\"-1\"]):not([tabindex=\"0\"])').length") == 0
    keys = Keyboard(page)

    # 1. The skip link is the first stop, visible when focused; Enter moves focus to the content.
    assert keys.tab() == "a:Naar de inhoud"
    page.keyboard.press("Enter")
    assert page.evaluate(DESCRIBE) == "main#inhoud"
    page.evaluate(MARK_POSITION)

    # 2. The form, field by field in reading order.
    assert keys.tab() == "input#locatie"
    page.keyboard.type("5701")
    assert keys.tab() == "input#leeftijd"
    page.keyboard.type("12")
    assert keys.tab() == "input#product"
    page.keyboard.type("gezinshuiz")
    assert keys.tab() == "select#segment"
    assert keys.tab() == "input#doelgroep-LVB"
    # Shift+Tab goes back to the previous field and Tab returns: nothing is skipped either way.
    assert keys.tab(backwards=True) == "select#segment"
    assert keys.tab() == "input#doelgroep-LVB"
    assert keys.tab() == "input#doelgroep-ASS"
    page.keyboard.press("Space")
    assert page.locator("#doelgroep-ASS").is_checked()
    rest = keys.tab_until("button:Zoeken")
    assert rest == [f"input#doelgroep-{code}" for code in list(TARGET_GROUPS)[2:]] + [
        "input#max_km", "input#max_wachttijd", "select#sorteer", "select#weergave", "input#ook_gesloten", "button:Zoeken"]
    page.keyboard.press("Enter")
    expect(page.locator("#resultaten-kop")).to_be_visible()
    expect(page.locator("#live-status")).to_contain_text("binnen 15 km")
    assert "doelgroepen=ASS" in page.url and "locatie=5701" in page.url
    assert page.evaluate(DESCRIBE) == "button:Zoeken", "submitting must not lose the focus"

    # 3. On to the first result: only stops inside (or before) the first row of the list (its shortlist
    #    tick), then its "Contact en waarom deze plek?".
    first = page.locator("#resultaten .result-row").first
    first_title = first.locator(".result-title").inner_text()
    summary = "summary:Contact en waarom deze plek?\n— De Linde"  # (with the provider for screen readers)
    passed = keys.tab_until(summary)
    assert page.evaluate("document.querySelector('#resultaten .result-row').contains(document.activeElement)"), passed
    assert len(passed) <= 8, passed
    page.keyboard.press("Enter")
    expect(first.locator("details.why")).to_have_attribute("open", "")
    expect(first.locator(".why-reasons li").first).to_be_visible()
    assert first_title.startswith("De Linde")
    page.keyboard.press("Space")  # Space toggles a summary too
    expect(first.locator("details.why")).not_to_have_attribute("open", "")
    page.keyboard.press("Enter")
    expect(first.locator("details.why")).to_have_attribute("open", "")

    # The results are re-rendered (as when a queued search comes back): focus stays on this summary.
    settled = page.evaluate("() => window.__settled || 0")
    page.evaluate("() => htmx.trigger('#zoekformulier', 'submit')")
    wait_until(page, f"() => (window.__settled || 0) > {settled}")
    assert page.evaluate(DESCRIBE) == summary
    assert page.evaluate("document.querySelector('#resultaten .result-row').contains(document.activeElement)")
    page.evaluate(MARK_POSITION)

    # 4. Further down: the report "geen passend aanbod", filled in and sent with the keyboard.
    keys.tab_until("textarea#reason")
    page.keyboard.type("Geen plek voor broers en zussen samen")
    assert keys.tab() == "button#meld-geen-aanbod"
    page.keyboard.press("Enter")
    confirmation = page.locator("#geen-aanbod [role=status]")
    expect(confirmation).to_contain_text("anoniem opgeslagen")
    # The pressed button was swapped away; focus stays in that place instead of falling back to <body>.
    expect(page.locator("#geen-aanbod-kop")).to_be_focused()
    assert errors == [], errors


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_focus_outline_is_visible_on_every_kind_of_control(filled, live_server, page):
    """Links, buttons, inputs, checkboxes, selects and summaries all get the same 3 px focus ring."""
    page.goto(live_server + "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis")
    keys = Keyboard(page)
    seen = set()
    for _ in range(60):
        where = keys.tab()
        seen.add(where.split("#")[0].split(":")[0])
        if {"a", "button", "input", "select", "summary"} <= seen:
            break
    assert {"a", "button", "input", "select", "summary"} <= seen, seen
