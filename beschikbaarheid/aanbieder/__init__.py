"""Providers: keep free places, waiting times and intake status current."""
from flask import Blueprint

bp = Blueprint("aanbieder", __name__, url_prefix="/aanbieder")

from beschikbaarheid.aanbieder import views  # noqa: E402,F401
