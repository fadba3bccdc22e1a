"""Authorization matrix: every route x every method x every role, with the outcome each should get.

The routes come from app.url_map, so a route added without a row in MATRIX fails
`test_every_route_and_method_is_in_the_matrix`. URL parameters are real objects: provider A
("De Linde", whose user we log in as) and provider B ("Huize Peel"). The provider user is tried on
B's ids (URL guessing, column "aanbieder_b") and on its own ids ("aanbieder_own"), so the matrix
also proves that the allowed requests work, i.e. that a 403/404 elsewhere is a real refusal.

Staff come in three kinds per role: of the region the data belongs to ("contractmanager",
"beheerder"), of another region ("..._other", same role: URL guessing across regions, and
`?regio=` pointing at the first region), and a contract manager without a region. Administrators
are confined to their region like contract managers (domain/regions.py). The columns
side by side prove that a refusal is about the region, not the route.
"""
from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest
from flask import url_for

from beschikbaarheid import accounts, signed_links
from beschikbaarheid.exports import XLSX_MIMETYPE
from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.domain.quarters import last_full_quarter
from beschikbaarheid.extensions import db
from beschikbaarheid.models import (AuditEvent, CallLog, Contract, Feedback, GezinshuisEnding, GezinshuisProfile, Offering, OfferingChange,
                                   PlacementRequest, Product, Provider, SearchAlert, User, utcnow)
from beschikbaarheid.services import alerts
from tests import factories
from tests.helpers import csrf_token
from tests.factories import search_world

ROLES = ("anonymous", "verwijzer", "aanbieder_b", "aanbieder_own", "contractmanager", "beheerder",
         "contractmanager_other", "beheerder_other", "contractmanager_noregion")
STAFF = ("contractmanager", "beheerder", "contractmanager_other", "beheerder_other", "contractmanager_noregion")

LOGIN = "login"  # 302 to the login page (anonymous visitor on a page that needs a login)
HIDES = "hides"  # 200, but nothing of the first region on it: the user's own region instead
FIRST_REGION = "Een 10 voor de Jeugd"  # tests.factories.search_world; provider B is "Huize Peel"


def to(path: str) -> tuple[str, str]:
    """A 302 to `path` (a prefix of the Location's path)."""
    return ("redirect", path)


def every(outcome) -> dict:
    return dict.fromkeys(ROLES, outcome)


# A logged-in user who opens the login page goes to the home page of their role.
HOME = {"verwijzer": to("/zoeken/"), "aanbieder_b": to("/aanbieder/"), "aanbieder_own": to("/aanbieder/"),
        "contractmanager": to("/contract/"), "beheerder": to("/beheer/"), "contractmanager_other": to("/contract/"),
        "beheerder_other": to("/beheer/"), "contractmanager_noregion": to("/contract/")}


def staff(ok, other=HIDES) -> dict:
    """Contract-manager pages: contract managers and administrators of the region; staff of another
    region get their own region's page (`other`: HIDES) or 404 for an object of the first region; a
    contract manager without a region the 403 'no region' page."""
    return {"anonymous": LOGIN, "verwijzer": 403, "aanbieder_b": 403, "aanbieder_own": 403, "contractmanager": ok, "beheerder": ok,
            "contractmanager_other": other, "beheerder_other": other, "contractmanager_noregion": 403}


def admin(ok, other=HIDES) -> dict:
    """Administration pages: administrators only; one of another region sees only its own region
    (`other`: HIDES), or 404 / 403 for what belongs to the first region."""
    return {"anonymous": LOGIN, "verwijzer": 403, "aanbieder_b": 403, "aanbieder_own": 403, "contractmanager": 403, "beheerder": ok,
            "contractmanager_other": 403, "beheerder_other": other, "contractmanager_noregion": 403}


def region_admin(ok) -> dict:
    """Keeping one region's register (/beheer/regio/<id>/...): its beheerders only; a beheerder of another
    region gets 404 (as if the region, product, provider or contract did not exist)."""
    return {**admin(ok), "beheerder_other": 404}


