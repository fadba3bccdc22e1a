"""Editing an offering: inline (htmx) or per page, plausibility errors and questions, conflicts, history."""
import re

import pytest

from beschikbaarheid.extensions import db
from beschikbaarheid.models import Offering, OfferingChange
from beschikbaarheid.services.offerings import Actor, EditConflict, save_checked
from tests import factories
from tests.helpers import HX, csrf_token, row_form

def _offering(oid) -> Offering:
    return db.session.get(Offering, oid)


def _changes(oid):
    return db.session.scalars(db.select(OfferingChange).where(OfferingChange.offering_id == oid).order_by(OfferingChange.id)).all()


def test_inline_edit_swaps_the_row_and_saves_through_the_history(app, client, login):
    with app.app_context():
        oid, user, _ = factories.planner_with_offering()
        login(user)
        user_id = user.id
    token = csrf_token(client, "/aanbieder/")
    edit = client.get(f"/aanbieder/aanbod/{oid}/bewerken?layout=row", headers=HX)
    fragment = edit.get_data(as_text=True)
    assert edit.status_code == 200 and "<html" not in fragment
    assert fragment.lstrip().startswith(f'<tbody id="o-{oid}" class="offering editing">')
    assert f'<label class="visually-hidden" for="waiting_weeks-{oid}">' in fragment
    assert f'form="f-{oid}"' in fragment and 'name="version" value="1"' in fragment

    response = client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=row_form(token, free_places=0, waiting_weeks=6, note="Spoed in overleg"), headers=HX)
    assert response.status_code == 200
    row = response.get_data(as_text=True)
    assert row.lstrip().startswith(f'<tbody id="o-{oid}" class="offering">') and "Opgeslagen: Gezinshuis" in row
    assert re.search(r'data-field="waiting_weeks">6<', row) and "Spoed in overleg" in row
    with app.app_context():
        o = _offering(oid)
        assert (o.free_places, o.waiting_weeks, o.note, o.version, o.last_update_kind) == (0, 6, "Spoed in overleg", 2, "update")
        changes = _changes(oid)
        assert {(c.field, c.old_value, c.new_value) for c in changes} == {("free_places", "1", "0"), ("waiting_weeks", "4", "6"), ("note", "", "Spoed in overleg")}
        assert {(c.author, c.via, c.user_id) for c in changes} == {("planner@zonnehuis.example", "form", user_id)}
    # Cancel returns the display row
    cancel = client.get(f"/aanbieder/aanbod/{oid}", headers=HX)
    assert cancel.get_data(as_text=True).lstrip().startswith(f'<tbody id="o-{oid}"') and "Wijzigen" in cancel.get_data(as_text=True)


def test_edit_page_works_without_javascript(app, client, login):
    with app.app_context():
        oid, user, _ = factories.planner_with_offering()
        login(user)
    page = client.get(f"/aanbieder/aanbod/{oid}/bewerken")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "<html" in html and '<label for="waiting_weeks">' in html and "Doelgroepen" in html
    token = csrf_token(client, f"/aanbieder/aanbod/{oid}/bewerken")
    data = {**row_form(token, waiting_weeks=8), "layout": "page", "age_min": "4", "age_max": "21", "target_groups": ["ASS", "LVB"]}
    response = client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=data)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"#o-{oid}")
    assert "Opgeslagen: Gezinshuis" in client.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        o = _offering(oid)
        assert (o.waiting_weeks, o.age_min, o.age_max, o.target_groups) == (8, 4, 21, ["ASS", "LVB"])


@pytest.mark.parametrize("values, field, message", [
    ({"waiting_weeks": "1.5"}, "waiting_weeks", "heel getal"),
    ({"free_places": "-2"}, "free_places", "niet negatief"),
    ({"capacity": "3", "free_places": "4"}, "free_places", "dan de capaciteit (3)"),
    ({"waiting_weeks": "400"}, "waiting_weeks", "156 weken"),
    ({"capacity": "5000", "free_places": "0"}, "capacity", "500 plekken"),
    ({"age_min": "19", "age_max": "12"}, "age_min", "hoger dan de maximumleeftijd"),
])
def test_impossible_values_are_refused_with_the_input_kept(app, client, login, values, field, message):
    with app.app_context():
        oid, user, _ = factories.planner_with_offering()
        login(user)
    token = csrf_token(client, f"/aanbieder/aanbod/{oid}/bewerken")
    data = {**row_form(token), "layout": "page", "age_min": "0", "age_max": "18", **values}
    response = client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert re.search(rf'<p class="field-error" id="{field}-error">[^<]*{re.escape(message)}', html)
    assert re.search(rf'id="{field}" name="{field}" value="{re.escape(values[field])}"', html)
    assert 'aria-invalid="true"' in html
    with app.app_context():
        assert _offering(oid).version == 1 and _changes(oid) == []


