"""GET /api/v1/search: the documented shape, bad input as 400 (never 500), and the OpenAPI file."""
from __future__ import annotations

import datetime as dt
import json
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from beschikbaarheid.extensions import db
from beschikbaarheid.models import SearchLog
from tests import factories
from tests.helpers import ROOT

OPENAPI = ROOT / "beschikbaarheid" / "api" / "openapi.yaml"
GOOD = {"locatie": "5701", "leeftijd": "12", "product": "43A10"}


def load_openapi(text: str) -> dict:
    """The file is YAML in JSON-compatible flow style: drop the comment lines, read it as JSON."""
    return json.loads("\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#")))


SPEC = load_openapi(OPENAPI.read_text(encoding="utf-8"))
TYPES = {"object": dict, "array": list, "string": str, "integer": int, "number": (int, float), "boolean": bool, "null": type(None)}


def check(value, schema: dict, path: str = "$") -> None:
    """A small validator for what the spec uses: $ref, type (or list of types), required, enum, bounds."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        return check(value, SPEC["components"]["schemas"][name], path)
    types = schema.get("type")
    if types:
        allowed = types if isinstance(types, list) else [types]
        ok = any(isinstance(value, TYPES[t]) and not (t in ("integer", "number") and isinstance(value, bool)) for t in allowed)
        assert ok, f"{path}: {value!r} is not {allowed}"
    if "enum" in schema and value is not None:
        assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        assert value >= schema.get("minimum", value) and value <= schema.get("maximum", value), f"{path}: {value} out of range"
    if isinstance(value, dict):
        for key in schema.get("required", []):
            assert key in value, f"{path}: missing {key}"
        for key, sub in schema.get("properties", {}).items():
            if key in value:
                check(value[key], sub, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for i, item in enumerate(value):
            check(item, schema["items"], f"{path}[{i}]")


def get(client, **params):
    return client.get("/api/v1/search?" + urlencode(params))


def response_schema(status: str) -> dict:
    return SPEC["paths"]["/search"]["get"]["responses"][status]["content"]["application/json"]["schema"]


def test_search_answers_the_documented_shape(client, world):
    response = get(client, **GOOD)
    assert response.status_code == 200
    body = response.get_json()
    check(body, response_schema("200"))
    assert set(body) == {"query", "results", "verder_weg", "crisisaanbod"}  # issue 17: crisis options apart
    assert body["query"]["locatie"] == {"label": "5701 Helmond", "lat": 51.4786, "lon": 5.6597}
    results = body["results"]
    assert [r["aanbieder"]["naam"] for r in results] == ["De Linde", "Tienerhuis", "Huize Peel"]
    assert [r["score"] for r in results] == sorted((r["score"] for r in results), reverse=True)
    first = results[0]
    assert set(first) == {
        "offering_id", "aanbieder", "product", "locatie", "afstand_km", "wachttijd_weken", "vrije_plekken",
        "aanmelding", "laatst_bijgewerkt", "verouderd", "score", "onderdelen", "meldingen_open",
        "wachttijd_toegepast", "wachtenden", "gerealiseerde_wachttijd",
    }
    # Nothing reported about waiting counts or realised waits, and no target group asked for.
    assert (first["wachttijd_toegepast"], first["wachtenden"], first["gerealiseerde_wachttijd"]) == ("algemeen", None, None)
    assert first["product"] == {"code": "43A10", "naam": "Gezinshuis"}
    assert first["locatie"]["woonplaats"] == "Helmond" and first["locatie"]["postcode"] == "5701"
    assert first["afstand_km"] == 0.2 and first["wachttijd_weken"] == 4 and first["aanmelding"] == "open"
    assert dt.datetime.fromisoformat(first["laatst_bijgewerkt"]).tzinfo is not None
    assert set(first["onderdelen"]) == {"fit", "afstand", "wachttijd", "actualiteit"}
    assert first["onderdelen"]["fit"] == 1.0  # exact product code
    peel = next(r for r in results if r["aanbieder"]["naam"] == "Huize Peel")
    assert peel["verouderd"] is True and first["verouderd"] is False
    assert [r["aanbieder"]["naam"] for r in body["verder_weg"]] == ["Kempen Gezinshuizen"]
    assert body["verder_weg"][0]["afstand_km"] > 15


def test_parameters_filter_and_unknown_parameters_are_ignored(client, world):
    body = get(client, **GOOD, doelgroepen="ass, lvb", ook_gesloten="1", max_km="25", foo="bar").get_json()
    assert [r["aanbieder"]["naam"] for r in body["results"]] == ["De Linde"]
    assert body["query"]["doelgroepen"] == ["ASS", "LVB"] and body["query"]["ook_gesloten"] is True
    closed = get(client, **GOOD, ook_gesloten="1").get_json()
    assert "Gesloten Huis" in [r["aanbieder"]["naam"] for r in closed["results"]]
    assert get(client, **GOOD, max_km="25").get_json()["verder_weg"] == []
    assert get(client, **{**GOOD, "product": "segment 2"}).get_json()["query"]["hulpvraag"]["soort"] == "segment"
    by_name = get(client, **GOOD, regio="een 10 voor de jeugd").get_json()
    assert by_name["query"]["regio"]["naam"] == "Een 10 voor de Jeugd"
    assert get(client, **GOOD, regio=str(world["region"])).status_code == 200


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"locatie": "Xyzzyville"}, "place_unknown"),
        ({"locatie": ""}, "place_empty"),
        ({"locatie": "0000"}, "place_invalid"),
        ({"leeftijd": "abc"}, "age_invalid"),
        ({"leeftijd": ""}, "age_empty"),
        ({"leeftijd": "12.5"}, "age_invalid"),
        ({"leeftijd": "-1"}, "age_out_of_range"),
        ({"leeftijd": "1" * 40}, "age_out_of_range"),
        ({"max_km": "-3"}, "max_km_out_of_range"),
        ({"max_km": "100000"}, "max_km_out_of_range"),
        ({"max_km": "1e999"}, "max_km_invalid"),
        ({"max_km": "nan"}, "max_km_invalid"),
        ({"max_wachttijd": "99999"}, "max_wait_out_of_range"),
        ({"max_wachttijd": "vier"}, "max_wait_invalid"),
        ({"product": ""}, "need_empty"),
        ({"product": "xyzzy"}, "need_unknown"),
        ({"product": "43A77"}, "need_unknown"),
        ({"product": "y" * 500}, "need_invalid"),
        ({"doelgroepen": "ASS,KATTEN"}, "target_group_unknown"),
        ({"ook_gesloten": "misschien"}, "ook_gesloten_invalid"),
        ({"regio": "Atlantis"}, "region_unknown"),
    ],
)
def test_bad_input_answers_400_with_code_message_and_suggestions(client, world, params, code):
    response = get(client, **{**GOOD, **params})
    assert response.status_code == 400
    body = response.get_json()
    check(body, response_schema("400"))
    assert body["error"]["code"] == code
    assert body["error"]["message"]


def test_unknown_place_and_need_come_with_suggestions(client, world):
    place = get(client, **{**GOOD, "locatie": "Helm"}).get_json()["error"]
    assert place["code"] == "place_unknown" and "Helmond" in place["suggestions"]
    need = get(client, **{**GOOD, "product": "kinderboerderij"}).get_json()["error"]
    assert "43A10 Gezinshuis" in need["suggestions"]


def test_no_parameters_at_all_is_a_400_too(client, world):
    response = client.get("/api/v1/search")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "place_empty"


def test_without_any_region_the_api_says_so(client):
    response = get(client, **GOOD)
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "region_missing"


def test_api_searches_are_logged_anonymously(app, client, world):
    get(client, **GOOD)
    get(client, **GOOD)  # no session: each API call is one log row
    with app.app_context():
        logs = db.session.scalars(db.select(SearchLog)).all()
        assert [(log.source, log.age_band, log.product_code) for log in logs] == [("api", "12-17", "43A10")] * 2


text_st = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=30)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    params=st.dictionaries(
        st.sampled_from(["locatie", "leeftijd", "product", "doelgroepen", "max_km", "max_wachttijd", "ook_gesloten", "regio", "x"]),
        st.one_of(text_st, st.integers(-10**20, 10**20).map(str), st.floats().map(str), st.sampled_from(["5701", "Helmond", "12", "43A10", "ASS"])),
    )
)
def test_nothing_answers_500(client, world, params):
    response = get(client, **params)
    assert response.status_code in (200, 400), (params, response.get_data(as_text=True)[:300])
    check(response.get_json(), response_schema(str(response.status_code)))


def test_openapi_file_is_served_and_describes_the_search(client):
    response = client.get("/api/v1/openapi.yaml")
    assert response.status_code == 200
    assert response.mimetype == "application/yaml"
    spec = load_openapi(response.get_data(as_text=True))
    assert spec["openapi"].startswith("3.1")
    names = {p["name"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert names == {"locatie", "leeftijd", "product", "doelgroepen", "max_km", "max_wachttijd", "ook_gesloten", "regio", "sorteer"}


def _report_wait_figures(app, world) -> None:
    with app.app_context():
        factories.linde_reports_wait_figures(world["linde"])


def test_a_ticked_group_with_its_own_wait_is_the_wait_returned_and_documented(app, client, world):
    _report_wait_figures(app, world)
    body = get(client, **GOOD, doelgroepen="ASS").get_json()
    check(body, response_schema("200"))
    linde = next(r for r in body["results"] if r["offering_id"] == world["linde"])
    assert (linde["wachttijd_weken"], linde["wachttijd_toegepast"], linde["wachtenden"]) == (20, "ASS", 7)
    assert linde["gerealiseerde_wachttijd"] == {"weken": 9.5, "gestart": 3, "periode": {"van": "2026-10-01", "tot_en_met": "2026-11-30"}}
    # LVB has no wait of its own: the general wait applies; with both, the longer (ASS) does.
    lvb = next(r for r in get(client, **GOOD, doelgroepen="LVB").get_json()["results"] if r["offering_id"] == world["linde"])
    assert (lvb["wachttijd_weken"], lvb["wachttijd_toegepast"]) == (4, "algemeen")
    both = next(r for r in get(client, **GOOD, doelgroepen="ASS,LVB").get_json()["results"] if r["offering_id"] == world["linde"])
    assert (both["wachttijd_weken"], both["wachttijd_toegepast"]) == (20, "ASS")


def test_the_maximum_wait_filters_on_the_applied_wait(app, client, world):
    _report_wait_figures(app, world)
    ids = lambda **kw: [r["offering_id"] for r in get(client, **GOOD, max_wachttijd="10", **kw).get_json()["results"]]  # noqa: E731
    assert world["linde"] in ids(doelgroepen="LVB")
    assert world["linde"] not in ids(doelgroepen="ASS")


def test_group_waits_do_not_change_a_search_without_groups(app, client, world):
    before = get(client, **GOOD).get_json()["results"]
    _report_wait_figures(app, world)
    after = get(client, **GOOD).get_json()["results"]
    strip = lambda rows: [{k: v for k, v in r.items() if k not in ("wachtenden", "gerealiseerde_wachttijd")} for r in rows]  # noqa: E731
    assert strip(after) == strip(before)
    assert after[0]["wachttijd_weken"] == 4 and after[0]["wachttijd_toegepast"] == "algemeen"


def test_crisis_options_resembling_the_need_come_apart_as_crisisaanbod(app, client, world):
    """Issue 17: "pleegzorg" answers Pleegzorg in results and Crisispleegzorg in crisisaanbod only."""
    with app.app_context():
        factories.crisis_twins(world["region"])
    body = get(client, locatie="5701", leeftijd="8", product="pleegzorg").get_json()
    check(body, response_schema("200"))
    assert body["results"][0]["product"]["code"] == "43A09"
    assert len(body["crisisaanbod"]) == 1 and "46A05" in json.dumps(body["crisisaanbod"])
    assert "46A05" not in json.dumps(body["results"])
    asked = get(client, locatie="5701", leeftijd="8", product="crisispleegzorg").get_json()
    assert asked["crisisaanbod"] == [] and "46A05" in json.dumps(asked["results"])