def referrer_only(ok) -> dict:
    """A referrer's own pages (plek-alerts): the referrer; everyone else logged in 403."""
    return {**dict.fromkeys(ROLES, 403), "anonymous": LOGIN, "verwijzer": ok}


def own_provider_only(own) -> dict:
    """A provider's own details: only that provider's user; another provider's user 404, other roles 403."""
    return {"anonymous": LOGIN, "verwijzer": 403, "aanbieder_b": 404, "aanbieder_own": own, "contractmanager": 403, "beheerder": 403,
            "contractmanager_other": 403, "beheerder_other": 403, "contractmanager_noregion": 403}


def provider_read(own) -> dict:
    """A provider's pages to read: the provider itself and the staff of its region; another provider, and
    staff of another region or a contract manager without one, get a 404 (as if absent)."""
    return {"anonymous": LOGIN, "verwijzer": 403, "aanbieder_b": 404, "aanbieder_own": own, "contractmanager": own, "beheerder": own,
            "contractmanager_other": 404, "beheerder_other": 404, "contractmanager_noregion": 404}


def colleagues(own, other=404) -> dict:
    """A provider's 'Collega's' pages: its organisation administrator (the aanbieder user here is one);
    another provider's user id is a 404 (`other`), and staff and referrers have no such page."""
    return {"anonymous": LOGIN, "verwijzer": 403, "aanbieder_b": other, "aanbieder_own": own, "contractmanager": 403, "beheerder": 403,
            "contractmanager_other": 403, "beheerder_other": 403, "contractmanager_noregion": 403}


def provider_edit(own) -> dict:
    """Changing a provider's figures: only the provider itself (staff read, never write; outside their region: 404)."""
    return {"anonymous": LOGIN, "verwijzer": 403, "aanbieder_b": 404, "aanbieder_own": own, "contractmanager": 403, "beheerder": 403,
            "contractmanager_other": 404, "beheerder_other": 404, "contractmanager_noregion": 404}


