"""Bad input into every form: unicode, NUL bytes, huge and negative numbers, very long text, fields
left out or sent twice. Whatever arrives, the answer is never a 5xx, and nothing is saved half: an
offering's figures, its version and its history rows change together or not at all; a password, a
call, a no-match report or an import is stored whole or not at all.

Each form gets two passes over the same check: a systematic one (every field in turn left out, sent
twice, and set to each classic bad value, with all other fields valid, so a bad value reaches the
code behind the checks) and a hypothesis one (random mutations of the valid form, and random forms).
Example counts are moderate: the file runs in well under a minute per backend.
"""
from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterator
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beschikbaarheid import accounts, mail, signed_links
from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.extensions import db
from beschikbaarheid.models import (
    TARGET_GROUPS,
    CallLog,
    Contract,
    Location,
    NoMatchReport,
    Offering,
    OfferingChange,
    Product,
    Provider,
    Region,
    User,
    utcnow,
)
from beschikbaarheid.services.offerings import EDITABLE_FIELDS
from tests import factories
from tests.helpers import csrf_token
from tests.factories import search_world

PASSWORD = "wachtwoord-123"
TOKEN_PAGE = "/account/wachtwoord-vergeten"  # a form for visitors and logged-in users alike
HTMX = {"HX-Request": "true"}


def fuzz(max_examples: int = 40):
    """Hypothesis settings for one form: moderate, no deadline (PostgreSQL and a shared CPU)."""
    return settings(max_examples=max_examples, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


# --- what people (and scripts) send ---

# Every field meets each of these in the systematic pass.
CLASSICS = ("\x00", "a\x00b", "²", "٣", "9" * 40, "9" * 5000, "-1", "1e309", "x" * 20000, "", " \t ", "<script>", "' OR 1=1 --")
NASTY = st.sampled_from([
    *CLASSICS, " ", "0", "-0", "+5", "007", "1.5", "1,5", "NaN", "inf", "9" * 12, "-" + "9" * 40, "１２", " 12 ", "\r\n",
    "\u202e12", "\ufeff", "🙂", "%00", "../../etc/passwd", "{{7*7}}", "a" * 300, "é" * 1001,
])
TEXT = st.text(max_size=40)  # any unicode except surrogates; NUL and control characters included
NUMBER = st.integers(min_value=-(10**40), max_value=10**40).map(str)


def value(*likely: str):
    """A field value: sometimes a plausible one, mostly garbage."""
    options = [NASTY, TEXT, NUMBER]
    if likely:
        options.insert(0, st.sampled_from(likely))
    return st.one_of(*options)


def as_body(valid: dict[str, str]) -> dict[str, list[str]]:
    return {name: [text] for name, text in valid.items()}


def each_bad_field(valid: dict[str, str], names=None) -> Iterator[dict[str, list[str]]]:
    """The valid form with one field left out, sent twice, or set to each classic bad value."""
    for name in names or valid:
        yield {k: v for k, v in as_body(valid).items() if k != name}
        yield {**as_body(valid), name: [valid.get(name, ""), "\x00"]}
        for bad in CLASSICS:
            yield {**as_body(valid), name: [bad]}


def form(valid: dict[str, str], **garbage):
    """Random bodies: mostly the valid form with up to three fields replaced by garbage, left out or
    sent twice; sometimes every field random or missing. A list value repeats the field name."""
    names = sorted(set(valid) | set(garbage))

    @st.composite
    def mutated(draw):
        body = as_body(valid)
        for name in draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True)):
            bad = garbage.get(name, value())
            action = draw(st.sampled_from(["garbage", "garbage", "missing", "twice"]))
            if action == "missing":
                body.pop(name, None)
            elif action == "twice":
                body[name] = [*body.get(name, []), draw(bad)]
            else:
                body[name] = [draw(bad)]
        return body

    anything = st.fixed_dictionaries({}, optional={name: st.lists(garbage.get(name, value()), min_size=1, max_size=2) for name in names})
    return st.one_of(mutated(), mutated(), mutated(), anything)


