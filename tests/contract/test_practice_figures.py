"""What a contract manager sees of the figures practice checks: the shortage per product with its
coverage and replayed trend, expected against realised wait with the reports, the dossier, and the
quarterly report (XLSX and CSV) with its period, source and denominators."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re

import openpyxl
import pytest

from beschikbaarheid.contract.region import context_for
from beschikbaarheid.contract.shortage import shortage_page
from beschikbaarheid.domain import compliance
from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.domain.quarters import Quarter, last_full_quarter
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Feedback, NoMatchReport, OfferingChange, SearchLog, utcnow
from tests import factories
from tests.helpers import assert_csp_safe


def cells(html: str, label: str) -> list[str]:
    """The text of every cell of the first table row whose header holds `label`."""
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", html, re.S):
        header = re.search(r'<th scope="row">(.*?)</th>', row, re.S)
        if header and label in re.sub(r"<[^>]+>", "", header.group(1)):
            return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", c)).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    raise AssertionError(f"no row {label!r}")


def history(offering, field: str, *steps) -> None:
    """History rows of one figure: (when, old, new)."""
    for when, old, new in steps:
        db.session.add(OfferingChange(offering=offering, changed_at=when, author="t@aanbieder.example", via="form", kind="update",
                                      field=field, old_value=None if old is None else str(old), new_value=str(new),
                                      unusual_confirmed=False))


def mid_month(now: dt.datetime, back: int) -> dt.datetime:
    """The 15th of the month `back` months before the running one, at noon."""
    month = compliance.months_back(now, back + 1)[0]
    return dt.datetime(month.year, month.month, 15, 12, tzinfo=TZ).astimezone(dt.timezone.utc)


# --- shortage per product ----------------------------------------------------------------------

def shortage_world(now):
    region = factories.region()
    gezinshuis = factories.product("43A10", "Gezinshuis", region)
    made = []
    for waiting, free, capacity in ((4, 0, 3), (6, 1, 4), (None, 2, None)):
        made.append(factories.offering(factories.location(factories.provider()), gezinshuis, waiting_count=waiting, free_places=free,
                                       capacity=capacity, updated_at=now))
    factories.offering(factories.location(factories.provider("Zonder contract")), gezinshuis, contract=False, waiting_count=100)
    db.session.commit()
    return region, gezinshuis, made


def test_shortage_page_sums_contracted_figures_with_coverage(app, client, login):
    with app.app_context():
        now = utcnow()
        shortage_world(now)
        login(factories.contract_manager())
    html = client.get("/contract/tekort").get_data(as_text=True)
    assert_csp_safe(html)
    # 4 + 6 waiting over 2 of the 3 contracted offerings; the uncontracted 100 is not the region's
    assert cells(html, "Gezinshuis")[:4] == ["10", "2 van 3 (66,7%)", "3", "7 (2 van 3)"]
    assert "noemer: gecontracteerd aanbod met een actief contract op" in html
    assert '<figure class="cm-figure">' in html and "<svg" in html  # the trend chart, with its table
    assert re.search(r"<caption>Wachtenden, vrije plekken en capaciteit van Gezinshuis per maand</caption>", html)


def test_shortage_trend_replays_children_waiting_at_each_month_end(app):
    with app.app_context():
        now = utcnow()
        region, gezinshuis, made = shortage_world(now)
        first = made[0]
        first.waiting_count = 8
        history(first, "free_places", (mid_month(now, 4), None, 0))  # its first history row: it exists since then
        history(first, "waiting_count", (mid_month(now, 2), None, 5), (mid_month(now, 1), 5, 8))
        db.session.commit()
        page = shortage_page(context_for(region, now, app.config), gezinshuis.id)
        trend = [s for month, s in page.trend][-5:]
        # The others have no history at all: they exist since their last update (now).
        assert [s.offerings for s in trend] == [1, 1, 1, 1, 3]
        assert [s.reported for s in trend] == [0, 0, 1, 1, 2]
        assert [s.waiting for s in trend] == [0, 0, 5, 8, 14]
        assert [s.free for s in trend] == [0, 0, 0, 0, 3]
        assert [m for m, _s in page.trend][-1] == compliance.month_first(now) and len(page.trend) == 12


def test_contracted_capacity_and_unknowns_are_not_guessed(app):
    with app.app_context():
        now = utcnow()
        region, gezinshuis, _ = shortage_world(now)
        page = shortage_page(context_for(region, now, app.config), None)
        assert page.chosen.id == gezinshuis.id
        s = page.products[0].now
        assert (s.offerings, s.reported, s.waiting, s.free_reported, s.free, s.capacity_reported, s.capacity) == (3, 2, 10, 3, 3, 2, 7)
        assert page.total.waiting == 10 and page.total.coverage == pytest.approx(2 / 3)


# --- expected against realised, with the reports -----------------------------------------------

def realised_world(now):
    region = factories.region()
    product = factories.product("45A04", "Ambulante jeugdhulp", region, segment=4, form="ambulant")
    optimist = factories.provider("Belofte BV")
    honest = factories.provider("Eerlijk BV")
    a = factories.offering(factories.location(optimist), product, waiting_weeks=4, realised_wait_weeks=10, realised_started=4,
                           realised_period_end=dt.date(2026, 10, 31), waiting_count=7, free_places=0)
    factories.offering(factories.location(honest), product, waiting_weeks=6, realised_wait_weeks=6, realised_started=2,
                       waiting_count=3, free_places=1)
    factories.offering(factories.location(honest, name="Tweede"), product, waiting_weeks=2, realised_started=0, free_places=2)
    for days_ago, answered_after in ((20, 1), (10, 3), (2, None)):
        created = now - dt.timedelta(days=days_ago)
        db.session.add(Feedback(offering=a, created_at=created, reason="wachttijd",
                                answered_at=created + dt.timedelta(days=answered_after) if answered_after else None,
                                answer="klopt" if answered_after else None))
    db.session.add(Feedback(offering=a, created_at=now - dt.timedelta(days=400), reason="contact"))  # older than a year
    db.session.commit()
    return region, product, optimist


def test_realised_page_compares_like_with_like_and_counts_reports(app, client, login):
    with app.app_context():
        now = utcnow()
        realised_world(now)
        login(factories.contract_manager())
    html = client.get("/contract/verwacht-gerealiseerd").get_data(as_text=True)
    assert_csp_safe(html)
    # started 4 + 2 (the "geen starts" offering reported, but adds no start); expected (4*4 + 6*2) / 6,
    # realised (10*4 + 6*2) / 6; one offering flagged; 3 reports in the last year, 2 answered, median 2 days
    assert cells(html, "Ambulante jeugdhulp") == ["3 van 3", "6", "4,7", "8,7", "+4,0", "1", "10 (2 van 3)", "3", "3 / 2 (1 open)", "2,0"]
    # per provider, the largest difference first
    providers = re.findall(r'<th scope="row"><a href="/contract/aanbieder/\d+[^"]*">([^<]+)</a></th>', html)
    assert providers == ["Belofte BV", "Eerlijk BV"]
    assert cells(html, "Belofte BV")[:5] == ["1 van 1", "4", "4,0", "10,0", "+6,0"]
    assert "minstens 2 keer en 4 weken langer dan verwacht, bij minstens 3 starts" in html


def test_dossier_shows_counts_waiting_realised_wait_and_reports(app, client, login):
    with app.app_context():
        now = utcnow()
        _, _, optimist = realised_world(now)
        login(factories.contract_manager())
        url = f"/contract/aanbieder/{optimist.id}"
    html = client.get(url).get_data(as_text=True)
    row = cells(html, "Ambulante jeugdhulp")
    assert row[2:6] == ["0", "4", "7", "10,0 n = 4, t/m 31-10-2026"]  # free, expected, waiting, realised
    assert "Gerealiseerd 10 weken (n = 4) tegen 4 weken verwacht." in html
    facts = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html.split('id="meldingen"')[1].split("</dl>")[0]))
    assert "Ontvangen 3" in facts and "Beantwoord 2 (1 open)" in facts and "Mediane reactietijd 2,0 dagen" in facts


# --- the quarterly report ----------------------------------------------------------------------

def quarterly_world(now, quarter: Quarter):
    """A product with figures that changed after the quarter, and searches, reports and feedback in and out of it."""
    region = factories.region()
    factories.municipality("Helmond", "0794", region_obj=region)
    product = factories.product("43A10", '=HYPERLINK("http://x")', region)
    offering = factories.offering(factories.location(factories.provider("Huize Kwartaal")), product, waiting_count=9, waiting_weeks=30,
                                  realised_wait_weeks=70, realised_started=3, capacity=4, free_places=0)
    end = dt.datetime.combine(quarter.last_day, dt.time(12), tzinfo=TZ).astimezone(dt.timezone.utc)
    inside = end - dt.timedelta(days=20)
    history(offering, "capacity", (inside - dt.timedelta(days=60), None, 4))
    history(offering, "waiting_count", (inside, None, 5), (end + dt.timedelta(days=2), 5, 9))  # 5 at the quarter's end
    history(offering, "realised_wait_weeks", (inside, None, 70))
    history(offering, "realised_started", (inside, None, 3))
    history(offering, "waiting_weeks", (inside, None, 30))
    facts = {"region_id": region.id, "need_kind": "code", "product_id": product.id, "product_code": "43A10", "municipality_code": "0794",
             "age_band": "12-17", "result_count": 0, "within_radius_count": 0}
    db.session.add_all([SearchLog(day=inside.date(), **facts), SearchLog(day=inside.date(), **facts),
                        SearchLog(day=quarter.first_day - dt.timedelta(days=1), **facts),
                        NoMatchReport(day=inside.date(), reason="Geen gezinshuis", **facts)])
    db.session.add_all([Feedback(offering=offering, created_at=inside, reason="wachttijd", answered_at=inside + dt.timedelta(days=2),
                                 answer="update"),
                        Feedback(offering=offering, created_at=inside, reason="geen_plek", escalated_at=inside + dt.timedelta(days=7)),
                        Feedback(offering=offering, created_at=end + dt.timedelta(days=3), reason="contact")])
    db.session.commit()


def sheet_rows(ws) -> list[tuple]:
    return [tuple(v for v in row if v is not None) for row in ws.iter_rows(values_only=True) if any(v is not None for v in row)]


def test_quarterly_workbook_has_a_sheet_per_table_with_period_source_and_denominators(app, client, login):
    quarter = last_full_quarter(dt.date.today())
    with app.app_context():
        quarterly_world(utcnow(), quarter)
        login(factories.contract_manager())
    page = client.get("/contract/kwartaalrapportage").get_data(as_text=True)
    assert f'<option value="{quarter.key}" selected>' in page
    response = client.get(f"/contract/kwartaalrapportage/{quarter.key}.xlsx")
    assert response.status_code == 200 and f"kwartaalrapportage-{quarter.key}.xlsx" in response.headers["Content-Disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    assert wb.sheetnames == ["Tekorten", "Tekort per product", "Verwacht en gerealiseerd", "Meldingen"]
    period = f"{quarter.label} ({quarter.first_day:%d-%m-%Y} t/m {quarter.last_day:%d-%m-%Y})"
    for ws in wb:
        rows = sheet_rows(ws)
        top = {row[0]: row[1] for row in rows[1:12] if len(row) == 2}
        assert top["Kwartaal"] == period and top["Bron"].startswith("Beschikbaarheidswijzer"), ws.title
        assert top["Peildatum"] == f"{quarter.last_day:%Y-%m-%d} 23:59" and "Noemer" in top, ws.title
    gaps = sheet_rows(wb["Tekorten"])
    # two searches and one report in the quarter; the search the day before it is not counted
    assert ('43A10 =HYPERLINK("http://x")', "0794", "Helmond", "12-17", 2, 2, 1) in gaps
    shortage = sheet_rows(wb["Tekort per product"])
    header = next(r for r in shortage if r[0] == "Productcode")
    row = dict(zip(header, next(r for r in shortage if r[0] == "43A10")))
    assert row["Wachtenden"] == 5 and row["Capaciteit"] == 4 and row["Dekking (%)"] == 100.0  # 9 came after the quarter
    realised = sheet_rows(wb["Verwacht en gerealiseerd"])
    header = next(r for r in realised if r[0] == "Productcode")
    row = dict(zip(header, next(r for r in realised if r[0] == "43A10")))
    assert row["Gerealiseerd (weken, gewogen)"] == 70 and row["Verwacht (weken, gewogen)"] == 30
    assert row["Signalen gerealiseerd veel langer"] == 1 and row["Meldingen ontvangen"] == 2
    feedback = sheet_rows(wb["Meldingen"])
    header = feedback[[r[0] for r in feedback].index("Productcode")]
    row = dict(zip(header, next(r for r in feedback if r[0] == "43A10")))
    assert (row["Ontvangen"], row["Beantwoord"], row["Nog open"], row["Op de belijst (na 5 werkdagen)"]) == (2, 1, 1, 1)
    assert row["Mediane reactietijd (dagen)"] == 2.0 and row["Reden: Wachttijd langer dan vermeld"] == 1


def test_quarterly_csv_per_table_is_formula_safe(app, client, login):
    quarter = last_full_quarter(dt.date.today())
    with app.app_context():
        quarterly_world(utcnow(), quarter)
        login(factories.contract_manager())
    for name in ("tekorten", "tekort-per-product", "verwacht-gerealiseerd", "meldingen"):
        response = client.get(f"/contract/kwartaalrapportage/{quarter.key}/{name}.csv")
        assert response.status_code == 200 and response.mimetype == "text/csv", name
        rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        assert rows[0][-2:] == ["Peildatum", "Bron"] and len(rows) > 1, name
    rows = list(csv.reader(io.StringIO(client.get(f"/contract/kwartaalrapportage/{quarter.key}/tekort-per-product.csv")
                                       .get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[1][:2] == ["43A10", "'=HYPERLINK(\"http://x\")"]  # never a formula in a spreadsheet


@pytest.mark.parametrize("url", ["/contract/kwartaalrapportage?kwartaal=2026-K5", "/contract/kwartaalrapportage?kwartaal=volgend",
                                 "/contract/kwartaalrapportage/2999-K1.xlsx", "/contract/kwartaalrapportage/1999-K1/meldingen.csv",
                                 "/contract/kwartaalrapportage/vorig-kwartaal.xlsx"])
def test_a_quarter_that_is_not_there_is_a_dutch_400(app, client, login, url):
    with app.app_context():
        factories.region()
        login(factories.contract_manager())
    response = client.get(url)
    assert response.status_code == 400
    assert "bestaat niet of is nog niet begonnen" in response.get_data(as_text=True)


def test_an_unknown_table_of_the_report_is_404(app, client, login):
    with app.app_context():
        factories.region()
        login(factories.contract_manager())
    assert client.get(f"/contract/kwartaalrapportage/{last_full_quarter(dt.date.today()).key}/wachtwoorden.csv").status_code == 404
