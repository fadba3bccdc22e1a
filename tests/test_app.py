"""The application starts on both databases and serves its start page safely."""


def test_start_page_leads_each_role(client):
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for text in ("Verwijzers", "Aanbieders", "Contractmanagers", "Beheerders", "Zoek een plek"):
        assert text in html


def test_security_headers_present(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Frame-Options"] == "DENY"


def test_unknown_page_is_dutch_404(client):
    response = client.get("/bestaat-niet")
    assert response.status_code == 404
    assert "bestaat niet" in response.get_data(as_text=True)


def test_api_errors_are_json(client):
    response = client.get("/api/v1/bestaat-niet")
    assert response.status_code == 404
    assert response.get_json()["error"]["code"] == "404"


def test_health_checks_database(client):
    assert client.get("/gezond").get_json() == {"status": "ok"}
