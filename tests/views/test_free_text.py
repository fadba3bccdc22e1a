"""No client data and no control characters in any free-text field: provider note, no-match reason,
import form; and every StringField/TextAreaField of every form carries the shared validator."""
from __future__ import annotations

import importlib
import io
import pkgutil

import pytest
from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField

import beschikbaarheid
from beschikbaarheid.extensions import db
from beschikbaarheid.free_text import FreeText
from beschikbaarheid.models import NoMatchReport, Offering, OfferingChange, Region
from beschikbaarheid.services.offerings import ClientDataRefused, apply_update
from tests import factories
from tests.helpers import csrf_token


def _provider_offering():
    provider = factories.provider("Zonnehuis", intake_email="intake@zonnehuis.example", intake_phone="040-1234567")
    loc = factories.location(provider, "Helmond-Oost")
    loc.street = "Kerkstraat 12"
    offering = factories.offering(loc, factories.product("43A10", "Gezinshuis"), capacity=6, free_places=1, waiting_weeks=4)
    user = factories.user("aanbieder", email="planner@zonnehuis.example", provider_id=provider.id)
    db.session.commit()
    return offering.id, user


def _save_note(client, oid, note):
    token = csrf_token(client, f"/aanbieder/aanbod/{oid}/bewerken")
    data = {"csrf_token": token, "version": "1", "layout": "page", "capacity": "6", "free_places": "1", "waiting_weeks": "4",
            "intake_status": "open", "age_min": "0", "age_max": "18", "note": note}
    return client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=data)


@pytest.mark.parametrize(("note", "message"), [
    ("Zoon van fam. X, BSN 1234.56.782", "burgerservicenummer (BSN)"),
    ("Sanne, geboren 13 maart 2015, Molenweg 4", "geboortedatum"),
    ("Moeder bereikbaar via ouder@example.com", "e-mailadres"),
    ("Vader belt terug: 06 1234 5678", "telefoonnummer"),
    ("Mijn dochter heeft een plek nodig", "bepaald kind of gezin"),
    ("Spoed\x07 in overleg", "stuurteken"),
])
def test_provider_note_with_client_data_is_refused_and_nothing_is_saved(app, client, login, note, message):
    with app.app_context():
        oid, user = _provider_offering()
        login(user)
    response = _save_note(client, oid, note)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html and 'id="note-error"' in html
    with app.app_context():
        assert db.session.get(Offering, oid).note == "" and db.session.get(Offering, oid).version == 1
        assert db.session.scalars(db.select(OfferingChange).where(OfferingChange.offering_id == oid)).all() == []


def test_provider_note_may_name_the_providers_own_intake_number_and_address(app, client, login):
    with app.app_context():
        oid, user = _provider_offering()
        login(user)
    note = "Intake via 040-1234567 of intake@zonnehuis.example; wachttijd 6 weken, vanaf 1-9 weer plek.\nKerkstraat 12 is de ingang."
    response = _save_note(client, oid, note)
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(Offering, oid).note == note


def test_the_one_write_path_refuses_client_data_whoever_calls_it(app):
    with app.app_context():
        oid, _user = _provider_offering()
        offering = db.session.get(Offering, oid)
        with pytest.raises(ClientDataRefused, match="burgerservicenummer"):
            apply_update(offering, {"note": "BSN 123 456 782"}, author="script", via="api")
        assert offering.note == ""


def _flag(client, query, reason):
    token = csrf_token(client, "/zoeken/?" + query)
    return client.post("/zoeken/geen-passend-aanbod", data={"csrf_token": token, "q": query, "reason": reason})


@pytest.mark.parametrize(("reason", "message"), [
    ("BSN 111 222 333", "burgerservicenummer (BSN)"),
    ("J. de Vries, Kerkstraat 12", "adres (straat en huisnummer)"),
    ("bel moeder op 0612345678", "telefoonnummer"),
    ("jongen van 12, de moeder van hem is ziek", "bepaald kind of gezin"),
])
def test_no_match_reason_with_client_data_is_refused_and_nothing_is_stored(app, client, world, reason, message):
    response = _flag(client, "locatie=5701&leeftijd=12&product=gezinshuis", reason)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(NoMatchReport)).all() == []


def test_no_match_reason_about_the_supply_is_stored(app, client, world):
    response = _flag(client, "locatie=5701&leeftijd=12&product=gezinshuis", "Geen plek voor 16-jarige met LVB binnen 6 weken")
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalars(db.select(NoMatchReport)).one().reason == "Geen plek voor 16-jarige met LVB binnen 6 weken"


def test_region_name_with_a_control_character_is_refused_by_the_import_form(app, client, login):
    with app.app_context():
        login(factories.user("beheerder"))
        db.session.commit()
    token = csrf_token(client, "/beheer/import")
    form = {"kind": "products", "region": "Regio\x07Piep", "csrf_token": token,
            "file": (io.BytesIO(b"code,naam,segment,vorm\r\n43A10,Gezinshuis,2,wonen\r\n"), "p.csv")}
    response = client.post("/beheer/import", data=form, content_type="multipart/form-data")
    assert response.status_code == 400 and "stuurteken" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(Region)).all() == []


def _all_form_classes() -> set[type]:
    for module in pkgutil.walk_packages(beschikbaarheid.__path__, "beschikbaarheid."):
        importlib.import_module(module.name)
    found, todo = set(), [FlaskForm]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub not in found:
                found.add(sub)
                todo.append(sub)
    return {cls for cls in found if cls.__module__.startswith("beschikbaarheid.")}


def test_every_free_text_field_of_every_form_carries_the_shared_check(app):
    """A StringField or TextAreaField added later without FreeText() fails here (typed fields such as
    EmailField, PasswordField and HiddenField check their own format and are not free text)."""
    forms = _all_form_classes()
    assert {"CallLogForm", "NoMatchForm", "ImportForm", "LoginForm"} <= {cls.__name__ for cls in forms}
    checked, missing = [], []
    with app.test_request_context():
        for cls in forms:
            for field in cls(meta={"csrf": False}, formdata=None):
                if type(field) in (StringField, TextAreaField):
                    checked.append(f"{cls.__name__}.{field.name}")
                    if not any(isinstance(v, FreeText) for v in field.validators):
                        missing.append(f"{cls.__name__}.{field.name}")
    assert {"CallLogForm.note", "NoMatchForm.reason", "ImportForm.region"} <= set(checked)
    assert missing == []
