"""Exports: CSV parses, XLSX opens with openpyxl, both carry date and source and the same numbers."""
import csv
import datetime as dt
import io

from openpyxl import load_workbook

from beschikbaarheid import exports
from beschikbaarheid.domain import freshness
from beschikbaarheid.extensions import db
from beschikbaarheid.models import utcnow
from tests import factories

TZ = freshness.TZ


def register(now, *, evil_name=False):
    """Ten providers of one product, one stale (and optionally one with a formula-like name)."""
    region = factories.region()
    product = factories.product("43A10", "Gezinshuis", region, segment=2)
    stale_at = freshness.month_start(now) - dt.timedelta(days=3)
    for i in range(1, 11):
        name = "=HYPERLINK(\"http://evil.example\")" if evil_name and i == 10 else f"Aanbieder {i:02d}"
        factories.offering(factories.location(factories.provider(name)), product, waiting_weeks=i, updated_at=stale_at if i == 10 else now)
    cm = factories.user("contractmanager")
    db.session.commit()
    return cm


def read_csv(response):
    text = response.data.decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def read_xlsx(response):
    """(header block as a dict, table rows as dicts) of the first sheet."""
    ws = load_workbook(io.BytesIO(response.data)).active
    rows = list(ws.iter_rows(values_only=True))
    block = {r[0]: r[1] for r in rows[1:] if r and r[0] and (len(r) < 2 or r[1] is not None) and r[0] != rows[0][0]}
    blank = next(i for i, r in enumerate(rows) if not any(v is not None for v in r))
    header = rows[blank + 1]
    table = [dict(zip(header, r)) for r in rows[blank + 2:]]
    return rows[0][0], block, table, ws


def test_compliance_csv_and_xlsx_have_the_same_numbers_with_date_and_source(app, client, login):
    with app.app_context():
        now = utcnow()
        login(register(now))
    day = now.astimezone(TZ).strftime("%Y-%m-%d")
    response = client.get("/contract/export/naleving.csv")
    assert response.status_code == 200 and response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"] == f'attachment; filename="naleving-{day}.csv"'
    rows = read_csv(response)
    total = rows[0]
    assert (total["Niveau"], total["Actueel"], total["Noemer"], total["Aandeel actueel (%)"], total["Doel (%)"], total["Doel gehaald"]) == (
        "totaal", "9", "10", "90.0", "90.0", "ja")
    assert all(r["Bron"] == "Beschikbaarheidswijzer" and r["Peildatum"].startswith(day) for r in rows)
    assert [r["Niveau"] for r in rows] == ["totaal", "segment", "product"]

    response = client.get("/contract/export/naleving.xlsx")
    assert response.headers["Content-Type"] == exports.XLSX_MIMETYPE
    assert response.headers["Content-Disposition"] == f'attachment; filename="naleving-{day}.xlsx"'
    title, block, table, _ = read_xlsx(response)
    assert title.startswith("Naleving actualiseren")
    assert block["Bron"] == "Beschikbaarheidswijzer" and block["Peildatum"].startswith(day)
    assert block["Noemer"].startswith(f"gecontracteerde aanbieders {now.astimezone(TZ).year}")
    assert (table[0]["Actueel"], table[0]["Noemer"], table[0]["Aandeel actueel (%)"]) == (9, 10, 90.0)
    assert [(str(r["Actueel"]), str(r["Noemer"])) for r in table] == [(r["Actueel"], r["Noemer"]) for r in rows]


def test_per_provider_export_lists_every_contracted_provider(app, client, login):
    with app.app_context():
        now = utcnow()
        login(register(now))
    rows = read_csv(client.get("/contract/export/naleving-aanbieders.csv"))
    assert len(rows) == 10
    stale = next(r for r in rows if r["Aanbieder"] == "Aanbieder 10")
    assert (stale["Actueel deze maand"], stale["Gecontracteerd aanbod"], stale["Waarvan actueel"]) == ("nee", "1", "0")
    assert stale["Intake e-mail"].endswith("@aanbieder.example") and stale["Herinneringen verstuurd deze maand"] == "0"
    _, block, table, _ = read_xlsx(client.get("/contract/export/naleving-aanbieders.xlsx"))
    assert len(table) == 10 and sum(1 for r in table if r["Actueel deze maand"] == "ja") == 9
    assert isinstance(next(r for r in table if r["Aanbieder"] == "Aanbieder 10")["Laatst bijgewerkt"], dt.datetime)


