"""CSRF: every POST route refuses a request without a token, or with another session's token, with a
400 and the Dutch message, and changes nothing. The same request with the session's own token works
(the positive control, so the refusals are caused by the token and nothing else).

The POST routes come from app.url_map: a new POST route without a case here fails the first test.
"""
from __future__ import annotations

import datetime as dt
import io

import pytest

from beschikbaarheid import accounts, mail, signed_links
from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.extensions import db
from beschikbaarheid.models import (AuditEvent, CallLog, Contract, Feedback, GezinshuisEnding, GezinshuisProfile, Municipality, NoMatchReport,
                                   Offering, PlacementRequest, Product, Region, SearchAlert, User, utcnow)
from beschikbaarheid.services import alerts
from tests import factories
from tests.helpers import csrf_token
from tests.factories import search_world

DUTCH = "Het formulier is verlopen of ongeldig"
PASSWORD = "wachtwoord-123"
TOKEN_PAGE = "/account/wachtwoord-vergeten"  # has a form for visitors and logged-in users alike


def _login(client, email: str) -> None:
    token = csrf_token(client, "/account/inloggen")
    response = client.post("/account/inloggen", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def _logged_in(client) -> bool:
    """True when the client's session is logged in (the login page redirects logged-in users)."""
    return client.get("/account/inloggen").status_code == 302


def _version(ids, key="a1") -> int:
    return db.session.get(Offering, ids[key]).version


def _count(model) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model))


@pytest.fixture
def world(app, monkeypatch):
    """Search data, provider A ("De Linde") with its user, the staff, a referrer; outgoing mail recorded."""
    sent = []
    monkeypatch.setattr(mail, "send", lambda message: sent.append(message))
    with app.app_context():
        w = search_world()
        users = {
            "aanbieder": factories.user("aanbieder", provider_id=w["linde"].provider_id),
            "contractmanager": factories.user("contractmanager"),
            "beheerder": factories.user("beheerder"),
            "verwijzer": factories.user("verwijzer", referrer_type="02"),
        }
        db.session.commit()
        return {
            "a": w["linde"].provider_id, "a1": w["linde"].id, "region_name": w["region"].name, "region": w["region"].id,
            "product": w["gezinshuis"].id, "a_location": w["linde"].location_id,
            "emails": {k: u.email for k, u in users.items()}, "user_ids": {k: u.id for k, u in users.items()}, "sent": sent,
        }


# Each case: who posts (None: anonymous), how to set the session up, the URL and form, and a probe of
# the state the POST would change (the probe differs after a successful POST).
def _case_login(app, client, ids):
    return "/account/inloggen", {"email": ids["emails"]["verwijzer"], "password": PASSWORD}, None, lambda: _logged_in(client)


def _case_logout(app, client, ids):
    _login(client, ids["emails"]["verwijzer"])
    return "/account/uitloggen", {}, None, lambda: _logged_in(client)


def _case_logout_everywhere(app, client, ids):
    _login(client, ids["emails"]["verwijzer"])

    def probe():
        with app.app_context():
            return db.session.get(User, ids["user_ids"]["verwijzer"]).session_generation

    return "/account/overal-uitloggen", {}, None, probe


def _case_change_password(app, client, ids):
    _login(client, ids["emails"]["verwijzer"])

    def probe():
        with app.app_context():
            return db.session.get(User, ids["user_ids"]["verwijzer"]).password_hash

    new = "fietsbel-regenjas-kopje-thee"
    return "/account/wachtwoord-wijzigen", {"current_password": "wachtwoord-123", "password": new, "password_repeat": new}, None, probe


def _case_reset_request(app, client, ids):
    return "/account/wachtwoord-vergeten", {"email": ids["emails"]["verwijzer"]}, None, lambda: len(ids["sent"])


def _case_reset_password(app, client, ids):
    with app.app_context():
        token = accounts.make_reset_token(db.session.get(User, ids["user_ids"]["verwijzer"]))

    def probe():
        with app.app_context():
            return db.session.get(User, ids["user_ids"]["verwijzer"]).check_password(PASSWORD)

    data = {"password": "een-nieuw-wachtwoord", "password_repeat": "een-nieuw-wachtwoord"}
    return f"/account/wachtwoord-herstellen/{token}", data, None, probe


