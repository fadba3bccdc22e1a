"""Keeping the register in the browser (issue 16): what a regional beheerder notices.

Add a product and find it with a typed need; contract a provider at a new location and see it in
search; end the contract and see it leave search and the compliance denominator; change the
compliance target and see the compliance page follow; every change in the audit trail; bad input
a Dutch 4xx with nothing saved.
"""
from __future__ import annotations

import datetime as dt

import pytest

from beschikbaarheid.contract.compliance import current_compliance
from beschikbaarheid.contract.region import context_for
from beschikbaarheid.domain.freshness import local_date
from beschikbaarheid.extensions import db
from beschikbaarheid.models import AuditEvent, Contract, Location, Offering, Product, Provider, Region, utcnow
from tests import factories
from tests.helpers import csrf_token

SEARCH = "/zoeken/?locatie=5701&leeftijd=12&product="


def results(client, need: str) -> str:
    """The search's results region for a typed need (as htmx asks for it: no page around it, no flashes)."""
    return client.get(SEARCH + need, headers={"HX-Request": "true", "HX-Target": "resultaten"}).get_data(as_text=True)


@pytest.fixture
def admin(app, client, login):
    """The search world of region 'Een 10 voor de Jeugd', its beheerder logged in; the ids."""
    with app.app_context():
        w = factories.search_world()
        user = factories.user("beheerder", region_id=w["region"].id)
        db.session.commit()
        ids = {"region": w["region"].id, "linde": w["linde"].provider_id, "linde_offering": w["linde"].id,
               "gezinshuis": w["gezinshuis"].id, "user": user.id}
        login(user)
    return ids


def base(ids) -> str:
    return f"/beheer/regio/{ids['region']}"


def post(client, page: str, data: dict, url: str | None = None):
    """Post a form the way the browser does: with the token of the page it came from."""
    return client.post(url or page, data={"csrf_token": csrf_token(client, page), **data})


def events(app, action: str | None = None) -> list[AuditEvent]:
    with app.app_context():
        query = db.select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        rows = db.session.scalars(query).all()
        db.session.expunge_all()
        return rows


def count(app, model) -> int:
    with app.app_context():
        return db.session.scalar(db.select(db.func.count()).select_from(model))


PRODUCT = {"code": "43b77", "name": "Logeerhuis", "segment": "3", "form": "deeltijd", "keywords": "weekendopvang, logeerweekend",
           "description": "", "waiting_norm_weeks": "8"}


# -- catalogue -------------------------------------------------------------------------------------


def test_added_product_is_found_by_a_typed_need_and_recorded(app, client, admin):
    response = post(client, f"{base(admin)}/producten/nieuw", PRODUCT)
    assert response.status_code == 302
    page = client.get(f"{base(admin)}/producten?hulpvraag=logeerweekend").get_data(as_text=True)
    assert "43B77 Logeerhuis" in page and "de naam of een trefwoord lijkt op de hulpvraag" in page
    with app.app_context():
        product = db.session.scalar(db.select(Product).where(Product.code == "43B77"))
        assert (product.category, product.segment, product.form, product.waiting_norm_weeks) == ("43", 3, "deeltijd", 8)
    [event] = events(app, "product.create")
    assert event.summary == "43B77 Logeerhuis" and event.changes["code"] == [None, "43B77"] and event.actor_id == admin["user"]


def test_try_a_need_shows_why_and_what_is_not_recognised(app, client, admin):
    page = client.get(f"{base(admin)}/producten?hulpvraag=43A10").get_data(as_text=True)
    assert "43A10 Gezinshuis" in page and "de productcode is getypt" in page
    page = client.get(f"{base(admin)}/producten?hulpvraag=ambulante+hulp").get_data(as_text=True)
    assert "45A01 Ambulante jeugdhulp" in page
    response = client.get(f"{base(admin)}/producten?hulpvraag=", headers={"HX-Request": "true"})
    assert response.status_code == 400 and "Typ een hulpvraag" in response.get_data(as_text=True)
    page = client.get(f"{base(admin)}/producten?hulpvraag=zwemles").get_data(as_text=True)
    assert "We herkennen de hulpvraag" in page