def exercise(check, valid: dict[str, str], max_examples: int, **garbage) -> None:
    """Run `check(body)` on the systematic bodies, then on hypothesis' random ones."""
    for body in each_bad_field(valid, sorted(set(valid) | set(garbage))):
        check(body)

    @fuzz(max_examples)
    @given(body=form(valid, **garbage))
    def random_bodies(body):
        check(body)

    random_bodies()


def assert_no_server_error(response, example) -> None:
    assert response.status_code < 500, (response.status_code, repr(example)[:300], response.get_data(as_text=True)[:300])


def _login(client, email: str) -> None:
    token = csrf_token(client, "/account/inloggen")
    assert client.post("/account/inloggen", data={"email": email, "password": PASSWORD, "csrf_token": token}).status_code == 302


def _count(model, *where) -> int:
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def _first(body: dict, name: str) -> str:
    return (body.get(name) or [""])[0]


# --- accounts ---


def test_login_form(app, client):
    app.config.update(LOGIN_FREE_ATTEMPTS=10_000, LOGIN_LOCK_AFTER=10_000)  # this test is about the form, not throttling
    with app.app_context():
        factories.user("verwijzer", email="bestaat@test.example", referrer_type="02")
        db.session.commit()

    def check(body):
        token = csrf_token(client, "/account/inloggen")  # a login starts a new session, with a new token
        response = client.post("/account/inloggen", data={**body, "csrf_token": token})
        assert_no_server_error(response, body)
        email, password = _first(body, "email"), _first(body, "password")
        right = email.strip().lower() == "bestaat@test.example" and password == PASSWORD
        if right:  # spaces around a pasted address are not part of it
            assert response.status_code == 302, body
        else:  # never in without exactly the right e-mail and password
            assert response.status_code in (400, 401), body
        if response.status_code == 302:  # log out for the next example
            client.post("/account/uitloggen", data={"csrf_token": csrf_token(client, "/account/")})
        assert client.get("/account/inloggen").status_code == 200  # not logged in

    exercise(check, {"email": "bestaat@test.example", "password": PASSWORD, "remember": "y"}, 40,
             email=value("BESTAAT@test.example ", "niet@test.example"), password=value(PASSWORD + " ", "fout"))


def test_password_reset_request_form(app, client, monkeypatch):
    sent = []
    monkeypatch.setattr(mail, "send", sent.append)
    with app.app_context():
        factories.user("verwijzer", email="bestaat@test.example", referrer_type="02")
        db.session.commit()
    token = csrf_token(client, TOKEN_PAGE)

    def check(body):
        before = len(sent)
        response = client.post(TOKEN_PAGE, data={**body, "csrf_token": token})
        response.close()  # as a WSGI server does once the answer is sent: the mail goes then
        assert_no_server_error(response, body)
        assert response.status_code in (200, 400), body
        assert len(sent) - before <= 1
        assert all(message.to == "bestaat@test.example" for message in sent)  # mail only ever to the account's own address

    exercise(check, {"email": "bestaat@test.example"}, 30, email=value("niet@test.example", "bestaat@test.example\x00"))
    assert sent, "the valid request never sent a mail, so the checks above proved little"


def test_password_reset_form(app, client):
    with app.app_context():
        user = factories.user("verwijzer", email="reset@test.example", referrer_type="02")
        db.session.commit()
        user_id = user.id
    token = csrf_token(client, TOKEN_PAGE)
    changed = []

    def check(body):
        with app.app_context():
            user = db.session.get(User, user_id)
            link = f"/account/wachtwoord-herstellen/{accounts.make_reset_token(user)}"
            old_hash = user.password_hash
        response = client.post(link, data={**body, "csrf_token": token})
        assert_no_server_error(response, body)
        assert response.status_code in (302, 400), body
        with app.app_context():
            user = db.session.get(User, user_id)
            if response.status_code == 302:  # changed to exactly what was typed twice
                new = _first(body, "password")
                assert new == _first(body, "password_repeat") and user.check_password(new)
                changed.append(new)
            else:
                assert user.password_hash == old_hash

    exercise(check, {"password": "een-goed-wachtwoord", "password_repeat": "een-goed-wachtwoord"}, 30,
             password=value("kort"), password_repeat=value("een-goed-wachtwoord "))
    assert changed


