"""Providers report waiting counts, the realised wait and waits per target group: page, inline row, history."""
import datetime as dt
import re

import pytest

from beschikbaarheid.domain import freshness, wait_figures
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Offering, OfferingChange, utcnow
from tests import factories
from tests.helpers import HX, csrf_token, row_form


def _page_form(token, **values):
    data = {**row_form(token), "layout": "page", "age_min": "0", "age_max": "18", "target_groups": ["ASS", "LVB"]}
    data.update(values)
    return data


def _start(app, login, **kw):
    with app.app_context():
        oid, user, _ = factories.planner_with_offering(target_groups=["ASS", "LVB"], **kw)
        login(user)
    return oid


def _fields(oid) -> list[str]:
    return [c.field for c in db.session.scalars(db.select(OfferingChange).where(OfferingChange.offering_id == oid))]


def _period_end() -> dt.date:
    return wait_figures.realised_period(freshness.local_date(utcnow()))[1]


def test_the_page_asks_for_the_new_figures_with_labels_and_the_months_they_cover(app, client, login):
    oid = _start(app, login)
    html = client.get(f"/aanbieder/aanbod/{oid}/bewerken").get_data(as_text=True)
    assert '<label for="waiting_count">Aantal wachtenden</label>' in html
    assert '<label for="realised_started">Aantal gestart</label>' in html
    assert '<label for="realised_wait_weeks">Gemiddeld aantal weken gewacht</label>' in html
    end = _period_end()
    assert re.search(rf"<legend>Gerealiseerde wachttijd over 1 \w+ – {end.day} \w+ {end.year}</legend>", html)
    # one weeks field per target group, labelled with the group
    assert re.search(r'<label class="small" for="gw-ASS">Eigen wachttijd \(weken\)<span class="visually-hidden"> voor ASS \(autisme\)</span></label>', html)
    assert 'name="group_wait-ASS"' in html and 'inputmode="decimal"' in html


def test_the_page_saves_the_figures_without_javascript(app, client, login):
    oid = _start(app, login)
    token = csrf_token(client, f"/aanbieder/aanbod/{oid}/bewerken")
    data = _page_form(token, free_places="0", waiting_count="3", realised_wait_weeks="5,5", realised_started="4", **{"group_wait-ASS": "7", "group_wait-LVB": ""})
    response = client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=data)
    assert response.status_code == 302
    with app.app_context():
        o = db.session.get(Offering, oid)
        assert (o.waiting_count, o.realised_wait_weeks, o.realised_started, o.group_waits) == (3, 5.5, 4, {"ASS": 7})
        assert o.realised_period_end == _period_end()
        assert set(_fields(oid)) == {"free_places", "waiting_count", "realised_wait_weeks", "realised_started", "realised_period_end", "group_waits"}
    row = client.get("/aanbieder/").get_data(as_text=True)
    assert re.search(r'data-field="waiting_count">3<', row)
    assert "5,5 weken gemiddeld, 4 gestart (1 " in row and "ASS: 7 weken" in row
    # the form shows the stored values back, with a decimal comma
    again = client.get(f"/aanbieder/aanbod/{oid}/bewerken").get_data(as_text=True)
    assert 'name="realised_wait_weeks" value="5,5"' in again and 'name="group_wait-ASS" value="7"' in again


@pytest.mark.parametrize("values, field, message", [
    ({"waiting_count": "-3"}, "waiting_count", "niet negatief"),
    ({"realised_started": "4"}, "realised_started", "gemiddelde gerealiseerde wachttijd in van de 4"),
    ({"realised_wait_weeks": "6"}, "realised_wait_weeks", "hoeveel jeugdigen gestart"),
    ({"realised_wait_weeks": "6,25", "realised_started": "2"}, "realised_wait_weeks", "één cijfer achter de komma"),
])
def test_impossible_figures_are_refused_and_nothing_is_saved(app, client, login, values, field, message):
    oid = _start(app, login)
    token = csrf_token(client, f"/aanbieder/aanbod/{oid}/bewerken")
    # a valid change to another field in the same post is not saved either
    response = client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=_page_form(token, free_places="0", **values))
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(rf'<p class="field-error" id="{field}-error">[^<]*{re.escape(message)}', html)
    assert re.search(rf'aria-describedby="[^"]*{field}-error"', html)
    with app.app_context():
        o = db.session.get(Offering, oid)
        assert (o.version, o.free_places, o.waiting_count) == (1, 1, None) and _fields(oid) == []


@pytest.mark.parametrize("group, weeks, message", [
    ("TRAUMA", "5", "alleen voor een doelgroep waar het aanbod mee werkt: TRAUMA"),
    ("XYZ", "5", "Onbekende doelgroep: XYZ"),
    ("ASS", "500", "meer dan 156 weken"),
])
def test_a_bad_wait_per_target_group_is_refused(app, client, login, group, weeks, message):
    oid = _start(app, login)
    token = csrf_token(client, f"/aanbieder/aanbod/{oid}/bewerken")
    response = client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=_page_form(token, **{f"group_wait-{group}": weeks}))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and message in html and 'id="group_waits-error"' in html
    with app.app_context():
        assert db.session.get(Offering, oid).group_waits == {}