def test_inline_errors_come_back_in_the_row(app, client, login):
    with app.app_context():
        oid, user, _ = factories.planner_with_offering()
        login(user)
    token = csrf_token(client, "/aanbieder/")
    response = client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=row_form(token, waiting_weeks="vier"), headers=HX)
    fragment = response.get_data(as_text=True)
    # the partial carries the real 400 too (base.html tells htmx to swap 400/409 answers)
    assert response.status_code == 400 and f'id="waiting_weeks-{oid}-error"' in fragment and 'value="vier"' in fragment
    assert "Niet opgeslagen" in fragment
    with app.app_context():
        assert _offering(oid).version == 1


def test_doubtful_value_asks_a_question_and_is_stored_flagged_once_confirmed(app, client, login):
    with app.app_context():
        oid, user, _ = factories.planner_with_offering()
        login(user)
    token = csrf_token(client, f"/aanbieder/aanbod/{oid}/bewerken")
    data = {**row_form(token, free_places=0, waiting_weeks=0), "layout": "page", "age_min": "0", "age_max": "18"}
    question = client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=data)
    html = question.get_data(as_text=True)
    assert question.status_code == 200
    assert "0 weken wachttijd terwijl er geen plek vrij is" in html and "Ik bevestig dat deze waarde klopt" in html
    assert 'name="acknowledged" value="zero_wait_no_place"' in html
    with app.app_context():
        assert _offering(oid).version == 1  # nothing saved yet

    confirmed = client.post(f"/aanbieder/aanbod/{oid}/bewerken", data={**data, "acknowledged": "zero_wait_no_place", "confirm_unusual": "1"})
    assert confirmed.status_code == 302
    with app.app_context():
        o = _offering(oid)
        assert (o.free_places, o.waiting_weeks, o.unusual_confirmed) == (0, 0, True)
        assert {c.unusual_confirmed for c in _changes(oid)} == {True}
    # The row shows the flag
    assert "afwijkend, bevestigd" in client.get("/aanbieder/").get_data(as_text=True)


def test_confirmation_does_not_cover_a_value_changed_after_the_question(app, client, login):
    with app.app_context():
        oid, user, _ = factories.planner_with_offering()
        login(user)
    token = csrf_token(client, "/aanbieder/")
    first = client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=row_form(token, waiting_weeks=30), headers=HX)
    assert "van 4 naar 30 weken" in first.get_data(as_text=True)
    # the provider ticks the box but also changes 30 into 40: a new question, nothing saved
    second = client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=row_form(token, waiting_weeks=40, acknowledged="jump:4:30", confirm_unusual="1"), headers=HX)
    assert "van 4 naar 40 weken" in second.get_data(as_text=True)
    with app.app_context():
        assert _offering(oid).waiting_weeks == 4
    third = client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=row_form(token, waiting_weeks=40, acknowledged="jump:4:40", confirm_unusual="1"), headers=HX)
    assert "Opgeslagen" in third.get_data(as_text=True)
    with app.app_context():
        assert (_offering(oid).waiting_weeks, _offering(oid).unusual_confirmed) == (40, True)


def test_saving_unchanged_values_counts_as_a_confirmation(app, client, login):
    with app.app_context():
        oid, user, _ = factories.planner_with_offering()
        login(user)
    token = csrf_token(client, "/aanbieder/")
    response = client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=row_form(token), headers=HX)
    assert "bevestigd als ongewijzigd" in response.get_data(as_text=True)
    with app.app_context():
        assert [c.kind for c in _changes(oid)] == ["confirm"]