# --- search ---


@pytest.fixture
def searchable(app):
    with app.app_context():
        search_world()


def test_search_page_query_parameters(app, client, searchable):
    likely = {"locatie": ("5701", "Helmond", "5701 AB"), "leeftijd": ("12", "0", "27"), "product": ("gezinshuis", "43A10", "segment 2"),
              "segment": ("2", "9"), "doelgroepen": ("ASS", "ASS,LVB", "ass"), "max_km": ("15", "1", "300"),
              "max_wachttijd": ("8", "0"), "ook_gesloten": ("1", "0", "ja"), "regio": ("Een 10 voor de Jeugd", "1")}
    statuses = set()

    def check(params):
        query = "&".join(f"{quote(k)}={quote(v)}" for k, values in params.items() for v in values)
        for headers in ({}, {"HX-Request": "true", "HX-Target": "resultaten"}):
            response = client.get(f"/zoeken/?{query}", headers=headers)
            assert_no_server_error(response, params)
            assert response.status_code in (200, 400), params
            statuses.add(response.status_code)

    exercise(check, {"locatie": "5701", "leeftijd": "12", "product": "gezinshuis"}, 40,
             **{name: value(*options) for name, options in likely.items()})
    assert statuses == {200, 400}


def test_no_match_form(app, client, searchable):
    token = csrf_token(client, TOKEN_PAGE)
    good = "locatie=5701&leeftijd=12&product=gezinshuis"

    def check(body):
        for headers in ({}, HTMX):
            with app.app_context():
                before = _count(NoMatchReport)
            response = client.post("/zoeken/geen-passend-aanbod", data={**body, "csrf_token": token}, headers=headers)
            assert_no_server_error(response, body)
            assert response.status_code in (200, 302, 400), body
            with app.app_context():
                added = _count(NoMatchReport) - before
                assert added == (0 if response.status_code == 400 else added) and added in (0, 1), body
                if added:
                    report = db.session.scalars(db.select(NoMatchReport).order_by(NoMatchReport.id.desc())).first()
                    assert len(report.reason) <= 200 and "\x00" not in report.reason

    exercise(check, {"q": good, "reason": "geen plek voor broers en zussen"}, 30, q=value(good + "&doelgroepen=ASS", "locatie=5701"))
    with app.app_context():
        assert _count(NoMatchReport) > 0


# --- the gezinshuis coordination point ---


@pytest.fixture
def gezinshuis_world(app):
    """search_world with De Linde's gezinshuis profile, its provider user and the region's coordinator."""
    with app.app_context():
        w = search_world()
        linde = db.session.get(Offering, w["linde"].id)
        factories.gezinshuis_profile(linde.location, allowed=4, taken=2, household={("placed", "8-11"): 2}, siblings_max=2, notes="Hond")
        user = factories.user("aanbieder", provider_id=linde.provider_id)
        coordinator = factories.user("contractmanager", region_id=w["region"].id, is_coordinator=True)
        db.session.commit()
        return {"url": f"/aanbieder/{linde.provider_id}/gezinshuis/{linde.location_id}", "location": linde.location_id,
                "email": user.email, "coordinator": coordinator.email}