# (endpoint, method) -> {role: expected outcome}. Public pages answer everyone; forms that anyone may
# post are sent with invalid input and answer 400 (reached, not refused) unless noted.
MATRIX: dict[tuple[str, str], dict] = {
    ("web.index", "GET"): every(200),
    ("web.accessibility", "GET"): every(200),
    ("web.ping", "GET"): every(200),
    ("web.health", "GET"): every(200),
    ("web.favicon", "GET"): every(200),
    ("auth.login", "GET"): {"anonymous": 200, **HOME},
    ("auth.login", "POST"): {"anonymous": 400, **HOME},
    ("auth.logout", "POST"): {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], to("/"))},
    ("auth.account", "GET"): {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 200)},
    ("auth.logout_everywhere", "POST"): {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], to("/"))},
    ("auth.change_password", "POST"): {"anonymous": LOGIN, **dict.fromkeys(ROLES[1:], 400)},
    ("auth.reset_request", "GET"): every(200),
    ("auth.reset_request", "POST"): every(400),
    ("auth.reset_password", "GET"): every(200),
    ("auth.reset_password", "POST"): every(400),
    ("auth.accept_invitation", "GET"): every(200),  # the token is the credential
    ("auth.accept_invitation", "POST"): every(400),
    ("search.index", "GET"): every(200),
    ("search.no_match", "POST"): every(to("/zoeken/")),  # anonymous by design: stored without who
    ("search.report", "GET"): every(200),  # "Klopt dit niet?": anyone who can search may report
    ("search.report", "POST"): every(400),  # sent without a reason: reached, not refused
    ("search.shortlist", "GET"): every(200),  # the referrer's shortlist: public like the search, nothing stored
    # Plek-alerts: referrers only, each their own (another referrer's alert is a 404; see tests/views/test_alerts.py).
    ("alerts.index", "GET"): referrer_only(200),
    ("alerts.save", "POST"): referrer_only(to("/mijn-zoekopdrachten/")),
    ("alerts.renew", "POST"): referrer_only(to("/mijn-zoekopdrachten/")),
    ("alerts.stop", "POST"): referrer_only(to("/mijn-zoekopdrachten/")),
    ("alerts.link", "GET"): every(200),  # the signed token in the mail is the credential
    ("alerts.link", "POST"): every(200),
    ("api.search", "GET"): every(200),
    ("api.openapi", "GET"): every(200),
    ("aanbieder.home", "GET"): {"anonymous": LOGIN, "verwijzer": 403, "aanbieder_b": 200, "aanbieder_own": 200,
                                "contractmanager": 200, "beheerder": 200, "contractmanager_other": HIDES, "beheerder_other": HIDES,
                                "contractmanager_noregion": 403},
    ("aanbieder.provider", "GET"): provider_read(200),
    ("aanbieder.row", "GET"): provider_read(to("/aanbieder/")),
    ("aanbieder.history", "GET"): provider_read(200),
    ("aanbieder.edit", "GET"): provider_edit(200),
    ("aanbieder.edit", "POST"): provider_edit(to("/aanbieder/")),
    ("aanbieder.confirm", "POST"): provider_edit(to("/aanbieder/")),
    ("aanbieder.confirm_all", "POST"): provider_edit(to("/aanbieder/")),
    ("aanbieder.answer", "POST"): provider_edit(to("/aanbieder/")),  # "klopt wel" on a report: the provider itself only
    # Signed reminder links: the token is the credential, whoever holds it (see tests/services/test_signed_links.py).
    ("aanbieder.link", "GET"): every(200),
    ("aanbieder.link", "POST"): every(200),
    ("aanbieder.link_end", "POST"): every(to("/")),
    ("contract.index", "GET"): staff(200),
    ("contract.waiting", "GET"): staff(200),
    ("contract.quality_view", "GET"): staff(200),
    ("contract.gaps", "GET"): staff(200),
    ("contract.provider", "GET"): staff(200, other=404),
    ("contract.log_call", "POST"): staff(to("/contract/aanbieder/"), other=404),
    ("contract.export", "GET"): staff(200),
    ("contract.realised", "GET"): staff(200),
    ("contract.shortage", "GET"): staff(200),
    ("contract.quarterly", "GET"): staff(200),
    ("contract.quarterly_xlsx", "GET"): staff(200),
    ("contract.quarterly_csv", "GET"): staff(200),
    ("beheer.index", "GET"): admin(200),
    ("beheer.import_register", "GET"): admin(200),
    # Keeping the first region's register; posts without a valid form answer 400 (reached, not refused),
    # the contact details with a real change (so a refusal that failed open would show).
    ("beheer.region_home", "GET"): region_admin(200),
    ("beheer.products", "GET"): region_admin(200),
    ("beheer.product_new", "GET"): region_admin(200),
    ("beheer.product_new", "POST"): region_admin(400),
    ("beheer.product_edit", "GET"): region_admin(200),
    ("beheer.product_edit", "POST"): region_admin(400),
    ("beheer.product_active", "POST"): region_admin(400),
    ("beheer.settings", "GET"): region_admin(200),
    ("beheer.settings", "POST"): region_admin(400),
    ("beheer.providers", "GET"): region_admin(200),
    ("beheer.provider_new", "GET"): region_admin(200),
    ("beheer.provider_new", "POST"): region_admin(400),
    ("beheer.provider", "GET"): region_admin(200),
    ("beheer.provider", "POST"): region_admin(to("/beheer/regio/")),
    ("beheer.location_new", "GET"): region_admin(200),
    ("beheer.location_new", "POST"): region_admin(400),
    ("beheer.location_edit", "GET"): region_admin(200),
    ("beheer.location_edit", "POST"): region_admin(400),
    ("beheer.contract_new", "GET"): region_admin(200),
    ("beheer.contract_new", "POST"): region_admin(400),
    ("beheer.contract_list", "GET"): region_admin(200),
    ("beheer.contract_end", "GET"): region_admin(200),
    ("beheer.contract_end", "POST"): region_admin(400),
    ("beheer.contracts_extend", "GET"): region_admin(200),
    ("beheer.contracts_extend", "POST"): region_admin(400),
    ("aanbieder.contacts", "GET"): own_provider_only(200),
    ("aanbieder.contacts", "POST"): own_provider_only(to("/aanbieder/")),
    ("beheer.import_register", "POST"): admin(200, other=403),  # into the first region, by name
    ("beheer.export_offerings_csv", "GET"): admin(200, other=404),
    ("beheer.export_products_csv", "GET"): admin(200, other=404),
    # Users of the first region (another region's beheerder: its own users, or 404 for ours).
    ("beheer_users.index", "GET"): admin(200),
    ("beheer_users.invite", "GET"): admin(200),
    ("beheer_users.invite", "POST"): admin(to("/beheer/gebruikers/"), other=400),  # the first region is not among its choices
    ("beheer_users.detail", "GET"): admin(200, other=404),
    ("beheer_users.detail", "POST"): admin(to("/beheer/gebruikers/"), other=404),
    ("beheer_users.deactivate", "POST"): admin(to("/beheer/gebruikers/"), other=404),
    ("beheer_users.reactivate", "POST"): admin(to("/beheer/gebruikers/"), other=404),
    ("beheer_users.resend", "POST"): admin(to("/beheer/gebruikers/"), other=404),
    ("beheer_audit.index", "GET"): admin(200),
    ("beheer_audit.export_csv", "GET"): admin(200),
    # The gezinshuis coordination point's request log and steering figures: the coordinator (every staff user
    # here holds the right) of the first region; another region's coordinator sees its own region, or 404
    # for a request of the first region. Posts without a valid form answer 400 (reached, not refused).
    ("gezinshuis.requests", "GET"): staff(200),
    ("gezinshuis.request_new", "GET"): staff(200),
    ("gezinshuis.request_new", "POST"): staff(400, other=400),
    ("gezinshuis.request_outcome", "GET"): staff(200, other=404),
    ("gezinshuis.request_outcome", "POST"): staff(400, other=404),
    ("gezinshuis.steering", "GET"): staff(200),
    ("gezinshuis.steering_export", "GET"): staff(200),
    ("colleagues.index", "GET"): colleagues(200, other=200),  # no id in the URL: one's own provider
    ("colleagues.index", "POST"): colleagues(to("/aanbieder/collegas/"), other=to("/aanbieder/collegas/")),
    ("colleagues.deactivate", "POST"): colleagues(to("/aanbieder/collegas/")),
    ("colleagues.reactivate", "POST"): colleagues(to("/aanbieder/collegas/")),
    ("colleagues.resend", "POST"): colleagues(to("/aanbieder/collegas/")),
    # A gezinshuis's profile and its monthly endings: the provider's own locations only.
    ("aanbieder.gezinshuis", "GET"): provider_edit(200),
    ("aanbieder.gezinshuis", "POST"): provider_edit(to("/aanbieder/")),
    ("aanbieder.gezinshuis_endings", "POST"): provider_edit(to("/aanbieder/")),
    # The coordination point: the contract managers here hold the coordinator right, the administrators do not.
    ("gezinshuis.overview", "GET"): staff(200),
    ("gezinshuis.best_match", "GET"): {**staff(200), "verwijzer": 200},
}
SKIPPED = {"static"}  # files, no code behind them
IGNORED_METHODS = {"HEAD", "OPTIONS"}  # answered by Flask itself like the GET / with the Allow header
LAST = {("auth.logout", "POST"), ("auth.logout_everywhere", "POST")}  # end the session: after everything else, each on a fresh login


