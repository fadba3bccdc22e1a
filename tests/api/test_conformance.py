"""The API and its OpenAPI file agree: a 405 names the allowed methods (Allow), and an empty or blank
`locatie` or `product` is refused by the app (400) and declared invalid by the file."""
from __future__ import annotations

import json

import jsonschema_rs  # installed with schemathesis, which validates with it too
import pytest

from tests.helpers import ROOT

SEARCH = "/api/v1/search"
# YAML in JSON-compatible flow style (see the file's header): without its comment lines it is JSON.
SPEC = json.loads("\n".join(line for line in (ROOT / "beschikbaarheid" / "api" / "openapi.yaml").read_text(encoding="utf-8").splitlines()
                             if not line.lstrip().startswith("#")))


def _parameter_schema(name: str) -> dict:
    parameters = SPEC["paths"]["/search"]["get"]["parameters"]
    return next(p["schema"] for p in parameters if p["name"] == name)


@pytest.mark.parametrize("path", [SEARCH, "/api/v1/openapi.yaml"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_a_405_says_which_methods_are_allowed(client, path, method):
    response = client.open(path, method=method)
    assert response.status_code == 405
    assert {m.strip() for m in response.headers["Allow"].split(",")} == {"GET", "HEAD", "OPTIONS"}
    assert response.is_json and response.get_json()["error"]["code"] == "405"


def test_a_405_on_a_page_says_so_too(client):
    response = client.post("/zoeken/")
    assert response.status_code == 405 and "GET" in response.headers["Allow"]


@pytest.mark.parametrize("name, value, code", [
    ("locatie", "", "place_empty"), ("locatie", "   ", "place_empty"),
    ("product", "", "need_empty"), ("product", "  ", "need_empty"),
])
def test_empty_place_or_need_is_refused_by_the_app_and_invalid_in_the_file(client, world, name, value, code):
    query = {"locatie": "5701", "leeftijd": "12", "product": "gezinshuis", name: value}
    response = client.get(SEARCH, query_string=query)
    assert response.status_code == 400 and response.get_json()["error"]["code"] == code
    assert not jsonschema_rs.validator_for(_parameter_schema(name)).is_valid(value)


def test_the_file_accepts_what_the_app_answers_with_results(client, world):
    response = client.get(SEARCH, query_string={"locatie": "5701", "leeftijd": "12", "product": "gezinshuis"})
    assert response.status_code == 200
    for name, value in (("locatie", "5701"), ("locatie", "Helmond"), ("product", "gezinshuis"), ("product", "43A10")):
        assert jsonschema_rs.validator_for(_parameter_schema(name)).is_valid(value), (name, value)
