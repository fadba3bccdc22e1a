"""Views of the search blueprint."""
from flask import render_template

from beschikbaarheid.search import bp


@bp.route("/")
def index():
    """Landing page (filled in by its own issue)."""
    return render_template("placeholder.html", title="search")
