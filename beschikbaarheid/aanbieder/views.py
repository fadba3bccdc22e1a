"""Views of the aanbieder blueprint."""
from flask import render_template

from beschikbaarheid.auth import roles_required
from beschikbaarheid.aanbieder import bp


@bp.route("/")
@roles_required("aanbieder")
def home():
    """Landing page (filled in by its own issue)."""
    return render_template("placeholder.html", title="aanbieder")
