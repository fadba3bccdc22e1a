"""Referrers: search contracted offerings by need, age, target group and place."""
from flask import Blueprint

bp = Blueprint("search", __name__, url_prefix="/zoeken")

from beschikbaarheid.search import views  # noqa: E402,F401