def test_gezinshuis_profile_form_saves_whole_or_nothing(app, client, gezinshuis_world):
    from beschikbaarheid.models import GezinshuisProfile

    _login(client, gezinshuis_world["email"])
    token = csrf_token(client, gezinshuis_world["url"])
    valid = {"places_allowed": "4", "places_taken": "2", "age_min": "0", "age_max": "18", "h_placed_8_11": "1", "h_placed_12_15": "1",
             "siblings_together": "y", "siblings_max": "2", "target_groups": "LVB", "specialisms": "ZWAAR", "free_from": "", "notes": "Trap"}
    statuses = set()

    def stored():
        with app.app_context():
            p = db.session.scalar(db.select(GezinshuisProfile).where(GezinshuisProfile.location_id == gezinshuis_world["location"]))
            return (p.places_allowed, p.places_taken, p.age_min, p.age_max, p.household_raw, p.siblings_max, p.target_groups_raw,
                    p.specialisms_raw, p.free_from, p.notes, p.updated_at)

    def check(body):
        before = stored()
        response = client.post(gezinshuis_world["url"], data={**body, "csrf_token": token})
        assert_no_server_error(response, body)
        assert response.status_code in (302, 400), body
        statuses.add(response.status_code)
        after = stored()
        if response.status_code == 400:
            assert after == before, body  # nothing saved half
        else:
            assert after[1] <= after[0] and "\x00" not in after[9], body

    exercise(check, valid, 40)
    assert statuses == {302, 400}


def test_gezinshuis_endings_form(app, client, gezinshuis_world):
    from beschikbaarheid.models import GezinshuisEnding

    _login(client, gezinshuis_world["email"])
    token = csrf_token(client, gezinshuis_world["url"])
    month = dt.datetime.now(TZ).date().replace(day=1).isoformat()

    def check(body):
        response = client.post(gezinshuis_world["url"] + "/beeindigingen", data={**body, "csrf_token": token})
        assert_no_server_error(response, body)
        assert response.status_code in (302, 400), body
        with app.app_context():
            assert all(0 <= e.count <= 20 for e in db.session.scalars(db.select(GezinshuisEnding))), body

    exercise(check, {"month": month, "count": "1"}, 30, month=value(month, "2001-01-01"))


@pytest.mark.parametrize("path", ["/gezinshuizen/", "/gezinshuizen/match"])
def test_coordinator_pages_query_parameters(app, client, gezinshuis_world, path):
    _login(client, gezinshuis_world["coordinator"])
    likely = {"leeftijd": ("13", "0", "21"), "broers": ("1", "0"), "locatie": ("Helmond", "5701"), "km": ("25",), "weken": ("8", "104"),
              "doelgroep": ("LVB", "ASS"), "regio": ("1",)}
    statuses = set()

    def check(params):
        query = "&".join(f"{quote(k)}={quote(v)}" for k, values in params.items() for v in values)
        response = client.get(f"{path}?{query}")
        assert_no_server_error(response, params)
        assert response.status_code in (200, 400), params
        statuses.add(response.status_code)

    exercise(check, {"leeftijd": "13", "locatie": "Helmond", "doelgroep": "LVB"}, 30, **{n: value(*o) for n, o in likely.items()})
    assert statuses == {200, 400}


# --- the provider's update screen ---


@pytest.fixture
def provider_world(app):
    """Provider A with two contracted offerings and its user; provider B with one offering."""
    with app.app_context():
        region = factories.region()
        a, b = factories.provider("Zonnehuis"), factories.provider("De Linde")
        product = factories.product(region_obj=region)
        other = factories.product("45A01", "Ambulant", region_obj=region, form="ambulant", segment=4)
        loc = factories.location(a, "Helmond")
        a1 = factories.offering(loc, product, target_groups=["ASS"])
        a2 = factories.offering(loc, other)
        b1 = factories.offering(factories.location(b, "Deurne"), product, waiting_weeks=9)
        user = factories.user("aanbieder", provider_id=a.id)
        db.session.commit()
        return {"a": a.id, "b": b.id, "a1": a1.id, "a2": a2.id, "b1": b1.id, "email": user.email}