@pytest.mark.parametrize(("change", "message"), [
    ({"code": "43A09"}, "Productcode 43A09 bestaat al in deze regio (Pleegzorg)."),
    ({"code": "99A01"}, "iJw-categorie 40 tot en met 55"),
    ({"code": "A10"}, "iJw-categorie 40 tot en met 55"),
    ({"name": ""}, "Vul de naam van het product in."),
    ({"segment": "7"}, "Kies een segment (1 tot en met 5)."),
    ({"segment": "twee"}, "Kies een segment (1 tot en met 5)."),
    ({"form": "zwemmen"}, "Kies een vorm van hulp."),
    ({"waiting_norm_weeks": "veel"}, "Vul de norm in als een heel aantal weken"),
])
def test_bad_product_is_refused_in_dutch_and_nothing_is_saved(app, client, admin, change, message):
    before = count(app, Product)
    response = post(client, f"{base(admin)}/producten/nieuw", {**PRODUCT, **change})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert count(app, Product) == before and events(app) == []


def test_editing_a_product_records_old_and_new(app, client, admin):
    page = f"{base(admin)}/producten/{admin['gezinshuis']}"
    response = post(client, page, {**PRODUCT, "code": "43A10", "name": "Gezinshuis", "segment": "2", "form": "wonen", "keywords": "gezinshuizen"})
    assert response.status_code == 302
    [event] = events(app, "product.update")
    assert event.changes["keywords"] == ["", "gezinshuizen"] and "code" not in event.changes


def test_deactivated_product_leaves_the_search_and_comes_back(app, client, admin):
    assert "De Linde" in results(client, "gezinshuis")
    page = f"{base(admin)}/producten/{admin['gezinshuis']}"
    assert "in gebruik" in client.get(page).get_data(as_text=True)
    assert post(client, page, {"active": "0"}, f"{page}/actief").status_code == 302
    found = results(client, "gezinshuis")
    assert "De Linde" not in found
    assert "Gezinshuis" not in client.get(f"{base(admin)}/producten?hulpvraag=43A10").get_data(as_text=True).split("hulpvraag-uitkomst")[1]
    with app.app_context():  # deactivated, never deleted: contracts and offerings stay
        assert db.session.get(Product, admin["gezinshuis"]) is not None and db.session.get(Offering, admin["linde_offering"]) is not None
    assert post(client, page, {"active": "1"}, f"{page}/actief").status_code == 302
    assert "De Linde" in results(client, "gezinshuis")
    assert [e.action for e in events(app)] == ["product.deactivate", "product.update"]
    assert post(client, page, {"active": "misschien"}, f"{page}/actief").status_code == 400


# -- providers and locations ------------------------------------------------------------------------


@pytest.mark.parametrize(("field", "value", "message"), [
    ("intake_email", "intake@", "Vul een geldig e-mailadres in"),
    ("intake_phone", "bel ons", "Vul een telefoonnummer in met minstens 6 cijfers"),
    ("crisis_phone", "112", "Vul een telefoonnummer in met minstens 6 cijfers"),
    ("website", "www.delinde", "Vul het volledige webadres in"),
])
def test_bad_contact_details_are_refused_in_dutch(app, client, admin, field, value, message):
    page = f"{base(admin)}/aanbieders/{admin['linde']}"
    data = {"intake_email": "intake@delinde.example", "intake_phone": "0492-123456", "crisis_phone": "", "website": "https://delinde.example"}
    response = post(client, page, {**data, field: value})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and f'aria-describedby="{field}-error' in html.replace(f'{field}-hint ', '')
    assert events(app) == []


def test_contact_details_change_is_saved_and_recorded(app, client, admin):
    page = f"{base(admin)}/aanbieders/{admin['linde']}"
    data = {"intake_email": "aanmelden@delinde.example", "intake_phone": "0492-123456", "crisis_phone": "088-7654321", "website": "https://delinde.example"}
    assert post(client, page, data).status_code == 302
    with app.app_context():
        provider = db.session.get(Provider, admin["linde"])
        assert (provider.intake_email, provider.crisis_phone) == ("aanmelden@delinde.example", "088-7654321")
    [event] = events(app, "provider.update")
    assert event.changes["crisis_phone"] == [None, "088-7654321"] and event.region_id == admin["region"]


