"""Referrer search pages: one GET endpoint for the full page or (htmx) the results partial, and the no-match flag."""
from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup, escape
from werkzeug.datastructures import MultiDict

from beschikbaarheid.extensions import limiter
from beschikbaarheid.i18n import ngettext, nl_number, per_locale, translated
from beschikbaarheid.memo import keep
from beschikbaarheid.models import SEGMENT_LABELS, TARGET_GROUPS
from beschikbaarheid.search import bp, service
from beschikbaarheid.search.cards import CardRenderer, FieldErrors
from beschikbaarheid.search.forms import NoMatchForm

# Parameters a search URL keeps (anything else in the query string is dropped from links).
SEARCH_PARAMS = ("locatie", "leeftijd", "product", "segment", "doelgroepen", "max_km", "max_wachttijd", "ook_gesloten", "regio")


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


_LABELS_BY_LOCALE: dict[str | None, dict] = {}


def _label_dicts() -> dict:
    """The translated label dictionaries the search templates use, built once per locale."""
    return per_locale(_LABELS_BY_LOCALE, lambda: {
        "TARGET_GROUPS": translated(TARGET_GROUPS),
        "SEGMENT_LABELS": translated(SEGMENT_LABELS),
    })


_CHOICES: dict[tuple, tuple[Markup, Markup]] = {}
CHOICES_MAX = 4096


def _choice_controls(segment_numbers: list[int], raw) -> dict:
    """The segment <option>s and the target-group checkboxes with the user's choices marked, built
    once per language, segment list and choice (only known segments and groups can be chosen)."""
    labels = _label_dicts()
    segment = raw.get("segment") or ""
    selected = segment if segment in {str(n) for n in segment_numbers} else None
    checked = tuple(code for code in labels["TARGET_GROUPS"] if code in (raw.get("doelgroepen") or ()))
    key = (id(labels), tuple(segment_numbers), selected, checked)
    found = _CHOICES.get(key)
    if found is None:
        options = "".join(
            f'\n        <option value="{n}"{" selected" if str(n) == selected else ""}>{n}. {escape(labels["SEGMENT_LABELS"].get(n, n))}</option>'
            for n in segment_numbers
        )
        boxes = "".join(
            f'\n      <div class="check">\n        <input type="checkbox" class="zoek-change" id="doelgroep-{escape(code)}" name="doelgroepen"'
            f' value="{escape(code)}"{" checked" if code in checked else ""}>\n        <label for="doelgroep-{escape(code)}">{escape(label)}</label>\n      </div>'
            for code, label in labels["TARGET_GROUPS"].items()
        )
        found = keep(_CHOICES, key, (Markup(options), Markup(boxes)), CHOICES_MAX)
    return {"segment_options": found[0], "group_checkboxes": found[1]}


_PRODUCT_OPTIONS: dict[tuple, tuple[Markup, list[int]]] = {}


def _catalogue_controls(catalogue) -> tuple[Markup, list[int]]:
    """The datalist options of a region's products and its segment numbers, built once per catalogue."""
    key = tuple((p.code, p.name, p.segment) for p in catalogue)
    found = _PRODUCT_OPTIONS.get(key)
    if found is None:
        options = Markup("").join(Markup('<option value="{} {}"></option>').format(p.code, p.name) for p in catalogue)
        # A few regions, a few catalogue versions: keep it small.
        found = keep(_PRODUCT_OPTIONS, key, (options, sorted({p.segment for p in catalogue})), 64)
    return found


def _count_sentence(outcome) -> str:
    """The one-sentence result count: the results heading, also announced to screen readers."""
    if not outcome.ok:
        return ""
    text = ngettext("%(num)d plek binnen %(km)s km", "%(num)d plekken binnen %(km)s km", outcome.nearby_total,
                    km=nl_number(outcome.radius_km, 0))
    if outcome.far:
        text += "; " + ngettext("%(num)d verder weg", "%(num)d verder weg", len(outcome.far))
    return text


def _form_controls(outcome) -> dict:
    """What the full page's form needs of the catalogue and of the user's choices."""
    product_options, segment_numbers = _catalogue_controls(outcome.catalogue)
    return {"product_options": product_options, **_choice_controls(segment_numbers, outcome.input.raw)}


def _render(outcome, *, partial: bool, status: int, nomatch_form: NoMatchForm | None = None):
    args = request.args if request.method == "GET" else MultiDict(parse_qsl(request.form.get("q", "")))
    query_string = urlencode(_clean_args(args))
    # The no-match form is only built when it was posted (its errors and text are shown again);
    # a search page needs just its query string and a CSRF token.
    weights = vars(service.score_settings(current_app.config).weights.normalised())
    search_url = lambda **changes: _search_url(args, **changes)  # noqa: E731
    html = render_template(
        "search/_results.html" if partial else "search/index.html",
        o=outcome,
        partial=partial,
        count_sentence=_count_sentence(outcome),
        nomatch_q=nomatch_form.q.data if nomatch_form else query_string,
        nomatch_errors=nomatch_form.reason.errors if nomatch_form else (),
        nomatch_reason=nomatch_form.reason.data if nomatch_form else "",
        search_url=search_url,
        field_error=FieldErrors(search_url),
        **_label_dicts(),
        result_card=CardRenderer(weights),
        **({} if partial else _form_controls(outcome)),
    )
    response = make_response(html, status)
    if partial:
        # The address bar follows the filters, so the search can be bookmarked or shared.
        response.headers["HX-Push-Url"] = url_for("search.index") + ("?" + query_string if query_string else "")
    return response


@bp.get("/")
def index():
    """Search by place, age and need; without parameters the empty form."""
    outcome = service.run_search(request.args, alternatives=True)
    if outcome.ok:
        service.log_search(outcome, source="web", seen=session)
    partial = _wants_partial()
    # Input errors answer 400 for the full page and the htmx partial alike (base.html lets htmx swap 400);
    # a partial whose only "errors" are fields not filled in yet is a referrer still typing: 200.
    still_typing = partial and outcome.input.missing_only
    status = 400 if outcome.errors and not outcome.input.blank and not still_typing else 200
    return _render(outcome, partial=partial, status=status)


@bp.post("/geen-passend-aanbod")
@limiter.limit("30 per hour")
def no_match():
    """Flag the search as "geen passend aanbod": stored anonymously for supply analysis."""
    form = NoMatchForm()
    args = MultiDict(parse_qsl(form.q.data or ""))
    back = _search_url(args)
    if not form.validate():
        outcome = service.run_search(args, alternatives=True)
        return _render(outcome, partial=False, status=400, nomatch_form=form)
    outcome = service.run_search(args)
    if not outcome.ok:
        flash(_("Deze zoekopdracht is niet (meer) geldig; er is niets opgeslagen."), "error")
        return redirect(back)
    service.report_no_match(outcome, reason=form.reason.data or "", referrer_type=_referrer_type())
    if request.headers.get("HX-Request") == "true":
        return render_template("search/_nomatch_done.html")
    flash(_("Bedankt. Uw melding 'geen passend aanbod' is anoniem opgeslagen voor de contractmanagers."), "success")
    return redirect(back)
