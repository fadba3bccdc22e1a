"""The coordinator's request log and steering figures, as the coordinator uses them."""
from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from beschikbaarheid.domain.freshness import local_date
from beschikbaarheid.domain.gezinshuis import monday, week_text
from beschikbaarheid.extensions import db
from beschikbaarheid.models import PlacementRequest, utcnow
from tests import factories
from tests.helpers import csrf_token


@pytest.fixture
def region_world(app):
    """A region with two municipalities and a coordinator; another region with its own coordinator and request."""
    with app.app_context():
        region = factories.region("Regio Helmond-De Peel")
        helmond = factories.municipality("Helmond", "0794", region_obj=region)
        factories.municipality("Deurne", "0762", region_obj=region)
        other = factories.region("Andere regio")
        far = factories.municipality("Verweg", "0999", region_obj=other)
        coordinator = factories.user("contractmanager", email="coord@regio.example", region_id=region.id, is_coordinator=True)
        factories.user("contractmanager", email="cm@regio.example", region_id=region.id)
        factories.user("verwijzer", email="verwijzer@regio.example", referrer_type="01")
        factories.user("contractmanager", email="coord@ander.example", region_id=other.id, is_coordinator=True)
        foreign = PlacementRequest(region_id=other.id, age_band="4-7", municipality_id=far.id,
                                   requested_week=monday(local_date(utcnow())), outcome="wachtend")
        db.session.add(foreign)
        db.session.commit()
        return {"region": region.id, "helmond": helmond.id, "foreign": foreign.id, "coordinator": coordinator.id}


def _this_week() -> str:
    return week_text(monday(local_date(utcnow())))


def _log(client, ids, **fields):
    token = csrf_token(client, "/gezinshuizen/aanvragen/nieuw")
    data = {"csrf_token": token, "age_band": "", "age": "13", "target_groups": ["LVB"], "siblings": "1",
            "municipality": str(ids["helmond"]), "week": _this_week(), **fields}
    return client.post("/gezinshuizen/aanvragen/nieuw", data=data)


def _requests(app) -> list[PlacementRequest]:
    with app.app_context():
        rows = list(db.session.scalars(db.select(PlacementRequest).order_by(PlacementRequest.id)))
        db.session.expunge_all()
        return rows


def _month_row(html: str, label: str) -> str:
    start = html.index(f'<th scope="row">{label}')
    return html[start:html.index("</tr>", start)]


def test_the_coordinator_logs_a_request_and_its_outcome_and_the_months_figures_change(app, client, login, region_world):
    with app.app_context():
        login(db.session.get(factories.User, region_world["coordinator"]))
    from beschikbaarheid.domain.compliance import month_label
    label = month_label(local_date(utcnow()).replace(day=1))
    before = _month_row(client.get("/gezinshuizen/sturing").get_data(as_text=True), label)

    response = _log(client, region_world)
    assert response.status_code == 302
    listing = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Aanvraag vastgelegd: 12-15 jaar" in listing and "LVB" in listing and "Helmond" in listing
    [logged] = [r for r in _requests(app) if r.region_id == region_world["region"]]
    assert (logged.age_band, logged.target_groups, logged.siblings, logged.outcome) == ("12-15", ["LVB"], 1, "wachtend")

    waiting = _month_row(client.get("/gezinshuizen/sturing").get_data(as_text=True), label)
    assert waiting != before
    assert '<td class="num">1</td>' in waiting  # one request, still waiting

    page = f"/gezinshuizen/aanvragen/{logged.id}/uitkomst"
    token = csrf_token(client, page)
    response = client.post(page, data={"csrf_token": token, "outcome": "gezinshuis", "week": _this_week()})
    assert response.status_code == 302
    assert "Uitkomst vastgelegd: Geplaatst in een gezinshuis" in client.get(response.headers["Location"]).get_data(as_text=True)
    steering = client.get("/gezinshuizen/sturing").get_data(as_text=True)
    placed = _month_row(steering, label)
    assert placed.count('<td class="num">1</td>') >= 2  # requests 1, placed 1
    assert "12-15" in steering[steering.index('id="wie-wacht"'):]

    # 'wacht nog' resets the outcome
    token = csrf_token(client, page)
    assert client.post(page, data={"csrf_token": token, "outcome": "wachtend", "week": ""}).status_code == 302
    [again] = [r for r in _requests(app) if r.id == logged.id]
    assert (again.outcome, again.outcome_week) == ("wachtend", None)