def test_every_route_and_method_is_in_the_matrix(app):
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in SKIPPED
        for method in rule.methods - IGNORED_METHODS
    }
    assert routes - set(MATRIX) == set(), "new route(s): add them to MATRIX with the outcome for each role"
    assert set(MATRIX) - routes == set(), "MATRIX lists routes that no longer exist"
    for key, outcomes in MATRIX.items():
        assert set(outcomes) == set(ROLES), key


def _world(app) -> dict:
    """Search data, providers A and B with offerings, one user per role, and tokens. Commits."""
    with app.app_context():
        w = search_world()
        a_offering, b_offering = w["linde"], w["peel"]
        users = {
            "verwijzer": factories.user("verwijzer", referrer_type="02"),
            # An organisation administrator, so the 'Collega's' pages are within reach of the provider columns.
            "aanbieder": factories.user("aanbieder", provider_id=a_offering.provider_id, is_org_admin=True),
            "contractmanager": factories.user("contractmanager", region_id=w["region"].id, is_coordinator=True),
            "beheerder": factories.user("beheerder", region_id=w["region"].id, is_coordinator=True),
        }
        # A second region with its own provider C, and staff of that region.
        other = factories.region("Andere regio")
        c_offering = factories.offering(factories.location(factories.provider("Zuiderhuis")), factories.product("43A10", "Gezinshuis", other))
        users["contractmanager_other"] = factories.user("contractmanager", region_id=other.id, is_coordinator=True)
        users["beheerder_other"] = factories.user("beheerder", region_id=other.id, is_coordinator=True)
        users["contractmanager_noregion"] = factories.user("contractmanager", region_id=None, is_coordinator=True)
        placement = PlacementRequest(region_id=w["region"].id, age_band="12-15", requested_week=dt.date(2026, 1, 5), outcome="wachtend")
        db.session.add(placement)
        spare = factories.user("verwijzer", referrer_type="01")  # whose password-reset link we open
        reports = {key: Feedback(offering_id=o.id, reason="wachttijd") for key, o in (("fa", a_offering), ("fb", b_offering))}
        db.session.add_all(reports.values())
        invited = factories.user("verwijzer", referrer_type="01", invited_at=utcnow())  # whose invitation we open
        # Accounts the user pages act on: of the first region, and colleagues at providers A and B.
        target = factories.user("contractmanager", region_id=w["region"].id, email="doel@regio.example")
        pending = factories.user("contractmanager", region_id=w["region"].id, email="uitgenodigd@regio.example", invited_at=utcnow())
        colleague_a = factories.user("aanbieder", provider_id=a_offering.provider_id, email="collega@linde.example", invited_at=utcnow())
        planner_b = factories.user("aanbieder", provider_id=b_offering.provider_id, email="planner@peel.example", invited_at=utcnow())
        db.session.commit()
        # A plek-alert of the referrer (its own column acts on it; other roles never reach it).
        alert = SearchAlert(user_id=users["verwijzer"].id, query="locatie=5701&leeftijd=12&product=gezinshuis",
                            expires_at=utcnow() + dt.timedelta(days=30), product_ids="")
        db.session.add(alert)
        db.session.commit()
        b_contract = db.session.scalar(db.select(Contract.id).where(Contract.provider_id == b_offering.provider_id))
        return {
            **{key: item.id for key, item in reports.items()},
            "a": a_offering.provider_id, "b": b_offering.provider_id, "a1": a_offering.id, "b1": b_offering.id, "c": c_offering.provider_id,
            "product": w["gezinshuis"].id, "b_location": b_offering.location_id, "b_contract": b_contract, "a_location": a_offering.location_id,
            "region": w["region"].id, "region_name": w["region"].name,
            "emails": {role: u.email for role, u in users.items()},
            "reset_token": accounts.make_reset_token(spare),
            "invitation_token": accounts.make_invitation_token(invited),
            "target": target.id, "pending": pending.id, "colleague_a": colleague_a.id, "planner_b": planner_b.id,
            "planner_b_hash": planner_b.password_hash,
            "confirm_token": signed_links.make_provider_token(b_offering.provider_id, "confirm"),
            "placement": placement.id,
            "alert": alert.id, "alert_token": alerts.make_token(alert.id, "stop"),
        }


