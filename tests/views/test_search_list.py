"""The search page's compact list (sorting, "toon meer"), the region picker, and the printable
shortlist with its CSV: all in the URL, all without JavaScript."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from html import unescape
from urllib.parse import urlencode

import pytest

from beschikbaarheid.extensions import db
from beschikbaarheid.domain.freshness import local_date
from beschikbaarheid.models import Offering, Product, utcnow
from tests import factories as f

SEARCH = "/zoeken/?locatie=5701&leeftijd=12&product=gezinshuis"


def rows(html: str) -> list[str]:
    """Provider names of the compact list's rows (main results only), in page order."""
    table = re.split(r'<section|<form id="kieslijst"|class="show-more"', html.split('id="resultaten-lijst"', 1)[1])[0]
    return re.findall(r'<th scope="row" id="res-\d+" class="result-title">([^<]+?) <span', table)


def cells(html: str, name: str) -> str:
    """The first row of a provider: its row of cells."""
    return html.split(f'class="result-title">{name} <span', 1)[1].split("</tr>", 1)[0]


def add_gezinshuizen(n: int, *, start_km: float = 1.0) -> list[int]:
    """`n` more contracted gezinshuis offerings east of Helmond, one every km; waits n-1 .. 0 weeks."""
    gezinshuis = db.session.scalar(db.select(Product).where(Product.code == "43A10").order_by(Product.id))
    ids = []
    for i in range(n):
        owner = f.provider(f"Extra Huis {i:02d}")
        place = f.location(owner, f"Locatie Extra {i:02d}", 51.4786, 5.6597 + (start_km + i) / 69.4, "5701", "Helmond")
        ids.append(f.offering(place, gezinshuis, waiting_weeks=n - 1 - i, free_places=1).id)
    db.session.commit()
    return ids


@pytest.fixture
def many(app, world):
    """search_world plus twelve more gezinshuizen within 15 km: more than the first ten; Tienerhuis's
    waiting time is unknown."""
    with app.app_context():
        db.session.get(Offering, world["teen"]).waiting_weeks = None
        return add_gezinshuizen(12)


def test_the_compact_list_is_the_default_one_row_per_result(client, world):
    html = client.get(SEARCH).get_data(as_text=True)
    assert rows(html) == ["De Linde", "Tienerhuis", "Huize Peel"]
    assert '<th scope="col">Aanbieder en product</th>' in html and "<caption" in html
    linde = cells(html, "De Linde")
    for fact in ("43A10 Gezinshuis", "Helmond", "0,2 km", "4 weken", "Aanmelding open", "vandaag bijgewerkt"):
        assert fact in linde, fact
    assert "Huize Peel" in html and "niet bijgewerkt deze maand" in cells(html, "Huize Peel")
    # the explanation and contacts on demand, in a <details> per row (works without JavaScript)
    assert "Contact en waarom deze plek?" in html and "Wachttijd 4 weken" in html and "https://delinde.example" in html
    # the crisis section stays apart, as cards; "verder weg" is a list of its own
    assert 'id="verder-weg-lijst"' in html and "Kempen Gezinshuizen" in html
    # the cards are one choice away, and keep the search
    cards = client.get(SEARCH + "&weergave=kaarten").get_data(as_text=True)
    assert 'class="result-list"' in cards and 'id="resultaten-lijst"' in cards and "<summary>Waarom deze plek?</summary>" in cards
    assert '<option value="kaarten" selected>' in cards


def test_the_group_wait_shows_in_the_row(app, client, world):
    with app.app_context():
        f.linde_reports_wait_figures(world["linde"])
    html = client.get(SEARCH + "&doelgroepen=ASS").get_data(as_text=True)
    assert "20 weken" in cells(html, "De Linde") and "voor ASS; algemeen: 4 weken" in cells(html, "De Linde")


def km_of(html: str, name: str) -> float:
    return float(re.search(r"([\d,]+) km", cells(html, name)).group(1).replace(",", "."))


