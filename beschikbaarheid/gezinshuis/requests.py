"""The coordinator's anonymous log of placement requests and the monthly steering figures.

Thin: the forms check with the domain's rules, services/placement_requests.py writes, and
gezinshuis/steering.py computes the figures. Coordinator only, for its own region; another region's
request is a 404, as if absent.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from beschikbaarheid import charts, exports, web
from beschikbaarheid.contract.region import Context, context_for
from beschikbaarheid.contract.views import month_label
from beschikbaarheid.domain import gezinshuis as rules
from beschikbaarheid.domain.freshness import TZ
from beschikbaarheid.extensions import db
from beschikbaarheid.gezinshuis import steering
from beschikbaarheid.gezinshuis.access import bp, coordinator_region, coordinator_required, region_choices
from beschikbaarheid.gezinshuis.request_forms import OutcomeForm, RequestForm
from beschikbaarheid.models import TARGET_GROUPS, utcnow
from beschikbaarheid.services import placement_requests as log

DB_ID = "int(max=2147483647)"


def _context() -> Context:
    """The coordinator's region and the moment every figure refers to."""
    return context_for(coordinator_region(), utcnow(), current_app.config)


def _common(ctx: Context) -> dict:
    return {"ctx": ctx, "regions": region_choices(), "outcomes": rules.OUTCOMES, "target_groups": TARGET_GROUPS,
            "week_text": rules.week_text, "month_label": month_label}


def _page_arg() -> int:
    value = request.args.get("pagina", "")
    return int(value) if value.isascii() and value.isdigit() and len(value) <= 6 else 1


@bp.route("/aanvragen", endpoint="requests")
@coordinator_required
def request_list():
    """The region's requests, newest first; filter on still waiting or with an outcome."""
    ctx = _context()
    status = request.args.get("status", "alle")
    status = status if status in log.STATUSES else "alle"
    return render_template("gezinshuis/requests.html", data=log.request_page(ctx.region.id, status, _page_arg()), status=status,
                           **_common(ctx))


def _render_new(ctx: Context, form: RequestForm, status: int = 200):
    return render_template("gezinshuis/request_new.html", form=form, this_week=rules.week_text(rules.monday(ctx.today)),
                           **_common(ctx)), status


@bp.route("/aanvragen/nieuw", methods=["GET", "POST"], endpoint="request_new")
@coordinator_required
def request_new():
    """Log a request: age band, target groups, siblings, municipality and week; nothing that names a child."""
    ctx = _context()
    form = RequestForm()
    form.set_municipalities(log.region_municipalities(ctx.region.id))
    if request.method == "GET":
        form.week.data = rules.week_text(rules.monday(ctx.today))
        return _render_new(ctx, form)
    if not form.check(ctx.today):
        return _render_new(ctx, form, 400)
    saved = log.log_request(ctx.region.id, **form.values)
    db.session.commit()
    flash(_("Aanvraag vastgelegd: %(band)s jaar, week %(week)s. Leg de uitkomst vast zodra die er is.", band=saved.age_band,
            week=rules.week_text(saved.requested_week)), "success")
    return redirect(url_for("gezinshuis.requests", regio=ctx.region.id))


def _request_or_404(ctx: Context, request_id: int):
    found = log.region_request(ctx.region.id, request_id)
    if found is None:
        abort(404)
    return found


def _render_outcome(ctx: Context, placement, form: OutcomeForm, status: int = 200):
    return render_template("gezinshuis/request_outcome.html", placement=placement, form=form, **_common(ctx)), status


@bp.route(f"/aanvragen/<{DB_ID}:request_id>/uitkomst", methods=["GET", "POST"], endpoint="request_outcome")
@coordinator_required
def request_outcome(request_id: int):
    """The kind and week of a request's outcome; 'wacht nog' resets it."""
    ctx = _context()
    placement = _request_or_404(ctx, request_id)
    form = OutcomeForm()
    if request.method == "GET":
        form.outcome.data = placement.outcome
        form.week.data = rules.week_text(placement.outcome_week or rules.monday(ctx.today))
        return _render_outcome(ctx, placement, form)
    if not form.check(placement.requested_week, ctx.today):
        return _render_outcome(ctx, placement, form, 400)
    log.set_outcome(placement, form.outcome.data, form.outcome_week)
    db.session.commit()
    flash(_("Uitkomst vastgelegd: %(outcome)s.", outcome=_(rules.OUTCOMES[placement.outcome])), "success")
    return redirect(url_for("gezinshuis.requests", regio=ctx.region.id))


def _months() -> int:
    value = request.args.get("maanden", "")
    return int(value) if value in {str(p) for p in steering.PERIODS} else 12


@bp.route("/sturing", endpoint="steering")
@coordinator_required
def steering_view():
    """Per month: requests, outcomes, weeks to placement, free places, vacancy days, endings; who waits longest."""
    ctx = _context()
    months_n = _months()
    data = steering.steering_page(ctx, months_n)
    labels = [month_label(f.month, short=True) for f in data.months]
    flow_chart = charts.line_chart(
        chart_id="sturing-aanvragen",
        title=_("Aanvragen en uitkomsten per maand van aanvraag"),
        description=_("Lijngrafiek van het aantal aanvragen, plaatsingen in een gezinshuis en plan B per maand; de cijfers staan in de tabel eronder."),
        labels=labels,
        series=[charts.Series(_("Aanvragen"), [f.requests for f in data.months]),
                charts.Series(_("Geplaatst in gezinshuis"), [f.placed for f in data.months]),
                charts.Series(_("Plan B"), [f.plan_b for f in data.months], dashed=True)],
    )
    weeks_chart = charts.line_chart(
        chart_id="sturing-weken",
        title=_("Weken van aanvraag tot plaatsing in een gezinshuis"),
        description=_("Lijngrafiek van de mediane en gemiddelde weken tot plaatsing per maand van aanvraag; de cijfers staan in de tabel eronder."),
        labels=labels,
        series=[charts.Series(_("Mediaan"), [f.median_weeks for f in data.months]),
                charts.Series(_("Gemiddelde"), [f.mean_weeks for f in data.months], dashed=True)],
    )
    return render_template("gezinshuis/steering.html", data=data, months_n=months_n, periods=steering.PERIODS, flow_chart=flow_chart,
                           weeks_chart=weeks_chart, plan_b=rules.PLAN_B, group_min=steering.GROUP_MIN, **_common(ctx))


@bp.route("/sturing/<dataset>.<fmt>", endpoint="steering_export")
@coordinator_required
def steering_export(dataset: str, fmt: str):
    """A table as CSV or XLSX, or 'alles.xlsx': every table in one workbook."""
    if fmt not in ("csv", "xlsx") or (dataset not in steering.TABLES and (dataset, fmt) != ("alles", "xlsx")):
        abort(404)
    ctx = _context()
    months_n = _months()
    if dataset == "alles":
        body, mimetype = exports.to_xlsx_workbook(steering.report(ctx, months_n), TZ), exports.XLSX_MIMETYPE
    else:
        table = steering.TABLES[dataset](ctx, months_n)
        body, mimetype = ((exports.to_csv(table, TZ), exports.CSV_MIMETYPE) if fmt == "csv"
                          else (exports.to_xlsx(table, TZ), exports.XLSX_MIMETYPE))
    return web.attachment(body, mimetype, f"gezinshuizen-{dataset}-{ctx.local:%Y-%m-%d}.{fmt}")
