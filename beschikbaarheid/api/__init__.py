"""JSON API v1 (documented in openapi.yaml)."""
from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from beschikbaarheid.api import views  # noqa: E402,F401
