"""The accessibility statement follows the Dutch government's model: status, what was tested and how,
known limitations, a contact route with response times, a complaints route and a date; every page
links to it."""
from __future__ import annotations

import re


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_statement_has_every_part_of_the_model(client):
    response = client.get("/toegankelijkheid")
    html = response.get_data(as_text=True)
    words = _text(html)
    assert response.status_code == 200
    assert "<h1>Toegankelijkheidsverklaring</h1>" in html
    headings = re.findall(r"<h2[^>]*>([^<]+)</h2>", html)
    for heading in ("Nalevingsstatus", "Wat wij hebben getest en hoe", "Bekende beperkingen",
                    "Feedback en contact", "Niet tevreden?", "Over deze verklaring"):
        assert heading in headings, heading
    assert "C — eerste maatregelen genomen" in words and "WCAG 2.1 niveau A en AA" in words
    assert "axe-core" in words and "toetsenbord" in words and "320 pixels" in words
    assert re.search(r"opgesteld op \d{1,2} [a-z]+ 20\d\d", words)
    assert "binnen 5 werkdagen" in words and "binnen 3 weken" in words
    assert 'href="https://www.nationaleombudsman.nl/"' in html
    # Without a configured address the route is the region's functional administrator.
    assert "functioneel beheerder" in words and "mailto:" not in html


def test_a_configured_contact_address_is_shown(app, client):
    app.config["ACCESSIBILITY_CONTACT_EMAIL"] = "toegankelijkheid@regio.example"
    html = client.get("/toegankelijkheid").get_data(as_text=True)
    assert 'Mail naar <a href="mailto:toegankelijkheid@regio.example">toegankelijkheid@regio.example</a>.' in html


def test_every_page_links_to_the_statement(client):
    for path in ("/", "/zoeken/", "/account/inloggen", "/bestaat-niet"):
        assert '<a href="/toegankelijkheid">Toegankelijkheid</a>' in client.get(path).get_data(as_text=True), path