def _user_id(endpoint: str, ids: dict, own: bool) -> int:
    """The account a user page acts on: a colleague at provider A (own) or B, else a first-region account."""
    if endpoint.startswith("colleagues."):
        return ids["colleague_a"] if own else ids["planner_b"]
    return ids["pending"] if endpoint == "beheer_users.resend" else ids["target"]


def _url(app, rule, ids: dict, own: bool) -> str:
    """The rule's URL with real ids: provider B's, or A's own for the 'aanbieder_own' column."""
    values = {
        "provider_id": ids["a"] if own else ids["b"],
        "offering_id": ids["a1"] if own else ids["b1"],
        "feedback_id": ids["fa"] if own else ids["fb"],
        "region_id": ids["region"],
        "product_id": ids["product"],
        "location_id": ids["a_location"] if own and rule.endpoint.startswith("aanbieder.gezinshuis") else ids["b_location"],
        "contract_id": ids["b_contract"],
        "user_id": _user_id(rule.endpoint, ids, own),
        "dataset": "maanden" if rule.endpoint == "gezinshuis.steering_export" else "naleving",
        "request_id": ids["placement"],
        "fmt": "csv",
        "quarter": last_full_quarter(dt.date.today()).key,
        "name": "meldingen",
        "alert_id": ids["alert"],
        "token": {"auth.reset_password": ids["reset_token"], "auth.accept_invitation": ids["invitation_token"],
                  "alerts.link": ids["alert_token"]}.get(rule.endpoint, ids["confirm_token"]),
    }
    with app.test_request_context():
        url = url_for(rule.endpoint, **{k: v for k, v in values.items() if k in rule.arguments})
    if rule.endpoint in ("search.index", "api.search"):
        url += "?locatie=5701&leeftijd=12&product=gezinshuis"
    if rule.endpoint == "search.shortlist":
        url += f"?aanbod={ids['a1']}&aanbod={ids['b1']}&locatie=5701&leeftijd=12&product=gezinshuis"
    if rule.endpoint == "gezinshuis.best_match":
        url += "?locatie=5701&leeftijd=13&broers=1&doelgroep=LVB"
    if rule.endpoint.startswith(("contract.", "gezinshuis.")):
        url += ("&" if "?" in url else "?") + f"regio={ids['region']}"  # the first region, asked for by name of its id
    return url