def snapshot(app, offering_id: int) -> dict:
    """The offering's figures, version and stamp, and its history rows."""
    with app.app_context():
        o = db.session.get(Offering, offering_id)
        rows = db.session.scalars(db.select(OfferingChange).where(OfferingChange.offering_id == offering_id).order_by(OfferingChange.id)).all()
        return {
            "version": o.version,
            "values": {f: (o.target_groups if f == "target_groups" else getattr(o, f)) for f in EDITABLE_FIELDS},
            "stamp": (o.updated_at, o.updated_by, o.last_update_kind),
            "history": [(r.kind, r.field, r.old_value, r.new_value) for r in rows],
        }


def _text(value) -> str | None:
    if value is None:
        return None
    return "|".join(sorted(value)) if isinstance(value, list) else str(value)


def assert_whole_or_nothing(before: dict, after: dict, example) -> bool:
    """Either nothing changed, or: version + 1, every changed field has exactly one history row with the
    old and new value, and nothing else moved (a save without changes: one 'confirm' row). True if saved."""
    if after["version"] == before["version"]:
        assert after == before, ("changed without a new version", example)
        return False
    assert after["version"] == before["version"] + 1, example
    assert after["history"][: len(before["history"])] == before["history"], ("history rewritten", example)
    new_rows = after["history"][len(before["history"]):]
    changed = {f for f in EDITABLE_FIELDS if after["values"][f] != before["values"][f]}
    if new_rows == [("confirm", None, None, None)]:
        assert changed == set(), example
    else:
        assert new_rows and all(kind == "update" for kind, *_rest in new_rows), (new_rows, example)
        assert sorted(field for _k, field, _o, _n in new_rows) == sorted(changed), (new_rows, changed, example)
        for _kind, field, old, new in new_rows:
            assert (old, new) == (_text(before["values"][field]), _text(after["values"][field])), (field, example)
    assert after["stamp"] != before["stamp"], example
    return True


VERSION = st.one_of(st.just("current"), value("1", "0", "2"))


def _with_version(body: dict, current: int, field: str = "version") -> dict:
    """Replace the placeholder 'current' with the version the screen would show."""
    return {k: [str(current) if v == "current" else v for v in values] if k == field else values for k, values in body.items()}


VALID_EDIT = {"version": "current", "layout": "page", "capacity": "6", "free_places": "1", "waiting_weeks": "4", "intake_status": "open",
              "note": "Wachtlijst loopt terug", "age_min": "0", "age_max": "18", "target_groups": "ASS"}
EDIT_GARBAGE = dict(
    version=VERSION,
    layout=value("row", "page"),
    capacity=value("10", "", "0"),
    free_places=value("0", "2"),
    waiting_weeks=value("0", "5", "30"),
    intake_status=value("gesloten", "overleg"),
    note=value("", "Nieuwe groep start in juni"),
    age_min=value("4", "12"),
    age_max=value("27", "3"),
    target_groups=st.one_of(st.sampled_from(sorted(TARGET_GROUPS)), value("ass", "ONBEKEND")),
    confirm_unusual=value("1", "y"),
    acknowledged=value("zero_wait_no_place", "jump:4:30", "closed_with_places:1"),
)


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_provider_edit_form_saves_whole_or_nothing(app, client, provider_world, htmx):
    _login(client, provider_world["email"])
    token = csrf_token(client, TOKEN_PAGE)
    oid = provider_world["a1"]
    saves = []

    def check(body):
        before = snapshot(app, oid)
        data = {**_with_version(body, before["version"]), "csrf_token": token}
        response = client.post(f"/aanbieder/aanbod/{oid}/bewerken", data=data, headers=HTMX if htmx else {})
        assert_no_server_error(response, body)
        assert response.status_code in (200, 302, 400, 409), body
        saved = assert_whole_or_nothing(before, snapshot(app, oid), body)
        if saved:
            assert response.status_code in ((200, 302) if htmx else (302,)), body
            saves.append(body)
        if response.status_code in (400, 409):
            assert not saved, body

    exercise(check, VALID_EDIT, 50, **EDIT_GARBAGE)
    assert saves, "nothing was ever saved, so 'whole or nothing' was never tested on a save"
    with app.app_context():  # provider B was never touched by anything A sent
        assert _count(OfferingChange, OfferingChange.offering_id == provider_world["b1"]) == 0