def weeks_of(html: str, name: str) -> int | None:
    found = re.search(r"Wachttijd: </span>(\d+) we", cells(html, name))
    return int(found.group(1)) if found else None


def test_sorting_by_distance_and_by_waiting_time_orders_the_rows(client, many):
    by_score = rows(client.get(SEARCH + "&aantal=30").get_data(as_text=True))
    html = client.get(SEARCH + "&aantal=30&sorteer=afstand").get_data(as_text=True)
    by_km = rows(html)
    kms = [km_of(html, name) for name in by_km]
    assert kms == sorted(kms) and len(by_km) == 15 and sorted(by_km) == sorted(by_score)
    assert '<option value="afstand" selected>' in html

    html = client.get(SEARCH + "&aantal=30&sorteer=wachttijd").get_data(as_text=True)
    by_wait = rows(html)
    waits = [weeks_of(html, name) for name in by_wait]
    known = [w for w in waits if w is not None]
    assert known == sorted(known) and waits[-1] is None  # Tienerhuis has no wait: last
    assert by_wait[0] == "Extra Huis 11" and sorted(by_wait) == sorted(by_score)
    assert len({tuple(by_score), tuple(by_km), tuple(by_wait)}) == 3


def toon_meer(html: str, ticked=()) -> str:
    """The address a browser without JavaScript opens for "Toon meer": the shortlist form's search and the
    ticked results, sent to the button's formaction with the button's `aantal`."""
    button = re.search(r'<button type="submit" id="toon-meer"[^>]*>', html).group(0)
    assert 'form="kieslijst"' in button
    action = unescape(re.search(r'formaction="([^"]+)"', button).group(1))
    form = html.split('<form id="kieslijst"', 1)[1].split("</form>", 1)[0]
    pairs = [(unescape(k), unescape(v)) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)]
    pairs += [("aanbod", str(i)) for i in ticked]
    pairs.append(("aantal", re.search(r'name="aantal" value="(\d+)"', button).group(1)))
    return action.partition("#")[0] + "?" + urlencode(pairs)


def checked(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'name="aanbod" value="(\d+)" id="kies-\d+" checked>', html)]


def test_the_first_ten_then_toon_meer_shows_more(client, many):
    first = client.get(SEARCH).get_data(as_text=True)
    assert len(rows(first)) == 10
    assert "10 van 15 getoond" in first
    html = client.get(toon_meer(first)).get_data(as_text=True)
    assert len(rows(html)) == 15 and 'id="toon-meer"' not in html and checked(html) == []
    # with htmx, only the results region (the button adds its `aantal`); what was ticked (sent along) stays ticked
    more = unescape(re.search(r'id="toon-meer".*?hx-get="([^"]+)"', first, re.S).group(1))
    assert "locatie=5701" in more and "aantal" not in more
    partial = client.get(more + f"&aantal=20&aanbod={many[0]}", headers={"HX-Request": "true", "HX-Target": "resultaten"})
    html = partial.get_data(as_text=True)
    assert "<html" not in html and "aantal=20" in partial.headers["HX-Push-Url"] and "aanbod" not in partial.headers["HX-Push-Url"]
    assert len(rows(html)) == 15 and checked(html) == [many[0]]


def test_toon_meer_keeps_the_ticks_and_the_view_without_javascript(client, many):
    html = client.get(SEARCH + "&weergave=kaarten&sorteer=afstand").get_data(as_text=True)
    shown = [int(i) for i in re.findall(r'name="aanbod" value="(\d+)"', html)]
    first_new = int(re.search(r'formaction="[^"]*#resultaat-(\d+)"', html).group(1))
    assert first_new not in shown
    url = toon_meer(html, ticked=shown[:2])
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "sorteer=afstand" in url
    assert 'class="result-list" id="resultaten-lijst"' in html and html.count('class="result-title"') >= 15  # still the cards
    assert checked(html) == shown[:2]
    assert f'id="resultaat-{first_new}"' in html  # the fragment of the button's address leads to the first new result
    form = html.split('<form id="kieslijst"', 1)[1].split("</form>", 1)[0]
    assert 'name="aantal"' not in form and 'name="sorteer" value="afstand"' in form