def test_new_provider_gets_a_location_and_a_contract_and_is_found(app, client, admin):
    page = f"{base(admin)}/aanbieders/nieuw"
    response = post(client, page, {"name": "  Jeugdhulp  De Kempen ", "intake_email": "intake@dekempen.example",
                                   "intake_phone": "040-1234567", "crisis_phone": "", "website": ""})
    assert response.status_code == 302
    with app.app_context():
        provider = db.session.scalar(db.select(Provider).where(Provider.name == "Jeugdhulp De Kempen"))
        assert provider.intake_email == "intake@dekempen.example"
    assert "Jeugdhulp De Kempen" in client.get(f"{base(admin)}/aanbieders").get_data(as_text=True)
    [event] = events(app, "provider.create")
    assert event.region_id == admin["region"] and event.changes["name"] == [None, "Jeugdhulp De Kempen"]
    provider_page = f"{base(admin)}/aanbieders/{provider.id}"
    assert post(client, provider_page + "/locaties/nieuw", {"name": "De Kempen Helmond", "postcode": "5701"}).status_code == 302
    with app.app_context():
        location = db.session.scalar(db.select(Location).where(Location.provider_id == provider.id))
    contract = {"product_code": "43A10", "location_id": str(location.id), "valid_from": local_date(utcnow()).isoformat(), "valid_until": ""}
    assert post(client, provider_page + "/contract", contract).status_code == 302
    with app.app_context():
        offering = db.session.scalar(db.select(Offering).where(Offering.provider_id == provider.id))
        offering.waiting_weeks, offering.free_places, offering.capacity = 2, 1, 4
        db.session.commit()
    assert "Jeugdhulp De Kempen" in results(client, "gezinshuis")


@pytest.mark.parametrize(("data", "message"), [
    ({"name": ""}, "Vul de naam van de aanbieder in."),
    ({"name": "De Linde"}, "Er is al een aanbieder met de naam"),
    ({"name": "de linde "}, "Er is al een aanbieder met de naam"),
    ({"name": "Nieuw", "intake_email": "intake@"}, "Vul een geldig e-mailadres in"),
    ({"name": "Jansen, geboren 12-03-2014"}, "cliënt"),
])
def test_bad_new_provider_is_refused_in_dutch_and_nothing_is_saved(app, client, admin, data, message):
    with app.app_context():
        before = db.session.scalar(db.select(db.func.count()).select_from(Provider))
    response = post(client, f"{base(admin)}/aanbieders/nieuw", data)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(Provider)) == before
    assert events(app) == []


def _new_location(client, ids, **extra):
    page = f"{base(ids)}/aanbieders/{ids['linde']}/locaties/nieuw"
    return post(client, page, {"name": "Gezinshuis Brandevoort", "street": "Kerkstraat 12", "postcode": "5701 ab", "woonplaats": "Helmond", **extra})


def test_location_is_placed_by_its_postcode(app, client, admin):
    assert _new_location(client, admin).status_code == 302
    with app.app_context():
        loc = db.session.scalar(db.select(Location).where(Location.name == "Gezinshuis Brandevoort"))
        assert (loc.postcode, loc.street, round(loc.lat, 4), round(loc.lon, 4)) == ("5701 AB", "Kerkstraat 12", 51.4786, 5.6597)
        assert loc.municipality.name == "Helmond"
    [event] = events(app, "location.create")
    assert event.changes["postcode"] == [None, "5701 AB"]


def test_location_far_from_its_postcode_is_questioned_then_saved_once_confirmed(app, client, admin):
    far = {"lat": "51,60", "lon": "5,6597"}  # about 13 km north of 5701's centre
    response = _new_location(client, admin, **far)
    assert response.status_code == 422
    assert "km van het midden van postcode 5701" in response.get_data(as_text=True)
    assert count(app, Location) == 9 and events(app) == []
    assert _new_location(client, admin, **far, confirm_far="y").status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(Location.lat).where(Location.name == "Gezinshuis Brandevoort")) == 51.6


@pytest.mark.parametrize(("extra", "status", "message"), [
    ({"postcode": "57011"}, 400, "Vul een Nederlandse postcode in"),
    ({"postcode": "9999"}, 400, "Postcode 9999 is niet gevonden"),
    ({"lat": "5,66", "lon": "51,47"}, 400, "lat en lon verwisseld"),
    ({"lat": "51,47"}, 400, "Vul beide coördinaten in"),
    ({"name": "Locatie De Linde"}, 400, "heeft al een locatie met de naam"),
    ({"street": "Kerkstraat 12, BSN 123456782"}, 400, "burgerservicenummer"),
])
def test_bad_location_is_refused_in_dutch_and_nothing_is_saved(app, client, admin, extra, status, message):
    response = _new_location(client, admin, **extra)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert count(app, Location) == 9 and events(app) == []


# -- contracts ------------------------------------------------------------------------------------


