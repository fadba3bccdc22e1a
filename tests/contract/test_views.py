"""Contract-manager pages: who may see them, and the figures, denominator, date and source they show."""
import datetime as dt
import re

import pytest

from beschikbaarheid.domain import freshness
from beschikbaarheid.domain.reminders import period_of
from beschikbaarheid.extensions import db
from beschikbaarheid.models import NoMatchReport, Offering, ReminderLog, SearchLog, utcnow
from tests import factories
from tests.helpers import assert_csp_safe, csrf_token



def nine_of_ten(now):
    """Ten contracted providers of one product; 'Aanbieder 10' is stale. Returns (region, product, stale provider)."""
    region = factories.region()
    product = factories.product("43A10", "Gezinshuis", region, segment=2)
    stale_at = freshness.month_start(now) - dt.timedelta(days=3)
    providers = []
    for i in range(1, 11):
        p = factories.provider(f"Aanbieder {i:02d}", intake_phone=f"0492-00000{i % 10}")
        providers.append(p)
        factories.offering(factories.location(p), product, updated_at=stale_at if i == 10 else now)
    db.session.commit()
    return region, product, providers[-1]


# --- authorization over every route of the blueprint -------------------------------------------

def contract_urls(app, provider_id):
    """One URL per contract.* endpoint (and every export); fails when a new endpoint is not listed."""
    gets = [
        "/contract/", "/contract/wachttijden", "/contract/kwaliteit", "/contract/tekorten", f"/contract/aanbieder/{provider_id}",
        "/contract/verwacht-gerealiseerd", "/contract/tekort", "/contract/kwartaalrapportage",
        "/contract/kwartaalrapportage/2026-K1.xlsx", "/contract/kwartaalrapportage/2026-K1/meldingen.csv",
        *[f"/contract/export/{d}.{f}" for d in ("naleving", "naleving-aanbieders", "wachttijden", "tekorten", "tekorten-gemeenten",
                                                "tekort-per-product", "verwacht-gerealiseerd")
          for f in ("csv", "xlsx")],
    ]
    posts = [f"/contract/aanbieder/{provider_id}/gesprek"]
    endpoints = {r.endpoint for r in app.url_map.iter_rules() if r.endpoint.startswith("contract.")}
    covered = {app.url_map.bind("localhost").match(u, method=m)[0] for m, urls in (("GET", gets), ("POST", posts)) for u in urls}
    assert covered == endpoints, f"untested contract routes: {endpoints - covered}"
    return gets, posts


def test_anonymous_is_sent_to_login_everywhere(app, client):
    with app.app_context():
        _, _, stale = nine_of_ten(utcnow())
        gets, posts = contract_urls(app, stale.id)
    for url in gets:
        response = client.get(url)
        assert response.status_code == 302 and "/account/inloggen" in response.headers["Location"], url
    token = csrf_token(client, "/account/inloggen")
    for url in posts:
        response = client.post(url, data={"csrf_token": token, "outcome": "bereikt"})
        assert response.status_code == 302 and "/account/inloggen" in response.headers["Location"], url


@pytest.mark.parametrize("role", ["verwijzer", "aanbieder"])
def test_other_roles_get_403_everywhere(app, client, login, role):
    with app.app_context():
        _, _, stale = nine_of_ten(utcnow())
        user = factories.user(role, provider_id=stale.id if role == "aanbieder" else None)
        db.session.commit()
        login(user)
        gets, posts = contract_urls(app, stale.id)
    for url in gets:
        assert client.get(url).status_code == 403, url
    token = csrf_token(client, "/")
    for url in posts:
        assert client.post(url, data={"csrf_token": token, "outcome": "bereikt"}).status_code == 403, url


@pytest.mark.parametrize("role", ["contractmanager", "beheerder"])
def test_contract_managers_and_administrators_see_every_page(app, client, login, role):
    with app.app_context():
        _, _, stale = nine_of_ten(utcnow())
        user = factories.user(role)
        db.session.commit()
        login(user)
        gets, _ = contract_urls(app, stale.id)
    for url in gets:
        response = client.get(url)
        assert response.status_code == 200, url
        if response.mimetype == "text/html":
            assert_csp_safe(response.get_data(as_text=True))


# --- compliance page ---------------------------------------------------------------------------

