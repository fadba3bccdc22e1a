"""The gezinshuis coordination point as its users meet it: a provider keeps its gezinshuis's profile,
the coordinator sees the region's homes, and coordinator and referrers get a best-match list."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from beschikbaarheid.domain import freshness
from beschikbaarheid.extensions import db
from beschikbaarheid.models import AuditEvent, GezinshuisEnding, GezinshuisProfile, Offering, utcnow
from tests import factories
from tests.helpers import csrf_from


def _today() -> dt.date:
    return freshness.local_date(utcnow())


@pytest.fixture
def homes(app):
    """search_world's gezinshuizen with profiles, its users, and a home in another region. Ids only."""
    with app.app_context():
        w = factories.search_world()
        today = _today()
        linde, peel, kempen, teen = (db.session.get(Offering, w[k].id) for k in ("linde", "peel", "kempen", "teen"))
        # De Linde (Helmond): a place free now, a specialist home for LVB and externalising teenagers, siblings together.
        factories.gezinshuis_profile(linde.location, allowed=4, taken=2, ages=(10, 18), siblings_max=3, groups=("LVB", "EXTERNALISEREND"),
                                     specialisms=("ZWAAR", "TIENERS"), household={("placed", "12-15"): 1, ("placed", "16-17"): 1, ("own", "8-11"): 1},
                                     vacant_since=today - dt.timedelta(days=20), notes="Geen huisdieren")
        # Huize Peel (Deurne): full, a place comes free in three weeks; toddlers in the house.
        factories.gezinshuis_profile(peel.location, allowed=3, taken=3, ages=(0, 18), siblings_max=2, groups=("LVB",),
                                     household={("placed", "0-3"): 1, ("placed", "4-7"): 2}, free_from=today + dt.timedelta(weeks=3))
        # Kempen (Veldhoven): full, a place only in twelve weeks.
        factories.gezinshuis_profile(kempen.location, allowed=4, taken=4, ages=(0, 18), household={("placed", "8-11"): 4},
                                     free_from=today + dt.timedelta(weeks=12))
        # Tienerhuis (Helmond): free now, no siblings.
        factories.gezinshuis_profile(teen.location, allowed=3, taken=2, ages=(12, 18), household={("placed", "12-15"): 2}, groups=("LVB",),
                                     vacant_since=today - dt.timedelta(days=3))
        other = factories.region("Andere regio")
        far = factories.offering(factories.location(factories.provider("Zuiderhuis"), "Gezinshuis Zuid"), factories.product("43A10", "Gezinshuis", other))
        factories.gezinshuis_profile(far.location, allowed=4, taken=1, household={("placed", "8-11"): 1})
        users = {
            "aanbieder": factories.user("aanbieder", provider_id=linde.provider_id),
            "coordinator": factories.user("contractmanager", region_id=w["region"].id, is_coordinator=True),
            "contractmanager": factories.user("contractmanager", region_id=w["region"].id),
            "verwijzer": factories.user("verwijzer", referrer_type="01"),
            "other_coordinator": factories.user("contractmanager", region_id=other.id, is_coordinator=True),
        }
        db.session.commit()
        return {"users": {key: SimpleNamespace(email=u.email) for key, u in users.items()}, "linde_provider": linde.provider_id, "linde_location": linde.location_id,
                "peel_location": peel.location_id, "peel_provider": peel.provider_id}


# -- provider ----------------------------------------------------------------------------------


def _profile_form(**kw):
    form = {"places_allowed": "4", "places_taken": "3", "age_min": "8", "age_max": "18", "h_placed_12_15": "2", "h_placed_16_17": "1",
            "h_own_4_7": "1", "siblings_together": "y", "siblings_max": "2", "target_groups": ["LVB", "TRAUMA"], "specialisms": ["TIENERS"],
            "free_from": "", "notes": "Trap naar boven, school om de hoek"}
    form.update(kw)
    return form