def _contract(client, ids, location_id, **extra):
    page = f"{base(ids)}/aanbieders/{ids['linde']}/contract"
    form = {"product_code": "43B77", "location_id": str(location_id), "valid_from": "2020-01-01", "valid_until": ""}
    return post(client, page, {**form, **extra})


def _location_id(app, name="Gezinshuis Brandevoort") -> int:
    with app.app_context():
        return db.session.scalar(db.select(Location.id).where(Location.name == name))


def test_product_contracted_at_a_new_location_is_found_then_leaves_search_when_ended(app, client, admin):
    assert post(client, f"{base(admin)}/producten/nieuw", PRODUCT).status_code == 302
    assert _new_location(client, admin).status_code == 302
    assert "Gezinshuis Brandevoort" not in results(client, "logeerhuis")
    response = _contract(client, admin, _location_id(app))
    assert response.status_code == 302
    assert "Gezinshuis Brandevoort" in results(client, "logeerhuis")
    with app.app_context():
        contract = db.session.scalar(db.select(Contract).join(Product).where(Product.code == "43B77"))
        contract_id = contract.id
        offering = db.session.scalar(db.select(Offering).where(Offering.location_id == _location_id(app), Offering.product_id == contract.product_id))
        assert offering is not None and offering.provider_id == admin["linde"]
    [created] = events(app, "contract.create")
    assert created.changes["valid_from"] == [None, "2020-01-01"] and "offering" in created.changes

    yesterday = local_date(utcnow()) - dt.timedelta(days=1)
    page = f"{base(admin)}/contracten/{contract_id}/beeindigen"
    assert post(client, page, {"end": yesterday.isoformat()}).status_code == 302
    assert "Gezinshuis Brandevoort" not in results(client, "logeerhuis")
    [ended] = events(app, "contract.end")
    assert ended.changes == {"valid_until": [None, yesterday.isoformat()]}


def test_ended_contract_leaves_the_compliance_denominator(app, client, admin):
    def contracted() -> int:
        with app.app_context():
            region = db.session.get(Region, admin["region"])
            return current_compliance(context_for(region, utcnow(), app.config)).total.contracted

    before = contracted()
    with app.app_context():
        contract_id = db.session.scalar(db.select(Contract.id).where(Contract.provider_id == admin["linde"]))
    yesterday = local_date(utcnow()) - dt.timedelta(days=1)
    assert post(client, f"{base(admin)}/contracten/{contract_id}/beeindigen", {"end": yesterday.isoformat()}).status_code == 302
    assert contracted() == before - 1
    assert "De Linde" not in results(client, "gezinshuis")


@pytest.mark.parametrize(("extra", "status", "message"), [
    ({"product_code": "43Z99"}, 400, "Productcode 43Z99 staat niet in de productcatalogus van Een 10 voor de Jeugd."),
    ({"valid_from": "2027-01-01", "valid_until": "2026-12-31"}, 400, "De einddatum ligt vóór de ingangsdatum."),
    ({"valid_from": "31-12-2026"}, 400, "Dit is geen geldige datum"),
    ({"product_code": "43A10"}, 409, "heeft al een contract voor 43A10 dat overlapt"),
    ({"location_id": "999999"}, 400, "Kies een locatie van deze aanbieder."),
    ({"location_id": "x"}, 400, "Kies een locatie van deze aanbieder."),
])
def test_bad_contract_is_refused_in_dutch_and_nothing_is_saved(app, client, admin, extra, status, message):
    assert _new_location(client, admin).status_code == 302
    before = (count(app, Contract), count(app, Offering), len(events(app)))
    form = {"product_code": "43A09", "location_id": str(_location_id(app)), **extra}
    response = _contract(client, admin, form.pop("location_id"), **form)
    assert response.status_code == status, response.get_data(as_text=True)[:400]
    assert message in response.get_data(as_text=True)
    assert (count(app, Contract), count(app, Offering), len(events(app))) == before


def test_contract_for_a_deactivated_product_is_refused(app, client, admin):
    assert post(client, f"{base(admin)}/producten/nieuw", PRODUCT).status_code == 302
    with app.app_context():
        db.session.scalar(db.select(Product).where(Product.code == "43B77")).active = False
        db.session.commit()
    before = count(app, Contract)
    response = _contract(client, admin, _location_id(app, "Locatie De Linde"))
    assert response.status_code == 409 and "is gedeactiveerd" in response.get_data(as_text=True)
    assert count(app, Contract) == before