def test_compliance_page_shows_share_denominator_date_and_source(app, client, login):
    with app.app_context():
        now = utcnow()
        nine_of_ten(now)
        login(factories.contract_manager())
    html = client.get("/contract/").get_data(as_text=True)
    local = now.astimezone(freshness.TZ)
    assert 'data-share="0.9000"' in html and "90,0%" in html
    assert "9 van 10 gecontracteerde aanbieders" in html
    assert "doel gehaald" in html and "Doel: 90% (9 aanbieders)" in html
    assert f"Bron: Beschikbaarheidswijzer, peildatum {local:%d-%m-%Y}" in html
    assert f"noemer: gecontracteerde aanbieders {local.year}" in html
    assert "Niet actueel: 1 aanbieders" in html
    # the trend: a chart with a text alternative (a table with the same numbers)
    assert '<svg' in html and 'role="img"' in html and "Aandeel actuele aanbieders per maand" in html
    assert "<caption>Actuele aanbieders per segment" in html and 'scope="row"' in html


def test_compliance_below_target_says_how_many_are_missing(app, client, login):
    with app.app_context():
        now = utcnow()
        region, product, _ = nine_of_ten(now)
        for o in db.session.scalars(db.select(Offering).limit(2)):
            o.updated_at = freshness.month_start(now) - dt.timedelta(days=1)
        db.session.commit()
        login(factories.contract_manager())
    html = client.get("/contract/").get_data(as_text=True)
    assert "70,0%" in html and "onder doel" in html and "Nog 2 aanbieders nodig." in html


def test_overdue_provider_with_contact_reminders_and_call_form(app, client, login):
    with app.app_context():
        now = utcnow()
        _, _, stale = nine_of_ten(now)
        db.session.add(ReminderLog(provider_id=stale.id, period=period_of(now), kind="first", status="sent",
                                   scheduled_for=now.date(), sent_at=now, recipient=stale.intake_email))
        db.session.commit()
        email, phone, pid = stale.intake_email, stale.intake_phone, stale.id
        login(factories.contract_manager())
    html = client.get("/contract/").get_data(as_text=True)
    row = html[html.index(f'id="aanbieder-{pid}"'):]
    row = row[: row.index("</tr>")]
    assert "Aanbieder 10" in row and f"mailto:{email}" in row and phone in row
    assert "Eerste herinnering: verstuurd" in row
    assert "0 van 1" in row  # its one contracted offering is not fresh
    assert f'action="/contract/aanbieder/{pid}/gesprek"' in row and 'name="csrf_token"' in row
    assert "Aanbieder 01" not in html[html.index('id="achterstand"'):]  # current providers are not on the call list


def test_region_switch_for_administrators(app, client, login):
    with app.app_context():
        now = utcnow()
        nine_of_ten(now)
        other = factories.region("Andere regio")
        admin = factories.user("beheerder")
        db.session.commit()
        other_id = other.id
        login(admin)
    html = client.get(f"/contract/?regio={other_id}").get_data(as_text=True)
    assert "Andere regio" in html and "Geen gecontracteerde aanbieders." in html and 'name="regio"' in html


def test_contract_manager_sees_only_their_own_region(app, client, login):
    with app.app_context():
        now = utcnow()
        region, _, _ = nine_of_ten(now)
        other = factories.region("Andere regio")
        cm = factories.user("contractmanager", region_id=region.id)
        db.session.commit()
        other_id = other.id
        login(cm)
    html = client.get(f"/contract/?regio={other_id}").get_data(as_text=True)
    assert "Testregio" in html and "9 van 10" in html and 'name="regio"' not in html


# --- waiting times -----------------------------------------------------------------------------

def test_waiting_page_shows_range_median_p90_and_share_above_norm(app, client, login):
    with app.app_context():
        now = utcnow()
        region = factories.region()
        product = factories.product("43A10", "Gezinshuis", region, segment=2)
        for weeks in (0, 2, 12, 40, None):
            factories.offering(factories.location(factories.provider()), product, waiting_weeks=weeks, updated_at=now)
        db.session.commit()
        login(factories.contract_manager())
    html = client.get("/contract/wachttijden").get_data(as_text=True)
    row = html[html.index("43A10"):]
    row = row[: row.index("</tr>")]
    cells = re.findall(r'<td class="num">([^<]*)</td>', row)
    assert cells == ["5", "4", "0–40", "7,0", "31,6", "1 (25,0%)", "0"]
    assert "Norm van de regio: 14 weken" in html
    assert "Verloop per maand: 43A10 Gezinshuis" in html and "<svg" in html


# --- data quality ------------------------------------------------------------------------------

