"""Exports that are opened in Excel: no formulas, no visible apostrophes in XLSX, no control characters;
the register's CSV export still imports back unchanged; control characters are refused at import."""
from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from openpyxl import load_workbook

from beschikbaarheid.extensions import db
from beschikbaarheid.models import Product, Provider, Region, utcnow
from tests import factories
from tests.helpers import DATA

EVIL = ("X;=1+1", "=HYPERLINK(\"http://evil.example\")", "@Thuis Jeugdhulp", "-Min BV", "Gewoon BV; +31 afdeling")


def _register(region_name="Testregio", names=EVIL, phone="+31 40 123 4567"):
    """A region with one product and an offering per provider name; returns (region id, contract manager)."""
    region = factories.region(region_name)
    product = factories.product("43A10", "Gezinshuis", region)
    for i, name in enumerate(names):
        loc = factories.location(factories.provider(name, intake_phone=phone, intake_email=f"intake{i}@aanbieder.example"),
                                 lat=51.47 + i / 1000, lon=5.65)
        factories.offering(loc, product, waiting_weeks=i, updated_at=utcnow())
    cm = factories.user("contractmanager", region_id=region.id)
    db.session.commit()
    return region.id, cm


def _admin(login):
    user = factories.user("beheerder")
    db.session.commit()
    login(user)


def _csv_cells(text: str) -> list[list[str]]:
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))


def test_register_export_neutralises_every_formula_start_and_imports_back_unchanged(app, client, login, runner, tmp_path):
    with app.app_context():
        factories.register_places()
        region_id, _cm = _register()
        _admin(login)
        providers_before = db.session.scalar(sa.select(sa.func.count()).select_from(Provider))
    response = client.get(f"/beheer/regio/{region_id}/aanbod.csv")
    assert response.status_code == 200
    text = response.data.decode("utf-8-sig")
    cells = [c for row in _csv_cells(text)[1:] for c in row]
    # Dutch Excel splits every line on ';': no part of any cell may start a formula.
    parts = [p.lstrip(' "') for c in cells for p in c.split(";")]
    assert not [p for p in parts if p[:1] in ("=", "+", "-", "@", "\t", "\r")]
    assert "X;'=1+1" in cells and "'@Thuis Jeugdhulp" in cells and "'+31 40 123 4567" in cells
    assert "Gewoon BV;' +31 afdeling" in cells
    # The import reads the export back: nothing new, nothing changed.
    path = tmp_path / "aanbod.csv"
    path.write_bytes(response.data)
    result = runner.invoke(args=["import", "offerings", "--region", "Testregio", str(path)])
    assert result.exit_code == 0, result.output
    assert f"{len(EVIL)} aanbod ongewijzigd" in result.output and "nieuw" not in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Provider)) == providers_before
        assert db.session.scalar(sa.select(Provider.intake_phone).where(Provider.name == "X;=1+1")) == "+31 40 123 4567"


def test_product_export_neutralises_formulas_and_round_trips(app, client, login, runner, tmp_path):
    with app.app_context():
        region = factories.region()
        factories.product("43A10", "=Gezinshuis+1", region, keywords="@thuis;-wonen")
        _admin(login)
        region_id = region.id
    response = client.get(f"/beheer/regio/{region_id}/producten.csv")
    row = _csv_cells(response.data.decode("utf-8"))[1]
    assert row[1] == "'=Gezinshuis+1" and row[5] == "'@thuis;'-wonen"
    path = tmp_path / "producten.csv"
    path.write_bytes(response.data)
    result = runner.invoke(args=["import", "products", "--region", "Testregio", str(path)])
    assert result.exit_code == 0 and "1 producten ongewijzigd" in result.output, result.output
    with app.app_context():
        product = db.session.scalars(sa.select(Product)).one()
        assert (product.name, product.keywords) == ("=Gezinshuis+1", "@thuis;-wonen")


def test_xlsx_writes_names_and_phone_numbers_as_text_without_an_apostrophe(app, client, login):
    with app.app_context():
        _region_id, cm = _register()
        login(cm)
    response = client.get("/contract/export/naleving-aanbieders.xlsx")
    assert response.status_code == 200
    ws = load_workbook(io.BytesIO(response.data)).active
    cells = {c.value: c for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for name in ("@Thuis Jeugdhulp", "=HYPERLINK(\"http://evil.example\")", "-Min BV", "+31 40 123 4567"):
        assert name in cells, name
        assert cells[name].data_type == "s"  # a text cell: never a formula
        assert cells[name].quotePrefix  # Excel keeps it text when the cell is edited
    assert not [v for v in cells if v.startswith("'")]
    # CSV still needs the apostrophe: there a leading = is a formula.
    rows = list(csv.DictReader(io.StringIO(client.get("/contract/export/naleving-aanbieders.csv").data.decode("utf-8-sig"))))
    assert {r["Intake telefoon"] for r in rows} == {"'+31 40 123 4567"}


def test_control_characters_stored_by_older_versions_never_break_an_export(app, client, login, runner):
    """A provider and a region name with a BEL (inserted directly, as an older import did) made the XLSX a 500."""
    with app.app_context():
        region_id, cm = _register(names=("Aanbieder Een",))
        db.session.execute(sa.update(Provider).values(name="Aanbieder\x07 Een\x1b[2J"))
        db.session.execute(sa.update(Region).values(name="Regio\x07 Noord"))
        db.session.commit()
        login(cm)
    texts = []
    for dataset in ("naleving", "naleving-aanbieders", "wachttijden"):
        response = client.get(f"/contract/export/{dataset}.xlsx")
        assert response.status_code == 200, dataset
        texts += [c.value for row in load_workbook(io.BytesIO(response.data)).active.iter_rows() for c in row if isinstance(c.value, str)]
        texts.append(client.get(f"/contract/export/{dataset}.csv").data.decode("utf-8-sig"))
    assert not [v for v in texts if "\x07" in v or "\x1b" in v]
    assert "Aanbieder Een[2J" in texts and any("Regio Noord" in v for v in texts)
    result = runner.invoke(args=["export", "offerings", "--region", "Regio\x07 Noord", "-"])
    assert result.exit_code == 0, result.output
    assert "Aanbieder Een[2J" in result.output and "\x07" not in result.output and "\x1b" not in result.output
    unknown = runner.invoke(args=["export", "offerings", "--region", "Zuid", "-"])
    assert "Regio Noord" in unknown.output and "\x07" not in unknown.output


def test_control_characters_are_refused_at_import_with_the_line(app, runner, tmp_path):
    with app.app_context():
        factories.register_places()
    assert runner.invoke(args=["import", "products", "--region", "Testregio", str(DATA / "products.csv")]).exit_code == 0
    lines = (DATA / "offerings.csv").read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("Stichting De Linde (fictief)", "Stichting De Linde\x07 (fictief)", 1)
    path = tmp_path / "aanbod.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(args=["import", "offerings", "--region", "Testregio", str(path)])
    assert result.exit_code == 1
    assert "regel 3: kolom 'aanbieder' bevat een onzichtbaar stuurteken" in result.output
    assert "\x07" not in result.output
    with app.app_context():
        assert db.session.scalars(sa.select(Provider)).all() == []
    bad_region = runner.invoke(args=["import", "products", "--region", "Regio\x07", str(DATA / "products.csv")])
    assert bad_region.exit_code == 1 and "De regionaam bevat een onzichtbaar stuurteken" in bad_region.output
