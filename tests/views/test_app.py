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


def test_ping_is_trivial(client):
    response = client.get("/ping")
    assert response.status_code == 200 and response.get_data(as_text=True) == "ok"


def test_lost_database_is_a_dutch_503_not_a_500(app, client, monkeypatch):
    """A database outage must read as temporary (503 + Retry-After), never as a crash."""
    from sqlalchemy.exc import OperationalError

    from beschikbaarheid.extensions import db

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/gezond")
    assert response.status_code == 503 and response.headers["Retry-After"] == "30"
    assert "tijdelijk niet bereikbaar" in response.get_data(as_text=True)
    api = client.get("/gezond", headers={"Accept": "application/json"})
    assert api.status_code == 503


def test_htmx_errors_go_to_the_page_alert_region(client):
    """An inline (htmx) action that fails generically must not fail silently or swap a whole page into a row."""
    response = client.get("/bestaat-niet", headers={"HX-Request": "true"})
    assert response.status_code == 404
    assert response.headers["HX-Retarget"] == "#htmx-alert"
    html = response.get_data(as_text=True)
    assert "<html" not in html and "bestaat niet" in html


def test_connection_lost_after_the_view_still_answers(app, client, monkeypatch):
    """If the database dies between the answer and the session's close, the answer still goes out."""
    from sqlalchemy.exc import OperationalError

    from beschikbaarheid.extensions import db

    calls = {"n": 0}
    real_remove = db.session.remove

    def flaky_remove():
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("ROLLBACK", {}, Exception("server closed the connection unexpectedly"))
        return real_remove()

    monkeypatch.setattr(db.session, "remove", flaky_remove)
    response = client.get("/")
    assert response.status_code == 200 and calls["n"] >= 2
