"""Referrer search pages: one GET endpoint for the full page or (htmx) the results partial, the no-match
flag, and "Klopt dit niet?" on a result (a small page without JavaScript, inline in the card with htmx)."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from beschikbaarheid import exports, web
from beschikbaarheid.domain import scoring
from beschikbaarheid.domain.freshness import TZ, local_date
from beschikbaarheid.extensions import db, limiter
from beschikbaarheid.models import SEGMENT_LABELS, TARGET_GROUPS, Offering, utcnow
from beschikbaarheid.search import log as search_log
from beschikbaarheid.search import service
from beschikbaarheid.search import shortlist as shortlists
from beschikbaarheid.search.forms import PAGE_SIZE, FeedbackForm, NoMatchForm, parse_search_args
from beschikbaarheid.services import feedback
from beschikbaarheid.services.offerings import is_contracted

bp = Blueprint("search", __name__, url_prefix="/zoeken")

# Parameters a search URL keeps (anything else in the query string is dropped from links).
SEARCH_PARAMS = ("locatie", "leeftijd", "product", "segment", "doelgroepen", "max_km", "max_wachttijd", "ook_gesloten", "regio",
                 "sorteer", "weergave", "aantal")
# The region a referrer last chose, kept in the (signed) session cookie: the search's default region.
REGION_KEY = "zoek_regio"


def search_limit() -> str:
    """SEARCH_RATE_LIMIT: searches per client address (page, htmx partial and API each)."""
    return current_app.config["SEARCH_RATE_LIMIT"]


def _no_match_limit() -> str:
    return current_app.config["NO_MATCH_RATE_LIMIT"]


def _feedback_limit() -> str:
    return current_app.config["FEEDBACK_RATE_LIMIT"]


SORT_LABELS = {
    scoring.SORT_SCORE: _l("op score"),
    scoring.SORT_DISTANCE: _l("op afstand"),
    scoring.SORT_WAIT: _l("op wachttijd"),
}

SEARCH_LIMIT_MESSAGE = _l("Te veel zoekopdrachten vanaf dit adres. Wacht een minuut en probeer het dan opnieuw.")


@bp.after_request
def _not_stored(response):
    """Search URLs carry a postcode, an age and a need: no browser or proxy cache keeps the answer."""
    response.headers["Cache-Control"] = "no-store"
    return response


def _wants_partial() -> bool:
    """htmx asked for the results region only (a history restore needs the whole page)."""
    return (
        request.headers.get("HX-Request") == "true"
        and request.headers.get("HX-Target") == "resultaten"
        and request.headers.get("HX-History-Restore-Request") != "true"
    )


def _clean_args(args: MultiDict) -> list[tuple[str, str]]:
    """The search parameters of `args`, in a stable order, empty ones left out."""
    return [(k, v) for k in SEARCH_PARAMS for v in args.getlist(k) if v.strip()]


def _search_url(args: MultiDict, **changes) -> str:
    """This search with some parameters replaced (for suggestion links); a list value repeats the key."""
    pairs = [(k, v) for k, v in _clean_args(args) if k not in changes]
    for key, value in changes.items():
        for item in value if isinstance(value, (list, tuple)) else [value]:
            if item not in (None, ""):
                pairs.append((key, str(item)))
    return url_for("search.index") + ("?" + urlencode(pairs) if pairs else "")


def _referrer_type() -> str | None:
    """A logged-in referrer's COD327 type; anyone else searches anonymously."""
    if current_user.is_authenticated and current_user.role == "verwijzer":
        return current_user.referrer_type
    return None