def _form(app, endpoint: str, token: str, ids: dict, offering_id: int) -> tuple[dict, str | None]:
    """A POST body for the endpoint: valid where refusal must be proven, invalid for public forms."""
    common = {"csrf_token": token}
    if endpoint in ("aanbieder.edit", "aanbieder.confirm", "aanbieder.confirm_all"):
        # A real change with the version on screen: if authorization failed open, the figures would change.
        with app.app_context():
            version = str(db.session.get(Offering, offering_id).version)
        return {**common, "version": version, "layout": "row", "capacity": "6", "free_places": "0", "waiting_weeks": "5",
                "intake_status": "open", "note": "via de matrix", f"version-{offering_id}": version}, None
    if endpoint == "aanbieder.answer":
        # A valid answer: if authorization failed open, provider B's report would be answered.
        return {**common, "text": "Klopt: de wachttijd is echt 10 weken"}, None
    if endpoint in ("beheer.product_edit", "beheer.location_edit"):
        return {**common, "code": "X", "postcode": "geen postcode"}, None  # fields left out keep the stored values
    if endpoint in ("beheer.provider", "aanbieder.contacts"):
        return {**common, "intake_email": "matrix@aanbieder.example"}, None
    if endpoint == "aanbieder.gezinshuis":
        return {**common, "places_allowed": "4", "places_taken": "0", "age_min": "0", "age_max": "18", "notes": "via de matrix"}, None
    if endpoint == "aanbieder.gezinshuis_endings":
        return {**common, "month": dt.datetime.now(TZ).date().replace(day=1).isoformat(), "count": "2"}, None
    if endpoint == "contract.log_call":
        return {**common, "called_on": "", "called_time": "", "outcome": "bereikt", "note": "Gebeld"}, None
    if endpoint == "beheer.import_register":
        csv = b"code,naam,categorie,segment,vorm,trefwoorden\n49Z99,Matrixproduct,49,2,wonen,\n"
        return {**common, "kind": "products", "region": ids["region_name"], "file": (io.BytesIO(csv), "producten.csv")}, "multipart/form-data"
    if endpoint == "beheer_users.invite":
        return {**common, "name": "Matrix", "email": "matrix@invite.example", "role": "verwijzer", "referrer_type": "01",
                "region_id": str(ids["region"])}, None
    if endpoint == "beheer_users.detail":
        return {**common, "role": "verwijzer", "referrer_type": "04", "region_id": str(ids["region"])}, None
    if endpoint == "colleagues.index":
        return {**common, "name": "Collega Matrix", "email": "collega@matrix.example"}, None
    if endpoint == "alerts.save":
        return {**common, "q": "locatie=5701&leeftijd=12&product=gezinshuis"}, None
    if endpoint == "search.no_match":
        return {**common, "q": "locatie=5701&leeftijd=12&product=gezinshuis", "reason": ""}, None
    if endpoint == "auth.reset_request":
        return {**common, "email": "geen-adres"}, None
    if endpoint in ("auth.reset_password", "auth.accept_invitation"):
        return {**common, "password": "nieuw-wachtwoord-1", "password_repeat": "iets-anders-123"}, None
    return common, None  # login (empty: 400), logout, link, link_end


