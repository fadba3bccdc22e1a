"""The call log: a contract manager records a call; bad input gets a Dutch error, a 400 and no row."""
import datetime as dt

import pytest

from beschikbaarheid.domain import freshness
from beschikbaarheid.extensions import db
from beschikbaarheid.models import CallLog, utcnow
from tests import factories
from tests.helpers import csrf_token


def setup_provider():
    region = factories.region()
    product = factories.product("43A10", "Gezinshuis", region, segment=2)
    p = factories.provider("Bel BV")
    factories.offering(factories.location(p), product, updated_at=freshness.month_start(utcnow()) - dt.timedelta(days=2))
    cm = factories.user("contractmanager", name="Carla Contract")
    db.session.commit()
    return p, cm


def form(client, pid, **overrides):
    ten_minutes_ago = utcnow().astimezone(freshness.TZ) - dt.timedelta(minutes=10)
    data = {
        "csrf_token": csrf_token(client, f"/contract/aanbieder/{pid}"),
        "called_on": ten_minutes_ago.strftime("%Y-%m-%d"),
        "called_time": ten_minutes_ago.strftime("%H:%M"),
        "outcome": "toezegging",
        "note": "Werkt het aanbod vrijdag bij.",
        "next": "/contract/#aanbieder-%d" % pid,
    }
    data.update(overrides)
    return data


def count_calls(app):
    with app.app_context():
        return db.session.scalar(db.select(db.func.count(CallLog.id)))


def test_call_is_saved_and_shown_in_the_dossier(app, client, login):
    with app.app_context():
        p, cm = setup_provider()
        pid, cm_id = p.id, cm.id
        login(cm)
    response = client.post(f"/contract/aanbieder/{pid}/gesprek", data=form(client, pid))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contract/#aanbieder-{pid}")
    with app.app_context():
        call = db.session.scalar(db.select(CallLog))
        assert (call.provider_id, call.user_id, call.outcome, call.note) == (pid, cm_id, "toezegging", "Werkt het aanbod vrijdag bij.")
        assert call.called_at.tzinfo is not None
    html = client.get(f"/contract/aanbieder/{pid}").get_data(as_text=True)
    assert "Toezegging gedaan" in html and "Werkt het aanbod vrijdag bij." in html and "Carla Contract" in html
    # and the call list shows the last call
    assert "toezegging gedaan" in client.get("/contract/").get_data(as_text=True)


def test_htmx_post_answers_with_the_form_block(app, client, login):
    with app.app_context():
        p, cm = setup_provider()
        pid = p.id
        login(cm)
    response = client.post(f"/contract/aanbieder/{pid}/gesprek", data=form(client, pid), headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<div class="call-log"')
    assert "Gesprek met Bel BV vastgelegd (Toezegging gedaan)." in html and "<html" not in html
    assert count_calls(app) == 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"outcome": ""}, "Kies de uitkomst van het gesprek."),
        ({"outcome": "boos"}, "Kies een van de uitkomsten uit de lijst."),
        ({"called_on": ""}, "Vul de datum van het gesprek in."),
        ({"called_on": "2026-13-45"}, "Dit is geen geldige datum"),
        ({"called_time": "25:99"}, "Dit is geen geldige tijd"),
        ({"called_on": "2099-01-01"}, "Een gesprek kan niet in de toekomst liggen."),
        ({"called_on": "2001-01-01"}, "meer dan een jaar geleden"),
        ({"note": "x" * 501}, "hoogstens 500 tekens"),
        ({"note": "Moeder belde over BSN 111222333"}, "lijkt een burgerservicenummer (BSN) te bevatten"),
        ({"note": "Moeder belde over 111.222.333"}, "lijkt een burgerservicenummer (BSN) te bevatten"),
        ({"note": "Jan de Vries, geboren 13-03-2015, Kerkstraat 12"}, "lijkt een geboortedatum te bevatten"),
        ({"note": "Vader wil teruggebeld worden op 06-12345678"}, "bevat een telefoonnummer"),
        ({"note": "Mail van ouder@example.com doorgestuurd"}, "bevat een e-mailadres"),
        ({"note": "Woont Lange Nieuwstraat 3a"}, "lijkt een adres (straat en huisnummer) te bevatten"),
        ({"note": "Mijn zoon staat al maanden op de lijst"}, "lijkt over een bepaald kind of gezin te gaan"),
        ({"note": "Gesprek met\x07 intake"}, "onzichtbaar stuurteken"),
        ({"outcome": "bereikt\x1b[2J"}, "Kies een van de uitkomsten uit de lijst."),
    ],
)
def test_bad_input_is_refused_in_dutch_and_nothing_is_saved(app, client, login, overrides, message):
    with app.app_context():
        p, cm = setup_provider()
        pid = p.id
        login(cm)
    response = client.post(f"/contract/aanbieder/{pid}/gesprek", data=form(client, pid, **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and "Het gesprek is niet opgeslagen" in html
    assert 'aria-invalid="true"' in html
    if "note" in overrides and len(overrides["note"]) <= 500:
        assert overrides["note"] in html  # the input is kept
    assert count_calls(app) == 0


def test_htmx_errors_come_back_in_the_block(app, client, login):
    with app.app_context():
        p, cm = setup_provider()
        pid = p.id
        login(cm)
    response = client.post(f"/contract/aanbieder/{pid}/gesprek", data=form(client, pid, outcome=""), headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and html.lstrip().startswith('<div class="call-log"')
    assert "Kies de uitkomst van het gesprek." in html
    assert count_calls(app) == 0


def test_missing_csrf_token_is_refused(app, client, login):
    with app.app_context():
        p, cm = setup_provider()
        pid = p.id
        login(cm)
    data = form(client, pid)
    del data["csrf_token"]
    response = client.post(f"/contract/aanbieder/{pid}/gesprek", data=data)
    assert response.status_code == 400 and "formulier is verlopen" in response.get_data(as_text=True)
    assert count_calls(app) == 0


def test_next_cannot_leave_the_contract_pages(app, client, login):
    with app.app_context():
        p, cm = setup_provider()
        pid = p.id
        login(cm)
    response = client.post(f"/contract/aanbieder/{pid}/gesprek", data=form(client, pid, next="https://evil.example/"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/contract/aanbieder/{pid}#gesprekken")


def test_call_for_unknown_provider_is_404(app, client, login):
    with app.app_context():
        p, cm = setup_provider()
        pid = p.id
        login(cm)
    assert client.post("/contract/aanbieder/999999/gesprek", data=form(client, pid)).status_code == 404
    assert count_calls(app) == 0