def _case_accept_invitation(app, client, ids):
    with app.app_context():
        invited = db.session.get(User, ids["user_ids"]["verwijzer"])
        invited.invited_at = utcnow()
        db.session.commit()
        token = accounts.make_invitation_token(invited)

    def probe():
        with app.app_context():
            return db.session.get(User, ids["user_ids"]["verwijzer"]).password_hash

    data = {"password": "een-eigen-wachtwoord", "password_repeat": "een-eigen-wachtwoord"}
    return f"/account/uitnodiging/{token}", data, None, probe


def _case_no_match(app, client, ids):
    def probe():
        with app.app_context():
            return _count(NoMatchReport)

    return "/zoeken/geen-passend-aanbod", {"q": "locatie=5701&leeftijd=12&product=gezinshuis", "reason": "geen plek"}, None, probe


def _case_report(app, client, ids):
    def probe():
        with app.app_context():
            return _count(Feedback)

    return f"/zoeken/aanbod/{ids['a1']}/klopt-niet", {"q": "locatie=5701", "reason": "wachttijd"}, None, probe


def _case_answer(app, client, ids):
    _login(client, ids["emails"]["aanbieder"])
    with app.app_context():
        item = Feedback(offering_id=ids["a1"], reason="geen_plek")
        db.session.add(item)
        db.session.commit()
        fid = item.id

    def probe():
        with app.app_context():
            return db.session.get(Feedback, fid).answered_at

    return f"/aanbieder/melding/{fid}/klopt-wel", {"text": "De plek is er echt"}, None, probe


def _alert_of_referrer(app, ids) -> int:
    """A saved search of the referrer (committed); its id."""
    with app.app_context():
        alert = SearchAlert(user_id=ids["user_ids"]["verwijzer"], query="locatie=5701&leeftijd=12&product=gezinshuis",
                            expires_at=utcnow() + dt.timedelta(days=30), product_ids="")
        db.session.add(alert)
        db.session.commit()
        return alert.id


def _alert_probe(app, alert_id):
    def probe():
        with app.app_context():
            alert = db.session.get(SearchAlert, alert_id)
            return alert.stopped_at, alert.renewed_at

    return probe


def _case_alert_save(app, client, ids):
    _login(client, ids["emails"]["verwijzer"])

    def probe():
        with app.app_context():
            return _count(SearchAlert)

    return "/mijn-zoekopdrachten/bewaren", {"q": "locatie=5701&leeftijd=12&product=gezinshuis"}, None, probe


def _case_alert_renew(app, client, ids):
    _login(client, ids["emails"]["verwijzer"])
    alert_id = _alert_of_referrer(app, ids)
    return f"/mijn-zoekopdrachten/{alert_id}/verlengen", {}, None, _alert_probe(app, alert_id)


def _case_alert_stop(app, client, ids):
    _login(client, ids["emails"]["verwijzer"])
    alert_id = _alert_of_referrer(app, ids)
    return f"/mijn-zoekopdrachten/{alert_id}/stoppen", {}, None, _alert_probe(app, alert_id)


def _case_alert_link(app, client, ids):
    alert_id = _alert_of_referrer(app, ids)
    with app.app_context():
        token = alerts.make_token(alert_id, "stop")
    return f"/mijn-zoekopdrachten/link/{token}", {}, None, _alert_probe(app, alert_id)


def _offering_probe(app, ids):
    def probe():
        with app.app_context():
            return _version(ids)

    return probe


def _case_edit(app, client, ids):
    _login(client, ids["emails"]["aanbieder"])
    data = {"version": "1", "layout": "row", "capacity": "6", "free_places": "0", "waiting_weeks": "5", "intake_status": "open", "note": "csrf"}
    return f"/aanbieder/aanbod/{ids['a1']}/bewerken", data, None, _offering_probe(app, ids)


def _case_confirm(app, client, ids):
    _login(client, ids["emails"]["aanbieder"])
    return f"/aanbieder/aanbod/{ids['a1']}/bevestigen", {"version": "1"}, None, _offering_probe(app, ids)