def test_ticks_in_the_search_address_are_checked_when_they_are_ids(client, many):
    extra = [str(i) for i in range(1_000_000, 1_000_019)]  # 19 valid ids not in the results: the 21st tick is one too many
    ticks = "".join(f"&aanbod={v}" for v in [str(many[0]), "abc", "-3", "99999999999", *extra, str(many[1])])
    response = client.get(SEARCH + "&aantal=20" + ticks)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and len(rows(html)) == 15
    assert checked(html) == [many[0]]  # bad values unticked, and no more than 20 ticks in all


@pytest.mark.parametrize("query, field, message", [
    ("&sorteer=prijs", "sorteer", "Sorteer op score, afstand of wachttijd."),
    ("&weergave=tabel", "weergave", "Kies als weergave"),
    ("&aantal=0", "aantal", "heel getal tussen 1 en 100"),
    ("&aantal=tien", "aantal", "heel getal tussen 1 en 100"),
])
def test_a_bad_sort_view_or_count_is_a_dutch_field_error(client, world, query, field, message):
    response = client.get(SEARCH + query)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in html.split(f'id="fout-{field}"', 1)[1].split("</div>", 1)[0]
    assert "Controleer uw invoer" in html


def test_the_api_sorts_too(client, many):
    body = client.get("/api/v1/search?locatie=5701&leeftijd=12&product=gezinshuis&sorteer=wachttijd").get_json()
    waits = [r["wachttijd_weken"] for r in body["results"]]
    assert waits[-1] is None and waits[:-1] == sorted(waits[:-1]) and body["query"]["sorteer"] == "wachttijd"
    assert client.get("/api/v1/search?locatie=5701&leeftijd=12&product=gezinshuis&sorteer=x").status_code == 400


# -- the region picker --------------------------------------------------------------------------


@pytest.fixture
def two_regions(app, world):
    """A second region with its own gezinshuis near Helmond (regions may overlap at their borders)."""
    with app.app_context():
        second = f.region("Tweede Regio")
        product = f.product("43A10", "Gezinshuis", second, 2, "wonen")
        owner = f.provider("Grenshuis")
        f.offering(f.location(owner, "Locatie Grenshuis", 51.4800, 5.6650, "5701", "Helmond"), product, waiting_weeks=1)
        db.session.commit()
        return second.id


def test_no_region_picker_with_one_region(client, world):
    assert 'id="regio"' not in client.get("/zoeken/").get_data(as_text=True)


def test_the_region_picker_appears_with_two_regions_and_is_remembered(client, two_regions):
    html = client.get("/zoeken/").get_data(as_text=True)
    assert '<select id="regio"' in html and "Tweede Regio" in html
    assert '<option value="1" selected>' in html  # the first region by default
    html = client.get(SEARCH + f"&regio={two_regions}").get_data(as_text=True)
    assert rows(html) == ["Grenshuis"]
    # the next search without a region is in the chosen one
    html = client.get(SEARCH).get_data(as_text=True)
    assert f'<option value="{two_regions}" selected>' in html and rows(html) == ["Grenshuis"]
    html = client.get(SEARCH + "&regio=1").get_data(as_text=True)
    assert "De Linde" in rows(html)


def test_the_region_defaults_to_the_referrers_account_region(app, client, login, two_regions):
    with app.app_context():
        referrer = f.user("verwijzer", region_id=two_regions)
        db.session.commit()
        login(referrer)
    html = client.get(SEARCH).get_data(as_text=True)
    assert f'<option value="{two_regions}" selected>' in html and rows(html) == ["Grenshuis"]


