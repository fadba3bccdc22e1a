"""Pages in Dutch by default and in English with ?lang=en: headings, labels, error messages, results.

The catalogue is compiled from translations/en/LC_MESSAGES/messages.po into a temporary directory for
the run, so these tests never depend on a stale build product.
"""
from __future__ import annotations

import re
import shutil
from html import unescape
from types import SimpleNamespace

import pytest

from tests.conftest import fresh_app
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from beschikbaarheid import ROOT, create_app
from beschikbaarheid.extensions import db
from tests import factories
from tests.helpers import csrf_token
from tests.factories import search_world

SEARCH = "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis"


@pytest.fixture(scope="session")
def compiled_translations(tmp_path_factory):
    """A translations directory with the English catalogue compiled from its source."""
    target = tmp_path_factory.mktemp("translations")
    for po in (ROOT / "translations").glob("*/LC_MESSAGES/messages.po"):
        out = target / po.relative_to(ROOT / "translations")
        out.parent.mkdir(parents=True)
        shutil.copy(po, out)
        with po.open("rb") as source, out.with_suffix(".mo").open("wb") as mo:
            write_mo(mo, read_po(source, locale=po.parts[-3]))
    return target


@pytest.fixture
def app(database_url, compiled_translations):
    """The conftest app, with the catalogue compiled for this run."""
    yield from fresh_app(database_url, BABEL_TRANSLATION_DIRECTORIES=str(compiled_translations))


@pytest.fixture
def world(app):
    with app.app_context():
        search_world()


def text(html: str) -> str:
    """The page's visible words, tags removed, whitespace collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_dutch_is_the_default_with_a_link_to_english(client):
    html = client.get("/").get_data(as_text=True)
    assert '<html lang="nl">' in html
    assert "<h1>Waar is plek in de jeugdhulp?</h1>" in html
    assert '<a href="/?lang=en" hreflang="en" lang="en">English</a>' in html


def test_the_start_page_in_english_links_back_to_dutch(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in html
    assert "<h1>Where is there a place in youth care?</h1>" in html
    assert ">Skip to content</a>" in html and ">Search</a>" in html and ">Log in</a>" in html
    assert '<a href="/?lang=nl" hreflang="nl" lang="nl">Nederlands</a>' in html
    assert "Waar is plek" not in html and "Zoek een plek" not in html


def test_the_language_link_keeps_the_search(client, world):
    html = client.get(SEARCH + "&doelgroepen=ASS&doelgroepen=LVB").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)" hreflang="en"', html).group(1)
    assert link == "/zoeken/?locatie=5701&amp;leeftijd=12&amp;product=gezinshuis&amp;doelgroepen=ASS&amp;doelgroepen=LVB&amp;lang=en"


def test_search_form_and_input_errors_in_english(client, world):
    response = client.get("/zoeken/?lang=en&locatie=5701&leeftijd=abc&product=gezinshuis")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "<h1>Find a place in youth care</h1>" in html
    for label in ("Postcode or town", "Age", "Care need", "Maximum distance (km)", "ASD (autism)"):
        assert f">{label}</label>" in html, label
    assert "<legend>Target groups the offering must serve</legend>" in html
    assert "Enter the age as a whole number, for example 12." in html
    assert "Check what you entered" in html
    assert "heel getal" not in html and "Postcode of woonplaats" not in html
    # The form carries the language, so htmx updates and plain submits stay in English.
    assert '<input type="hidden" name="lang" value="en">' in html


def test_place_and_need_messages_in_english(client, world):
    """What the resolver and the need matching say reaches an English page in English, suggestions included."""
    words = unescape(text(client.get("/zoeken/?lang=en&locatie=Helmnod+Zuid&leeftijd=12&product=gezinshuis").get_data(as_text=True)))
    assert "Unknown place or postcode: 'Helmnod Zuid'." in words and "Onbekende plaats" not in words
    words = unescape(text(client.get("/zoeken/?lang=en&locatie=5701&leeftijd=12&product=ruimtevaart").get_data(as_text=True)))
    assert "We do not recognise the need 'ruimtevaart'." in words and "We herkennen" not in words
    assert "Did you mean:" in words
    api = client.get("/api/v1/search?lang=en&locatie=0123&leeftijd=12&product=gezinshuis").get_json()
    assert api["error"]["message"] == "'0123' is not a valid postcode: a postcode does not start with 0."
    dutch = client.get("/api/v1/search?lang=nl&locatie=0123&leeftijd=12&product=gezinshuis").get_json()
    assert dutch["error"]["message"] == "'0123' is geen geldige postcode: een postcode begint niet met 0."
    words = text(client.get("/zoeken/?lang=en&locatie=5701&leeftijd=12&segment=2").get_data(as_text=True))
    assert "segment 2 (Living)" in words


def test_search_results_and_their_explanation_in_english(client, world):
    html = client.get(SEARCH + "&lang=en&weergave=kaarten").get_data(as_text=True)
    words = text(html)
    assert "3 places within 15 km; 1 further away" in words
    assert "Why this place?" in words and "Waiting time 4 weeks" in words and "Updated today" in words
    assert "Further away" in words and "Also consider: outpatient care nearby" in words
    assert "Matches the care need" in words and "Report: no suitable offering" in words
    assert "Waarom deze plek" not in words and "Wachttijd 4 weken" not in words
    # The htmx partial follows the same language.
    partial = client.get(SEARCH + "&lang=en", headers={"HX-Request": "true", "HX-Target": "resultaten"})
    assert "3 places within 15 km" in partial.get_data(as_text=True)


def test_result_cards_follow_the_language_after_a_search_in_the_other(app, client, world):
    """The cards' cached parts (contact, waiting time) are kept per language, not per offering only."""
    import sqlalchemy as sa

    from beschikbaarheid.models import Provider

    with app.app_context():  # no contact details anywhere: every card says so, in its language
        db.session.execute(sa.update(Provider).values(intake_phone=None, intake_email=None, website=None, crisis_phone=None))
        db.session.commit()
    for lang, ours, theirs in (("nl", ("Geen contactgegevens bekend.", "<dd>4 weken</dd>"), ("No contact details known.", "<dd>4 weeks</dd>")),
                               ("en", ("No contact details known.", "<dd>4 weeks</dd>"), ("Geen contactgegevens bekend.", "<dd>4 weken</dd>")),
                               ("nl", ("Geen contactgegevens bekend.", "<dd>4 weken</dd>"), ("No contact details known.", "<dd>4 weeks</dd>"))):
        html = client.get(SEARCH + "&weergave=kaarten&lang=" + lang).get_data(as_text=True)
        assert all(t in html for t in ours) and not any(t in html for t in theirs), lang