def test_quality_page_flags_link_to_the_offering_history(app, client, login):
    with app.app_context():
        now = utcnow()
        region = factories.region()
        product = factories.product("43A10", "Gezinshuis", region, segment=2)
        doubtful = factories.offering(factories.location(factories.provider("Twijfel BV")), product, waiting_weeks=0, free_places=0,
                                      updated_at=now)
        factories.offering(factories.location(factories.provider("Vol BV")), product, capacity=2, free_places=3, updated_at=now)
        db.session.commit()
        oid = doubtful.id
        login(factories.contract_manager())
    html = client.get("/contract/kwaliteit").get_data(as_text=True)
    assert "0 weken wachttijd zonder vrije plek" in html and "Twijfel BV" in html
    assert "3 vrije plekken bij een capaciteit van 2." in html
    assert f'href="/aanbieder/aanbod/{oid}/historie"' in html
    only = client.get("/contract/kwaliteit?soort=free_above_capacity").get_data(as_text=True)
    signals = only[only.index('id="signalen"'):]
    assert "Vol BV" in signals and "Twijfel BV" not in signals


# --- supply gaps -------------------------------------------------------------------------------

def test_supply_gaps_without_search_data_say_so(app, client, login):
    with app.app_context():
        factories.region()
        login(factories.contract_manager())
    html = client.get("/contract/tekorten").get_data(as_text=True)
    assert "Geen gegevens" in html


def test_supply_gaps_from_search_log_and_no_match_reports(app, client, login):
    with app.app_context():
        region = factories.region()
        product = factories.product("43A10", "Gezinshuis", region, segment=2)
        factories.municipality("Helmond", "0794", region_obj=region)
        today = utcnow().astimezone(freshness.TZ).date()
        common = dict(day=today, region_id=region.id, need_kind="code", product_id=product.id, product_code="43A10",
                      segment=2, category="43", municipality_code="0794", age_band="12-17")
        for within in (0, 0, 3):
            db.session.add(SearchLog(result_count=within + 2, within_radius_count=within, **common))
        db.session.add(NoMatchReport(result_count=0, within_radius_count=0, referrer_type="01", reason="", **common))
        db.session.commit()
        login(factories.contract_manager())
    html = client.get("/contract/tekorten").get_data(as_text=True)
    need = html[html.index('id="behoeften"'):]
    row = need[need.index("43A10 Gezinshuis"):]
    row = row[: row.index("</tr>")]
    assert "Helmond" in row and "12-17" in row
    assert re.findall(r'<td class="num">([^<]*)</td>', row) == ["3", "2", "1"]
    muni = html[html.index('id="gemeenten"'):]
    assert "Helmond" in muni and "33,3%" in muni


# --- provider dossier --------------------------------------------------------------------------

def test_dossier_has_offerings_history_reminders_calls_and_flags(app, client, login):
    from beschikbaarheid.models import CallLog
    from beschikbaarheid.services.offerings import apply_update

    with app.app_context():
        now = utcnow()
        region = factories.region()
        product = factories.product("43A10", "Gezinshuis", region, segment=2)
        p = factories.provider("Dossier BV")
        o = factories.offering(factories.location(p, name="Huis aan de Dijk"), product, waiting_weeks=0, free_places=0, updated_at=now)
        apply_update(o, {"waiting_weeks": 3}, author="planner@dossier.example", via="form", now=now)
        db.session.add(ReminderLog(provider_id=p.id, period=period_of(now), kind="second", status="sent", scheduled_for=now.date(),
                                   sent_at=now))
        cm = factories.contract_manager()
        db.session.add(CallLog(provider_id=p.id, user_id=cm.id, called_at=now, outcome="toezegging", note="Werkt vrijdag bij"))
        o2 = factories.offering(factories.location(p, name="Tweede huis"), factories.product("45A01", "Ambulant", region, segment=4),
                                capacity=None, updated_at=now)
        db.session.commit()
        pid, oid = p.id, o2.id
        login(cm)
    html = client.get(f"/contract/aanbieder/{pid}").get_data(as_text=True)
    assert "Dossier BV" in html and "Huis aan de Dijk" in html and "Tweede huis" in html
    assert "planner@dossier.example" in html and "Wachttijd (weken): 0 → 3" in html
    assert "Tweede herinnering" in html
    assert "Toezegging gedaan" in html and "Werkt vrijdag bij" in html and "Carla Contract" in html
    assert "Capaciteit ontbreekt" in html and f'href="/aanbieder/aanbod/{oid}/historie"' in html
    assert "actueel" in html and "2 van 2 gecontracteerd aanbod" in html
    assert_csp_safe(html)


def test_unknown_provider_dossier_is_404(app, client, login):
    with app.app_context():
        factories.region()
        login(factories.contract_manager())
    assert client.get("/contract/aanbieder/999999").status_code == 404


