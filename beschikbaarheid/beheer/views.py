"""Views of the beheer blueprint: the regions overview, CSV import and CSV export of the register.

An administrator of a region sees, imports into and exports only that region; the installation's
administrator (no region) every region (domain/regions.py)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import distinct, func
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.utils import secure_filename

from beschikbaarheid import region_access
from beschikbaarheid.auth import roles_required
from beschikbaarheid.beheer.forms import ImportForm
from beschikbaarheid.domain import freshness
from beschikbaarheid.extensions import csrf, db
from beschikbaarheid.models import Contract, Municipality, Offering, Product, Region, utcnow
from beschikbaarheid.register_io import (
    ImportConflict,
    ImportFailed,
    export_offerings,
    find_region,
    export_products,
    import_offerings,
    import_products,
)
from beschikbaarheid.register_io.parsing import OFFERING_COLUMNS, OFFERING_REQUIRED, PRODUCT_COLUMNS, PRODUCT_REQUIRED

bp = Blueprint("beheer", __name__, url_prefix="/beheer")

DEFAULT_IMPORT_MAX_BYTES = 5 * 1024 * 1024
# Ids are 32-bit integers in the database: a longer number in a URL is a page that does not exist
# (404), not a database error (500).
DB_ID = "int(max=2147483647)"


def _import_limit() -> int:
    return int(current_app.config.get("IMPORT_MAX_BYTES") or DEFAULT_IMPORT_MAX_BYTES)


def _counts(stmt) -> dict[int, int]:
    """{region_id: count} from a grouped query."""
    return {region_id: n for region_id, n in db.session.execute(stmt).all()}


@bp.route("/")
@roles_required("beheerder")
def index():
    """Regions with what they hold, and the way in to import and export."""
    today = freshness.local_date(utcnow())
    active = Contract.is_active(today)
    counts = {
        "municipalities": _counts(db.select(Municipality.region_id, func.count()).group_by(Municipality.region_id)),
        "products": _counts(db.select(Product.region_id, func.count()).group_by(Product.region_id)),
        "providers": _counts(db.select(Contract.region_id, func.count(distinct(Contract.provider_id))).where(active).group_by(Contract.region_id)),
        "contracts": _counts(db.select(Contract.region_id, func.count()).where(active).group_by(Contract.region_id)),
        "offerings": _counts(
            db.select(Product.region_id, func.count(Offering.id)).join(Offering, Offering.product_id == Product.id).group_by(Product.region_id)
        ),
    }
    regions = region_access.visible_region_list(current_user)
    rows = [{"region": r, **{key: values.get(r.id, 0) for key, values in counts.items()}} for r in regions]
    return render_template("beheer/index.html", rows=rows, today=today)


def _render_import(form: ImportForm, status: int = 200, **context):
    regions = [region.name for region in region_access.visible_region_list(current_user)]
    return render_template(
        "beheer/import.html", form=form, region_names=regions, max_mb=_import_limit() // (1024 * 1024),
        offering_columns=OFFERING_COLUMNS, offering_required=OFFERING_REQUIRED,
        product_columns=PRODUCT_COLUMNS, product_required=PRODUCT_REQUIRED, **context,
    ), status


# The global CSRF check reads the whole body before this view can set the upload limit, so it is
# switched off here and the form checks its own token (FlaskForm validates csrf_token).
@bp.route("/import", methods=["GET", "POST"])
@csrf.exempt
@roles_required("beheerder")
def import_register():
    """Upload a products or offerings CSV; a file with any bad line saves nothing and lists every error."""
    if request.method == "POST":
        request.max_content_length = _import_limit()
        try:
            request.files  # noqa: B018 - parse now, so an oversized upload is refused first
        except RequestEntityTooLarge:
            message = _("Het bestand is te groot: de grens is %(mb)s MB. Splits het bestand of laat het importeren via de opdrachtregel.", mb=_import_limit() // (1024 * 1024))
            return _render_import(ImportForm(formdata=None), 413, too_large=message)
    form = ImportForm()
    if request.method == "GET" and request.args.get("regio"):
        form.region.data = request.args["regio"]
    if not form.validate_on_submit():
        if request.method == "POST" and form.csrf_token.errors:
            form.csrf_token.errors = [_("Het formulier is verlopen of ongeldig. Laad de pagina opnieuw en probeer het nog eens.")]
        return _render_import(form, 400 if request.method == "POST" else 200)

    if region_access.visible_region_ids(current_user) is not None:
        # A region's administrator imports into its own region only (and cannot create a new one).
        target = find_region(form.region.data)
        if target is None or not region_access.region_visible(current_user, target.id):
            form.region.errors.append(_("U beheert alleen regio %(region)s; u kunt alleen daarin importeren.",
                                        region=current_user.region.name if current_user.region else "-"))
            return _render_import(form, 403)

    upload = form.file.data
    filename = secure_filename(upload.filename or "") or "upload.csv"
    data = upload.read()
    try:
        if form.kind.data == "products":
            summary = import_products(form.region.data, data, dry_run=form.dry_run.data)
        else:
            summary = import_offerings(form.region.data, data, source=filename, user_id=current_user.id, dry_run=form.dry_run.data)
    except ImportFailed as failed:
        status = 409 if isinstance(failed, ImportConflict) else 400
        return _render_import(form, status, failed=failed, filename=filename)
    return _render_import(form, 200, summary=summary, filename=filename)


def _csv_download(text: str, what: str, region: Region) -> Response:
    """A CSV attachment named after what it holds, the region and the day."""
    slug = secure_filename(region.name.lower().replace(" ", "-")) or f"regio-{region.id}"
    name = f"{what}-{slug}-{freshness.local_date(utcnow()):%Y-%m-%d}.csv"
    return Response(text, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"'})


@bp.route(f"/regio/<{DB_ID}:region_id>/aanbod.csv")
@roles_required("beheerder")
def export_offerings_csv(region_id: int):
    """The region's offerings in the import format."""
    region = region_access.region_or_404(current_user, region_id)
    return _csv_download(export_offerings(region), "aanbod", region)


@bp.route(f"/regio/<{DB_ID}:region_id>/producten.csv")
@roles_required("beheerder")
def export_products_csv(region_id: int):
    """The region's product catalogue in the import format."""
    region = region_access.region_or_404(current_user, region_id)
    return _csv_download(export_products(region), "producten", region)