@pytest.mark.parametrize("htmx", [False, True], ids=["page", "htmx"])
def test_provider_confirm_row(app, client, provider_world, htmx):
    _login(client, provider_world["email"])
    token = csrf_token(client, TOKEN_PAGE)
    ids = provider_world

    def check(body):
        before = {k: snapshot(app, ids[k]) for k in ("a1", "a2", "b1")}
        data = {**_with_version(body, before["a1"]["version"]), "csrf_token": token}
        response = client.post(f"/aanbieder/aanbod/{ids['a1']}/bevestigen", data=data, headers=HTMX if htmx else {})
        assert_no_server_error(response, body)
        assert response.status_code in ((200,) if htmx else (302,)), body
        after = {k: snapshot(app, ids[k]) for k in ("a1", "a2", "b1")}
        if assert_whole_or_nothing(before["a1"], after["a1"], body):
            # only the version on screen confirms ("007" is the same number as 7)
            sent = _first(data, "version")
            assert sent.isascii() and sent.isdigit() and int(sent) == before["a1"]["version"], body
        assert after["a2"] == before["a2"] and after["b1"] == before["b1"]

    exercise(check, {"version": "current"}, 30, version=VERSION)


def test_provider_confirm_all(app, client, provider_world):
    _login(client, provider_world["email"])
    token = csrf_token(client, TOKEN_PAGE)
    ids = provider_world
    keys = {k: f"version-{ids[k]}" for k in ("a1", "a2", "b1")}
    valid = {keys["a1"]: "current", keys["a2"]: "current"}
    odd_keys = ["version-", "version-x", "version-²", "version-" + "9" * 30, "version-" + "9" * 5000, "version--1", keys["b1"]]

    def check(body):
        before = {k: snapshot(app, ids[k]) for k in ("a1", "a2", "b1")}
        data = {"csrf_token": token}
        for key, values in body.items():
            target = next((k for k, name in keys.items() if name == key), None)
            data[key] = [str(before[target]["version"]) if (v == "current" and target) else v for v in values]
        response = client.post(f"/aanbieder/{ids['a']}/bevestigen", data=data)
        assert_no_server_error(response, body)
        assert response.status_code == 302, body
        after = {k: snapshot(app, ids[k]) for k in ("a1", "a2", "b1")}
        for k in ("a1", "a2"):
            assert_whole_or_nothing(before[k], after[k], body)
        assert after["b1"] == before["b1"], "another provider's offering was confirmed"

    exercise(check, valid, 30, **{key: st.one_of(st.just("current"), value("1")) for key in [*valid, *odd_keys]})


def test_signed_link_pages(app, client, provider_world):
    ids = provider_world
    with app.app_context():
        confirm = signed_links.make_provider_token(ids["a"], "confirm")
        update = signed_links.make_provider_token(ids["a"], "update")
    token = csrf_token(client, TOKEN_PAGE)
    tokens = st.one_of(st.sampled_from([confirm, update, confirm[:-3], confirm + "x", update.upper(), "."]),
                       TEXT.filter(lambda t: t.strip() and "/" not in t), NASTY.filter(lambda t: t.strip() and "/" not in t))

    def check(link_token, method, body):
        before = {k: snapshot(app, ids[k]) for k in ("a1", "b1")}
        url = f"/aanbieder/link/{quote(link_token, safe='')}"
        response = client.get(url) if method == "GET" else client.post(url, data={**body, "csrf_token": token})
        assert_no_server_error(response, (link_token, body))
        assert response.status_code in (200, 302, 400, 404, 405, 410), (link_token, response.status_code)
        after = {k: snapshot(app, ids[k]) for k in ("a1", "b1")}
        assert after["b1"] == before["b1"]
        if assert_whole_or_nothing(before["a1"], after["a1"], body):
            assert link_token == confirm and method == "POST"

    for bad in CLASSICS:
        if bad.strip():
            check(bad, "GET", {})
    for body in each_bad_field({f"version-{ids['a1']}": "1", f"version-{ids['b1']}": "1"}):
        check(confirm, "POST", body)

    @fuzz(30)
    @given(link_token=tokens, method=st.sampled_from(["GET", "POST"]),
           body=st.dictionaries(st.sampled_from([f"version-{ids['a1']}", f"version-{ids['b1']}", "version-x"]),
                                st.lists(value("1", "2"), min_size=1, max_size=2), max_size=3))
    def random_requests(link_token, method, body):
        check(link_token, method, body)

    random_requests()


