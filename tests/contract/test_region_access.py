"""Contract managers are confined to their region: another region's provider, offering, call log and
figures answer as if absent (404) and change nothing; without a region they see nothing at all."""
from __future__ import annotations

import datetime as dt

from beschikbaarheid.domain import freshness
from beschikbaarheid.extensions import db
from beschikbaarheid.models import CallLog, utcnow
from tests import factories
from tests.helpers import csrf_token


def _two_regions() -> dict:
    """Region Noord with provider Noorderlicht, region Zuid with provider Zuiderzon, and provider Tweeluik
    that holds a contract in both (one offering each). Commits."""
    noord, zuid = factories.region("Noord"), factories.region("Zuid")
    noord_product = factories.product("43A10", "Gezinshuis Noord", noord)
    zuid_product = factories.product("43A10", "Gezinshuis Zuid", zuid)
    noorderlicht = factories.offering(factories.location(factories.provider("Noorderlicht")), noord_product)
    zuiderzon = factories.offering(factories.location(factories.provider("Zuiderzon")), zuid_product)
    both = factories.provider("Tweeluik")
    both_noord = factories.offering(factories.location(both, "Tweeluik Noord"), noord_product)
    both_zuid = factories.offering(factories.location(both, "Tweeluik Zuid"), zuid_product)
    cm_zuid = factories.user("contractmanager", name="Zoë Zuid", region_id=zuid.id)
    cm_none = factories.user("contractmanager", region_id=None)
    db.session.commit()
    return {"noord": noord.id, "zuid": zuid.id, "noorderlicht": noorderlicht.provider_id, "noorderlicht_offering": noorderlicht.id,
            "zuiderzon": zuiderzon.provider_id, "both": both.id, "both_noord": both_noord.id, "both_zuid": both_zuid.id,
            "cm_zuid": cm_zuid, "cm_none": cm_none}


def _call(client, csrf_path: str) -> dict:
    ten_minutes_ago = utcnow().astimezone(freshness.TZ) - dt.timedelta(minutes=10)
    return {"csrf_token": csrf_token(client, csrf_path), "called_on": f"{ten_minutes_ago:%Y-%m-%d}",
            "called_time": f"{ten_minutes_ago:%H:%M}", "outcome": "bereikt", "note": "Gebeld"}


