"""The beheer pages: only administrators import and export, a bad upload shows every line and saves nothing."""
from __future__ import annotations

import io
from pathlib import Path

import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import Offering, OfferingChange, Product, Provider, Region
from tests import factories
from tests.helpers import DATA, csrf_token

REGION = "Testregio"


def _admin(app, login):
    with app.app_context():
        user = factories.user("beheerder")
        db.session.commit()
        login(user)


def _upload(client, kind: str, path: Path | None = None, *, data: bytes | None = None, region: str = REGION, token: str | None = "get", **extra):
    """Post the import form the way a browser does (multipart, with the page's CSRF token)."""
    form = {"kind": kind, "region": region, **extra}
    if token == "get":
        token = csrf_token(client, "/beheer/import")
    if token:
        form["csrf_token"] = token
    content = data if data is not None else path.read_bytes()
    form["file"] = (io.BytesIO(content), path.name if path else "upload.csv")
    return client.post("/beheer/import", data=form, content_type="multipart/form-data")


def test_pages_are_for_administrators_only(app, client, login):
    with app.app_context():
        region = factories.region()
        db.session.commit()
        region_id = region.id
    urls = ["/beheer/", "/beheer/import", f"/beheer/regio/{region_id}/aanbod.csv", f"/beheer/regio/{region_id}/producten.csv"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "/account/inloggen" in response.headers["Location"], url
    with app.app_context():
        user = factories.user("contractmanager")
        db.session.commit()
        login(user)
    for url in urls:
        assert client.get(url).status_code == 403, url
    response = client.post("/beheer/import", data={"kind": "products", "region": REGION}, content_type="multipart/form-data")
    assert response.status_code == 403


def test_overview_lists_regions_with_counts_and_links(app, client, login):
    with app.app_context():
        region = factories.region("Een 10 voor de Jeugd")
        factories.municipality("Helmond", "0794", region_obj=region)
        product = factories.product("43A10", region_obj=region)
        factories.offering(factories.location(factories.provider()), product)
        db.session.commit()
        region_id = region.id
    _admin(app, login)
    response = client.get("/beheer/")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<h1>Beheer</h1>" in html
    assert f'<th scope="row"><a href="/beheer/regio/{region_id}/">Een 10 voor de Jeugd</a></th>' in html  # the way in to keep it
    # municipalities, products, providers, contracts, offerings
    assert html.count('<td class="num">1</td>') == 5
    assert f"/beheer/regio/{region_id}/aanbod.csv" in html and f"/beheer/regio/{region_id}/producten.csv" in html
    assert 'href="/beheer/import"' in html
    assert "style=" not in html and "<script>" not in html


def test_upload_products_then_offerings(app, client, login):
    with app.app_context():
        factories.register_places()
    _admin(app, login)
    page = client.get("/beheer/import")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and 'enctype="multipart/form-data"' in html and '<label for="file">' in html
    assert "<legend>Wat wilt u importeren?</legend>" in html

    response = _upload(client, "products", DATA / "products_semicolon_bom.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "Import geslaagd" in html and "5 producten nieuw" in html

    response = _upload(client, "offerings", DATA / "offerings.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    assert "2 aanbieders nieuw" in html and "4 aanbod nieuw" in html
    with app.app_context():
        assert factories.register_counts()["offering"] == 4
        authors = set(db.session.scalars(sa.select(OfferingChange.author)))
        users = set(db.session.scalars(sa.select(OfferingChange.user_id)))
        assert authors == {"import:offerings.csv"} and len(users) == 1 and None not in users

    again = _upload(client, "offerings", DATA / "offerings.csv")
    assert again.status_code == 200 and "Er is niets veranderd" in again.get_data(as_text=True)


def test_bad_upload_lists_every_line_with_400_and_saves_nothing(app, client, login):
    with app.app_context():
        factories.register_places()
    _admin(app, login)
    assert _upload(client, "products", DATA / "products.csv").status_code == 200
    with app.app_context():
        before = factories.register_counts()
    response = _upload(client, "offerings", DATA / "offerings_bad.csv")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Niets geïmporteerd" in html and 'role="alert"' in html
    for line in (3, 4, 5, 6, 7, 8, 9):
        assert f'<tr><td class="num">{line}</td>' in html, line
    assert '<tr><td class="num">2</td>' not in html
    assert "e-mailadres &#39;geen-email&#39; is ongeldig" in html
    assert 'value="Testregio"' in html  # the form keeps what was typed
    with app.app_context():
        assert factories.register_counts() == before


def test_dry_run_upload_saves_nothing(app, client, login):
    _admin(app, login)
    response = _upload(client, "products", DATA / "products.csv", dry_run="y")
    assert response.status_code == 200 and "Controle geslaagd" in response.get_data(as_text=True)
    with app.app_context():
        assert factories.register_counts()["product"] == 0 and factories.register_counts()["region"] == 0


def test_upload_needs_csrf_token_and_a_file(app, client, login):
    _admin(app, login)
    response = _upload(client, "products", DATA / "products.csv", token=None)
    assert response.status_code == 400 and "formulier is verlopen" in response.get_data(as_text=True)
    token = csrf_token(client, "/beheer/import")
    response = client.post("/beheer/import", data={"kind": "products", "region": REGION, "csrf_token": token}, content_type="multipart/form-data")
    assert response.status_code == 400 and "Kies een bestand." in response.get_data(as_text=True)
    with app.app_context():
        assert factories.register_counts()["product"] == 0


def test_too_large_upload_is_413_in_dutch(app, client, login):
    _admin(app, login)
    app.config["IMPORT_MAX_BYTES"] = 2 * 1024 * 1024
    big = b"code,naam,segment,vorm\n" + b"43A10,Gezinshuis,2,wonen\n" * 100_000
    response = _upload(client, "products", data=big)
    assert response.status_code == 413
    assert "Het bestand is te groot: de grens is 2 MB" in response.get_data(as_text=True)
    with app.app_context():
        assert factories.register_counts()["product"] == 0


def test_csv_downloads_use_the_import_format(app, client, login):
    with app.app_context():
        region = factories.region(REGION)
        product = factories.product("43A10", region_obj=region)
        provider = factories.provider("Download BV (fictief)")
        factories.offering(factories.location(provider), product, target_groups=["ASS"])
        db.session.commit()
        region_id = region.id
    _admin(app, login)
    response = client.get(f"/beheer/regio/{region_id}/aanbod.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"] and "aanbod-testregio-" in response.headers["Content-Disposition"]
    lines = response.get_data(as_text=True).splitlines()
    assert lines[0].startswith("aanbieder,aanbieder_email,") and lines[1].startswith("Download BV (fictief),")
    products = client.get(f"/beheer/regio/{region_id}/producten.csv").get_data(as_text=True).splitlines()
    assert products == ["code,naam,categorie,segment,vorm,trefwoorden", "43A10,Gezinshuis,43,2,wonen,"]
    assert client.get("/beheer/regio/9999/aanbod.csv").status_code == 404

    # What was downloaded uploads again without changing anything.
    with app.app_context():
        before = factories.register_counts()
        version = db.session.scalar(sa.select(Offering.version))
    response = _upload(client, "offerings", data="\n".join(lines).encode())
    assert response.status_code == 200 and "1 aanbod ongewijzigd" in response.get_data(as_text=True)
    with app.app_context():
        assert factories.register_counts() == before and db.session.scalar(sa.select(Offering.version)) == version
        assert db.session.scalar(sa.select(Provider.name)) == "Download BV (fictief)"
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 1
        assert db.session.scalar(sa.select(Region.name)) == REGION


def test_an_administrator_of_a_region_sees_imports_and_exports_only_that_region(app, client, login):
    """Confined like a contract manager: the other region is absent from the overview, its CSV is a 404,
    and an import into it (or into a new region) is refused with a Dutch message and saves nothing."""
    with app.app_context():
        own, other = factories.region("Eigen regio"), factories.region("Andere regio")
        user = factories.user("beheerder", region_id=own.id)
        db.session.commit()
        own_id, other_id = own.id, other.id
        login(user)
    overview = client.get("/beheer/").get_data(as_text=True)
    assert "Eigen regio" in overview and "Andere regio" not in overview
    assert client.get(f"/beheer/regio/{other_id}/producten.csv").status_code == 404
    assert client.get(f"/beheer/regio/{own_id}/producten.csv").status_code == 200
    for region in ("Andere regio", "Nieuwe regio"):
        response = _upload(client, "products", DATA / "products.csv", region=region)
        assert response.status_code == 403, region
        assert "U beheert alleen regio Eigen regio" in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Product)) == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Region)) == 2
    assert _upload(client, "products", DATA / "products.csv", region="eigen regio").status_code == 200
