"""Contract-manager pages: compliance, waiting times, data quality, supply gaps, provider dossier,
the call log and the exports. Thin: read the query string or form, call one function, render.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from beschikbaarheid import charts, exports, region_access, web
from beschikbaarheid.auth import roles_required
from beschikbaarheid.contract import calls, compliance, dossier, gaps, quality, quarterly, shortage, waiting
from beschikbaarheid.contract.forms import CallLogForm
from beschikbaarheid.contract.region import Context, context_for, regions, resolve_region
from beschikbaarheid.domain import compliance as compliance_rules
from beschikbaarheid.domain import quality as quality_rules
from beschikbaarheid.domain import waiting_stats
from beschikbaarheid.domain.quarters import QuarterError, last_full_quarter, parse_quarter, recent_quarters
from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.models import CALL_OUTCOMES, utcnow

bp = Blueprint("contract", __name__, url_prefix="/contract")

ROLES = ("contractmanager", "beheerder")
GAP_PERIODS = (3, 6, 12)
# Ids are 32-bit integers in the database: a longer number in a URL is a page that does not exist
# (404), not a database error (500).
DB_ID = "int(max=2147483647)"


@bp.before_request
def _confined_without_region():
    """A contract manager without a region sees nothing here: one Dutch page, no figures, no picker."""
    if current_user.is_authenticated and current_user.role in ROLES and region_access.has_no_region(current_user):
        region_access.no_region_page()


def _int_arg(name: str, default: int | None = None) -> int | None:
    """A whole number from the query string, or `default` for anything else."""
    value = request.args.get(name, "")
    # ASCII digits only ('²'.isdigit() is true, int('²') fails), and no more than an id column holds.
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 10 and int(value) <= 2147483647 else default


def _context() -> Context:
    """Region (own, or chosen with ?regio=) and the moment every figure on the page refers to."""
    region = resolve_region(current_user, _int_arg("regio"))
    if region is None:
        abort(404, description=_("Er is nog geen regio ingericht."))
    return context_for(region, utcnow(), current_app.config)


def _common(ctx: Context) -> dict:
    """What every page's frame shows: the context and, for administrators, the region picker."""
    can_switch = region_access.visible_region_ids(current_user) is None
    return {"ctx": ctx, "regions": regions() if can_switch else [], "region_arg": ctx.region.id}


def _max_jump() -> int:
    """The plausibility threshold for a waiting-time jump, in weeks."""
    return int(current_app.config.get("PLAUSIBILITY_MAX_JUMP_WEEKS", 12))


HISTORY_ENDPOINTS = ("aanbieder.history", "aanbieder.history_view")


def history_url(offering_id: int, provider_id: int) -> str:
    """The offering's history page (provider blueprint), or its row in our dossier when absent."""
    for endpoint in HISTORY_ENDPOINTS:
        if endpoint in current_app.view_functions:
            return url_for(endpoint, offering_id=offering_id)
    return url_for("contract.provider", provider_id=provider_id, _anchor=f"aanbod-{offering_id}")


def month_label(month, short: bool = False) -> str:
    """A month in the page's language: the domain's Dutch label, or Babel's (e.g. 'November 2026')."""
    if get_locale() is None or get_locale().language == "nl":
        return compliance_rules.month_label(month, short=short)
    return format_date(month, "MMM yy" if short else "LLLL yyyy")


@bp.context_processor
def _helpers():
    """Helpers every contract template may call."""
    return {"history_url": history_url, "month_label": month_label, "call_outcomes": CALL_OUTCOMES}


