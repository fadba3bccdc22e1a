"""Administrators: catalogue, contracts, users, imports."""
from flask import Blueprint

bp = Blueprint("beheer", __name__, url_prefix="/beheer")

from beschikbaarheid.beheer import views  # noqa: E402,F401