def _case_confirm_all(app, client, ids):
    _login(client, ids["emails"]["aanbieder"])
    return f"/aanbieder/{ids['a']}/bevestigen", {f"version-{ids['a1']}": "1"}, None, _offering_probe(app, ids)


def _case_link(app, client, ids):
    with app.app_context():
        link = signed_links.make_provider_link(ids["a"], "confirm", external=False)
    return link, {f"version-{ids['a1']}": "1"}, None, _offering_probe(app, ids)


def _case_link_end(app, client, ids):
    with app.app_context():
        link = signed_links.make_provider_link(ids["a"], "update", external=False)
    assert client.get(link).status_code == 302
    return "/aanbieder/link/stoppen", {}, None, lambda: client.get(f"/aanbieder/{ids['a']}/").status_code


def _case_log_call(app, client, ids):
    _login(client, ids["emails"]["contractmanager"])
    now = utcnow().astimezone(TZ) - dt.timedelta(minutes=10)
    data = {"called_on": now.strftime("%Y-%m-%d"), "called_time": now.strftime("%H:%M"), "outcome": "bereikt", "note": "csrf"}

    def probe():
        with app.app_context():
            return _count(CallLog)

    return f"/contract/aanbieder/{ids['a']}/gesprek", data, None, probe


def _case_import(app, client, ids):
    _login(client, ids["emails"]["beheerder"])
    csv = b"code,naam,categorie,segment,vorm,trefwoorden\n49Z98,CSRF-product,49,2,wonen,\n"

    def probe():
        with app.app_context():
            return _count(Product)

    return "/beheer/import", {"kind": "products", "region": ids["region_name"], "file": lambda: (io.BytesIO(csv), "p.csv")}, "multipart/form-data", probe


def _audit_probe(app):
    """Every register change in the browser appends an audit event: their number is the probe."""
    def probe():
        with app.app_context():
            return _count(AuditEvent)

    return probe


def _user_probe(app, user_id: int, attribute: str):
    def probe():
        with app.app_context():
            return getattr(db.session.get(User, user_id), attribute)

    return probe


def _beheer(app, client, ids, path: str, data: dict):
    _login(client, ids["emails"]["beheerder"])
    return f"/beheer/regio/{ids['region']}{path}", data, None, _audit_probe(app)


PRODUCT_FORM = {"code": "43C01", "name": "CSRF-product", "segment": "2", "form": "wonen", "keywords": "", "description": "", "waiting_norm_weeks": ""}


def _case_product_new(app, client, ids):
    return _beheer(app, client, ids, "/producten/nieuw", PRODUCT_FORM)


def _case_product_edit(app, client, ids):
    return _beheer(app, client, ids, f"/producten/{ids['product']}", {**PRODUCT_FORM, "code": "43A10"})


def _case_product_active(app, client, ids):
    return _beheer(app, client, ids, f"/producten/{ids['product']}/actief", {"active": "0"})


def _case_settings(app, client, ids):
    data = {"compliance_target": "80", "waiting_norm_weeks": "14", "reminder_followup_days": "", "reminder_escalate_days": "", "search_default_km": ""}
    return _beheer(app, client, ids, "/instellingen", data)


def _case_provider(app, client, ids):
    return _beheer(app, client, ids, f"/aanbieders/{ids['a']}", {"intake_email": "csrf@delinde.example"})


def _case_provider_new(app, client, ids):
    return _beheer(app, client, ids, "/aanbieders/nieuw", {"name": "CSRF-aanbieder", "intake_email": "csrf@nieuw.example"})


LOCATION_FORM = {"name": "CSRF-locatie", "street": "", "postcode": "5701", "woonplaats": "Helmond"}


def _case_location_new(app, client, ids):
    return _beheer(app, client, ids, f"/aanbieders/{ids['a']}/locaties/nieuw", LOCATION_FORM)


def _case_location_edit(app, client, ids):
    return _beheer(app, client, ids, f"/locaties/{ids['a_location']}", LOCATION_FORM)


def _case_contract_new(app, client, ids):
    data = {"product_code": "43A09", "location_id": str(ids["a_location"]), "valid_from": "2026-01-01", "valid_until": ""}
    return _beheer(app, client, ids, f"/aanbieders/{ids['a']}/contract", data)


