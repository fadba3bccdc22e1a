"""Views of the contract blueprint."""
from flask import render_template

from beschikbaarheid.auth import roles_required
from beschikbaarheid.contract import bp


@bp.route("/")
@roles_required("contractmanager", "beheerder")
def index():
    """Landing page (filled in by its own issue)."""
    return render_template("placeholder.html", title="contract")