def shortlist_address(html: str, ticked) -> str:
    """The address the shortlist form opens with `ticked` results."""
    form = html.split('<form id="kieslijst"', 1)[1].split("</form>", 1)[0]
    pairs = [("aanbod", str(i)) for i in ticked]
    pairs += [(unescape(k), unescape(v)) for k, v in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form)]
    return "/zoeken/shortlist?" + urlencode(pairs)


def test_a_shared_shortlist_opens_the_search_in_the_region_it_came_from(app, client, two_regions):
    client.get(SEARCH + f"&regio={two_regions}")
    html = client.get(SEARCH).get_data(as_text=True)  # no regio in the address: the remembered one
    assert rows(html) == ["Grenshuis"]
    grenshuis = re.findall(r'name="aanbod" value="(\d+)"', html)[:1]
    shared = shortlist_address(html, grenshuis)
    assert f"regio={two_regions}" in shared
    # a colleague without that session opens the shared shortlist, and from there the search
    colleague = app.test_client()
    page = colleague.get(shared).get_data(as_text=True)
    assert "Grenshuis" in page
    back = unescape(re.search(r'<a href="([^"]+)">Terug naar de resultaten', page).group(1))
    assert rows(colleague.get(back).get_data(as_text=True)) == ["Grenshuis"]


def test_the_result_links_and_address_name_the_region_only_with_several_regions(app, client, two_regions):
    with app.app_context():
        add_gezinshuizen(12)  # fifteen results in the first region: "toon meer"
    client.get(SEARCH + "&regio=1")
    html = client.get(SEARCH).get_data(as_text=True)
    assert len(rows(html)) == 10
    assert "regio=1" in toon_meer(html)
    assert "regio=1" in unescape(re.search(r'id="toon-meer".*?hx-get="([^"]+)"', html, re.S).group(1))
    assert 'name="regio" value="1"' in html.split('<form id="kieslijst"', 1)[1]
    assert "regio%3D1" in unescape(re.search(r'id="klopt-niet-\d+" class="report-link" href="([^"]+)"', html).group(1))
    partial = client.get(SEARCH, headers={"HX-Request": "true", "HX-Target": "resultaten"})
    assert "regio=1" in partial.headers["HX-Push-Url"]


def test_with_one_region_the_links_stay_without_it(client, many):
    html = client.get(SEARCH).get_data(as_text=True)
    assert "regio" not in toon_meer(html) and 'name="regio"' not in html
    partial = client.get(SEARCH, headers={"HX-Request": "true", "HX-Target": "resultaten"})
    assert "regio" not in partial.headers["HX-Push-Url"]


# -- the shortlist ------------------------------------------------------------------------------


def test_every_result_can_be_ticked_for_the_shortlist(client, world):
    html = client.get(SEARCH + "&doelgroepen=ASS").get_data(as_text=True)
    form = html.split('<form id="kieslijst"', 1)[1].split("</form>", 1)[0]
    assert 'method="get" action="/zoeken/shortlist"' in form
    assert '<input type="hidden" name="locatie" value="5701">' in form and 'name="doelgroepen" value="ASS"' in form
    assert f'form="kieslijst" name="aanbod" value="{world["linde"]}"' in html


def test_the_shortlist_shows_the_chosen_offerings_with_contacts_and_the_date_of_the_data(app, client, world):
    with app.app_context():
        db.session.get(Offering, world["peel"]).provider.intake_phone = "0492-123456"
        db.session.commit()
    url = f"/zoeken/shortlist?aanbod={world['peel']}&aanbod={world['linde']}&locatie=5701&leeftijd=12&product=gezinshuis"
    response = client.get(url)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    items = re.findall(r'class="shortlist-title">([^<]+?) <span', html)
    assert items == ["Huize Peel", "De Linde"]  # in the order chosen
    peel = html.split('class="shortlist-title">Huize Peel', 1)[1].split("</li>", 1)[0]
    stale_day = utcnow() - dt.timedelta(days=45)
    assert "0492-123456" in peel and "10 weken" in peel and "Locatie Huize Peel" in peel and "5751" in peel
    assert local_date(stale_day).strftime("%d-%m-%Y") in peel and "niet bijgewerkt deze maand" in peel
    assert "https://delinde.example" in html and "Aanmelding open" in html
    assert "gezinshuis, 12 jaar, rond 5701" in html
    assert "@media print" in client.get("/static/css/search.css").get_data(as_text=True)


