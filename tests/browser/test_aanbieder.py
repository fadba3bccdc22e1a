"""The provider's update screen in Chromium: inline htmx edits, the plausibility question, the conflict case, speed."""
import re
import time

import pytest
from playwright.sync_api import expect

from beschikbaarheid.extensions import db
from beschikbaarheid.models import Offering
from tests import factories

pytestmark = pytest.mark.browser

PASSWORD = "wachtwoord-123"


def _fill_register():
    """A provider with 8 contracted offerings on two locations and two staff accounts."""
    region = factories.region()
    provider = factories.provider("Zonnehuis Jeugdhulp")
    locations = [factories.location(provider, "Helmond-Oost"), factories.location(provider, "Deurne")]
    products = [
        factories.product("43A10", "Gezinshuis", region_obj=region),
        factories.product("43A14", "Woongroep", region_obj=region),
        factories.product("45A01", "Ambulante jeugdhulp", form="ambulant", segment=4, region_obj=region),
        factories.product("41A01", "Dagbehandeling", form="dagbehandeling", segment=3, region_obj=region),
    ]
    offerings = [factories.offering(loc, prod, waiting_weeks=4 + i, free_places=1) for i, (loc, prod) in
                 enumerate((loc, prod) for loc in locations for prod in products)]
    factories.user("aanbieder", email="planner@zonnehuis.example", provider_id=provider.id)
    factories.user("aanbieder", email="collega@zonnehuis.example", provider_id=provider.id)
    db.session.commit()
    return [o.id for o in offerings]


def _login(page, base, email):
    page.goto(base + "/account/inloggen")
    page.get_by_label("E-mailadres").fill(email)
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url(base + "/aanbieder/")