def _client_for(app, role: str, ids: dict):
    """A test client logged in through the real login form (anonymous: not logged in)."""
    client = app.test_client()
    if role != "anonymous":
        user_key = "aanbieder" if role.startswith("aanbieder_") else role
        token = csrf_token(client, "/account/inloggen")
        response = client.post("/account/inloggen", data={"email": ids["emails"][user_key], "password": "wachtwoord-123", "csrf_token": token})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _call_log_form(client, ids, provider_key: str = "b") -> dict:
    """contract.log_call needs today's date and time; take them from the dossier form the page offers."""
    html = client.get(f"/contract/aanbieder/{ids[provider_key]}").get_data(as_text=True)
    day = re.search(r'name="called_on"[^>]*value="([^"]+)"', html)
    time = re.search(r'name="called_time"[^>]*value="([^"]+)"', html)
    assert day and time, "the dossier has no call form with today's date and time"
    return {"called_on": day.group(1), "called_time": time.group(1)}


def _text(response) -> str:
    """What a response shows: its text, or every cell of a workbook."""
    if response.mimetype == XLSX_MIMETYPE:
        workbook = openpyxl.load_workbook(io.BytesIO(response.get_data()))
        return "\n".join(str(v) for ws in workbook for row in ws.iter_rows(values_only=True) for v in row if v is not None)
    return response.get_data(as_text=True)


def _check(outcome, response, what) -> None:
    if outcome == HIDES:
        body = _text(response)
        assert response.status_code == 200, (what, response.status_code, body[:300])
        assert "Huize Peel" not in body and FIRST_REGION not in body, (what, "shows the first region's data")
    elif outcome == LOGIN:
        assert response.status_code == 302, (what, response.status_code)
        assert "/account/inloggen" in response.headers["Location"], (what, response.headers["Location"])
    elif isinstance(outcome, tuple):
        assert response.status_code == 302, (what, response.status_code, response.get_data(as_text=True)[:300])
        location = re.sub(r"^https?://[^/]+", "", response.headers["Location"])
        assert location.startswith(outcome[1]) and "/account/inloggen" not in location, (what, location)
    else:
        assert response.status_code == outcome, (what, response.status_code, response.get_data(as_text=True)[:300])


def _b_untouched(ids) -> bool:
    b1 = db.session.get(Offering, ids["b1"])
    changes = db.session.scalar(db.select(db.func.count()).select_from(OfferingChange).where(OfferingChange.offering_id == ids["b1"]))
    return (b1.version, b1.waiting_weeks, b1.note, changes) == (1, 10, "", 0)