def test_waiting_trend_shows_the_weeks_in_force_at_each_month_end(app, client, login):
    """The month table replays the history: a value holds from its save on, an offering counts from
    its creation, and an offering without history counts from its last update."""
    from beschikbaarheid.domain.compliance import month_label, months_back
    from beschikbaarheid.services.offerings import apply_update, record_creation

    with app.app_context():
        now = utcnow()
        months = months_back(now, 4)  # [m-3, m-2, m-1, m]

        def mid(month):
            return dt.datetime.combine(month.replace(day=15), dt.time(12), tzinfo=freshness.TZ)

        product = factories.product("43A10", "Gezinshuis", factories.region(), segment=2)
        early = factories.offering(factories.location(factories.provider("Vroeg BV")), product, waiting_weeks=4, updated_at=mid(months[0]))
        record_creation(early, author="import", via="import", now=mid(months[0]))
        apply_update(early, {"waiting_weeks": 10}, author="a@b.nl", via="form", now=mid(months[1]))
        late = factories.offering(factories.location(factories.provider("Laat BV")), product, waiting_weeks=6, updated_at=mid(months[2]))
        record_creation(late, author="import", via="import", now=mid(months[2]))
        factories.offering(factories.location(factories.provider("Zonder historie BV")), product, waiting_weeks=20,
                           updated_at=mid(months[1]))
        db.session.commit()
        login(factories.contract_manager())
    html = client.get("/contract/wachttijden").get_data(as_text=True)
    table = html[html.index('id="trend"'):]

    def month_row(month):
        row = table[table.index(f'<th scope="row">{month_label(month)}</th>'):]
        return re.findall(r'<td class="num">([^<]*)</td>', row[: row.index("</tr>")])[:2]

    assert month_row(months[0]) == ["1", "4–4"]  # only the early offering existed
    assert month_row(months[1]) == ["2", "10–20"]  # its update holds from mid-month; the one without history counts from its update
    assert month_row(months[2]) == ["3", "6–20"]
    assert month_row(months[3]) == ["3", "6–20"]


def test_supply_gaps_show_fifty_needs_a_page_most_often_without_an_option_first(app, client, login):
    with app.app_context():
        region = factories.region()
        today = utcnow().astimezone(freshness.TZ).date()
        for n in range(1, 56):  # 55 needs: municipality n was searched n times without an option nearby
            for _ in range(n):
                db.session.add(SearchLog(day=today, region_id=region.id, need_kind="form", municipality_code=f"{n:04d}",
                                         age_band="12-17", result_count=0, within_radius_count=0))
        db.session.commit()
        login(factories.contract_manager())

    def shown(html):
        needs = html[html.index('id="behoeften"'):html.index('id="gemeenten"')]
        return [int(n) for n in re.findall(r"<td>0*(\d+)</td><td>12-17</td>", needs)]

    first = client.get("/contract/tekorten").get_data(as_text=True)
    assert shown(first) == list(range(55, 5, -1)) and "Pagina 1 van 2" in first and "pagina=2" in first
    second = client.get("/contract/tekorten?pagina=2").get_data(as_text=True)
    assert shown(second) == [5, 4, 3, 2, 1]
    assert shown(client.get("/contract/tekorten?pagina=9").get_data(as_text=True)) == [5, 4, 3, 2, 1]  # an old link: the last page


def test_quality_pages_continue_across_kinds_in_order(app, client, login):
    with app.app_context():
        product = factories.product("43A10", "Gezinshuis", factories.region(), segment=2)
        provider = factories.provider("Veel BV")
        for i in range(70):  # 70 without a place and 0 weeks, then 70 without capacity
            factories.offering(factories.location(provider, name=f"Nul {i:02d}"), product, waiting_weeks=0, free_places=0)
        other = factories.product("45A01", "Ambulant", factories.region(), segment=4, form="ambulant")
        for i in range(70):
            factories.offering(factories.location(provider, name=f"Leeg {i:02d}"), other, capacity=None)
        db.session.commit()
        login(factories.contract_manager())

    def flags(html):
        listed = html[html.index('id="signalen"'):]
        return re.findall(r'class="badge [^"]*">([^<]+)</span>', listed)

    first, second = (client.get(f"/contract/kwaliteit?pagina={n}").get_data(as_text=True) for n in (1, 2))
    assert flags(first) == ["0 weken wachttijd zonder vrije plek"] * 70 + ["Capaciteit ontbreekt"] * 30
    assert flags(second) == ["Capaciteit ontbreekt"] * 40
    assert "Alle signalen (140)" in first and "Pagina 2 van 2" in second
