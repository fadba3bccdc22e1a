"""JSON API v1: the referrer search for other systems (documented in openapi.yaml)."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, jsonify, request

from beschikbaarheid.extensions import limiter
from beschikbaarheid.search import log as search_log
from beschikbaarheid.search import service
from beschikbaarheid.search.views import SEARCH_LIMIT_MESSAGE, search_limit

bp = Blueprint("api", __name__, url_prefix="/api/v1")

OPENAPI_FILE = Path(__file__).with_name("openapi.yaml")
# The API speaks Dutch: its names of the score parts (openapi.yaml, "onderdelen").
PART_NAMES_NL = {"fit": "fit", "afstand": "distance", "wachttijd": "waiting", "actualiteit": "freshness"}


def _error(code: str, message: str, suggestions=()) -> tuple[Response, int]:
    return jsonify(error={"code": code, "message": message, "suggestions": list(suggestions)}), 400


def _result(row: service.ResultRow) -> dict:
    """One result in the documented shape; distances in km with 0.1 precision."""
    parts = row.parts.as_dict()
    return {
        "offering_id": row.offering_id,
        "aanbieder": {"id": row.provider_id, "naam": row.provider_name},
        "product": {"code": row.product_code, "naam": row.product_name},
        "locatie": {"naam": row.location_name, "postcode": row.postcode, "woonplaats": row.woonplaats, "lat": row.lat, "lon": row.lon},
        "afstand_km": round(row.km, 1),
        "wachttijd_weken": row.waiting_weeks,
        "wachttijd_toegepast": row.waiting_applied,
        "wachtenden": row.waiting_count,
        "gerealiseerde_wachttijd": _realised(row),
        "vrije_plekken": row.free_places,
        "aanmelding": row.intake_status,
        "laatst_bijgewerkt": row.updated_at.isoformat() if row.updated_at else None,
        "verouderd": row.stale,
        "score": row.score,
        "onderdelen": {dutch: parts[name] for dutch, name in PART_NAMES_NL.items()},
        "meldingen_open": row.open_reports,
    }


def _realised(row: service.ResultRow) -> dict | None:
    """The realised wait with its n and period, or None when not reported ("geen starts": weken null, gestart 0)."""
    if row.realised_started is None:
        return None
    return {
        "weken": row.realised_wait_weeks,
        "gestart": row.realised_started,
        "periode": {"van": row.realised_period_start.isoformat() if row.realised_period_start else None,
                    "tot_en_met": row.realised_period_end.isoformat() if row.realised_period_end else None},
    }


@bp.after_request
def _search_not_stored(response):
    """A search URL carries a postcode, an age and a need: no cache keeps the answer (errors included)."""
    if request.endpoint == "api.search":
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/search")
@limiter.limit(search_limit, error_message=lambda: str(SEARCH_LIMIT_MESSAGE))
def search():
    """Search contracted offerings; bad input answers 400 with a Dutch message and suggestions."""
    outcome = service.run_search(request.args)
    if not outcome.ok:
        first = outcome.input.first_error()
        if first is None:  # cannot happen: no place or need without an error; answer 400 anyway
            return _error("invalid", "De zoekopdracht is onvolledig.")
        _name, error = first
        return _error(error.code, error.message, error.suggestions)
    search_log.log_search(outcome, source="api")
    inp, need = outcome.input, outcome.need
    return jsonify(
        query={
            "locatie": {"label": outcome.place.label, "lat": outcome.place.lat, "lon": outcome.place.lon},
            "leeftijd": inp.leeftijd,
            "product": inp.product or (f"segment {inp.segment}" if inp.segment else ""),
            "hulpvraag": {
                "soort": need.kind,
                "omschrijving": need.label,
                "producten": sorted(p.code for p in outcome.catalogue if p.id in need.strengths),
            },
            "doelgroepen": sorted(outcome.criteria.required_groups),
            "max_km": inp.max_km,
            "max_wachttijd": inp.max_wachttijd,
            "ook_gesloten": inp.ook_gesloten,
            "sorteer": inp.sorteer,
            "regio": {"id": outcome.region.id, "naam": outcome.region.name},
            "binnen_straal": outcome.nearby_total,
        },
        results=[_result(r) for r in outcome.results],
        verder_weg=[_result(r) for r in outcome.far],
        crisisaanbod=[_result(r) for r in outcome.crisis],
    )


@bp.get("/openapi.yaml")
def openapi():
    """The API description (OpenAPI 3.1)."""
    return Response(OPENAPI_FILE.read_text(encoding="utf-8"), mimetype="application/yaml")
