"""The search page: full page without JavaScript, the htmx partial, input errors, filters, and the
anonymous search log and "geen passend aanbod" report."""
from __future__ import annotations

import datetime as dt
import re

import pytest
import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import Contract, NoMatchReport, Offering, SearchLog, utcnow
from beschikbaarheid.services.offerings import apply_update
from tests import factories as f
from tests.helpers import csrf_token

SEARCH = "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis"
HTMX = {"HX-Request": "true", "HX-Target": "resultaten"}


def names(html: str) -> list[str]:
    """Provider names of the result cards, in page order."""
    return re.findall(r'class="result-title">([^<]+?) <span', html)


def section(html: str, start: str, end: str | None = None) -> str:
    """The part of the page between two markers."""
    part = html.split(start, 1)[1] if start in html else ""
    return part.split(end, 1)[0] if end and end in part else part


def test_empty_search_page_shows_the_form_without_errors(client, world):
    response = client.get("/zoeken/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="zoekformulier"' in html and 'method="get"' in html
    assert '<option value="43A10 Gezinshuis">' in html
    assert "Controleer uw invoer" not in html
    assert "<legend>Doelgroepen" in html


def test_full_page_search_without_javascript(client, world):
    response = client.get(SEARCH + "&weergave=kaarten")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'value="5701"' in html and 'value="gezinshuis"' in html  # the form keeps the query
    nearby = section(html, 'id="resultaten-kop"', 'id="verder-weg-kop"')
    assert names(nearby) == ["De Linde", "Tienerhuis", "Huize Peel"]
    far = section(html, 'id="verder-weg-kop"', 'id="overwegen-kop"')
    assert "Verder weg" in html and names(far) == ["Kempen Gezinshuizen"]
    for excluded in ("Gesloten Huis", "Oud Contract", "Zonder Contract"):
        assert excluded not in html
    assert "3 plekken binnen 15 km" in html
    # facts, freshness, explanation and contact of a result
    linde = section(html, "De Linde", "</article>")
    assert "0,2 km" in linde and "4 weken" in linde and "Aanmelding open" in linde
    assert "vandaag bijgewerkt" in linde and "https://delinde.example" in linde
    assert "<summary>Waarom deze plek?</summary>" in linde and "Wachttijd 4 weken" in linde
    peel = section(html, "Huize Peel", "</article>")
    assert "niet bijgewerkt deze maand" in peel and "result-stale" in html
    assert "Ook overwegen: ambulante hulp dichtbij" in html
    assert names(section(html, 'id="overwegen-kop"', 'id="geen-aanbod"')) == ["Ambulant Team Helmond"]
    assert "<script>" not in html and "style=" not in html and "hx-on" not in html


def test_htmx_request_gets_only_the_results_partial_and_the_url_to_push(client, world):
    response = client.get(SEARCH + "&doelgroepen=ASS", headers=HTMX)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<html" not in html and 'id="zoekformulier"' not in html
    assert names(section(html, 'id="resultaten-kop"', 'id="overwegen-kop"')) == ["De Linde"]
    assert 'id="live-status" hx-swap-oob="innerHTML"' in html
    assert response.headers["HX-Push-Url"] == "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis&doelgroepen=ASS"
    assert "HX-Request" in response.headers.get("Vary", "")


def test_htmx_history_restore_gets_the_full_page(client, world):
    response = client.get(SEARCH, headers={**HTMX, "HX-History-Restore-Request": "true"})
    assert 'id="zoekformulier"' in response.get_data(as_text=True)


def test_invalid_input_answers_400_with_dutch_errors_next_to_the_fields_and_keeps_the_input(client, world):
    response = client.get("/zoeken/?locatie=Helmnod&leeftijd=abc&product=gezinshuis&max_km=-3")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert 'value="abc"' in html and 'value="-3"' in html and 'value="gezinshuis"' in html
    age_field = section(html, 'id="fout-leeftijd"', "</div>")
    assert "heel getal" in age_field
    assert "tussen 1 en 300 km" in section(html, 'id="fout-max_km"', "</div>")
    assert 'aria-invalid="true"' in html
    assert "Controleer uw invoer" in html


def test_unknown_place_offers_suggestions_as_links_that_redo_the_search(client, world):
    response = client.get("/zoeken/?locatie=Helm&leeftijd=12&product=gezinshuis")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    slot = section(html, 'id="fout-locatie"', "</div>")
    link = re.search(r'href="([^"]+)">Helmond</a>', slot)
    assert link, slot
    redo = client.get(link.group(1).replace("&amp;", "&"))
    assert redo.status_code == 200 and "De Linde" in redo.get_data(as_text=True)


def test_htmx_partial_reports_errors_in_the_error_slots_and_is_quiet_while_fields_are_empty(client, world):
    typing = client.get("/zoeken/?locatie=5701", headers=HTMX)
    html = typing.get_data(as_text=True)
    assert typing.status_code == 200
    assert "Vul postcode of woonplaats, leeftijd en hulpvraag in" in html
    assert "Vul de leeftijd" not in html  # not an error yet while the referrer is still typing
    wrong = client.get("/zoeken/?locatie=5701&leeftijd=abc&product=gezinshuis", headers=HTMX)
    html = wrong.get_data(as_text=True)
    assert wrong.status_code == 400  # base.html lets htmx swap 400, the error is in the body
    assert re.search(r'id="fout-leeftijd" hx-swap-oob="innerHTML">\s*<p>Vul de leeftijd in als een heel getal', html)


def test_unknown_need_shows_product_suggestions(client, world):
    response = client.get("/zoeken/?locatie=5701&leeftijd=12&product=xyzzy")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "43A10 Gezinshuis</a>" in section(html, 'id="fout-product"', "</div>")


@pytest.mark.parametrize(
    ("query", "present", "absent"),
    [
        ("&ook_gesloten=1", ["Gesloten Huis"], []),
        ("&leeftijd=8", [], ["Tienerhuis"]),
        ("&doelgroepen=ASS&doelgroepen=LVB", ["De Linde"], ["Huize Peel", "Tienerhuis"]),
        ("&max_wachttijd=5", ["De Linde", "Tienerhuis"], ["Huize Peel"]),
    ],
)
def test_filters(client, world, query, present, absent):
    url = SEARCH + query if "leeftijd" not in query else SEARCH.replace("&leeftijd=12", "") + query
    html = client.get(url).get_data(as_text=True)
    found = names(section(html, 'id="resultaten-kop"', 'id="overwegen-kop"'))
    assert all(p in found for p in present), found
    assert not any(a in found for a in absent), found
    assert "Oud Contract" not in found and "Zonder Contract" not in found


def test_crisis_products_show_the_24_7_number(client, world):
    html = client.get("/zoeken/?locatie=5701&leeftijd=12&product=46A01").get_data(as_text=True)
    assert "Crisis (24/7):" in html and "088-1234567" in html
    html = client.get(SEARCH).get_data(as_text=True)
    assert "Crisis (24/7):" not in html


@pytest.fixture
def crisis_twins(app, world):
    """Crisis products that resemble regular ones, each with an offering that has no wait at all
    and a free place: what used to come first for "pleegzorg" (issue 17)."""
    with app.app_context():
        f.crisis_twins(world["region"])


def test_the_named_product_comes_first_and_crisis_options_stand_apart(client, crisis_twins):
    """Issue 17: "pleegzorg" lists Pleegzorg (8 weeks, no free place) and not Crisispleegzorg
    (0 weeks, free places), which stands in its own labelled section with its 24/7 number."""
    html = client.get("/zoeken/?locatie=5701&leeftijd=8&product=pleegzorg").get_data(as_text=True)
    main = section(html, 'id="resultaten-kop"', 'id="crisis-kop"')
    assert names(main)[0] == "Pleeggezinnen Helmond"
    assert "Crisispleeg Peel" not in main
    apart = section(html, 'id="crisis-kop"', 'id="overwegen-kop"')
    assert "Crisisaanbod (24/7)" in html and names(apart) == ["Crisispleeg Peel"]
    assert "088-7654321" in apart
    gezinshuis = client.get("/zoeken/?locatie=5701&leeftijd=8&product=gezinshuis").get_data(as_text=True)
    assert "Crisisgezinshuis Peel" not in section(gezinshuis, 'id="resultaten-kop"', 'id="crisis-kop"')
    assert names(section(gezinshuis, 'id="crisis-kop"', 'id="overwegen-kop"')) == ["Crisisgezinshuis Peel"]


@pytest.mark.parametrize("need", ["crisispleegzorg", "spoed pleeggezin", "46A05"])
def test_a_need_that_asks_for_crisis_lists_crisis_products_as_results(client, crisis_twins, need):
    html = client.get(f"/zoeken/?locatie=5701&leeftijd=8&product={need}").get_data(as_text=True)
    assert 'id="crisis-kop"' not in html
    assert names(section(html, 'id="resultaten-kop"', 'id="geen-aanbod-kop"'))[0] == "Crisispleeg Peel"


def test_a_provider_update_is_visible_in_the_next_search(app, client, world):
    assert "4 weken" in section(client.get(SEARCH).get_data(as_text=True), "De Linde", "</article>")
    with app.app_context():
        offering = db.session.get(Offering, world["linde"])
        apply_update(offering, {"waiting_weeks": 7}, author="test", via="form")
        db.session.commit()
    assert "7 weken" in section(client.get(SEARCH).get_data(as_text=True), "De Linde", "</article>")


def test_changes_made_by_another_process_are_visible_in_the_next_search(app, client, world):
    """Core UPDATEs fire no ORM events here, just like a save in another worker or process."""
    table = Offering.__table__
    client.get(SEARCH)  # the index is built
    with app.app_context():  # a provider saves elsewhere: figures and updated_at change
        db.session.execute(sa.update(table).where(table.c.id == world["linde"]).values(waiting_weeks=9, updated_at=utcnow()))
        db.session.commit()
    assert "9 weken" in section(client.get(SEARCH).get_data(as_text=True), "De Linde", "</article>")
    with app.app_context():  # an ORM edit elsewhere that keeps updated_at still bumps the version
        db.session.execute(
            sa.update(table).where(table.c.id == world["linde"]).values(age_max=11, version=table.c.version + 1)
        )
        contract = Contract.__table__
        db.session.execute(  # and a contract of another provider ends
            sa.update(contract).where(contract.c.provider_id == db.session.get(Offering, world["peel"]).provider_id)
            .values(valid_until=dt.date(2022, 1, 1))
        )
        db.session.commit()
    html = client.get(SEARCH).get_data(as_text=True)
    assert "De Linde" not in html and "Huize Peel" not in html


def test_each_search_is_logged_anonymously_with_an_age_band(app, client, world):
    client.get(SEARCH)
    client.get(SEARCH + "&max_km=25", headers=HTMX)  # a refinement in the same session: same row
    client.get("/zoeken/?locatie=5701&leeftijd=abc&product=gezinshuis")  # invalid: not logged
    with app.app_context():
        logs = db.session.scalars(db.select(SearchLog)).all()
        assert len(logs) == 1
        log = logs[0]
        assert (log.age_band, log.municipality_code, log.pc4, log.product_code, log.need_kind) == ("12-17", "0794", "5701", "43A10", "name")
        assert log.day == dt.datetime.now(dt.timezone.utc).astimezone(__import__("zoneinfo").ZoneInfo("Europe/Amsterdam")).date()
        assert log.within_radius_count == 4 and log.result_count == 4  # the latest refinement (25 km)
        assert log.source == "web"
        columns = set(SearchLog.__table__.columns.keys())
        assert not columns & {"age", "leeftijd", "postcode", "locatie", "query", "ip", "user_id"}
    other = app.test_client()
    other.get("/zoeken/?locatie=Deurne&leeftijd=2&product=43A10")
    with app.app_context():
        second = db.session.scalars(db.select(SearchLog).order_by(SearchLog.id.desc())).first()
        assert (second.age_band, second.municipality_code, second.pc4) == ("0-3", "0762", None)


def _flag(client, query: str, reason: str = "", token: str | None = None):
    token = token or csrf_token(client, "/zoeken/?" + query)
    return client.post("/zoeken/geen-passend-aanbod", data={"csrf_token": token, "q": query, "reason": reason})


def test_no_match_flag_is_stored_anonymously(app, client, world):
    query = "locatie=5701&leeftijd=16&product=gezinshuis&doelgroepen=ASS"
    response = _flag(client, query, "Geen plek voor broers en zussen samen")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/zoeken/?locatie=5701&leeftijd=16&product=gezinshuis&doelgroepen=ASS")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "anoniem opgeslagen" in page
    with app.app_context():
        report = db.session.scalars(db.select(NoMatchReport)).one()
        assert report.age_band == "12-17" and report.municipality_code == "0794" and report.pc4 == "5701"
        assert report.product_code == "43A10" and report.reason == "Geen plek voor broers en zussen samen"
        assert report.referrer_type is None and report.result_count == 1


def test_no_match_flag_records_the_referrer_type_of_a_logged_in_referrer(app, client, login, world):
    with app.app_context():
        user = f.user("verwijzer", referrer_type="04")
        db.session.commit()
        login(user)
    assert _flag(client, "locatie=5701&leeftijd=12&product=gezinshuis").status_code == 302
    with app.app_context():
        assert db.session.scalars(db.select(NoMatchReport)).one().referrer_type == "04"


def test_no_match_flag_over_htmx_returns_the_confirmation(app, client, world):
    query = "locatie=5701&leeftijd=12&product=gezinshuis"
    token = csrf_token(client, "/zoeken/?" + query)
    response = client.post("/zoeken/geen-passend-aanbod", data={"csrf_token": token, "q": query}, headers={"HX-Request": "true"})
    assert response.status_code == 200 and "anoniem opgeslagen" in response.get_data(as_text=True)


def test_no_match_flag_needs_csrf_and_a_short_reason(app, client, world):
    query = "locatie=5701&leeftijd=12&product=gezinshuis"
    assert client.post("/zoeken/geen-passend-aanbod", data={"q": query}).status_code == 400
    too_long = _flag(client, query, "x" * 201)
    assert too_long.status_code == 400
    assert "maximaal 200 tekens" in too_long.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(db.select(NoMatchReport)).all() == []


def test_contact_details_changed_elsewhere_show_after_the_check(app, client, world):
    """Names and contact details live in the index; Provider.updated_at (stamped by Core updates
    too) is in the cheap fingerprint, so a new phone number is never shown stale."""
    from beschikbaarheid.models import Location, Provider

    linde = section(client.get(SEARCH).get_data(as_text=True), "De Linde", "</article>")
    assert "06-99887766" not in linde
    with app.app_context():
        offering = db.session.get(Offering, world["linde"])
        provider_id, location_id = offering.provider_id, offering.location_id
        db.session.execute(sa.update(Provider.__table__).where(Provider.__table__.c.id == provider_id).values(intake_phone="06-99887766"))
        db.session.execute(sa.update(Location.__table__).where(Location.__table__.c.id == location_id).values(name="Nieuwe naam"))
        db.session.commit()
        assert db.session.get(Provider, provider_id).updated_at is not None
    linde = section(client.get(SEARCH).get_data(as_text=True), "De Linde", "</article>")
    assert "06-99887766" in linde and "Nieuwe naam" in linde


def test_the_session_changes_once_and_two_sessions_get_unlinkable_rows(app, client, world):
    first = client.get(SEARCH)
    assert "session=" in first.headers.get("Set-Cookie", "")  # the seed (and the CSRF token)
    later = client.get("/zoeken/?locatie=Deurne&leeftijd=2&product=43A10")  # another search, same session
    assert "Set-Cookie" not in later.headers
    other = app.test_client()
    other.get(SEARCH)  # the same search from another browser: its own row, its own ref
    with app.app_context():
        rows = db.session.execute(db.select(SearchLog.ref, SearchLog.pc4).order_by(SearchLog.id)).all()
    assert len(rows) == 3 and len({r.ref for r in rows}) == 3
    assert rows[0].pc4 == rows[2].pc4 == "5701"


def test_markup_in_names_is_escaped_in_cards_and_their_explanation(app, client):
    """Provider, location and product names reach the card's title, facts and "Waarom" sentences
    escaped, on the first render and from the cards' caches alike."""
    from beschikbaarheid.models import Location, Product, Provider

    with app.app_context():
        f.search_world()
        db.session.execute(sa.update(Provider).values(name=sa.literal("Zorg <b>vet</b> ") + sa.cast(Provider.id, sa.String)))
        db.session.execute(sa.update(Location).values(name="Huis <i>schuin</i>"))
        db.session.execute(sa.update(Product).where(Product.code == "43A10").values(name="Gezinshuis <u>x</u>"))
        db.session.commit()
    for _round in range(2):
        html = client.get("/zoeken/?locatie=5701&leeftijd=12&product=43A10").get_data(as_text=True)
        assert 'class="result-title">Zorg &lt;b&gt;vet&lt;/b&gt;' in html
        assert "<dd>Huis &lt;i&gt;schuin&lt;/i&gt;" in html
        assert "<li>Product komt exact overeen (43A10 Gezinshuis &lt;u&gt;x&lt;/u&gt;)</li>" in html
        assert "<b>vet</b>" not in html and "<i>schuin</i>" not in html and "<u>x</u>" not in html


def test_the_best_alternatives_are_found_among_many(app, world):
    """Ranking scores offerings nearest first and stops when no farther one can enter the list;
    the three alternatives shown are still exactly the best three of all of them."""
    import random

    from werkzeug.datastructures import MultiDict

    from beschikbaarheid.domain import freshness, geo, scoring
    from beschikbaarheid.models import Product
    from beschikbaarheid.search import service

    rng = random.Random(5)
    now = utcnow()
    with app.app_context():
        region = db.session.get(Offering, world["linde"]).product.region
        ambulant = db.session.scalars(sa.select(Product).where(Product.code == "45A01")).one()
        for i in range(60):  # near home, mostly poor figures; farther out, some very good ones
            near = i < 40
            spread = 0.02 if near else 0.12
            provider = f.provider(f"Team {i:02d}")
            location = f.location(provider, f"Locatie {i}", 51.4786 + rng.uniform(-spread, spread), 5.6597 + rng.uniform(-spread, spread), "5701", "Helmond")
            f.offering(location, ambulant, waiting_weeks=rng.choice([12, 20, None] if near else [0, 1, 2, 6]), free_places=0 if near else rng.choice([0, 1]),
                       intake_status=rng.choice(["open", "open", "overleg"]), target_groups=rng.sample(["ASS", "LVB"], rng.randint(0, 2)),
                       updated_at=now - dt.timedelta(days=rng.randint(0, 60)))
        db.session.commit()
        assert region is not None
        with app.test_request_context("/"):
            outcome = service.run_search(MultiDict({"locatie": "5701", "leeftijd": "12", "product": "gezinshuis autisme"}), alternatives=True, now=now)
            settings = service.score_settings(app.config)
            day = freshness.local_date(now)
            expected = []
            for o in db.session.scalars(sa.select(Offering).where(Offering.product_id == ambulant.id)):
                km = geo.geodesic_km(outcome.place.lat, outcome.place.lon, o.location.lat, o.location.lon)
                groups = frozenset(o.target_groups)
                if km > outcome.radius_km or not scoring.eligible(age_min=o.age_min, age_max=o.age_max, groups=groups, intake_status=o.intake_status,
                                                                  waiting_weeks=o.waiting_weeks, criteria=outcome.criteria):
                    continue
                parts = scoring.score_parts(match_strength=scoring.STRENGTH_BROAD, km=km, waiting_weeks=o.waiting_weeks, free_places=o.free_places,
                                            intake_status=o.intake_status, updated_at=o.updated_at, now=now, settings=settings,
                                            preferred_served=len({"ASS"} & groups), preferred_total=1)
                expected.append((scoring.sort_key(scoring.score(parts, settings), km, o.id, day), o.id))
    assert [r.offering_id for r in outcome.alternatives] == [oid for _key, oid in sorted(expected)[:3]]
    assert len(expected) > 20  # enough that most are never scored


def test_the_card_shows_the_applied_wait_the_waiting_count_and_the_realised_wait(app, client, world):
    with app.app_context():
        f.linde_reports_wait_figures(world["linde"])
    page = client.get(SEARCH).get_data(as_text=True)
    general = section(page, "De Linde", "</article>")
    assert "4 weken" in general and "Wachttijd 4 weken" in general and "voor ASS" not in general
    assert "<dt>Wachtenden</dt><dd>7</dd>" in general
    assert "9,5 weken gemiddeld, 3 gestart (1 oktober – 30 november 2026)" in general
    ass = client.get(SEARCH + "&doelgroepen=ASS").get_data(as_text=True)
    card = section(ass, "De Linde", "</article>")
    assert "20 weken" in card and "(voor ASS; algemeen: 4 weken)" in card and "Wachttijd voor ASS: 20 weken" in card
    # with the group's 20 weeks De Linde no longer fits a maximum of 10 weeks
    assert "De Linde" not in names(client.get(SEARCH + "&doelgroepen=ASS&max_wachttijd=10").get_data(as_text=True))
    # a card without any reported figures shows neither row
    peel = section(page, "Huize Peel", "</article>")
    assert "Wachttijd" in peel and "Wachtenden" not in peel and "Gerealiseerde wachttijd" not in peel