# --- contract manager's call log ---


def test_call_log_form(app, client, provider_world):
    with app.app_context():
        manager = factories.user("contractmanager")
        db.session.commit()
        email = manager.email
    _login(client, email)
    token = csrf_token(client, TOKEN_PAGE)
    recently = utcnow().astimezone(TZ) - dt.timedelta(hours=1)
    url = f"/contract/aanbieder/{provider_world['b']}/gesprek"
    saved = []

    def check(body):
        for headers in ({}, HTMX):
            with app.app_context():
                before = _count(CallLog)
            response = client.post(url, data={**body, "csrf_token": token}, headers=headers)
            assert_no_server_error(response, body)
            assert response.status_code in ((200, 400) if headers else (302, 400)), body
            if response.status_code == 302:
                assert response.headers["Location"].startswith("/contract/"), body  # no open redirect
            with app.app_context():
                added = _count(CallLog) - before
                assert added == (0 if response.status_code == 400 else 1), body
                if added:
                    call = db.session.scalars(db.select(CallLog).order_by(CallLog.id.desc())).first()
                    assert call.outcome == _first(body, "outcome") and call.provider_id == provider_world["b"]
                    assert "\x00" not in call.note and len(call.note) <= 500
                    saved.append(call.id)

    valid = {"called_on": recently.strftime("%Y-%m-%d"), "called_time": recently.strftime("%H:%M"), "outcome": "bereikt",
             "note": "Teruggebeld", "next": "/contract/"}
    exercise(check, valid, 30, called_on=value("2000-01-01", "31-12-2024", "2024-02-30", "2999-01-01"),
             called_time=value("25:00", "12:60", "1200"), outcome=value("voicemail", "onbekend"),
             note=value("BSN 123456782", "x" * 501), next=value("https://evil.example/", "//evil.example", "/contract/\x00"))
    assert saved


# --- administrator's CSV upload ---

CSV_HEADER_PRODUCTS = b"code,naam,categorie,segment,vorm,trefwoorden\n"
CSV_HEADER_OFFERINGS = (b"aanbieder,aanbieder_email,aanbieder_telefoon,locatie,straat,postcode,woonplaats,lat,lon,productcode,"
                        b"capaciteit,vrije_plekken,wachttijd_weken,leeftijd_min,leeftijd_max,doelgroepen,aanmelding,laatst_bijgewerkt\n")
PRODUCT_ROW = ("49Z01", "Nieuw product", "49", "2", "wonen", "")
OFFERING_ROW = ("Nieuwe aanbieder", "intake@nieuw.example", "0492-123456", "Hoofdlocatie", "Straat 1", "5701 AB", "Helmond",
                "51.48", "5.66", "43A10", "6", "1", "4", "0", "18", "ASS", "open", "")


def _csv_cell():
    return st.one_of(value("43A10", "Gezinshuis", "2", "wonen", "6", "1", "open", "51.48", "5.66", "0", "18"), st.just('"'), st.just(";"))


@st.composite
def csv_file(draw, header: bytes, good_row: tuple[str, ...]):
    """A CSV of one to three good lines, each with up to two cells replaced by garbage."""
    lines = []
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        cells = list(good_row)
        for index in draw(st.lists(st.integers(min_value=0, max_value=len(cells) - 1), max_size=2, unique=True)):
            cells[index] = draw(_csv_cell())
        lines.append(",".join(cells))
    return header + "\n".join(lines).encode()


