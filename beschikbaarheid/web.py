"""Site-wide pages and plumbing: start page, error pages, security headers, template helpers."""
from __future__ import annotations

import datetime as dt
import math
import time
from urllib.parse import urlencode

from flask import Blueprint, current_app, g, has_request_context, jsonify, make_response, render_template, request, session, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed
from werkzeug.routing import BuildError

from beschikbaarheid.domain import freshness, wait_figures
from beschikbaarheid.models import INTAKE_STATUSES, utcnow

bp = Blueprint("web", __name__)

# htmx is served from 'self' and its inline indicator style is switched off (meta htmx-config),
# so no 'unsafe-inline' is needed for scripts or styles.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)

ERROR_MESSAGES = {
    400: _l("Het verzoek klopt niet. Controleer wat u hebt ingevuld."),
    401: _l("U moet eerst inloggen."),
    403: _l("U hebt geen toegang tot deze pagina."),
    404: _l("Deze pagina bestaat niet (meer)."),
    405: _l("Deze actie is hier niet toegestaan."),
    409: _l("Iemand anders heeft deze gegevens intussen gewijzigd."),
    413: _l("Het bestand is te groot."),
    422: _l("De invoer kon niet worden verwerkt."),
    429: _l("Te veel verzoeken. Wacht even en probeer het opnieuw."),
    500: _l("Er ging iets mis aan onze kant. Probeer het later opnieuw."),
    503: _l("De database is tijdelijk niet bereikbaar. Uw laatste wijziging is mogelijk niet opgeslagen; probeer het over een minuut opnieuw."),
}


def select_locale() -> str:
    """Dutch for everyone by default; English when chosen with ?lang=en (remembered in the session).

    The browser's language preference is deliberately not used: Dutch youth-care professionals
    often run English browsers but expect the Dutch terms of their field.
    """
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():
        return default
    languages = current_app.config["LANGUAGES"]
    wanted = request.args.get("lang")
    if wanted in languages:
        if session.get("lang") != wanted:
            session["lang"] = wanted
        return wanted
    remembered = session.get("lang")
    return remembered if remembered in languages else default


@bp.route("/")
def index():
    """Start page: what this is, and a way in for each role."""
    return render_template("index.html")


@bp.route("/toegankelijkheid")
def accessibility():
    """Accessibility statement."""
    return render_template("accessibility.html")


@bp.route("/ping")
def ping():
    """Trivial endpoint (no database): the baseline the load test compares the search page with."""
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/gezond")
def health():
    """Liveness/readiness probe: answers only when the database answers."""
    from beschikbaarheid.extensions import db

    db.session.execute(db.text("SELECT 1"))
    return jsonify(status="ok")


def _wants_json() -> bool:
    return request.path.startswith("/api/")


def _error_response(code: int, message: str | None = None):
    """The error as JSON (API), as a message in the page's alert region (htmx) or as a full page."""
    message = message or str(ERROR_MESSAGES.get(code, ERROR_MESSAGES[400]))
    if _wants_json():
        return make_response(jsonify(error={"code": str(code), "message": message, "suggestions": []}), code)
    if request.headers.get("HX-Request") == "true":
        # Not the swap target the element asked for (a table row, a results list): the page-wide
        # alert region in base.html, so an inline action never fails silently.
        response = make_response(render_template("_error_alert.html", code=code, message=message), code)
        response.headers["HX-Retarget"] = "#htmx-alert"
        response.headers["HX-Reswap"] = "innerHTML"
        return response
    return make_response(render_template("error.html", code=code, message=message), code)


def nl_number(value: float | None, digits: int = 1) -> str:
    """1234.5 -> '1.234,5' (Dutch notation; the template filter `nl_number`)."""
    if value is None:
        return "–"
    text = f"{value:,.{digits}f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")


def realised_period_label(end: dt.date | None = None) -> str:
    """'1 oktober – 30 november 2026': the period a realised wait covers (ending on `end`; default:
    the period a report made today covers). The template global `realised_period_label`."""
    if end is None:
        start, end = wait_figures.realised_period(freshness.local_date(utcnow()))
    else:
        start = wait_figures.period_start(end)
    return f"{format_date(start, 'd MMMM')} – {format_date(end, 'd MMMM yyyy')}"


def language_switch_url(lang: str) -> str | None:
    """This page again in `lang`: its route's URL and query with `lang` replaced (a plain link: no
    JavaScript needed). Built from the route, never from the raw request path: `/%5Cevil.example` or
    `//evil.example` would give a link the browser resolves to another host. None on a page that no
    route answered (404, 405): no link there."""
    if request.url_rule is None or request.endpoint is None:
        return None
    try:
        path = url_for(request.endpoint, **(request.view_args or {}))
    except BuildError:
        return None
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    args.append(("lang", lang))
    return path + "?" + urlencode(args)


