"""Views of the beheer blueprint."""
from flask import render_template

from beschikbaarheid.auth import roles_required
from beschikbaarheid.beheer import bp


@bp.route("/")
@roles_required("beheerder")
def index():
    """Landing page (filled in by its own issue)."""
    return render_template("placeholder.html", title="beheer")