def _login_second_client(app, email):
    other = app.test_client()
    token = csrf_token(other, "/account/inloggen")
    assert other.post("/account/inloggen", data={"email": email, "password": "wachtwoord-123", "csrf_token": token}).status_code == 302
    return other


@pytest.mark.parametrize("htmx", [False, True])
def test_second_save_gets_a_conflict_with_the_current_values(app, client, login, htmx):
    with app.app_context():
        oid, user, colleague = factories.planner_with_offering()
        login(user)
        colleague_email = colleague.email
    other = _login_second_client(app, colleague_email)
    url = f"/aanbieder/aanbod/{oid}/bewerken"
    layout = "row" if htmx else "page"
    headers = HX if htmx else {}
    extra = {} if htmx else {"age_min": "0", "age_max": "18"}
    # both open the edit form at version 1
    token_a, token_b = csrf_token(client, url), csrf_token(other, url)
    first = client.post(url, data={**row_form(token_a, waiting_weeks=9, free_places=0), "layout": layout, **extra}, headers=headers)
    assert first.status_code == (200 if htmx else 302)
    second = other.post(url, data={**row_form(token_b, waiting_weeks=2, note="mijn notitie"), "layout": layout, **extra}, headers=headers)
    html = second.get_data(as_text=True)
    assert second.status_code == 409
    assert "iemand anders heeft dit aanbod intussen gewijzigd" in html and "planner@zonnehuis.example" in html
    assert re.search(r'class="current-value" data-field="waiting_weeks">9<', html)  # current values shown
    assert 'value="2"' in html and ('value="mijn notitie"' in html or "mijn notitie</textarea>" in html)  # own input kept
    assert 'name="version" value="2"' in html  # re-saving now is a deliberate overwrite
    with app.app_context():
        o = _offering(oid)
        assert (o.waiting_weeks, o.free_places, o.note, o.version) == (9, 0, "", 2)
        assert {c.author for c in _changes(oid)} == {"planner@zonnehuis.example"}
    again = other.post(url, data={**row_form(token_b, version=2, waiting_weeks=2, free_places=0, note="mijn notitie"), "layout": layout, **extra}, headers=headers)
    assert again.status_code == (200 if htmx else 302)
    with app.app_context():
        assert (_offering(oid).waiting_weeks, _offering(oid).updated_by) == (2, "collega@zonnehuis.example")


def test_a_save_racing_another_commit_is_a_conflict_not_an_overwrite(app):
    with app.app_context():
        oid, user, _ = factories.planner_with_offering()
        offering = _offering(oid)
        assert offering.version == 1
        # Another process commits between our read and our write.
        with db.engine.begin() as conn:
            conn.execute(db.text("UPDATE offering SET waiting_weeks = 20, version = 2 WHERE id = :id"), {"id": oid})
        with pytest.raises(EditConflict) as info:
            save_checked(offering, {"waiting_weeks": 5}, expected_version=1, actor=Actor("x@y.example", "form"))
        assert (info.value.offering.waiting_weeks, info.value.offering.version) == (20, 2)
        db.session.rollback()
        assert _changes(oid) == [] and _offering(oid).waiting_weeks == 20


def test_history_page_lists_changes_and_draws_a_chart(app, client, login):
    with app.app_context():
        oid, user, _ = factories.planner_with_offering()
        login(user)
    token = csrf_token(client, "/aanbieder/")
    for weeks in (6, 9):
        version = 1 if weeks == 6 else 2
        client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=row_form(token, version=version, waiting_weeks=weeks), headers=HX)
    client.post(f"/aanbieder/aanbod/{oid}/bevestigen", data={"csrf_token": token, "version": "3"}, headers=HX)
    response = client.get(f"/aanbieder/aanbod/{oid}/historie")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Bevestigd: ongewijzigd" in html and "planner@zonnehuis.example" in html
    rows = re.findall(r"<tr class=\"kind-(\w+)\">", html)
    assert rows == ["confirm", "update", "update"]  # newest first
    assert "<svg" in html and 'role="img"' in html and "<polyline" in html and "<desc" in html
    assert "style=" not in html[html.index("<svg"):html.index("</svg>")]
    assert html.count('class="chart-dot"') == 2  # 6 then 9 weeks (the factory row has no history)