def test_a_provider_finds_its_gezinshuis_on_its_page_and_saves_the_profile(app, client, login, homes):
    with app.app_context():
        login((homes["users"]["aanbieder"]))
    page = client.get(f"/aanbieder/{homes['linde_provider']}/").get_data(as_text=True)
    url = f"/aanbieder/{homes['linde_provider']}/gezinshuis/{homes['linde_location']}"
    assert url in page and "Gezinshuisprofiel" in page
    form_page = client.get(url).get_data(as_text=True)
    response = client.post(url, data={**_profile_form(), "csrf_token": csrf_from(form_page)})
    assert response.status_code == 302
    with app.app_context():
        profile = db.session.scalar(db.select(GezinshuisProfile).where(GezinshuisProfile.location_id == homes["linde_location"]))
        assert (profile.places_allowed, profile.places_taken, profile.free_places) == (4, 3, 1)
        assert profile.household == {("placed", "12-15"): 2, ("placed", "16-17"): 1, ("own", "4-7"): 1}
        assert profile.target_groups == ["LVB", "TRAUMA"] and profile.specialisms == ["TIENERS"]
        assert profile.vacant_since == _today() - dt.timedelta(days=20)  # still the same vacancy
        assert profile.notes == "Trap naar boven, school om de hoek" and profile.updated_by == homes["users"]["aanbieder"].email
        assert db.session.scalar(db.select(AuditEvent.action).where(AuditEvent.entity_id == homes["linde_location"])) == "gezinshuis.update"
    # The home fills up: no free place any more, so the vacancy ends.
    response = client.post(url, data={**_profile_form(places_taken="4", h_own_4_7="0", h_placed_8_11="1", free_from=""), "csrf_token": csrf_from(form_page)})
    assert response.status_code == 302
    with app.app_context():
        profile = db.session.scalar(db.select(GezinshuisProfile).where(GezinshuisProfile.location_id == homes["linde_location"]))
        assert profile.free_places == 0 and profile.vacant_since is None


@pytest.mark.parametrize("change, message", [
    ({"places_taken": "5", "h_placed_12_15": "4"}, "niet meer plekken bezet zijn (5) dan er zijn toegestaan (4)"),
    ({"age_min": "15", "age_max": "12"}, "lager dan de leeftijd vanaf"),
    ({"h_placed_12_15": "0"}, "1 geplaatste kinderen, maar 3 bezette plekken"),
    ({"notes": "Jan de Vries, geboren 12-03-2012"}, "geboortedatum"),
    ({"places_allowed": "vier"}, "Vul een heel getal in."),
])
def test_bad_input_is_refused_in_dutch_and_nothing_is_saved(app, client, login, homes, change, message):
    with app.app_context():
        login((homes["users"]["aanbieder"]))
    url = f"/aanbieder/{homes['linde_provider']}/gezinshuis/{homes['linde_location']}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    response = client.post(url, data={**_profile_form(**change), "csrf_token": token})
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    with app.app_context():
        profile = db.session.scalar(db.select(GezinshuisProfile).where(GezinshuisProfile.location_id == homes["linde_location"]))
        assert (profile.places_taken, profile.notes) == (2, "Geen huisdieren")


def test_a_provider_sees_404_on_another_providers_gezinshuis(app, client, login, homes):
    with app.app_context():
        login((homes["users"]["aanbieder"]))
    assert client.get(f"/aanbieder/{homes['peel_provider']}/gezinshuis/{homes['peel_location']}").status_code == 404
    # its own provider id with another provider's location: just as absent
    assert client.get(f"/aanbieder/{homes['linde_provider']}/gezinshuis/{homes['peel_location']}").status_code == 404


def test_confirming_everything_unchanged_refreshes_the_profile_too(app, client, login, homes):
    with app.app_context():
        profile = db.session.scalar(db.select(GezinshuisProfile).where(GezinshuisProfile.location_id == homes["linde_location"]))
        profile.updated_at = utcnow() - dt.timedelta(days=70)
        db.session.commit()
        login((homes["users"]["aanbieder"]))
    page = client.get(f"/aanbieder/{homes['linde_provider']}/").get_data(as_text=True)
    with app.app_context():
        versions = {f"version-{o.id}": str(o.version) for o in db.session.scalars(db.select(Offering).where(Offering.provider_id == homes["linde_provider"]))}
    assert client.post(f"/aanbieder/{homes['linde_provider']}/bevestigen", data={**versions, "csrf_token": csrf_from(page)}).status_code == 302
    assert "vandaag bijgewerkt" in client.get(f"/aanbieder/{homes['linde_provider']}/gezinshuis/{homes['linde_location']}").get_data(as_text=True)


def test_a_provider_reports_the_months_unplanned_endings(app, client, login, homes):
    with app.app_context():
        login((homes["users"]["aanbieder"]))
    url = f"/aanbieder/{homes['linde_provider']}/gezinshuis/{homes['linde_location']}"
    token = csrf_from(client.get(url).get_data(as_text=True))
    month = _today().replace(day=1)
    assert client.post(f"{url}/beeindigingen", data={"month": month.isoformat(), "count": "1", "csrf_token": token}).status_code == 302
    assert client.post(f"{url}/beeindigingen", data={"month": month.isoformat(), "count": "2", "csrf_token": token}).status_code == 302
    bad = client.post(f"{url}/beeindigingen", data={"month": "2001-01-01", "count": "-1", "csrf_token": token})
    assert bad.status_code == 400 and "Vul een aantal in van 0 tot 20." in bad.get_data(as_text=True)
    with app.app_context():
        assert [(e.month, e.count) for e in db.session.scalars(db.select(GezinshuisEnding))] == [(month, 2)]


