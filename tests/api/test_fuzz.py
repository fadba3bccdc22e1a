"""The JSON API fuzzed with schemathesis from beschikbaarheid/api/openapi.yaml, in process (WSGI).

Every operation in the file gets schema-valid requests (with and without a real place and need, so
the 200 answers are checked too) and schema-invalid ones. Whatever is sent: no 5xx, and the answer
conforms to the documented status codes, content types and schemas. The API routes and the file
describe the same operations, so a new endpoint cannot escape the fuzzing.
"""
from __future__ import annotations


import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis import checks as st_checks

from tests.factories import search_world
from tests.helpers import ROOT

OPENAPI = ROOT / "beschikbaarheid" / "api" / "openapi.yaml"
SCHEMA = schemathesis.openapi.from_path(OPENAPI)
# "Schema-valid request rejected" is left out on purpose: a place or need can be well-formed text
# and still unknown, and the file documents that answer (400 with suggestions).
CHECKS = [
    st_checks.not_a_server_error,
    st_checks.status_code_conformance,
    st_checks.content_type_conformance,
    st_checks.response_schema_conformance,
    st_checks.response_headers_conformance,
    st_checks.negative_data_rejection,
]
# A real place and need, so the fuzzed remaining parameters also reach the scoring and the 200 shape.
FOUND = {"locatie": "5701", "product": "gezinshuis"}


def _operations():
    for result in SCHEMA.get_all_operations():
        yield result.ok()


def _documents_json(operation) -> bool:
    return all("application/json" in (answer.get("content") or {"application/json": None})
               for answer in operation.definition.raw.get("responses", {}).values())


def _strategy(operation):
    strategies = [operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
                  operation.as_strategy(generation_mode=GenerationMode.NEGATIVE)]
    names = {p.name for p in operation.iter_parameters()}
    if set(FOUND) <= names:
        strategies.append(operation.as_strategy(generation_mode=GenerationMode.POSITIVE, query=FOUND))
    return st.one_of(*strategies)


def test_every_api_route_is_in_the_openapi_file(app):
    documented = {(op.method.upper(), "/api/v1" + op.path) for op in _operations()}
    routes = {
        (method, rule.rule.replace("<", "{").replace(">", "}"))
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes == documented


def test_the_api_never_fails_and_answers_as_documented(app):
    with app.app_context():
        search_world()
    for operation in _operations():
        seen: dict[int, int] = {}
        # Schemas are checked on JSON bodies; the YAML of /openapi.yaml is compared with the file below.
        checks = CHECKS if _documents_json(operation) else [c for c in CHECKS if c is not st_checks.response_schema_conformance]

        @settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
        @given(case=_strategy(operation))
        def fuzz(case):
            response = case.call(app=app)
            seen[response.status_code] = seen.get(response.status_code, 0) + 1
            case.validate_response(response, checks=checks, transport_kwargs={"app": app})
            if response.status_code == 400:
                error = response.json()["error"]
                assert error["message"].strip() and error["code"].strip()

        fuzz()
        if operation.path == "/openapi.yaml":
            assert seen == {200: sum(seen.values())}
            assert app.test_client().get("/api/v1/openapi.yaml").get_data() == OPENAPI.read_bytes()
        if operation.path == "/search":
            assert 200 in seen and 400 in seen, seen  # both documented answers were really exercised