def test_the_inline_row_takes_the_count_and_the_realised_wait(app, client, login):
    oid = _start(app, login)
    token = csrf_token(client, "/aanbieder/")
    fragment = client.get(f"/aanbieder/aanbod/{oid}/bewerken?layout=row", headers=HX).get_data(as_text=True)
    assert f'for="waiting_count-{oid}"' in fragment and f'for="realised_started-{oid}"' in fragment
    # waits per target group are set on the offering's page, linked from the row
    assert f'<a class="small" href="/aanbieder/aanbod/{oid}/bewerken">Wachttijd per doelgroep' in fragment
    response = client.post(f"/aanbieder/aanbod/{oid}/bewerken", headers=HX,
                           data=row_form(token, free_places="0", waiting_count="2", realised_wait_weeks="3", realised_started="2"))
    row = response.get_data(as_text=True)
    assert response.status_code == 200 and "Opgeslagen" in row
    assert re.search(r'data-field="waiting_count">2<', row) and "3 weken gemiddeld, 2 gestart" in row
    geen = client.post(f"/aanbieder/aanbod/{oid}/bewerken", headers=HX,
                       data=row_form(token, version=2, free_places="0", waiting_count="2", realised_started="0"))
    assert "geen starts (" in geen.get_data(as_text=True)


def test_a_doubtful_figure_asks_first_and_saves_once_confirmed(app, client, login):
    oid = _start(app, login)
    token = csrf_token(client, "/aanbieder/")
    data = row_form(token, waiting_count="5", realised_wait_weeks="20", realised_started="3")  # expected 4 weeks, 1 place free
    question = client.post(f"/aanbieder/aanbod/{oid}/bewerken", headers=HX, data=data)
    html = question.get_data(as_text=True)
    assert question.status_code == 200 and "Ik bevestig dat deze waarde klopt" in html
    assert "De gerealiseerde wachttijd (20 weken) ligt ver van de verwachte wachttijd (4 weken)" in html
    assert "U meldt 5 wachtenden terwijl er 1 plek vrij is" in html
    keys = re.search(r'name="acknowledged" value="([^"]*)"', html).group(1)
    with app.app_context():
        assert db.session.get(Offering, oid).version == 1
    saved = client.post(f"/aanbieder/aanbod/{oid}/bewerken", headers=HX, data={**data, "acknowledged": keys, "confirm_unusual": "1"})
    assert "Opgeslagen" in saved.get_data(as_text=True)
    with app.app_context():
        o = db.session.get(Offering, oid)
        assert (o.waiting_count, o.realised_wait_weeks, o.unusual_confirmed) == (5, 20.0, True)


def test_confirm_all_keeps_the_new_figures(app, client, login):
    oid = _start(app, login)
    with app.app_context():
        o = db.session.get(Offering, oid)
        o.waiting_count, o.realised_wait_weeks, o.realised_started, o.group_waits = 2, 3.5, 2, {"ASS": 8}
        o.realised_period_end, o.updated_at = dt.date(2026, 10, 31), utcnow() - dt.timedelta(days=60)
        db.session.commit()
        version = o.version
    token = csrf_token(client, "/aanbieder/")
    response = client.post(f"/aanbieder/{db_provider(app, oid)}/bevestigen", data={"csrf_token": token, f"version-{oid}": str(version)})
    assert response.status_code == 302
    assert "1 regel bevestigd als ongewijzigd" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        o = db.session.get(Offering, oid)
        assert o.last_update_kind == "confirm" and not freshness.is_stale(o.updated_at, utcnow())
        assert (o.waiting_count, o.realised_wait_weeks, o.realised_started, o.group_waits, o.realised_period_end) == (
            2, 3.5, 2, {"ASS": 8}, dt.date(2026, 10, 31))


def db_provider(app, oid) -> int:
    with app.app_context():
        return db.session.get(Offering, oid).provider_id


def test_history_shows_the_new_fields_by_name(app, client, login):
    oid = _start(app, login)
    token = csrf_token(client, f"/aanbieder/aanbod/{oid}/bewerken")
    client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=_page_form(token, free_places="0", waiting_count="6", realised_started="0", **{"group_wait-LVB": "12"}))
    html = client.get(f"/aanbieder/aanbod/{oid}/historie").get_data(as_text=True)
    for label in ("Aantal wachtenden", "Aantal gestart", "Wachttijd per doelgroep", "Gerealiseerde wachttijd: periode tot en met"):
        assert f"<td>{label}" in html
    assert "LVB=12" in html and "<li>Aantal wachtenden: 6</li>" in html and "geen starts (" in html


def test_a_new_offering_reports_nothing_until_the_provider_does(app):
    with app.app_context():
        o = factories.offering(factories.location(factories.provider()), factories.product())
        db.session.commit()
        assert (o.waiting_count, o.realised_started, o.group_waits) == (None, None, {})


def test_history_draws_the_realised_wait_next_to_the_expected_one(app, client, login):
    oid = _start(app, login)
    token = csrf_token(client, "/aanbieder/")
    assert "Gerealiseerde wachttijd door de tijd" not in client.get(f"/aanbieder/aanbod/{oid}/historie").get_data(as_text=True)
    for version, weeks in ((1, "3,5"), (2, "5")):
        saved = client.post(f"/aanbieder/aanbod/{oid}/bewerken", headers=HX,
                            data=row_form(token, version=version, free_places="0", realised_wait_weeks=weeks, realised_started="2"))
        assert "Opgeslagen" in saved.get_data(as_text=True)
    html = client.get(f"/aanbieder/aanbod/{oid}/historie").get_data(as_text=True)
    realised = html[html.index('id="realised-chart-heading"'):]
    realised = realised[:realised.index("</figure>")]
    assert realised.count('class="chart-dot"') == 2 and "Laagste 3,5, hoogste 5 weken" in realised
    assert re.search(r"<title>\d\d-\d\d-\d{4}: 3,5 weken</title>", realised)
