"""The provider's home: every contracted offering grouped by location, freshness shown, confirm all or one row."""
import datetime as dt
import re

from beschikbaarheid.extensions import db
from beschikbaarheid.models import Contract, Offering, OfferingChange, utcnow
from tests import factories
from tests.helpers import csrf_token

HX = {"HX-Request": "true"}


def _provider_with_offerings():
    """Zonnehuis: two locations, three contracted offerings (one stale) and one without contract."""
    region = factories.region()
    provider = factories.provider("Zonnehuis", intake_email="intake@zonnehuis.example")
    helmond = factories.location(provider, "Helmond-Oost")
    deurne = factories.location(provider, "Deurne", woonplaats="Deurne")
    gezinshuis = factories.product("43A10", "Gezinshuis", region_obj=region)
    ambulant = factories.product("45A01", "Ambulante jeugdhulp", form="ambulant", segment=4, region_obj=region)
    woongroep = factories.product("43A14", "Woongroep", region_obj=region)
    ended = factories.product("41A01", "Dagbehandeling", form="dagbehandeling", segment=3, region_obj=region)
    old = utcnow() - dt.timedelta(days=70)
    offerings = {
        "gezinshuis_helmond": factories.offering(helmond, gezinshuis, waiting_weeks=10),
        "ambulant_helmond": factories.offering(helmond, ambulant, waiting_weeks=3, updated_at=old),
        "gezinshuis_deurne": factories.offering(deurne, gezinshuis, waiting_weeks=12),
        "woongroep_deurne": factories.offering(deurne, woongroep, contract=False),
        "dagbehandeling_deurne": factories.offering(deurne, ended),
    }
    # The dagbehandeling contract ended last year: greyed out, not to be updated.
    contract = db.session.scalar(db.select(Contract).where(Contract.product_id == ended.id))
    contract.valid_until = dt.date.today() - dt.timedelta(days=365)
    user = factories.user("aanbieder", provider_id=provider.id)
    db.session.commit()
    return provider.id, {k: o.id for k, o in offerings.items()}, user


def _table(html: str) -> str:
    return html[html.index('<table class="offerings"'):html.index("</table>")]