@bp.route("/")
@roles_required(*ROLES)
def index():
    """Compliance: who updated this month against the target; trend; overdue providers to call."""
    ctx = _context()
    data = compliance.compliance_page(ctx, _int_arg("pagina", 1))
    trend_chart = charts.line_chart(
        chart_id="trend-naleving",
        title=_("Aandeel actuele aanbieders per maand"),
        description=_("Lijngrafiek van de laatste 12 maanden met de doellijn; de cijfers staan in de tabel eronder."),
        labels=[month_label(m, short=True) for m, _s in data.trend],
        series=[charts.Series(_("Aandeel actueel"), [None if s.share is None else s.share * 100 for _m, s in data.trend])],
        y_max=100,
        y_format=lambda v: f"{v:.0f}%",
        reference=(ctx.target * 100, _("Doel %(pct)s%%", pct=f"{ctx.target * 100:.0f}")),
    )
    escalated, escalated_total = calls.escalated_reports(ctx.region.id, ctx.as_of)
    return render_template("contract/index.html", data=data, trend_chart=trend_chart, blank_call=CallLogForm(formdata=None, now=ctx.as_of),
                           escalated_reports=escalated, escalated_total=escalated_total,
                           meter=charts.share_meter(chart_id="meter", share=data.now.total.share, target=ctx.target,
                                                    label=_("Aandeel actueel ten opzichte van het doel")),
                           **_common(ctx))


@bp.route("/wachttijden", endpoint="waiting")
@roles_required(*ROLES)
def waiting_view():
    """Waiting weeks per product (range, median, P90, share above the norm) and a product's trend."""
    ctx = _context()
    data = waiting.waiting_page(ctx, _int_arg("product"))
    trend, chosen, trend_chart = data.trend, data.chosen, None
    if chosen is not None:
        trend_chart = charts.line_chart(
            chart_id="trend-wachttijd",
            title=_("Wachttijd %(product)s per maand (weken)", product=chosen.name),
            description=_("Mediaan en P90 van de wachttijd aan het eind van elke maand, met de norm; de cijfers staan in de tabel eronder."),
            labels=[month_label(m, short=True) for m, _s in trend],
            series=[
                charts.Series(_("Mediaan"), [s.median for _m, s in trend]),
                charts.Series(_("P90"), [s.p90 for _m, s in trend], dashed=True),
            ],
            reference=(ctx.norm_weeks, _("Norm %(weeks)s weken", weeks=ctx.norm_weeks)),
        )
    return render_template("contract/waiting.html", overview=data.overview, chosen=chosen, trend=trend, trend_chart=trend_chart,
                           **_common(ctx))


@bp.route("/verwacht-gerealiseerd", endpoint="realised")
@roles_required(*ROLES)
def realised_view():
    """Expected against realised wait, children waiting, free places and reports: per product, and per
    provider for one product."""
    ctx = _context()
    return render_template("contract/realised.html", data=waiting.realised_page(ctx, _int_arg("product")),
                           factor=waiting_stats.REALISED_FACTOR, extra=waiting_stats.REALISED_MIN_EXTRA_WEEKS,
                           min_started=waiting_stats.REALISED_MIN_STARTED, **_common(ctx))


@bp.route("/tekort", endpoint="shortage")
@roles_required(*ROLES)
def shortage_view():
    """Shortage per product: children waiting, free places, contracted capacity with coverage; one product's trend."""
    ctx = _context()
    data = shortage.shortage_page(ctx, _int_arg("product"))
    chart = None
    if data.chosen is not None:
        chart = charts.line_chart(
            chart_id="trend-tekort",
            title=_("Wachtenden en vrije plekken %(product)s per maand", product=data.chosen.name),
            description=_("Lijngrafiek van het aantal wachtende jeugdigen en vrije plekken aan het eind van elke maand; "
                          "de cijfers en de dekking staan in de tabel eronder."),
            labels=[month_label(m, short=True) for m, _s in data.trend],
            series=[charts.Series(_("Wachtenden"), [s.waiting if s.reported else None for _m, s in data.trend]),
                    charts.Series(_("Vrije plekken"), [s.free if s.free_reported else None for _m, s in data.trend], dashed=True)],
        )
    return render_template("contract/shortage.html", data=data, chart=chart, **_common(ctx))


@bp.route("/kwaliteit")
@roles_required(*ROLES)
def quality_view():
    """Doubtful figures per kind, each linked to the offering's history."""
    ctx = _context()
    kind = request.args.get("soort")
    data = quality.quality_page(ctx, _max_jump(), kind if kind in quality_rules.FLAG_KINDS else None, _int_arg("pagina", 1))
    return render_template("contract/quality.html", infos=data.infos, counts=data.counts, kind=data.kind,
                           kinds=quality_rules.FLAG_KINDS, flags=data.flags, total=data.total, page=data.page, pages=data.pages,
                           max_jump=_max_jump(), confirm_months=quality_rules.CONFIRM_ONLY_MONTHS,
                           jump_months=quality_rules.JUMP_WINDOW_MONTHS, **_common(ctx))