UPLOAD = st.one_of(
    csv_file(CSV_HEADER_PRODUCTS, PRODUCT_ROW),
    csv_file(CSV_HEADER_OFFERINGS, OFFERING_ROW),
    st.binary(max_size=300),
    st.lists(st.lists(_csv_cell(), min_size=1, max_size=19), max_size=4).map(
        lambda rows: CSV_HEADER_OFFERINGS + "\n".join(",".join(r) for r in rows).encode()),
)
# Files every run sees: the good ones (so a save happens) and the classic broken ones.
UPLOAD_CLASSICS = [
    CSV_HEADER_PRODUCTS + b"49Z02,Goed product,49,2,wonen,\n",
    CSV_HEADER_OFFERINGS + ",".join(OFFERING_ROW).encode() + b"\n",
    b"", b"\xef\xbb\xbf", b"\xff\xfe\x00c\x00o", b"\x00" * 50, b"\x89PNG\r\n\x1a\n" + bytes(range(256)), CSV_HEADER_PRODUCTS * 3,
    CSV_HEADER_PRODUCTS + b"49Z01,Nieuw product,49,2,wonen,\n49Z01,Dubbel,49,2,wonen,\n",
    CSV_HEADER_PRODUCTS + b"49Z03,Pro\x00duct,49,2,wonen,\n",
    CSV_HEADER_OFFERINGS + ",".join(OFFERING_ROW).replace("Helmond", "Helm\x00ond").encode() + b"\n",
    CSV_HEADER_OFFERINGS + ",".join(OFFERING_ROW).replace(",6,1,4,", ",6,1," + "9" * 40 + ",").encode() + b"\n",
    CSV_HEADER_PRODUCTS + b"49Z04," + b"x" * 20000 + b",49,2,wonen,\n",
]


def _register_counts() -> tuple:
    return tuple(_count(m) for m in (Region, Product, Provider, Location, Contract, Offering, OfferingChange))


def test_import_upload(app, client):
    with app.app_context():
        factories.product("43A10", "Gezinshuis", region_obj=factories.region("Testregio"))
        admin = factories.user("beheerder")
        db.session.commit()
        email = admin.email
    _login(client, email)
    token = csrf_token(client, "/beheer/import")
    imported = []

    def check(content, fields):
        with app.app_context():
            before = _register_counts()
        filename = _first(fields, "filename") or "x.csv"
        data = {"csrf_token": token, **{k: v for k, v in fields.items() if k != "filename"}, "file": (io.BytesIO(content), filename)}
        response = client.post("/beheer/import", data=data, content_type="multipart/form-data")
        example = (content[:80], fields)
        assert_no_server_error(response, example)
        assert response.status_code in (200, 400, 409, 413), example
        with app.app_context():
            after = _register_counts()
        if response.status_code != 200 or _first(fields, "dry_run") not in ("", "false"):
            assert after == before, ("a refused or dry-run import saved something", example)
        elif after != before:
            imported.append(example)

    valid = {"kind": "products", "region": "Testregio", "filename": "register.csv"}
    for content in UPLOAD_CLASSICS:
        check(content, as_body(valid))
        check(content, {**as_body(valid), "kind": ["offerings"]})
    for fields in each_bad_field({**valid, "dry_run": "y"}):
        check(UPLOAD_CLASSICS[0], fields)

    @fuzz(40)
    @given(content=UPLOAD, fields=form(valid, kind=value("products", "offerings"), region=value("Nieuwe regio", "testregio ", "Test\x00regio"),
                                       dry_run=value("y"), filename=value("register.txt", "register.exe", "../../x.csv", "")))
    def random_uploads(content, fields):
        check(content, fields)

    random_uploads()
    assert imported, "no upload was ever imported, so 'nothing saved' was never contrasted with a save"