def test_downloads_carry_date_source_and_denominator(app, client, login, region_world):
    with app.app_context():
        login(db.session.get(factories.User, region_world["coordinator"]))
    _log(client, region_world)
    csv = client.get("/gezinshuizen/sturing/maanden.csv?maanden=6")
    assert csv.status_code == 200 and csv.mimetype == "text/csv"
    text = csv.get_data(as_text=True)
    header, *rows = text.lstrip("\ufeff").splitlines()
    assert "Peildatum" in header and "Bron" in header and "Gezinshuisaanbod (noemer)" in header
    assert len(rows) == 6 and all("Beschikbaarheidswijzer" in r for r in rows)
    xlsx = client.get("/gezinshuizen/sturing/alles.xlsx?maanden=12")
    assert xlsx.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(xlsx.get_data()))
    assert book.sheetnames == ["Per maand", "Wie wacht het langst", "Uitkomsten"]
    cells = {str(v) for ws in book for row in ws.iter_rows(values_only=True) for v in row if v is not None}
    assert {"Bron", "Peildatum", "Noemer"} <= cells
    assert any(c.startswith("alle 1 aanvragen") for c in cells)
    groups = client.get("/gezinshuizen/sturing/groepen.xlsx")
    assert groups.status_code == 200
    assert client.get("/gezinshuizen/sturing/onbekend.csv").status_code == 404
    assert client.get("/gezinshuizen/sturing/alles.csv").status_code == 404


def test_referrers_and_contract_managers_without_the_right_are_refused(app, region_world):
    for email in ("verwijzer@regio.example", "cm@regio.example"):
        client = app.test_client()
        token = csrf_token(client, "/account/inloggen")
        assert client.post("/account/inloggen", data={"email": email, "password": "wachtwoord-123", "csrf_token": token}).status_code == 302
        for path in ("/gezinshuizen/aanvragen", "/gezinshuizen/aanvragen/nieuw", "/gezinshuizen/sturing",
                     "/gezinshuizen/sturing/maanden.csv", f"/gezinshuizen/aanvragen/{region_world['foreign']}/uitkomst"):
            assert client.get(path).status_code == 403, (email, path)
        assert "Coördinatiepunt gezinshuizen" not in client.get("/account/").get_data(as_text=True)


def test_another_regions_request_is_not_found(app, client, login, region_world):
    with app.app_context():
        login(db.session.get(factories.User, region_world["coordinator"]))
    assert client.get(f"/gezinshuizen/aanvragen/{region_world['foreign']}/uitkomst").status_code == 404
    token = csrf_token(client, "/gezinshuizen/aanvragen/nieuw")
    response = client.post(f"/gezinshuizen/aanvragen/{region_world['foreign']}/uitkomst",
                           data={"csrf_token": token, "outcome": "gezinshuis", "week": _this_week()})
    assert response.status_code == 404
    [foreign] = [r for r in _requests(app) if r.id == region_world["foreign"]]
    assert foreign.outcome == "wachtend"
    assert "Verweg" not in client.get("/gezinshuizen/aanvragen").get_data(as_text=True)


@pytest.mark.parametrize("fields, message", [
    ({"age": "", "age_band": ""}, "Kies een leeftijdscategorie"),
    ({"age": "13", "age_band": "4-7"}, "niet allebei"),
    ({"age": "dertien"}, "Vul een leeftijd in hele jaren in"),
    ({"target_groups": ["ONBEKEND"]}, "Kies de doelgroepen uit de lijst"),
    ({"siblings": "12"}, "broers en zussen"),
    ({"municipality": "999999"}, "Kies een gemeente van uw regio"),
    ({"week": "volgende week"}, "Vul de week in als jaar en weeknummer"),
])
def test_bad_input_is_refused_in_dutch_and_nothing_is_saved(app, client, login, region_world, fields, message):
    with app.app_context():
        login(db.session.get(factories.User, region_world["coordinator"]))
    response = _log(client, region_world, **fields)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert len(_requests(app)) == 1  # only the other region's