@bp.route("/tekorten", endpoint="gaps")
@roles_required(*ROLES)
def gaps_view():
    """Needs that find no option within the radius, from the anonymous search log and no-match reports."""
    ctx = _context()
    months = _gap_months()
    return render_template("contract/gaps.html", gaps=gaps.supply_gaps(ctx, months, _int_arg("pagina", 1)), months=months,
                           periods=GAP_PERIODS, **_common(ctx))


@bp.route(f"/aanbieder/<{DB_ID}:provider_id>")
@roles_required(*ROLES)
def provider(provider_id: int):
    """Provider dossier for the contract conversation: offerings, history, reminders, calls, flags.
    Only for providers with a contract in the user's region; others answer 404 as if absent."""
    prov = region_access.provider_or_404(current_user, provider_id)
    ctx = _context()
    return _render_dossier(ctx, prov, CallLogForm(formdata=None, now=ctx.as_of))


def _render_dossier(ctx, prov, form, status: int = 200):
    """The dossier page, with a blank call form or the one that came back with errors."""
    data = dossier.dossier(ctx, prov, _max_jump())
    return render_template("contract/provider.html", d=data, form=form, **_common(ctx)), status


def _safe_next(target: str | None) -> str | None:
    """Only same-site relative paths under /contract/ (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/contract/") or target.startswith("//"):
        return None
    return target


def _is_htmx() -> bool:
    """The request came from htmx (it swaps only the call block)."""
    return request.headers.get("HX-Request") == "true"


@bp.route(f"/aanbieder/<{DB_ID}:provider_id>/gesprek", methods=["POST"])
@roles_required(*ROLES)
def log_call(provider_id: int):
    """Save a call (date, outcome, note); errors come back in Dutch with status 400 and the input kept."""
    prov = region_access.provider_or_404(current_user, provider_id)
    now = utcnow()
    form = CallLogForm(now=now)
    if not form.validate_on_submit():
        if _is_htmx():  # base.html tells htmx to swap 400 answers: the block comes back with the errors
            return render_template("contract/_call_result.html", form=form, provider=prov, next_url=form.next.data, message=None), 400
        ctx = _context()
        flash(_("Het gesprek is niet opgeslagen. Controleer de gemarkeerde velden."), "error")
        return _render_dossier(ctx, prov, form, status=400)
    call = calls.log_call(prov, current_user, called_at=form.called_at, outcome=form.outcome.data, note=form.clean_note)
    message = _("Gesprek met %(name)s vastgelegd (%(outcome)s).", name=prov.name, outcome=call.outcome_label)
    if _is_htmx():
        fresh = CallLogForm(formdata=None, now=now)
        return render_template("contract/_call_result.html", form=fresh, provider=prov, next_url=form.next.data, saved=call,
                               message=message)
    flash(message, "success")
    return redirect(_safe_next(form.next.data) or url_for("contract.provider", provider_id=prov.id, _anchor="gesprekken"))


EXPORTS = {
    "naleving": compliance.compliance_table,
    "naleving-aanbieders": compliance.provider_compliance_table,
    "wachttijden": waiting.waiting_table,
    "tekorten": gaps.gaps_table,
    "tekorten-gemeenten": gaps.gap_municipalities_table,
    "tekort-per-product": shortage.shortage_table,
    "verwacht-gerealiseerd": waiting.realised_table,
}
PERIOD_EXPORTS = ("tekorten", "tekorten-gemeenten")  # these take ?maanden= like their page


def _gap_months() -> int:
    """The period of the supply-gap page and exports: one of GAP_PERIODS months, else 12."""
    months = _int_arg("maanden", 12)
    return months if months in GAP_PERIODS else 12


@bp.route("/export/<dataset>.<fmt>")
@roles_required(*ROLES)
def export(dataset: str, fmt: str):
    """Download a dataset as CSV or XLSX, named after the dataset, region and date."""
    build = EXPORTS.get(dataset)
    if build is None or fmt not in ("csv", "xlsx"):
        abort(404)
    ctx = _context()
    table = build(ctx, _gap_months()) if dataset in PERIOD_EXPORTS else build(ctx)
    if fmt == "csv":
        body, mimetype = exports.to_csv(table, TZ), exports.CSV_MIMETYPE
    else:
        body, mimetype = exports.to_xlsx(table, TZ), exports.XLSX_MIMETYPE
    return web.attachment(body, mimetype, f"{dataset}-{ctx.local:%Y-%m-%d}.{fmt}")


QUARTER = "string"  # 2026-K3; anything else is refused by parse_quarter with a Dutch message and a 400


class _BadQuarter(Exception):
    """The quarter in the URL is not one we can report on."""


def _quarter(ctx: Context, text: str | None):
    """The quarter asked for; _BadQuarter for anything else (answered by the page with a Dutch message)."""
    try:
        return parse_quarter(text, ctx.today)
    except QuarterError as exc:
        raise _BadQuarter(text) from exc


def _quarterly_page(ctx: Context, quarter, error: str | None = None, status: int = 200):
    """The quarter chooser with the chosen quarter's downloads (and the error, if the asked one was wrong)."""
    return render_template("contract/quarterly.html", quarter=quarter, period=quarterly.period_of(ctx, quarter), error=error,
                           quarters=recent_quarters(ctx.today), tables=QUARTER_TABLES, **_common(ctx)), status


