"""Browser tests: the app served on loopback in a thread, driven by Debian's chromium via Playwright.

Never `playwright install`: we launch /usr/bin/chromium with the flags this machine needs.
"""
from __future__ import annotations

import threading

import pytest
from werkzeug.serving import make_server

from tests.plugins.smtp import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    """One headless chromium for the whole run."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def live_server(app):
    """Serve `app` (already filled by the test) on a free loopback port; yields its base URL."""
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(timeout=5)


@pytest.fixture
def page(browser):
    """A fresh browser context and page with JavaScript on."""
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page_nojs(browser):
    """A fresh page with JavaScript disabled, to prove pages work without it."""
    context = browser.new_context(java_script_enabled=False, locale="nl-NL")
    page = context.new_page()
    yield page
    context.close()
