"""Contract managers: compliance, waiting times, data quality, supply gaps, exports."""
from flask import Blueprint

bp = Blueprint("contract", __name__, url_prefix="/contract")

from beschikbaarheid.contract import views  # noqa: E402,F401