@bp.errorhandler(_BadQuarter)
def _bad_quarter(exc: _BadQuarter):
    """A 400 with the chooser and a Dutch explanation instead of a bare error page."""
    ctx = _context()
    asked = (str(exc.args[0] or ""))[:20]
    return _quarterly_page(ctx, last_full_quarter(ctx.today), status=400, error=_(
        "Kwartaal '%(asked)s' bestaat niet of is nog niet begonnen. Kies een kwartaal uit de lijst, of schrijf het als 2026-K3 "
        "(jaar, K en 1 tot en met 4).", asked=asked))


@bp.route("/kwartaalrapportage", endpoint="quarterly")
@roles_required(*ROLES)
def quarterly_view():
    """Choose a quarter (default the last full one) and download its report: one XLSX or a CSV per table."""
    ctx = _context()
    asked = request.args.get("kwartaal")
    return _quarterly_page(ctx, _quarter(ctx, asked) if asked else last_full_quarter(ctx.today))


QUARTER_TABLES = {
    "tekorten": _l("Ontbrekend aanbod: behoeften zonder optie binnen de zoekstraal en meldingen 'geen passend aanbod'"),
    "tekort-per-product": _l("Tekort per product: wachtenden, vrije plekken en capaciteit aan het eind van het kwartaal"),
    "verwacht-gerealiseerd": _l("Verwachte en gerealiseerde wachttijd per product"),
    "meldingen": _l("Meldingen 'Klopt dit niet?': ontvangen, beantwoord, reactietijd en redenen"),
}


@bp.route(f"/kwartaalrapportage/<{QUARTER}:quarter>.xlsx", endpoint="quarterly_xlsx")
@roles_required(*ROLES)
def quarterly_xlsx(quarter: str):
    """The quarter's report as one workbook, a sheet per table."""
    ctx = _context()
    chosen = _quarter(ctx, quarter)
    body = exports.to_xlsx_workbook(quarterly.report(ctx, chosen), TZ)
    return web.attachment(body, exports.XLSX_MIMETYPE, f"kwartaalrapportage-{chosen.key}.xlsx")


@bp.route(f"/kwartaalrapportage/<{QUARTER}:quarter>/<name>.csv", endpoint="quarterly_csv")
@roles_required(*ROLES)
def quarterly_csv(quarter: str, name: str):
    """One table of the quarter's report as CSV."""
    ctx = _context()
    chosen = _quarter(ctx, quarter)
    if name not in quarterly.SHEETS:
        abort(404)
    return web.attachment(exports.to_csv(quarterly.table(ctx, chosen, name), TZ), exports.CSV_MIMETYPE,
                     f"kwartaalrapportage-{chosen.key}-{name}.csv")