def test_search_results_stay_dutch_by_default(client, world):
    words = text(client.get(SEARCH).get_data(as_text=True))
    assert "3 plekken binnen 15 km; 1 verder weg" in words
    assert "Wachttijd 4 weken" in words and "Vandaag bijgewerkt" in words and "Past bij de hulpvraag" in words


def test_login_form_errors_in_english(app, client):
    token = csrf_token(client, "/account/inloggen?lang=en")
    response = client.post("/account/inloggen?lang=en", data={"csrf_token": token, "email": "", "password": ""})
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ">Email address</label>" in html and ">Password</label>" in html
    assert "Enter your email address." in html and "Enter your password." in html
    assert "Vul uw e-mailadres in." not in html


def test_provider_edit_page_and_its_checks_in_english(app, client, login):
    with app.app_context():
        provider = factories.provider("Zonnehuis")
        offering = factories.offering(factories.location(provider), factories.product(), waiting_weeks=4, free_places=1)
        user = factories.user("aanbieder", provider_id=provider.id)
        db.session.commit()
        oid, user = offering.id, SimpleNamespace(email=user.email)
    login(user)
    path = f"/aanbieder/aanbod/{oid}/bewerken?lang=en"
    token = csrf_token(client, path)
    form = {"csrf_token": token, "version": "1", "layout": "page", "capacity": "6", "free_places": "2,5",
            "waiting_weeks": "4", "intake_status": "open", "age_min": "0", "age_max": "18", "note": ""}
    html = client.post(path, data=form).get_data(as_text=True)
    assert ">Free places</label>" in html and "Not saved: check the marked fields." in html
    assert "Enter a whole number, without a comma or full stop." in html
    html = client.post(path, data={**form, "free_places": "1", "waiting_weeks": "40"}).get_data(as_text=True)
    assert "The waiting time changes from 4 to 40 weeks: a difference of more than 12 weeks. Is that right?" in html
    assert "I confirm that this value is correct" in html


def test_contract_pages_name_months_in_english(app, client, login):
    with app.app_context():
        region = factories.region()
        product = factories.product("43A10", "Gezinshuis", region)
        factories.offering(factories.location(factories.provider("Zonnehuis")), product)
        manager = factories.user("contractmanager")
        db.session.commit()
        manager = SimpleNamespace(email=manager.email)
    login(manager)
    words = text(client.get("/contract/?lang=en").get_data(as_text=True))
    assert re.search(r"Compliance: offerings updated in [A-Z][a-z]+ 20\d\d", words), words[:400]
    assert "Share of up-to-date providers per month" in words
    dutch = text(client.get("/contract/?lang=nl").get_data(as_text=True))
    assert re.search(r"Naleving: aanbod bijgewerkt in [a-z]+ 20\d\d", dutch)


def test_accessibility_statement_in_both_languages(client):
    dutch = text(client.get("/toegankelijkheid").get_data(as_text=True))
    english = text(client.get("/toegankelijkheid?lang=en").get_data(as_text=True))
    assert "Nalevingsstatus" in dutch and "Bekende beperkingen" in dutch
    assert "Compliance status" in english and "Known limitations" in english and "Feedback and contact" in english


# --- Wiring in settings and web.py: the catalogue is found, the choice remembered, errors translated.

def test_the_default_settings_find_the_catalogue():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}, env="test")
    assert str(ROOT / "translations") in app.extensions["babel"].translation_directories


def test_the_language_choice_is_remembered(client):
    client.get("/?lang=en")
    assert "<h1>Find a place in youth care</h1>" in client.get("/zoeken/").get_data(as_text=True)
    client.get("/?lang=nl")
    assert "<h1>Zoek een plek in de jeugdhulp</h1>" in client.get("/zoeken/").get_data(as_text=True)


def test_error_pages_and_intake_statuses_in_english(client, world):
    assert "This page does not exist (any more)." in client.get("/bestaat-niet?lang=en").get_data(as_text=True)
    assert "Open for referrals" in client.get(SEARCH + "&lang=en").get_data(as_text=True)
