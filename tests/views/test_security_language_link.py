"""The footer's language link is built from the route, never from the raw request path: a crafted
path must not give a link that the browser resolves to another host."""
from __future__ import annotations

import re

import pytest

LINK = re.compile(r'<p class="language-switch">\s*<a href="([^"]*)"')


def _language_link(html: str) -> str | None:
    match = LINK.search(html)
    return match.group(1) if match else None


@pytest.mark.parametrize("path", ["/%5Cevil.example", "//evil.example", "/%5C%5Cevil.example/zoeken/", "/%2F%2Fevil.example"])
def test_a_page_that_no_route_answers_has_no_language_link(client, path):
    # PATH_INFO as a server passes it on (the test client would read "//evil.example" as a host).
    response = client.get("/", environ_overrides={"PATH_INFO": path.replace("%5C", "\\").replace("%2F", "/")})
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "evil.example" not in html
    assert _language_link(html) is None
    assert "Deze pagina bestaat niet (meer)." in html  # the error page itself is still there


def test_a_routed_page_links_to_its_own_route(client):
    # The token is part of the route: the link keeps it, quoted, under the route's own path.
    response = client.get("/aanbieder/link/%5Cevil.example")
    link = _language_link(response.get_data(as_text=True))
    assert link == "/aanbieder/link/%5Cevil.example?lang=en"
    html = client.get("/zoeken/?locatie=5701&leeftijd=12&lang=nl").get_data(as_text=True)
    assert _language_link(html) == "/zoeken/?locatie=5701&amp;leeftijd=12&amp;lang=en"


def test_pages_no_route_answered_have_no_language_link(client):
    response = client.get("/api/v1/openapi.yaml/")  # no such route
    assert response.status_code == 404 and _language_link(response.get_data(as_text=True)) is None
    response = client.post("/zoeken/")  # the route exists, not for POST: 405, no route answered
    assert response.status_code == 405 and _language_link(response.get_data(as_text=True)) is None