def test_waiting_export_matches_the_page_figures(app, client, login):
    with app.app_context():
        now = utcnow()
        login(register(now))
    row = read_csv(client.get("/contract/export/wachttijden.csv"))[0]
    # waiting weeks 1..10: median 5.5, P90 9.1, none above 14
    assert (row["Productcode"], row["Aanbod met wachttijd"], row["Minimum (weken)"], row["Maximum (weken)"]) == ("43A10", "10", "1", "10")
    assert (row["Mediaan (weken)"], row["P90 (weken)"], row["Norm (weken)"], row["Boven norm"]) == ("5.5", "9.1", "14", "0")
    _, block, table, _ = read_xlsx(client.get("/contract/export/wachttijden.xlsx"))
    assert table[0]["Mediaan (weken)"] == 5.5 and table[0]["P90 (weken)"] == 9.1 and "Bron" in block


def test_supply_gap_exports_have_headers_even_without_data(app, client, login):
    with app.app_context():
        login(register(utcnow()))
    for dataset in ("tekorten", "tekorten-gemeenten"):
        response = client.get(f"/contract/export/{dataset}.csv")
        assert response.status_code == 200
        header = response.data.decode("utf-8-sig").splitlines()[0]
        assert header.endswith("Peildatum,Bron")
        _, block, table, _ = read_xlsx(client.get(f"/contract/export/{dataset}.xlsx"))
        assert table == [] and "Periode" in block


def test_formula_like_names_are_neutralised(app, client, login):
    with app.app_context():
        login(register(utcnow(), evil_name=True))
    rows = read_csv(client.get("/contract/export/naleving-aanbieders.csv"))
    assert any(r["Aanbieder"] == "'=HYPERLINK(\"http://evil.example\")" for r in rows)
    _, _, table, ws = read_xlsx(client.get("/contract/export/naleving-aanbieders.xlsx"))
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.data_type == "s" and c.value == "=HYPERLINK(\"http://evil.example\")" for c in cells)


def test_unknown_dataset_or_format_is_404(app, client, login):
    with app.app_context():
        login(register(utcnow()))
    assert client.get("/contract/export/geheim.csv").status_code == 404
    assert client.get("/contract/export/naleving.pdf").status_code == 404


def test_table_renders_without_an_app():
    when = dt.datetime(2026, 3, 1, 9, 30, tzinfo=dt.timezone.utc)
    table = exports.Table(title="T", source="Bron X", as_of=when, columns=["Naam", "Aandeel (%)", "Wanneer"],
                          rows=[["Één", 90.0, when], ["-2", None, None]], notes=[("Noemer", "alle")])
    text = exports.to_csv(table, TZ).decode("utf-8")
    assert text.startswith("\ufeffNaam,Aandeel (%),Wanneer,Peildatum,Bron\r\n")
    assert "Één,90.0,2026-03-01 10:30,2026-03-01 10:30,Bron X" in text
    assert "'-2,,," in text  # text that starts like a formula is neutralised
    ws = load_workbook(io.BytesIO(exports.to_xlsx(table, TZ))).active
    values = [r for r in ws.iter_rows(values_only=True)]
    assert values[0][0] == "T" and ("Bron", "Bron X") == values[1][:2] and values[3][:2] == ("Noemer", "alle")
    assert values[-2][:3] == ("Één", 90.0, dt.datetime(2026, 3, 1, 10, 30))


def test_supply_gap_export_follows_the_chosen_period(app, client, login):
    from beschikbaarheid.models import SearchLog

    with app.app_context():
        cm = register(utcnow())
        region = factories.region()
        factories.municipality("Helmond", "0794", region_obj=region)
        today = utcnow().astimezone(TZ).date()
        for day, within in ((today, 0), (today - dt.timedelta(days=150), 0), (today - dt.timedelta(days=150), 0)):
            db.session.add(SearchLog(day=day, region_id=region.id, need_kind="segment", segment=2, municipality_code="0794",
                                     age_band="4-11", result_count=1, within_radius_count=within))
        db.session.commit()
        login(cm)
    rows = read_csv(client.get("/contract/export/tekorten.csv?maanden=12"))
    assert [(r["Behoefte"], r["Gemeente"], r["Zoekopdrachten"], r["Zonder optie binnen zoekstraal"]) for r in rows] == [
        ("Segment 2: Wonen", "Helmond", "3", "3")]
    rows = read_csv(client.get("/contract/export/tekorten.csv?maanden=3"))
    assert [r["Zoekopdrachten"] for r in rows] == ["1"]
    municipalities = read_csv(client.get("/contract/export/tekorten-gemeenten.csv?maanden=3"))
    assert [(m["Gemeente"], m["Zoekopdrachten"], m["Aandeel met optie (%)"]) for m in municipalities] == [("Helmond", "1", "0.0")]