def _render(outcome, *, partial: bool, status: int, nomatch_form: NoMatchForm | None = None):
    """The page (or its results partial) for `outcome`; a posted no-match form is shown again with its errors."""
    args = _with_region(request.args if request.method == "GET" else MultiDict(parse_qsl(request.form.get("q", ""))), outcome)
    query_string = urlencode(_clean_args(args))
    html = render_template(
        "search/_results.html" if partial else "search/index.html",
        o=outcome,
        partial=partial,
        nomatch_form=nomatch_form or NoMatchForm(q=query_string),
        report_q=query_string,
        search_url=lambda **changes: _search_url(args, **changes),
        weights=vars(service.score_settings(current_app.config).weights.normalised),
        page_size=PAGE_SIZE,
        SORT_LABELS=SORT_LABELS,
        # The shortlist form carries the search it comes from; "toon meer" submits it to this page with its own `aantal`.
        shortlist_params=[(k, v) for k, v in _clean_args(args) if k != "aantal"],
        shortlist_max=shortlists.MAX_ITEMS,
        # Ticks sent along ("toon meer", or htmx after a changed filter) stay ticked in the new results.
        ticked=shortlists.ticked_ids(request.args.getlist("aanbod")),
        TARGET_GROUPS=TARGET_GROUPS,
        SEGMENT_LABELS=SEGMENT_LABELS,
    )
    response = make_response(html, status)
    if partial:
        # The address bar follows the filters, so the search can be bookmarked or shared.
        response.headers["HX-Push-Url"] = url_for("search.index") + ("?" + query_string if query_string else "")
    return response


def _with_region(args: MultiDict, outcome) -> MultiDict:
    """With several regions, the page's links and address name the region searched (`regio=<id>`), which
    may have come from the session: a shared link then opens in that region. With one region, unchanged."""
    if outcome.region is None or len(outcome.regions) < 2:
        return args
    pinned = MultiDict(args)
    pinned.setlist("regio", [str(outcome.region.id)])
    return pinned


def _preferred_region() -> int | None:
    """The region searched when the URL names none: the referrer's last choice, else the account's region."""
    remembered = session.get(REGION_KEY)
    if isinstance(remembered, int):
        return remembered
    return current_user.region_id if current_user.is_authenticated else None


@bp.get("/")
@limiter.limit(search_limit, error_message=lambda: str(SEARCH_LIMIT_MESSAGE))
def index():
    """Search by place, age and need; without parameters the empty form."""
    outcome = service.run_search(request.args, alternatives=True, preferred_region=_preferred_region)
    if outcome.region and outcome.input.regio and len(outcome.regions) > 1 and session.get(REGION_KEY) != outcome.region.id:
        session[REGION_KEY] = outcome.region.id  # picked in the form: the next search starts there
    if outcome.ok:
        search_log.log_search(outcome, source="web", seen=session)
    partial = _wants_partial()
    # Input errors answer 400 for the full page and the htmx partial alike (base.html lets htmx swap 400);
    # a partial whose only "errors" are fields not filled in yet is a referrer still typing: 200.
    still_typing = partial and outcome.input.missing_only
    status = 400 if outcome.errors and not outcome.input.blank and not still_typing else 200
    return _render(outcome, partial=partial, status=status)


@bp.post("/geen-passend-aanbod")
@limiter.limit(_no_match_limit, error_message=lambda: _("Te veel meldingen 'geen passend aanbod' vanaf dit adres. Probeer het later opnieuw."))
def no_match():
    """Flag the search as "geen passend aanbod": stored anonymously for supply analysis."""
    form = NoMatchForm()
    args = MultiDict(parse_qsl(form.q.data or ""))
    back = _search_url(args)
    if not form.validate():
        outcome = service.run_search(args, alternatives=True, preferred_region=_preferred_region)
        return _render(outcome, partial=False, status=400, nomatch_form=form)
    outcome = service.run_search(args, preferred_region=_preferred_region)  # the region the referrer searched in
    if not outcome.ok:
        flash(_("Deze zoekopdracht is niet (meer) geldig; er is niets opgeslagen."), "error")
        return redirect(back)
    search_log.report_no_match(outcome, reason=form.reason.data or "", referrer_type=_referrer_type())
    if request.headers.get("HX-Request") == "true":
        return render_template("search/_nomatch_done.html")
    flash(_("Bedankt. Uw melding 'geen passend aanbod' is anoniem opgeslagen voor de contractmanagers."), "success")
    return redirect(back)


# Ids are 32-bit integers in the database: a longer number is a page that does not exist (404), not a 500.
DB_ID = "int(max=2147483647)"


def _reportable(offering_id: int) -> Offering:
    """An offering the search can show (contracted today); anything else is a 404."""
    offering = db.session.get(Offering, offering_id)
    if offering is None or not is_contracted(offering, local_date(utcnow())):
        abort(404)
    return offering