def _seconds_until_reset() -> int:
    """Seconds until the rate limit that refused this request lets the client in again (Retry-After)."""
    from beschikbaarheid.extensions import limiter

    limit = limiter.current_limit
    return max(1, math.ceil(limit.reset_at - time.time())) if limit else 60


def init_app(app) -> None:
    """Error handlers, headers and Jinja helpers shared by every blueprint."""

    @app.errorhandler(CSRFError)
    def csrf_error(e):  # noqa: ARG001
        return _error_response(400, _("Het formulier is verlopen of ongeldig. Laad de pagina opnieuw en probeer het nog eens."))

    @app.errorhandler(HTTPException)
    def http_error(e: HTTPException):
        code = e.code or 500
        message = e.description if code == 429 else None
        response = _error_response(code, message)
        if isinstance(e, MethodNotAllowed) and e.valid_methods:
            response.headers["Allow"] = ", ".join(e.valid_methods)  # RFC 9110: a 405 says what is allowed
        if code == 429:
            response.headers["Retry-After"] = str(_seconds_until_reset())
        return response

    @app.teardown_appcontext
    def release_session(exc):  # noqa: ARG001
        # Runs before Flask-SQLAlchemy's own teardown (registered earlier, run later). If the
        # database went away after the view finished, the ROLLBACK on close fails; drop the dead
        # connection instead of turning an answered request into a bare 500.
        from beschikbaarheid.extensions import db

        try:
            db.session.remove()
        except (OperationalError, InterfaceError):
            app.logger.warning("Database connection lost while closing the session; connection discarded")
            db.session().invalidate()  # the Session itself; scoped_session does not proxy it
            db.session.remove()

    @app.errorhandler(OperationalError)
    @app.errorhandler(InterfaceError)
    def database_unavailable(e):
        # A lost connection (database restart, network blip) is temporary: say so with 503, and
        # drop the broken session so the next request starts clean (the pool pre-pings).
        from beschikbaarheid.extensions import db

        app.logger.warning("Database unavailable: %s", e)
        db.session.rollback()
        # The error page renders as anonymous (auth.load_user and base.html read this flag): loading
        # or refreshing the logged-in user would query the database again and turn the 503 into a 500.
        g.database_down = True
        response = _error_response(503)
        response.headers["Retry-After"] = "30"
        return response

    @app.errorhandler(Exception)
    def unexpected(e):  # pragma: no cover - safety net, logged
        from beschikbaarheid.extensions import db

        app.logger.exception("Unhandled error: %s", e)
        db.session.rollback()  # a failed flush must not break rendering the error page too
        return _error_response(500)

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Permissions-Policy", "geolocation=(), camera=(), microphone=()")
        if app.config.get("SESSION_COOKIE_SECURE"):
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.headers.get("HX-Request"):
            response.headers["Vary"] = "HX-Request"
        # Pages of a logged-in user (or a signed-link session) must not come back from a shared
        # PC's cache after logout. Reading the session costs no database query.
        if session.get("_user_id") or session.get("link_grant"):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    app.jinja_env.globals["language_switch_url"] = language_switch_url
    app.jinja_env.globals["INTAKE_STATUSES"] = INTAKE_STATUSES
    app.jinja_env.globals["realised_period_label"] = realised_period_label
    app.add_template_filter(wait_figures.weeks_text, "weeks_text")

    @app.context_processor
    def template_globals():
        return {"now_utc": utcnow()}

    @app.template_filter("age")
    def age_filter(updated_at):
        return freshness.age_label(updated_at, utcnow(), _)

    @app.template_filter("stale")
    def stale_filter(updated_at):
        return freshness.is_stale(updated_at, utcnow())

    @app.template_filter("local_dt")
    def local_dt(value: dt.datetime | None, fmt: str = "%d-%m-%Y %H:%M"):
        if value is None:
            return "–"
        return value.astimezone(freshness.TZ).strftime(fmt)

    app.add_template_filter(nl_number, "nl_number")


@bp.route("/favicon.ico")
def favicon():
    """Browsers ask for /favicon.ico regardless of the <link>; send the SVG."""
    from flask import send_from_directory

    return send_from_directory(current_app.static_folder, "favicon.svg", mimetype="image/svg+xml")


def attachment(body: bytes | str, mimetype: str, filename: str):
    """A download (CSV, XLSX) that no browser or proxy cache keeps."""
    response = current_app.response_class(body, content_type=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