def test_a_week_in_the_future_is_refused(app, client, login, region_world):
    with app.app_context():
        login(db.session.get(factories.User, region_world["coordinator"]))
    next_week = week_text(monday(local_date(utcnow())) + dt.timedelta(days=7))
    response = _log(client, region_world, week=next_week)
    assert response.status_code == 400
    assert "kan niet in de toekomst liggen" in response.get_data(as_text=True)
    assert len(_requests(app)) == 1
    # an outcome before the request's week is refused as well
    assert _log(client, region_world).status_code == 302
    [mine] = [r for r in _requests(app) if r.region_id == region_world["region"]]
    page = f"/gezinshuizen/aanvragen/{mine.id}/uitkomst"
    earlier = week_text(mine.requested_week - dt.timedelta(days=7))
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "outcome": "pleegzorg", "week": earlier})
    assert response.status_code == 400 and "niet vóór de week van de aanvraag" in response.get_data(as_text=True)
    response = client.post(page, data={"csrf_token": csrf_token(client, page), "outcome": "pleegzorg", "week": next_week})
    assert response.status_code == 400 and "kan niet in de toekomst liggen" in response.get_data(as_text=True)
    assert [r.outcome for r in _requests(app) if r.id == mine.id] == ["wachtend"]


def test_a_date_becomes_the_monday_of_its_week(app, client, login, region_world):
    with app.app_context():
        login(db.session.get(factories.User, region_world["coordinator"]))
    today = local_date(utcnow())
    assert _log(client, region_world, week=today.isoformat(), age="", age_band="0-3").status_code == 302
    [mine] = [r for r in _requests(app) if r.region_id == region_world["region"]]
    assert mine.requested_week == monday(today) and mine.age_band == "0-3"


def test_reduced_months_count_when_the_period_reaches_back_that_far(app, client, login, region_world):
    from beschikbaarheid.domain.compliance import months_back
    from beschikbaarheid.models import PlacementRequestMonth

    old_month = months_back(utcnow(), 30)[0]
    with app.app_context():
        db.session.add(PlacementRequestMonth(region_id=region_world["region"], month=old_month, age_band="12-15", outcome="gezinshuis",
                                             requests=4, weeks_to_outcome_total=40))
        db.session.add(PlacementRequestMonth(region_id=region_world["region"], month=old_month, age_band="12-15", outcome="woongroep",
                                             requests=2, weeks_to_outcome_total=30))
        db.session.commit()
        login(db.session.get(factories.User, region_world["coordinator"]))
    from beschikbaarheid.domain.compliance import month_label
    page = client.get("/gezinshuizen/sturing?maanden=36").get_data(as_text=True)
    row = _month_row(page, month_label(old_month))
    assert "6 uit maandtelling" in row
    cells = [c.split("<")[0] for c in row.split('<td class="num">')[1:]]
    assert cells[:5] == ["6", "4", "2", "0", "–"] and cells[5] == "10,0"  # mean 40/4 weeks; no median without details
    assert month_label(old_month) not in client.get("/gezinshuizen/sturing?maanden=12").get_data(as_text=True)
    csv = client.get("/gezinshuizen/sturing/uitkomsten.csv?maanden=36").get_data(as_text=True)
    assert any(line.startswith("gezinshuis,") and ",4," in line for line in csv.splitlines())


BAD_VALUES = ("\x00", "a\x00b", "²", "٣", "9" * 40, "9" * 5000, "-1", "1e309", "x" * 20000, "", " \t ", "<script>", "' OR 1=1 --")


def test_bad_values_in_any_field_are_a_4xx_and_save_nothing_half(app, client, login, region_world):
    with app.app_context():
        login(db.session.get(factories.User, region_world["coordinator"]))
    valid = {"age_band": "12-15", "age": "", "target_groups": "LVB", "siblings": "0", "municipality": str(region_world["helmond"]),
             "week": _this_week()}
    token = csrf_token(client, "/gezinshuizen/aanvragen/nieuw")
    for name in valid:
        for bad in BAD_VALUES:
            response = client.post("/gezinshuizen/aanvragen/nieuw", data={**valid, name: bad, "csrf_token": token})
            assert response.status_code in (302, 400), (name, bad[:20], response.status_code)
    for row in _requests(app):
        assert row.age_band in ("12-15", "4-7") and row.siblings in (0, 1) and row.outcome == "wachtend"
    page = f"/gezinshuizen/aanvragen/{[r.id for r in _requests(app) if r.region_id == region_world['region']][0]}/uitkomst"
    for name in ("outcome", "week"):
        for bad in BAD_VALUES:
            data = {"outcome": "gezinshuis", "week": _this_week(), name: bad, "csrf_token": token}
            response = client.post(page, data=data)
            assert response.status_code in (302, 400), (name, bad[:20], response.status_code)
    for path in ("/gezinshuizen/aanvragen?status=%00&pagina=99999999999", "/gezinshuizen/sturing?maanden=%00",
                 "/gezinshuizen/sturing?maanden=99999999999999", "/gezinshuizen/aanvragen/99999999999/uitkomst"):
        assert client.get(path).status_code in (200, 404), path