def _case_contract_end(app, client, ids):
    with app.app_context():
        contract_id = db.session.scalar(db.select(Contract.id).where(Contract.provider_id == ids["a"]))
    return _beheer(app, client, ids, f"/contracten/{contract_id}/beeindigen", {"end": "2025-12-31"})


def _case_contracts_extend(app, client, ids):
    with app.app_context():
        db.session.scalar(db.select(Contract).where(Contract.provider_id == ids["a"])).valid_until = dt.date(2026, 12, 31)
        db.session.commit()
    return _beheer(app, client, ids, "/contracten/verlengen", {"year": "2026", "expected": "1"})


def _case_contacts(app, client, ids):
    _login(client, ids["emails"]["aanbieder"])
    return f"/aanbieder/{ids['a']}/gegevens", {"intake_email": "csrf@delinde.example"}, None, _audit_probe(app)


def _case_gezinshuis(app, client, ids):
    _login(client, ids["emails"]["aanbieder"])

    def probe():
        with app.app_context():
            return db.session.scalar(db.select(GezinshuisProfile.notes).where(GezinshuisProfile.location_id == ids["a_location"]))

    form = {"places_allowed": "4", "places_taken": "1", "h_placed_8_11": "1", "age_min": "0", "age_max": "18", "notes": "hond in huis"}
    return f"/aanbieder/{ids['a']}/gezinshuis/{ids['a_location']}", form, None, probe


def _case_gezinshuis_endings(app, client, ids):
    _login(client, ids["emails"]["aanbieder"])
    month = dt.datetime.now(TZ).date().replace(day=1).isoformat()
    def probe():
        with app.app_context():
            return _count(GezinshuisEnding)

    return f"/aanbieder/{ids['a']}/gezinshuis/{ids['a_location']}/beeindigingen", {"month": month, "count": "2"}, None, probe


def _extra_user(app, role: str, **kw) -> int:
    """One more account for a case to act on (committed); its id."""
    with app.app_context():
        user = factories.user(role, **kw)
        db.session.commit()
        return user.id


def _region_id(app, ids) -> int:
    with app.app_context():
        return db.session.scalar(db.select(Region.id).where(Region.name == ids["region_name"]))


def _case_user_invite(app, client, ids):
    _login(client, ids["emails"]["beheerder"])
    data = {"name": "CSRF", "email": "csrf@invite.example", "role": "verwijzer", "referrer_type": "01", "region_id": str(_region_id(app, ids))}

    def probe():
        with app.app_context():
            return _count(User)

    return "/beheer/gebruikers/uitnodigen", data, None, probe


def _case_user_detail(app, client, ids):
    _login(client, ids["emails"]["beheerder"])
    user_id = ids["user_ids"]["contractmanager"]
    data = {"role": "verwijzer", "referrer_type": "04", "region_id": str(_region_id(app, ids))}
    return f"/beheer/gebruikers/{user_id}", data, None, _user_probe(app, user_id, "role")


def _case_user_deactivate(app, client, ids):
    _login(client, ids["emails"]["beheerder"])
    user_id = ids["user_ids"]["contractmanager"]
    return f"/beheer/gebruikers/{user_id}/deactiveren", {}, None, _user_probe(app, user_id, "active")


def _case_user_reactivate(app, client, ids):
    _login(client, ids["emails"]["beheerder"])
    user_id = _extra_user(app, "contractmanager", active=False)
    return f"/beheer/gebruikers/{user_id}/activeren", {}, None, _user_probe(app, user_id, "active")


def _case_user_resend(app, client, ids):
    _login(client, ids["emails"]["beheerder"])
    user_id = _extra_user(app, "contractmanager", invited_at=utcnow())
    return f"/beheer/gebruikers/{user_id}/opnieuw-uitnodigen", {}, None, _user_probe(app, user_id, "password_hash")


def _org_admin(app, client, ids) -> None:
    """The provider's user becomes its organisation administrator, and logs in."""
    with app.app_context():
        db.session.get(User, ids["user_ids"]["aanbieder"]).is_org_admin = True
        db.session.commit()
    _login(client, ids["emails"]["aanbieder"])