def test_another_regions_provider_is_not_there_for_a_contract_manager(app, client, login):
    with app.app_context():
        w = _two_regions()
        login(w["cm_zuid"])
    north, offering = w["noorderlicht"], w["noorderlicht_offering"]
    for url in (f"/contract/aanbieder/{north}", f"/contract/aanbieder/{north}?regio={w['noord']}", f"/aanbieder/{north}/",
                f"/aanbieder/aanbod/{offering}/historie", f"/aanbieder/aanbod/{offering}"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "Noorderlicht" not in response.get_data(as_text=True), url
    # the same answer as for an id that does not exist (but for the id in the page's own language link)
    absent = client.get("/contract/aanbieder/999999").get_data(as_text=True).replace("999999", "ID")
    assert absent == client.get(f"/contract/aanbieder/{north}").get_data(as_text=True).replace(f"/{north}?", "/ID?")
    # posting a call to it stores nothing
    response = client.post(f"/contract/aanbieder/{north}/gesprek", data=_call(client, f"/contract/aanbieder/{w['zuiderzon']}"))
    assert response.status_code == 404
    with app.app_context():
        assert db.session.scalar(db.select(db.func.count()).select_from(CallLog)) == 0
    # the own region's provider works, call included (so the 404s above are about the region)
    assert "Zuiderzon" in client.get(f"/contract/aanbieder/{w['zuiderzon']}").get_data(as_text=True)
    response = client.post(f"/contract/aanbieder/{w['zuiderzon']}/gesprek", data=_call(client, f"/contract/aanbieder/{w['zuiderzon']}"))
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(db.select(CallLog.provider_id)) == w["zuiderzon"]


def test_region_pages_and_exports_show_only_the_own_region(app, client, login):
    with app.app_context():
        w = _two_regions()
        login(w["cm_zuid"])
    overview = client.get("/aanbieder/").get_data(as_text=True)
    assert "Zuiderzon" in overview and "Tweeluik" in overview and "Noorderlicht" not in overview
    for path in ("/contract/", "/contract/kwaliteit", "/contract/wachttijden", "/contract/tekorten"):
        html = client.get(f"{path}?regio={w['noord']}").get_data(as_text=True)
        assert "Zuid" in html and "Noord" not in html, path  # ?regio= cannot pick another region
    export = client.get(f"/contract/export/naleving-aanbieders.csv?regio={w['noord']}").get_data(as_text=True)
    assert "Zuiderzon" in export and "Noorderlicht" not in export


def test_a_provider_in_two_regions_shows_only_the_own_regions_offerings(app, client, login):
    with app.app_context():
        w = _two_regions()
        login(w["cm_zuid"])
    dossier = client.get(f"/contract/aanbieder/{w['both']}").get_data(as_text=True)
    assert "Tweeluik Zuid" in dossier and "Tweeluik Noord" not in dossier and "Gezinshuis Noord" not in dossier
    page = client.get(f"/aanbieder/{w['both']}/").get_data(as_text=True)
    assert "Tweeluik Zuid" in page and "Tweeluik Noord" not in page
    assert client.get(f"/aanbieder/aanbod/{w['both_zuid']}/historie").status_code == 200
    assert client.get(f"/aanbieder/aanbod/{w['both_noord']}/historie").status_code == 404


def test_a_contract_manager_without_a_region_sees_nothing(app, client, login):
    with app.app_context():
        w = _two_regions()
        login(w["cm_none"])
    for url in ("/contract/", f"/contract/?regio={w['noord']}", f"/contract/wachttijden?regio={w['zuid']}", "/contract/kwaliteit",
                "/contract/tekorten", "/contract/export/naleving-aanbieders.csv", f"/contract/aanbieder/{w['zuiderzon']}", "/aanbieder/"):
        response = client.get(url)
        html = response.get_data(as_text=True)
        assert response.status_code == 403, url
        assert "Uw account hoort nog bij geen regio" in html and "Vraag de beheerder" in html, url
        assert "Zuiderzon" not in html and "Noorderlicht" not in html and "Noord" not in html, url
    assert client.get(f"/aanbieder/{w['zuiderzon']}/").status_code == 404


def test_an_administrator_of_a_region_reads_only_that_region(app, client, login):
    """A region's administrator is confined like its contract managers: another region's figures and providers stay hidden."""
    with app.app_context():
        w = _two_regions()
        admin = factories.user("beheerder", region_id=w["zuid"])
        db.session.commit()
        login(admin)
    html = client.get(f"/contract/?regio={w['noord']}").get_data(as_text=True)
    assert "Zuid" in html and "Noord" not in html and 'name="regio"' not in html
    assert client.get(f"/contract/aanbieder/{w['noorderlicht']}?regio={w['noord']}").status_code == 404
    assert client.get(f"/aanbieder/{w['noorderlicht']}/").status_code == 404
    assert "Zuiderzon" in client.get(f"/contract/aanbieder/{w['zuiderzon']}").get_data(as_text=True)


def test_the_installation_administrator_keeps_every_region(app, client, login):
    """An administrator without a region (the installation's) imports and exports every region's register, so it reads every region."""
    with app.app_context():
        w = _two_regions()
        admin = factories.user("beheerder", region_id=None)
        db.session.commit()
        login(admin)
    html = client.get(f"/contract/?regio={w['noord']}").get_data(as_text=True)
    assert "Noord" in html and 'name="regio"' in html
    assert "Noorderlicht" in client.get(f"/contract/aanbieder/{w['noorderlicht']}?regio={w['noord']}").get_data(as_text=True)