def _render_report(offering: Offering, form: FeedbackForm, status: int, *, done: bool = False):
    """The report form (or its thanks): inline in the card for htmx, a small page otherwise."""
    line = ""
    if done:
        state = feedback.card_statuses([offering.id], utcnow(), _, date_text=service.date_text).get(offering.id)
        line = state.open_text if state else ""
    args = MultiDict(parse_qsl(form.q.data or ""))
    context = dict(o=offering, form=form, done=done, status_line=line, back=_search_url(args) + f"#resultaat-{offering.id}")
    if request.headers.get("HX-Request") == "true":
        return render_template("search/_report.html", **context), status
    return render_template("search/report.html", **context), status


@bp.route(f"/aanbod/<{DB_ID}:offering_id>/klopt-niet", methods=["GET", "POST"])
@limiter.limit(_feedback_limit, methods=["POST"],
               error_message=lambda: _("Te veel meldingen 'klopt dit niet?' vanaf dit adres. Probeer het later opnieuw."))
def report(offering_id: int):
    """'Klopt dit niet?' on a result: a reason from the list (and a short text); stored without anything about the child."""
    offering = _reportable(offering_id)
    if request.method == "GET":
        return _render_report(offering, FeedbackForm(formdata=None, q=request.args.get("q", "")), 200)
    form = FeedbackForm()
    if not form.validate():
        return _render_report(offering, form, 400)
    try:
        feedback.report(offering, reason=form.reason.data, text=form.text.data, referrer_type=_referrer_type(), _=_)
    except feedback.FeedbackRefused as refused:
        form.text.errors = [str(refused)]
        return _render_report(offering, form, 400)
    if request.headers.get("HX-Request") == "true":
        return _render_report(offering, form, 200, done=True)
    flash(_("Bedankt, gemeld. De aanbieder controleert de gegevens."), "success")
    return redirect(_search_url(MultiDict(parse_qsl(form.q.data or ""))) + f"#resultaat-{offering.id}")


@bp.get("/shortlist")
@limiter.limit(search_limit, error_message=lambda: str(SEARCH_LIMIT_MESSAGE))
def shortlist():
    """The ticked results as a printable one-page shortlist, or (formaat=csv) a CSV: it lives in the URL,
    nothing is stored. Without valid ticks a Dutch 400; when none of them is contracted (any more) a 404."""
    fmt = request.args.get("formaat", "")
    if fmt not in ("", "html", "csv"):
        return render_template("search/shortlist.html", problem=_("Kies als formaat 'csv' of laat het weg."), chosen=[]), 400
    try:
        ids = shortlists.parse_ids(request.args.getlist("aanbod"))
    except shortlists.ShortlistInvalid as invalid:
        return render_template("search/shortlist.html", problem=str(invalid), chosen=[], back=_search_url(request.args)), 400
    now = utcnow()
    search = parse_search_args(request.args)  # only to show (and put in the CSV) what was searched
    chosen, left_out = shortlists.items(ids, search.doelgroepen, now)
    if not chosen:
        problem = _("Geen van de gekozen resultaten is (nog) gecontracteerd aanbod. Zoek opnieuw en vink resultaten aan.")
        return render_template("search/shortlist.html", problem=problem, chosen=[], back=_search_url(request.args)), 404
    summary = _search_summary(search)
    if fmt == "csv":
        body = exports.to_csv(shortlists.table(chosen, summary, now), TZ)
        return web.attachment(body, exports.CSV_MIMETYPE, f"shortlist-{local_date(now):%Y-%m-%d}.csv")
    kept = [("aanbod", str(i)) for i in ids] + _clean_args(request.args) + [("formaat", "csv")]
    csv_url = url_for("search.shortlist") + "?" + urlencode(kept)
    return render_template("search/shortlist.html", chosen=chosen, left_out=left_out, summary=summary, now=now,
                           back=_search_url(request.args), csv_url=csv_url, problem=None)


def _search_summary(search) -> str:
    """'gezinshuis, 12 jaar, rond 5701' as typed (the URL holds nothing else about the child)."""
    need = search.product or (str(SEGMENT_LABELS.get(search.segment, "")) if search.segment else "")
    parts = [need[:120]]
    if search.leeftijd is not None:
        parts.append(_("%(n)d jaar", n=search.leeftijd))
    if search.locatie:
        parts.append(_("rond %(place)s", place=search.locatie[:120]))
    if search.doelgroepen:
        parts.append(_("doelgroepen: %(groups)s", groups=", ".join(search.doelgroepen)))
    return ", ".join(str(p) for p in parts if p)