def _case_colleague_invite(app, client, ids):
    _org_admin(app, client, ids)

    def probe():
        with app.app_context():
            return _count(User)

    return "/aanbieder/collegas/", {"name": "Collega", "email": "collega@csrf.example"}, None, probe


def _case_colleague_deactivate(app, client, ids):
    _org_admin(app, client, ids)
    user_id = _extra_user(app, "aanbieder", provider_id=ids["a"])
    return f"/aanbieder/collegas/{user_id}/deactiveren", {}, None, _user_probe(app, user_id, "active")


def _case_colleague_reactivate(app, client, ids):
    _org_admin(app, client, ids)
    user_id = _extra_user(app, "aanbieder", provider_id=ids["a"], active=False)
    return f"/aanbieder/collegas/{user_id}/activeren", {}, None, _user_probe(app, user_id, "active")


def _case_colleague_resend(app, client, ids):
    _org_admin(app, client, ids)
    user_id = _extra_user(app, "aanbieder", provider_id=ids["a"], invited_at=utcnow())
    return f"/aanbieder/collegas/{user_id}/opnieuw-uitnodigen", {}, None, _user_probe(app, user_id, "password_hash")


def _coordinator(app, client, ids) -> None:
    """Log in as the region's coordinator (a contract manager holding the right)."""
    _extra_user(app, "contractmanager", email="coordinator@csrf.example", region_id=ids["region"], is_coordinator=True)
    _login(client, "coordinator@csrf.example")


def _placement_probe(app):
    def probe():
        with app.app_context():
            return [(r.outcome, r.outcome_week) for r in db.session.scalars(db.select(PlacementRequest).order_by(PlacementRequest.id))]

    return probe


def _case_request_new(app, client, ids):
    _coordinator(app, client, ids)
    with app.app_context():
        municipality = db.session.scalar(db.select(Municipality.id).where(Municipality.region_id == ids["region"]).limit(1))
    week = f"{dt.date.today() - dt.timedelta(days=7):%Y-%m-%d}"
    data = {"age_band": "12-15", "target_groups": "LVB", "siblings": "0", "municipality": str(municipality), "week": week}
    return "/gezinshuizen/aanvragen/nieuw", data, None, _placement_probe(app)


def _case_request_outcome(app, client, ids):
    _coordinator(app, client, ids)
    with app.app_context():
        placement = PlacementRequest(region_id=ids["region"], age_band="4-7", requested_week=dt.date(2026, 1, 5), outcome="wachtend")
        db.session.add(placement)
        db.session.commit()
        url = f"/gezinshuizen/aanvragen/{placement.id}/uitkomst"
    return url, {"outcome": "pleegzorg", "week": "2026-W10"}, None, _placement_probe(app)


CASES = {
    "auth.login": _case_login,
    "auth.logout": _case_logout,
    "auth.logout_everywhere": _case_logout_everywhere,
    "auth.change_password": _case_change_password,
    "auth.reset_request": _case_reset_request,
    "auth.reset_password": _case_reset_password,
    "auth.accept_invitation": _case_accept_invitation,
    "search.no_match": _case_no_match,
    "search.report": _case_report,
    "aanbieder.answer": _case_answer,
    "aanbieder.edit": _case_edit,
    "aanbieder.confirm": _case_confirm,
    "aanbieder.confirm_all": _case_confirm_all,
    "aanbieder.link": _case_link,
    "aanbieder.link_end": _case_link_end,
    "alerts.save": _case_alert_save,
    "alerts.renew": _case_alert_renew,
    "alerts.stop": _case_alert_stop,
    "alerts.link": _case_alert_link,
    "contract.log_call": _case_log_call,
    "beheer.import_register": _case_import,
    "beheer.product_new": _case_product_new,
    "beheer.product_edit": _case_product_edit,
    "beheer.product_active": _case_product_active,
    "beheer.settings": _case_settings,
    "beheer.provider": _case_provider,
    "beheer.provider_new": _case_provider_new,
    "beheer.location_new": _case_location_new,
    "beheer.location_edit": _case_location_edit,
    "beheer.contract_new": _case_contract_new,
    "beheer.contract_end": _case_contract_end,
    "beheer.contracts_extend": _case_contracts_extend,
    "aanbieder.contacts": _case_contacts,
    "aanbieder.gezinshuis": _case_gezinshuis,
    "aanbieder.gezinshuis_endings": _case_gezinshuis_endings,
    "beheer_users.invite": _case_user_invite,
    "beheer_users.detail": _case_user_detail,
    "beheer_users.deactivate": _case_user_deactivate,
    "beheer_users.reactivate": _case_user_reactivate,
    "beheer_users.resend": _case_user_resend,
    "colleagues.index": _case_colleague_invite,
    "colleagues.deactivate": _case_colleague_deactivate,
    "colleagues.reactivate": _case_colleague_reactivate,
    "colleagues.resend": _case_colleague_resend,
    "gezinshuis.request_new": _case_request_new,
    "gezinshuis.request_outcome": _case_request_outcome,
}