def _edit_row(page, oid, **values):
    row = page.locator(f"#o-{oid}")
    row.get_by_role("link", name="Wijzigen").click()
    expect(page.locator(f"#waiting_weeks-{oid}")).to_be_visible()
    for name, value in values.items():
        page.locator(f"#{name}-{oid}").fill(str(value))
    page.locator(f"#o-{oid}").get_by_role("button", name="Opslaan").click()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_update_three_rows_inline_and_confirm_the_rest(app, live_server, page):
    with app.app_context():
        ids = _fill_register()
    errors = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    started = time.perf_counter()
    _login(page, live_server, "planner@zonnehuis.example")
    page.evaluate("window.__noFullReload = 'still-here'")

    for oid, weeks in zip(ids[:3], (6, 7, 8)):
        _edit_row(page, oid, free_places=0, waiting_weeks=weeks)
        expect(page.locator(f"#o-{oid} .row-notice")).to_contain_text("Opgeslagen")
        expect(page.locator(f"#o-{oid} [data-field=waiting_weeks]")).to_have_text(str(weeks))
    assert page.evaluate("window.__noFullReload") == "still-here"  # htmx swapped rows, no page load

    page.get_by_role("button", name="Alles ongewijzigd bevestigen").click()
    expect(page.locator(".flashes")).to_contain_text("5 regels bevestigd als ongewijzigd")
    expect(page.locator(".flashes")).to_contain_text("3 regels had u net al bijgewerkt")
    elapsed = time.perf_counter() - started
    print(f"\nlogin + 3 inline updates + confirm the other 5: {elapsed:.2f} s")
    assert elapsed < 60
    expect(page.locator(".lead")).to_contain_text("8 van 8 regels")
    assert errors == []
    with app.app_context():
        kinds = [db.session.get(Offering, oid).last_update_kind for oid in ids]
        assert kinds == ["update"] * 3 + ["confirm"] * 5


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_plausibility_question_then_confirmed_value(app, live_server, page):
    with app.app_context():
        ids = _fill_register()
    _login(page, live_server, "planner@zonnehuis.example")
    oid = ids[0]
    _edit_row(page, oid, waiting_weeks=40)
    question = page.locator(f"#o-{oid} .question")
    expect(question).to_contain_text("van 4 naar 40 weken")
    with app.app_context():
        assert db.session.get(Offering, oid).waiting_weeks == 4
    page.get_by_label("Ik bevestig dat deze waarde klopt").check()
    page.locator(f"#o-{oid}").get_by_role("button", name="Opslaan").click()
    expect(page.locator(f"#o-{oid} .row-notice")).to_contain_text("Opgeslagen")
    expect(page.locator(f"#o-{oid}")).to_contain_text("afwijkend, bevestigd")
    with app.app_context():
        o = db.session.get(Offering, oid)
        assert (o.waiting_weeks, o.unusual_confirmed) == (40, True)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_two_people_edit_the_same_offering(app, live_server, page, browser):
    with app.app_context():
        ids = _fill_register()
    oid = ids[1]
    other_context = browser.new_context(locale="nl-NL")
    other = other_context.new_page()
    try:
        _login(page, live_server, "planner@zonnehuis.example")
        _login(other, live_server, "collega@zonnehuis.example")
        for p in (page, other):  # both open the inline editor on version 1
            p.locator(f"#o-{oid}").get_by_role("link", name="Wijzigen").click()
            expect(p.locator(f"#waiting_weeks-{oid}")).to_be_visible()
        page.locator(f"#waiting_weeks-{oid}").fill("9")
        page.locator(f"#o-{oid}").get_by_role("button", name="Opslaan").click()
        expect(page.locator(f"#o-{oid} .row-notice")).to_contain_text("Opgeslagen")

        other.locator(f"#waiting_weeks-{oid}").fill("2")
        other.locator(f"#o-{oid}").get_by_role("button", name="Opslaan").click()
        conflict = other.locator(f"#o-{oid} .conflict")
        expect(conflict).to_contain_text("iemand anders heeft dit aanbod intussen gewijzigd")
        expect(conflict.locator("[data-field=waiting_weeks]")).to_have_text("9")
        expect(other.locator(f"#waiting_weeks-{oid}")).to_have_value("2")  # own input kept
        with app.app_context():
            assert db.session.get(Offering, oid).waiting_weeks == 9

        # Having seen the current values, saving again is a deliberate overwrite.
        other.locator(f"#o-{oid}").get_by_role("button", name="Opslaan").click()
        expect(other.locator(f"#o-{oid} .row-notice")).to_contain_text("Opgeslagen")
        with app.app_context():
            o = db.session.get(Offering, oid)
            assert (o.waiting_weeks, o.updated_by) == (2, "collega@zonnehuis.example")
    finally:
        other_context.close()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_per_row_edit_page_without_javascript(app, live_server, page_nojs):
    with app.app_context():
        ids = _fill_register()
    page = page_nojs
    _login(page, live_server, "planner@zonnehuis.example")
    oid = ids[2]
    page.locator(f"#o-{oid}").get_by_role("link", name="Wijzigen").click()
    page.wait_for_url(f"{live_server}/aanbieder/aanbod/{oid}/bewerken")
    page.get_by_label("Vrije plekken").fill("3")
    page.get_by_label("Capaciteit").fill("2")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("#free_places-error")).to_contain_text("dan de capaciteit (2)")
    page.get_by_label("Capaciteit").fill("6")
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r"/aanbieder/\d+/#o-\d+$"))
    expect(page.locator(".flashes")).to_contain_text("Opgeslagen")
    page.locator(f"#o-{oid}").get_by_role("button", name="Ongewijzigd").click()
    expect(page.locator(".flashes")).to_contain_text("Bevestigd als ongewijzigd")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_provider_pages_pass_axe(app, live_server, page):
    """No serious accessibility violations on the table, the inline editor with a question, and the history."""
    with app.app_context():
        ids = _fill_register()
    _login(page, live_server, "planner@zonnehuis.example")
    oid = ids[0]
    _edit_row(page, oid, waiting_weeks=40)
    expect(page.locator(f"#o-{oid} .question")).to_be_visible()
    pages = [page.url]
    for url in (None, f"{live_server}/aanbieder/aanbod/{oid}/historie", f"{live_server}/aanbieder/aanbod/{oid}/bewerken"):
        if url:
            page.goto(url)
        page.add_script_tag(url=live_server + "/static/vendor/axe.min.js")
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [(v["id"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert serious == [], (url or pages[0], serious)


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_report_waiting_count_and_realised_wait_inline_then_confirm_all_keeps_them(app, live_server, page):
    with app.app_context():
        ids = _fill_register()
    _login(page, live_server, "planner@zonnehuis.example")
    oid = ids[0]
    _edit_row(page, oid, free_places=0, waiting_count=4, realised_wait_weeks="6,5", realised_started=3)
    expect(page.locator(f"#o-{oid} .row-notice")).to_contain_text("Opgeslagen")
    expect(page.locator(f"#o-{oid} [data-field=waiting_count]")).to_have_text("4")
    expect(page.locator(f"#o-{oid} [data-field=realised]")).to_contain_text("6,5 weken gemiddeld, 3 gestart")
    # n without an average: refused in the row, nothing saved
    _edit_row(page, ids[1], realised_started=2)
    expect(page.locator(f"#realised_started-{ids[1]}-error")).to_contain_text("gemiddelde gerealiseerde wachttijd")
    page.locator(f"#o-{ids[1]}").get_by_role("link", name="Annuleren").click()
    page.get_by_role("button", name="Alles ongewijzigd bevestigen").click()
    expect(page.locator(".flashes")).to_contain_text("7 regels bevestigd als ongewijzigd")
    with app.app_context():
        o = db.session.get(Offering, oid)
        assert (o.waiting_count, o.realised_wait_weeks, o.realised_started) == (4, 6.5, 3)
        assert db.session.get(Offering, ids[1]).realised_started is None


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_wait_per_target_group_on_the_page_without_javascript(app, live_server, page_nojs):
    with app.app_context():
        ids = _fill_register()
    page = page_nojs
    _login(page, live_server, "planner@zonnehuis.example")
    oid = ids[3]
    page.goto(f"{live_server}/aanbieder/aanbod/{oid}/bewerken")
    page.get_by_label("Eigen wachttijd (weken) voor ASS (autisme)").fill("20")
    page.get_by_role("button", name="Opslaan").click()
    expect(page.locator("#group_waits-error")).to_contain_text("Vink de doelgroep aan")
    page.get_by_label("ASS (autisme)", exact=True).check()
    page.get_by_role("button", name="Opslaan").click()
    page.wait_for_url(re.compile(r"/aanbieder/\d+/#o-\d+$"))
    expect(page.locator(f"#o-{oid} [data-field=group_waits]")).to_have_text("ASS: 20 weken")