# -- coordinator: overview -----------------------------------------------------------------------


def _text(html: str) -> str:
    """What the page says, tags left out."""
    import re

    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _rows(html: str) -> list[str]:
    """The gezinshuizen in the overview's table, in order."""
    import re

    return re.findall(r'<th scope="row">([^<]+)<br>', html)


def test_the_coordinator_sees_free_now_first_then_soonest_free(app, client, login, homes):
    with app.app_context():
        login((homes["users"]["coordinator"]))
    response = client.get("/gezinshuizen/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    # free now (the place empty longest first), then the place that comes free soonest, then full
    assert _rows(html) == ["Locatie De Linde", "Locatie Tienerhuis", "Locatie Huize Peel", "Locatie Kempen Gezinshuizen"]
    assert "Gezinshuis Zuid" not in html  # another region's home
    text = _text(html)
    assert "Locatie De Linde De Linde, Helmond Vrij: 2 nu vrij Dagen leeg: 20" in text
    assert "Locatie Huize Peel Huize Peel, Deurne Vrij: vrij per" in text
    assert "Geen huisdieren" in html and "vandaag bijgewerkt" in html
    assert "bij 1 huizen komt binnen 8 weken een plek vrij" in html
    # Kempen's place comes free in twelve weeks: within 16 weeks, not within 8.
    assert "bij 2 huizen komt binnen 16 weken" in client.get("/gezinshuizen/?weken=16").get_data(as_text=True)


def test_the_overview_filters_by_age_group_siblings_and_distance(app, client, login, homes):
    with app.app_context():
        login((homes["users"]["coordinator"]))
    assert _rows(client.get("/gezinshuizen/?leeftijd=8").get_data(as_text=True)) == ["Locatie Huize Peel", "Locatie Kempen Gezinshuizen"]
    assert _rows(client.get("/gezinshuizen/?doelgroep=EXTERNALISEREND").get_data(as_text=True)) == ["Locatie De Linde"]
    assert "Locatie Tienerhuis" not in _rows(client.get("/gezinshuizen/?broers=1").get_data(as_text=True))
    near = _rows(client.get("/gezinshuizen/?locatie=Helmond&km=5").get_data(as_text=True))
    assert near == ["Locatie De Linde", "Locatie Tienerhuis"]  # nearest first; Deurne and Veldhoven lie further
    bad = client.get("/gezinshuizen/?leeftijd=abc&locatie=Nergenshuizen")
    assert bad.status_code == 400 and "Vul een leeftijd in van 0 tot en met 21." in bad.get_data(as_text=True)


def test_only_a_coordinator_sees_the_overview(app, client, login, homes):
    with app.app_context():
        login((homes["users"]["contractmanager"]))
    assert client.get("/gezinshuizen/").status_code == 403
    assert client.get("/gezinshuizen/match").status_code == 403


def test_a_referrer_gets_the_match_but_not_the_overview(app, client, login, homes):
    with app.app_context():
        login((homes["users"]["verwijzer"]))
    assert client.get("/gezinshuizen/").status_code == 403
    response = client.get("/gezinshuizen/match?leeftijd=13&broers=1&doelgroep=LVB&locatie=Helmond")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Locatie De Linde" in response.get_data(as_text=True)


# -- best match --------------------------------------------------------------------------------


def test_a_13_year_old_with_lvb_and_a_younger_brother_from_helmond_is_ranked_and_explained(app, client, login, homes):
    with app.app_context():
        login((homes["users"]["coordinator"]))
    html = client.get("/gezinshuizen/match?leeftijd=13&broers=1&doelgroep=LVB&locatie=Helmond").get_data(as_text=True)
    ranked, _sep, unfit = html.partition("Kunnen dit kind niet opnemen")
    # Only De Linde places two siblings together now: free, a specialist home, a peer in the house.
    assert "Locatie De Linde" in ranked and "1 gezinshuizen kunnen dit kind nu of binnen 8 weken opnemen; 3 niet." in _text(ranked)
    assert "leeftijd 13 past (10-18)" in ranked and "broers en zussen samen: tot 3 kinderen" in ranked
    assert "specialistisch gezinshuis (zwaardere problematiek)" in ranked and "nu vrij" in ranked
    assert "een leeftijdsgenoot (12-15 jaar) in huis" in ranked
    # The others are listed apart, each with the reason.
    assert "Locatie Tienerhuis</strong>: kan geen 2 broers en zussen samen plaatsen" in unfit
    assert "Locatie Huize Peel</strong>: geen 2 plek(ken) vrij nu of binnen 8 weken" in unfit
    assert "Locatie Kempen Gezinshuizen</strong>: " in unfit
    assert "Gezinshuis Zuid" not in html
    # Without the brother: three homes, ranked by fit, each line explained.
    alone = client.get("/gezinshuizen/match?leeftijd=13&doelgroep=LVB&locatie=Helmond").get_data(as_text=True)
    ranked = alone.partition("Kunnen dit kind niet opnemen")[0]
    order = [ranked.index(name) for name in ("Locatie De Linde", "Locatie Tienerhuis", "Locatie Huize Peel")]
    assert order == sorted(order)
    assert "al 2 geplaatste kinderen van 12-15 jaar" in ranked  # Tienerhuis
    assert "een tiener in een gezin met 1 kind(eren) van 0-3 jaar" in ranked and "plek vrij per" in ranked  # Huize Peel


def test_the_match_asks_for_age_and_place_in_dutch(app, client, login, homes):
    with app.app_context():
        login((homes["users"]["coordinator"]))
    response = client.get("/gezinshuizen/match?leeftijd=&locatie=Helmond")
    assert response.status_code == 400 and "Vul de leeftijd van het kind in." in response.get_data(as_text=True)
    response = client.get("/gezinshuizen/match?leeftijd=13&doelgroep=ONBEKEND")
    assert response.status_code == 400 and "Vul de postcode of woonplaats van het kind in." in response.get_data(as_text=True)
    assert "Onbekende doelgroep: ONBEKEND." in response.get_data(as_text=True)
    response = client.get("/gezinshuizen/match?leeftijd=99999999999999999999&locatie=Helmond&broers=%C2%B2")
    assert response.status_code == 400 and "Vul de leeftijd van het kind in, van 0 tot en met 21 jaar." in response.get_data(as_text=True)


def test_another_regions_coordinator_sees_only_its_own_homes(app, client, login, homes):
    with app.app_context():
        login((homes["users"]["other_coordinator"]))
    html = client.get("/gezinshuizen/").get_data(as_text=True)
    assert "Gezinshuis Zuid" in html and "De Linde" not in html
    match = client.get("/gezinshuizen/match?leeftijd=9&locatie=Helmond").get_data(as_text=True)
    assert "De Linde" not in match and "Huize Peel" not in match


def test_an_installation_administrator_picks_the_region_and_the_filters_keep_it(app, client, login, homes):
    import re

    from beschikbaarheid.models import Region

    with app.app_context():
        admin = factories.user("beheerder", email="installatie@beheer.example", is_coordinator=True)
        db.session.commit()
        other = db.session.scalar(db.select(Region.id).where(Region.name == "Andere regio"))
        login(SimpleNamespace(email=admin.email))
    first = client.get("/gezinshuizen/").get_data(as_text=True)
    assert '<select id="regio" name="regio">' in first and "Andere regio</option>" in first
    html = client.get(f"/gezinshuizen/?regio={other}").get_data(as_text=True)
    assert "Gezinshuis Zuid" in html and "De Linde" not in html
    assert re.search(rf'<input type="hidden" name="regio" value="{other}">', html)  # the filter form stays in that region
    filtered = client.get(f"/gezinshuizen/?regio={other}&leeftijd=9").get_data(as_text=True)
    assert "Gezinshuis Zuid" in filtered and "De Linde" not in filtered
    match = client.get(f"/gezinshuizen/match?regio={other}").get_data(as_text=True)
    assert '<select id="regio" name="regio">' in match and f'<option value="{other}" selected>' in match


def test_a_coordinator_of_one_region_gets_no_region_picker(app, client, login, homes):
    with app.app_context():
        login(homes["users"]["coordinator"])
    assert '<select id="regio"' not in client.get("/gezinshuizen/").get_data(as_text=True)
    assert '<select id="regio"' not in client.get("/gezinshuizen/match").get_data(as_text=True)


def test_a_referrer_searching_a_gezinshuis_is_offered_the_best_match(app, client, login, homes):
    search = "/zoeken/?locatie=Helmond&leeftijd=13&product=gezinshuis"
    assert "/gezinshuizen/match" not in client.get(search).get_data(as_text=True)  # not logged in: no such page for them
    with app.app_context():
        login(homes["users"]["verwijzer"])
    html = client.get(search).get_data(as_text=True)
    assert "/gezinshuizen/match?leeftijd=13&amp;locatie=Helmond" in html
    assert "/gezinshuizen/match?" not in client.get("/zoeken/?locatie=Helmond&leeftijd=13&product=ambulante+jeugdhulp").get_data(as_text=True)