def test_every_post_route_has_a_csrf_case(app):
    posting = {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}
    assert posting == set(CASES), "add a CSRF case for each new POST route"


def _body(data: dict) -> dict:
    """A fresh copy of the form (upload files are built anew: a stream can be read only once)."""
    return {k: (v() if callable(v) else v) for k, v in data.items()}


def _foreign_token(app) -> str:
    """A valid token of somebody else's session (an attacker's own visit to the site)."""
    return csrf_token(app.test_client(), "/account/inloggen")


@pytest.mark.parametrize("endpoint", sorted(CASES))
@pytest.mark.parametrize("variant", ["missing", "foreign", "foreign_header"])
def test_post_without_the_sessions_token_is_refused_and_changes_nothing(app, world, endpoint, variant):
    client = app.test_client()
    url, data, content_type, probe = CASES[endpoint](app, client, world)
    csrf_token(client, TOKEN_PAGE)  # the session has a token of its own
    before = probe()
    headers = {}
    form = _body(data)
    if variant == "foreign":
        form["csrf_token"] = _foreign_token(app)
    elif variant == "foreign_header":  # the way htmx sends it (hx-headers on <body>)
        headers = {"X-CSRFToken": _foreign_token(app), "HX-Request": "true"}
    response = client.post(url, data=form, content_type=content_type, headers=headers)
    response.close()  # as a WSGI server does once the answer is sent: work queued for after it runs now
    assert response.status_code == 400, (endpoint, variant, response.status_code)
    assert DUTCH in response.get_data(as_text=True), (endpoint, variant)
    assert probe() == before, (endpoint, variant, "state changed")


@pytest.mark.parametrize("endpoint", sorted(CASES))
def test_the_same_post_with_the_sessions_own_token_works(app, world, endpoint):
    """Positive control: with the right token each of these requests changes what the probe sees."""
    client = app.test_client()
    url, data, content_type, probe = CASES[endpoint](app, client, world)
    token = csrf_token(client, TOKEN_PAGE)
    before = probe()
    response = client.post(url, data={**_body(data), "csrf_token": token}, content_type=content_type)
    response.close()  # as a WSGI server does once the answer is sent: the reset mail goes now
    assert response.status_code in (200, 302), (endpoint, response.status_code, response.get_data(as_text=True)[:300])
    assert probe() != before, (endpoint, "nothing happened, so the refusal test proves nothing")



def test_an_earlier_pages_token_still_validates_but_another_sessions_does_not(app, client):
    """A referrer with two tabs open posts the older form: it works; a token from another session never does."""
    import re as _re

    def token(c):
        html = c.get("/account/inloggen").get_data(as_text=True)
        return _re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)

    first = token(client)
    token(client)  # a later page of the same session
    other = app.test_client()
    response = client.post("/account/inloggen", data={"email": "niemand@example.nl", "password": "x" * 12, "csrf_token": first})
    assert "Het formulier is verlopen" not in response.get_data(as_text=True)  # the CSRF check passed
    refused = client.post("/account/inloggen", data={"email": "niemand@example.nl", "password": "x" * 12, "csrf_token": token(other)})
    assert refused.status_code == 400 and "Het formulier is verlopen" in refused.get_data(as_text=True)