def test_contracts_are_listed_with_whether_they_run_today(app, client, admin):
    region_page = client.get(f"{base(admin)}/contracten").get_data(as_text=True)
    assert "Oud Contract" in region_page and "31-12-2021" in region_page  # an expired contract stays listed
    assert region_page.count("Beëindigen") == 7  # the 7 running ones can be ended; the expired one not
    provider_page = client.get(f"{base(admin)}/aanbieders/{admin['linde']}").get_data(as_text=True)
    assert "43A10 Gezinshuis" in provider_page and "01-01-2020" in provider_page and "Locatie De Linde" in provider_page


def test_ending_before_the_start_is_refused(app, client, admin):
    with app.app_context():
        contract_id = db.session.scalar(db.select(Contract.id).where(Contract.provider_id == admin["linde"]))
    response = post(client, f"{base(admin)}/contracten/{contract_id}/beeindigen", {"end": "2019-12-31"})
    assert response.status_code == 400 and "vóór de ingangsdatum" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Contract, contract_id).valid_until is None


def test_contracts_ending_this_year_are_extended_after_a_preview(app, client, admin):
    with app.app_context():
        contracts = db.session.scalars(db.select(Contract).where(Contract.region_id == admin["region"], Contract.valid_until.is_(None))).all()
        for c in contracts[:3]:
            c.valid_until = dt.date(2026, 12, 31)
        contracts[3].valid_until = dt.date(2026, 6, 30)  # ends another day: stays
        db.session.commit()
        names = sorted(c.provider.name for c in contracts[:3])
    page = client.get(f"{base(admin)}/contracten/verlengen?jaar=2026").get_data(as_text=True)
    assert "3 contracten worden verlengd" in page and all(name in page for name in names) and "31-12-2027" in page
    assert events(app) == []  # a preview changes nothing
    response = post(client, f"{base(admin)}/contracten/verlengen?jaar=2026", {"year": "2026", "expected": "3"},
                    f"{base(admin)}/contracten/verlengen")
    assert response.status_code == 302
    with app.app_context():
        ends = sorted(str(u) for u in db.session.scalars(db.select(Contract.valid_until).where(Contract.valid_until.is_not(None))))
    assert ends.count("2027-12-31") == 3 and "2026-06-30" in ends
    assert len(events(app, "contract.extend")) == 3
    # The preview was of 3; the register changed since (nothing ends in 2026 any more): refused, nothing done.
    response = post(client, f"{base(admin)}/contracten/verlengen?jaar=2026", {"year": "2026", "expected": "3"},
                    f"{base(admin)}/contracten/verlengen")
    assert response.status_code == 409 and "Het aantal contracten is veranderd" in response.get_data(as_text=True)
    assert client.get(f"{base(admin)}/contracten/verlengen?jaar=tweeduizend").status_code == 400


# -- region settings ------------------------------------------------------------------------------

SETTINGS = {"compliance_target": "90", "waiting_norm_weeks": "14", "reminder_followup_days": "", "reminder_escalate_days": "", "search_default_km": ""}


def test_compliance_target_change_shows_on_the_compliance_page_and_is_recorded(app, client, admin):
    compliance = f"/contract/?regio={admin['region']}"
    assert "Doel: 90%" in client.get(compliance).get_data(as_text=True)
    assert post(client, f"{base(admin)}/instellingen", {**SETTINGS, "compliance_target": "75"}).status_code == 302
    assert "Doel: 75%" in client.get(compliance).get_data(as_text=True)
    [event] = events(app, "region.update")
    assert event.changes == {"compliance_target": ["0.9", "0.75"]}


def test_region_search_radius_is_the_searchs_default(app, client, admin):
    assert "binnen 15 km" in results(client, "gezinshuis")
    assert post(client, f"{base(admin)}/instellingen", {**SETTINGS, "search_default_km": "25"}).status_code == 302
    assert "binnen 25 km" in results(client, "gezinshuis")
    page = client.get(SEARCH + "gezinshuis").get_data(as_text=True)
    assert 'value="25"' in page and "Standaard 25 km" in page
    assert "binnen 10 km" in results(client, "gezinshuis&max_km=10")  # what the referrer chose still wins
    [event] = events(app, "region.update")
    assert event.changes == {"search_default_km": [None, "25.0"]}