def test_the_shortlist_as_csv(app, client, world):
    with app.app_context():
        db.session.get(Offering, world["linde"]).provider.intake_email = "=HYPERLINK(\"x\")@delinde.example"
        db.session.commit()
    response = client.get(f"/zoeken/shortlist?aanbod={world['linde']}&aanbod={world['crisis']}&locatie=5701&leeftijd=12"
                          "&product=gezinshuis&formaat=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")
    table = list(csv.reader(io.StringIO(text[1:])))
    header, linde, crisis = table
    assert header[:3] == ["Aanbieder", "Productcode", "Product"] and "Gegevens van" in header and "Gezocht" in header
    row = dict(zip(header, linde))
    assert row["Aanbieder"] == "De Linde" and row["Wachttijd (weken)"] == "4" and row["Vrije plekken"] == "1"
    assert row["Gegevens van"] and row["Gezocht"] == "gezinshuis, 12 jaar, rond 5701"
    assert row["E-mail intake"].startswith("'=")  # neutralised: no formula in a spreadsheet
    assert dict(zip(header, crisis))["Crisisnummer (24/7)"] == "088-1234567"


@pytest.mark.parametrize("query, status, message", [
    ("", 400, "Vink eerst een of meer resultaten aan"),
    ("aanbod=abc", 400, "geen nummer van een aanbod"),
    ("aanbod=99999999999", 400, "geen nummer van een aanbod"),
    ("&".join(f"aanbod={i}" for i in range(1, 22)), 400, "hoogstens 20"),
    ("aanbod=999999", 404, "Geen van de gekozen resultaten"),
    ("aanbod=1&formaat=pdf", 400, "Kies als formaat"),
])
def test_invalid_shortlists_answer_in_dutch(client, world, query, status, message):
    response = client.get("/zoeken/shortlist?" + query)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)


def test_the_shortlist_leaves_out_what_is_not_contracted(client, world):
    response = client.get(f"/zoeken/shortlist?aanbod={world['nocontract']}&aanbod={world['linde']}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Zonder Contract" not in html and "De Linde" in html
    assert "1 gekozen resultaat is niet (meer) gecontracteerd" in html
    assert client.get(f"/zoeken/shortlist?aanbod={world['expired']}").status_code == 404


def test_a_no_match_report_counts_for_the_remembered_region(app, client, two_regions):
    from beschikbaarheid.models import NoMatchReport
    from tests.helpers import csrf_from

    client.get(SEARCH + f"&regio={two_regions}")
    html = client.get(SEARCH).get_data(as_text=True)  # no regio in the URL: the remembered one
    response = client.post("/zoeken/geen-passend-aanbod", data={"q": "locatie=5701&leeftijd=12&product=gezinshuis", "reason": "",
                                                                 "csrf_token": csrf_from(html)})
    assert response.status_code == 302
    with app.app_context():
        assert [r.region_id for r in db.session.scalars(db.select(NoMatchReport))] == [two_regions]


def test_the_shortlist_links_keep_only_the_shortlist_and_the_search(client, world):
    html = client.get(f"/zoeken/shortlist?aanbod={world['linde']}&locatie=5701&_external=1&_anchor=x&leeftijd=12").get_data(as_text=True)
    link = re.search(r'id="shortlist-csv" class="button secondary" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert link == f"/zoeken/shortlist?aanbod={world['linde']}&locatie=5701&leeftijd=12&formaat=csv"
