"""The browser harness works: Debian chromium loads the start page with htmx from static/vendor."""
import pytest

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_start_page_in_chromium_loads_htmx(live_server, page):
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(live_server + "/")
    assert page.locator("h1").inner_text() == "Waar is plek in de jeugdhulp?"
    assert page.evaluate("typeof window.htmx") == "object"
    assert page.evaluate("htmx.version").startswith("2.")
    assert errors == []
