"""Beheer views of one region: its overview, the product catalogue (with 'probeer een hulpvraag')
and the region's settings. Thin: parse the form, call services/catalogue.py or
services/register_admin.py, render. Every page checks the region with `admin_region_or_404`.
"""
from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from beschikbaarheid.auth import roles_required
from beschikbaarheid.beheer.access import admin_region_or_404, in_region_or_404
from beschikbaarheid.beheer.forms import ProductForm, RegionSettingsForm, TryNeedForm
from beschikbaarheid.beheer.views import DB_ID, bp
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Product
from beschikbaarheid.services import catalogue, register_admin


def form_status(form) -> int:
    """400 for a posted form that failed its checks, 200 for a page shown."""
    return 400 if request.method == "POST" else 200


@bp.route(f"/regio/<{DB_ID}:region_id>/")
@roles_required("beheerder")
def region_home(region_id: int):
    """The way in to everything a beheerder keeps for one region."""
    region = admin_region_or_404(current_user, region_id)
    return render_template("beheer/region.html", region=region)


@bp.route(f"/regio/<{DB_ID}:region_id>/producten")
@roles_required("beheerder")
def products(region_id: int):
    """The catalogue with its deactivated products, and the 'probeer een hulpvraag' box (GET)."""
    region = admin_region_or_404(current_user, region_id)
    tried = None
    form = TryNeedForm(request.args)
    if request.args.get("hulpvraag") is not None and form.validate():
        tried = catalogue.try_need(region, form.hulpvraag.data)
    status = 400 if request.args.get("hulpvraag") is not None and form.errors else 200
    partial = request.headers.get("HX-Request") == "true"
    template = "beheer/_tried_need.html" if partial else "beheer/products.html"
    return render_template(template, region=region, products=catalogue.products(region), form=form, tried=tried, partial=partial), status


def _product_page(region, form, product=None, error=None):
    return render_template("beheer/product_form.html", region=region, form=form, product=product, error=error,
                           in_use=product is not None and catalogue.in_use(product))


@bp.route(f"/regio/<{DB_ID}:region_id>/producten/nieuw", methods=["GET", "POST"])
@roles_required("beheerder")
def product_new(region_id: int):
    """Add a product to the region's catalogue."""
    region = admin_region_or_404(current_user, region_id)
    form = ProductForm()
    if form.validate_on_submit():
        try:
            product = catalogue.save_product(current_user, region, None, form.data)
        except catalogue.CatalogueError as exc:
            getattr(form, exc.field).errors.append(exc.message)
        else:
            flash(_("Product %(code)s %(name)s is toegevoegd.", code=product.code, name=product.name), "success")
            return redirect(url_for("beheer.products", region_id=region.id))
    return _product_page(region, form), form_status(form)


@bp.route(f"/regio/<{DB_ID}:region_id>/producten/<{DB_ID}:product_id>", methods=["GET", "POST"])
@roles_required("beheerder")
def product_edit(region_id: int, product_id: int):
    """Change a product; its code may change too, as long as it stays unique in the region."""
    region = admin_region_or_404(current_user, region_id)
    product = in_region_or_404(Product, product_id, region)
    form = ProductForm(obj=product)
    if form.validate_on_submit():
        try:
            catalogue.save_product(current_user, region, product, form.data)
        except catalogue.CatalogueError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(exc.message)
        else:
            flash(_("Product %(code)s is opgeslagen.", code=product.code), "success")
            return redirect(url_for("beheer.products", region_id=region.id))
    return _product_page(region, form, product), form_status(form)


@bp.route(f"/regio/<{DB_ID}:region_id>/producten/<{DB_ID}:product_id>/actief", methods=["POST"])
@roles_required("beheerder")
def product_active(region_id: int, product_id: int):
    """Deactivate a product (it leaves the catalogue the search matches against) or reactivate it."""
    region = admin_region_or_404(current_user, region_id)
    product = in_region_or_404(Product, product_id, region)
    wanted = request.form.get("active")
    if wanted not in ("0", "1"):
        flash(_("Kies activeren of deactiveren."), "error")
        return _product_page(region, ProductForm(obj=product), product), 400
    catalogue.set_active(current_user, product, wanted == "1")
    if product.active:
        flash(_("Product %(code)s is weer actief: de zoekfunctie vindt het weer.", code=product.code), "success")
    else:
        flash(_("Product %(code)s is gedeactiveerd: de zoekfunctie vindt het niet meer. Contracten en aanbod blijven bewaard.", code=product.code), "success")
    return redirect(url_for("beheer.products", region_id=region.id))


@bp.route(f"/regio/<{DB_ID}:region_id>/instellingen", methods=["GET", "POST"])
@roles_required("beheerder")
def settings(region_id: int):
    """The region's compliance target, waiting norm, reminder timing and default search radius."""
    region = admin_region_or_404(current_user, region_id)
    config = current_app.config
    defaults = {"reminder_followup_days": int(config["REMINDER_FOLLOWUP_DAYS"]), "reminder_escalate_days": int(config["REMINDER_ESCALATE_DAYS"]),
                "search_default_km": float(config["SEARCH_DEFAULT_MAX_KM"])}
    form = RegionSettingsForm(defaults=defaults)
    if request.method == "GET":
        form.compliance_target.data = round(region.compliance_target * 100)
        form.waiting_norm_weeks.data = region.waiting_norm_weeks
        form.reminder_followup_days.data = region.reminder_followup_days
        form.reminder_escalate_days.data = region.reminder_escalate_days
        form.search_default_km.data = int(region.search_default_km) if region.search_default_km else None
    elif form.validate_on_submit():
        values = {**form.data, "compliance_target": form.compliance_target.data / 100,
                  "search_default_km": float(form.search_default_km.data) if form.search_default_km.data else None}
        if register_admin.update_settings(current_user, region, values):
            flash(_("De instellingen van %(region)s zijn opgeslagen. Ze gelden vanaf de volgende berekening.", region=region.name), "success")
        else:
            flash(_("Er is niets veranderd."), "warning")
        return redirect(url_for("beheer.settings", region_id=region.id))
    return render_template("beheer/settings.html", region=region, form=form, defaults=defaults), form_status(form)