@pytest.mark.parametrize("role", ROLES)
def test_authorization_matrix(app, role):
    ids = _world(app)
    client = _client_for(app, role, ids)
    own = role == "aanbieder_own"
    token = csrf_token(client, "/account/wachtwoord-vergeten")
    requests = [
        (rule, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint not in SKIPPED
        for method in sorted(rule.methods - IGNORED_METHODS)
    ]
    requests.sort(key=lambda rm: (rm[0].endpoint, rm[1]) in LAST)
    for rule, method in requests:
        expected = MATRIX[(rule.endpoint, method)][role]
        url = _url(app, rule, ids, own)
        what = (role, method, url)
        if (rule.endpoint, method) in LAST:
            client = _client_for(app, role, ids)
            token = csrf_token(client, "/account/wachtwoord-vergeten")
        if method == "GET":
            response = client.get(url)
        else:
            data, content_type = _form(app, rule.endpoint, token, ids, ids["a1"] if own else ids["b1"])
            if rule.endpoint == "contract.log_call" and role in STAFF:
                # A valid call: if the region check failed open, it would be stored. The date and time come from
                # a dossier the user may open (their own region's provider C; without a region: the clock).
                if role == "contractmanager_noregion":
                    now = dt.datetime.now(TZ) - dt.timedelta(minutes=1)
                    data.update(called_on=f"{now:%Y-%m-%d}", called_time=f"{now:%H:%M}")
                else:
                    data.update(_call_log_form(client, ids, "c" if role.endswith("_other") else "b"))
            response = client.post(url, data=data, content_type=content_type)
        _check(expected, response, what)

    # What was refused changed nothing; what was allowed really happened (so the refusals mean something).
    with app.app_context():
        assert _b_untouched(ids), "provider B's offering changed"
        assert db.session.get(Feedback, ids["fb"]).answered_at is None, "provider B's report was answered"
        assert (db.session.get(Feedback, ids["fa"]).answered_at is not None) is own
        calls = db.session.scalar(db.select(db.func.count()).select_from(CallLog))
        assert calls == (1 if role in ("contractmanager", "beheerder") else 0)
        imported = db.session.scalar(db.select(db.func.count()).select_from(Product).where(Product.code == "49Z99"))
        assert imported == (1 if role == "beheerder" else 0)
        a1 = db.session.get(Offering, ids["a1"])
        assert (a1.note == "via de matrix") is own
        emails = {db.session.get(Provider, ids[key]).intake_email for key in ("a", "b")}
        assert ("matrix@aanbieder.example" in emails) is (role in ("beheerder", "aanbieder_own"))
        emails = set(db.session.scalars(db.select(User.email)))
        assert ("matrix@invite.example" in emails) is (role == "beheerder")
        assert (db.session.get(User, ids["target"]).role == "verwijzer") is (role == "beheerder")
        assert ("collega@matrix.example" in emails) is role.startswith("aanbieder_")
        planner_b = db.session.get(User, ids["planner_b"])
        assert planner_b.active and planner_b.password_hash == ids["planner_b_hash"], "provider B's user was changed"
        profiles = {p.location_id: p.notes for p in db.session.scalars(db.select(GezinshuisProfile))}
        assert profiles == ({ids["a_location"]: "via de matrix"} if own else {}), "a gezinshuis profile changed"
        endings = set(db.session.scalars(db.select(GezinshuisEnding.location_id)))
        assert endings == ({ids["a_location"]} if own else set()), "endings reported for another provider's home"
        events = set(db.session.scalars(db.select(AuditEvent.action)))
        # The contact details change is the register's one real change (its other posts are refused as invalid).
        expected = {"beheerder": {"user.invite", "user.role", "user.deactivate", "user.reactivate", "user.resend", "provider.update"},
                    "aanbieder_own": {"user.invite", "user.deactivate", "user.reactivate", "user.resend", "provider.update", "gezinshuis.update"},
                    "aanbieder_b": {"user.invite"}}
        assert events == expected.get(role, set()), (role, events)