def test_home_lists_contracted_offerings_grouped_by_location(app, client, login):
    with app.app_context():
        provider_id, ids, user = _provider_with_offerings()
        login(user)
    response = client.get("/aanbieder/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    table = _table(html)
    # grouped: Deurne first (alphabetical), then Helmond-Oost, each offering under its location
    assert table.index("Deurne") < table.index(f'id="o-{ids["gezinshuis_deurne"]}"') < table.index("Helmond-Oost")
    assert table.index("Helmond-Oost") < table.index(f'id="o-{ids["gezinshuis_helmond"]}"')
    for key in ("gezinshuis_helmond", "ambulant_helmond", "gezinshuis_deurne"):
        assert f'id="o-{ids[key]}"' in table
    # without an active contract: not in the table, listed apart
    assert "Woongroep" not in table and "Dagbehandeling" not in table
    assert "2 regels zonder lopend contract" in html
    assert "2 van 3 regels zijn deze maand bijgewerkt of bevestigd" in html
    assert re.search(r'scope="colgroup"[^>]*><span class="location-name">Deurne', table)
    assert 'th scope="row"' in table and "<caption>" in table
    assert "Alles ongewijzigd bevestigen" in html


def test_stale_rows_are_marked_with_their_age(app, client, login):
    with app.app_context():
        provider_id, ids, user = _provider_with_offerings()
        login(user)
    table = _table(client.get("/aanbieder/").get_data(as_text=True))
    stale_row = re.search(rf'<tbody id="o-{ids["ambulant_helmond"]}"[^>]*>.*?</tbody>', table, re.S).group(0)
    fresh_row = re.search(rf'<tbody id="o-{ids["gezinshuis_helmond"]}"[^>]*>.*?</tbody>', table, re.S).group(0)
    assert "is-stale" in stale_row and "Niet actueel" in stale_row and "bijgewerkt 2 maanden geleden" in stale_row
    assert "is-stale" not in fresh_row and "vandaag bijgewerkt" in fresh_row


def test_confirm_all_confirms_every_contracted_offering_it_showed(app, client, login):
    with app.app_context():
        provider_id, ids, user = _provider_with_offerings()
        login(user)
        email = user.email
    html = client.get("/aanbieder/").get_data(as_text=True)
    form = html[html.index('class="confirm-all"') - 200:]
    versions = dict(re.findall(r'name="(version-\d+)" value="(\d+)"', form[:form.index("</form>")]))
    assert len(versions) == 3
    response = client.post(f"/aanbieder/{provider_id}/bevestigen", data={"csrf_token": csrf_token(client, "/aanbieder/"), **versions})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "3 regels bevestigd als ongewijzigd" in page
    assert "3 van 3 regels zijn deze maand bijgewerkt" in page
    with app.app_context():
        for key in ("gezinshuis_helmond", "ambulant_helmond", "gezinshuis_deurne"):
            o = db.session.get(Offering, ids[key])
            assert (o.last_update_kind, o.updated_by, o.version) == ("confirm", email, 2)
            row = db.session.scalar(db.select(OfferingChange).where(OfferingChange.offering_id == o.id))
            assert (row.kind, row.via, row.author) == ("confirm", "form", email)
        assert db.session.get(Offering, ids["woongroep_deurne"]).version == 1
        assert db.session.get(Offering, ids["dagbehandeling_deurne"]).version == 1


def test_confirm_all_skips_rows_changed_after_the_page_was_loaded(app, client, login):
    with app.app_context():
        provider_id, ids, user = _provider_with_offerings()
        login(user)
    html = client.get("/aanbieder/").get_data(as_text=True)
    versions = dict(re.findall(r'name="(version-\d+)" value="(\d+)"', html))
    with app.app_context():  # a colleague saves one row meanwhile
        from beschikbaarheid.services.offerings import apply_update

        apply_update(db.session.get(Offering, ids["gezinshuis_deurne"]), {"waiting_weeks": 14}, author="collega@zonnehuis.example", via="form")
        db.session.commit()
    response = client.post(f"/aanbieder/{provider_id}/bevestigen", data={"csrf_token": csrf_token(client, "/aanbieder/"), **versions}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "2 regels bevestigd" in page and "intussen gewijzigd door iemand anders" in page
    with app.app_context():
        o = db.session.get(Offering, ids["gezinshuis_deurne"])
        assert (o.last_update_kind, o.waiting_weeks, o.updated_by) == ("update", 14, "collega@zonnehuis.example")


def test_confirm_one_row_with_htmx_and_without(app, client, login):
    with app.app_context():
        provider_id, ids, user = _provider_with_offerings()
        login(user)
    token = csrf_token(client, "/aanbieder/")
    oid = ids["ambulant_helmond"]
    response = client.post(f"/aanbieder/aanbod/{oid}/bevestigen", data={"csrf_token": token, "version": "1"}, headers=HX)
    assert response.status_code == 200
    fragment = response.get_data(as_text=True)
    assert fragment.lstrip().startswith(f'<tbody id="o-{oid}"') and "<html" not in fragment
    assert "Bevestigd als ongewijzigd" in fragment and "vandaag bijgewerkt" in fragment and "is-stale" not in fragment
    # without JavaScript: redirect back to the table (row anchor)
    response = client.post(f"/aanbieder/aanbod/{oid}/bevestigen", data={"csrf_token": token, "version": "2"})
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#o-{oid}")
    # a stale version (page loaded before the last confirmation) is not confirmed again blindly
    response = client.post(f"/aanbieder/aanbod/{oid}/bevestigen", data={"csrf_token": token, "version": "1"}, headers=HX)
    assert "Niet bevestigd" in response.get_data(as_text=True)
    with app.app_context():
        kinds = db.session.scalars(db.select(OfferingChange.kind).where(OfferingChange.offering_id == oid)).all()
        assert kinds == ["confirm", "confirm"]


def test_contract_manager_reads_the_providers_of_their_region_without_edit_controls(app, client, login):
    with app.app_context():
        provider_id, ids, _user = _provider_with_offerings()
        factories.provider("De Linde")  # no contract anywhere: in no region's list
        manager = factories.user("contractmanager")
        db.session.commit()
        login(manager)
    overview = client.get("/aanbieder/").get_data(as_text=True)
    assert "De Linde" not in overview and "Zonnehuis" in overview and "2 / 3" in overview
    page = client.get(f"/aanbieder/{provider_id}/").get_data(as_text=True)
    assert "Alleen lezen" in page and "Gezinshuis" in page
    assert "Alles ongewijzigd bevestigen" not in page and "/bewerken" not in page and "Ongewijzigd" not in page
    assert client.get(f"/aanbieder/aanbod/{ids['gezinshuis_deurne']}/historie").status_code == 200


def test_provider_user_without_provider_gets_403(app, client, login):
    with app.app_context():
        user = factories.user("aanbieder")
        db.session.commit()
        login(user)
    assert client.get("/aanbieder/").status_code == 403


def test_uncontracted_offerings_cannot_be_edited(app, client, login):
    with app.app_context():
        provider_id, ids, user = _provider_with_offerings()
        login(user)
    token = csrf_token(client, "/aanbieder/")
    assert client.get(f"/aanbieder/aanbod/{ids['woongroep_deurne']}/bewerken").status_code == 404
    assert client.post(f"/aanbieder/aanbod/{ids['dagbehandeling_deurne']}/bevestigen", data={"csrf_token": token, "version": "1"}).status_code == 404
    assert client.get(f"/aanbieder/aanbod/{ids['woongroep_deurne']}/historie").status_code == 200


def test_rows_just_edited_inline_are_not_reported_as_someone_elses_change(app, client, login):
    with app.app_context():
        provider_id, ids, user = _provider_with_offerings()
        login(user)
    html = client.get("/aanbieder/").get_data(as_text=True)
    versions = dict(re.findall(r'name="(version-\d+)" value="(\d+)"', html[html.index('class="confirm-all"'):]))
    token = csrf_token(client, "/aanbieder/")
    oid = ids["gezinshuis_helmond"]
    saved = client.post(f"/aanbieder/aanbod/{oid}/bewerken", headers=HX, data={
        "csrf_token": token, "version": "1", "layout": "row", "capacity": "6", "free_places": "0", "waiting_weeks": "11",
        "intake_status": "open", "note": ""})
    assert "Opgeslagen" in saved.get_data(as_text=True)
    page = client.post(f"/aanbieder/{provider_id}/bevestigen", data={"csrf_token": token, **versions}, follow_redirects=True).get_data(as_text=True)
    assert "2 regels bevestigd" in page and "1 regel had u net al bijgewerkt" in page and "iemand anders" not in page
    with app.app_context():
        assert db.session.get(Offering, oid).last_update_kind == "update"