@pytest.mark.parametrize(("change", "message"), [
    ({"compliance_target": "120"}, "Het nalevingsdoel ligt tussen 1 en 100 procent."),
    ({"compliance_target": ""}, "Vul het nalevingsdoel in"),
    ({"compliance_target": "90,5"}, "Vul een heel getal in."),
    ({"reminder_followup_days": "10", "reminder_escalate_days": "5"}, "De bellijst komt na de tweede herinnering"),
    ({"search_default_km": "0"}, "Vul 1 tot en met 300 km in"),
])
def test_bad_settings_are_refused_in_dutch_and_nothing_changes(app, client, admin, change, message):
    response = post(client, f"{base(admin)}/instellingen", {**SETTINGS, **change})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Region, admin["region"]).compliance_target == 0.9
    assert events(app) == []


# -- a provider's own details ------------------------------------------------------------------------


def test_provider_user_edits_its_own_contact_details_and_sees_its_locations(app, client, login):
    with app.app_context():
        w = factories.search_world()
        own, other = w["linde"].provider_id, w["peel"].provider_id
        user = factories.user("aanbieder", provider_id=own)
        db.session.commit()
        login(user)
    page = f"/aanbieder/{own}/gegevens"
    html = client.get(page).get_data(as_text=True)
    assert "Locatie De Linde" in html
    data = {"intake_email": "intake@delinde.example", "intake_phone": "0492-999999", "crisis_phone": "", "website": "https://delinde.example"}
    assert post(client, page, data).status_code == 302
    with app.app_context():
        assert db.session.get(Provider, own).intake_phone == "0492-999999"
    [event] = events(app, "provider.update")
    assert event.actor == user.email and event.changes["intake_phone"][1] == "0492-999999"
    assert client.get(f"/aanbieder/{other}/gegevens").status_code == 404
    response = post(client, page, {**data, "intake_email": "geen adres"})
    assert response.status_code == 400 and "Vul een geldig e-mailadres in" in response.get_data(as_text=True)


# -- whatever arrives: never a 5xx, never half saved ----------------------------------------------

BAD_VALUES = ["\x00", "9" * 40, "-1", "nan", "inf", "x" * 5000, "😀 ünïcode", "<script>", "2026-02-30", " "]


def _forms(ids, location_id: int, contract_id: int) -> list[tuple[str, dict]]:
    settings = dict(SETTINGS)
    return [
        (f"{base(ids)}/producten/nieuw", dict(PRODUCT)),
        (f"{base(ids)}/producten/{ids['gezinshuis']}", {**PRODUCT, "code": "43A10"}),
        (f"{base(ids)}/aanbieders/{ids['linde']}", {"intake_email": "a@b.nl", "intake_phone": "0492-123456", "crisis_phone": "", "website": ""}),
        (f"{base(ids)}/aanbieders/{ids['linde']}/locaties/nieuw", {"name": "Fuzz", "street": "", "postcode": "5701", "woonplaats": "", "lat": "51,48", "lon": "5,66"}),
        (f"{base(ids)}/aanbieders/{ids['linde']}/contract", {"product_code": "43A09", "location_id": str(location_id), "valid_from": "2026-01-01", "valid_until": ""}),
        (f"{base(ids)}/contracten/{contract_id}/beeindigen", {"end": "2030-01-01"}),
        (f"{base(ids)}/contracten/verlengen", {"year": "2026", "expected": "0"}),
        (f"{base(ids)}/instellingen", settings),
    ]


def test_bad_values_in_every_register_form_never_give_a_5xx_or_a_half_save(app, client, admin):
    with app.app_context():
        location_id = _location_id(app, "Locatie De Linde")
        contract_id = db.session.scalar(db.select(Contract.id).where(Contract.provider_id == admin["linde"]))
    token = csrf_token(client, f"{base(admin)}/instellingen")
    serial = 0
    for url, valid in _forms(admin, location_id, contract_id):
        for name in valid:
            for bad in BAD_VALUES:
                serial += 1
                # A fresh name and product code each time, so a bad value is not stopped early as a duplicate.
                fresh = {key: value for key, value in (("name", f"Fuzz {serial}"), ("code", f"43F{serial}")) if key in valid and "nieuw" in url}
                before = len(events(app))
                response = client.post(url, data={"csrf_token": token, **valid, **fresh, name: bad})
                assert response.status_code < 500, (url, name, bad)
                if response.status_code >= 400:
                    assert len(events(app)) == before, (url, name, bad, "half saved")
    with app.app_context():  # no NaN or infinite coordinate got in
        assert all(-90 <= lat <= 90 for lat in db.session.scalars(db.select(Location.lat)))
