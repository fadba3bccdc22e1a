"""Beheer views of one region's providers, locations and contracts. Thin: parse the form, call
services/register_admin.py or services/contracts.py, render. Every page checks the region with
`admin_region_or_404`, and the provider, location or contract with it (another region's: 404).
"""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from beschikbaarheid.auth import roles_required
from beschikbaarheid.beheer.access import admin_region_or_404, in_region_or_404
from beschikbaarheid.beheer.catalogue import form_status
from beschikbaarheid.beheer.forms import (
    ContractForm,
    EndContractForm,
    ExtendForm,
    ExtendPreviewForm,
    LocationForm,
    NewProviderForm,
    ProviderContactsForm,
)
from beschikbaarheid.beheer.views import DB_ID, bp
from beschikbaarheid.domain import freshness
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Contract, Location, Provider, utcnow
from beschikbaarheid.services import catalogue, contracts, register_admin


def _provider_or_404(region, provider_id: int) -> Provider:
    provider = db.session.get(Provider, provider_id)
    if provider is None or not register_admin.provider_in_region(provider, region):
        abort(404)
    return provider


def _today() -> dt.date:
    return freshness.local_date(utcnow())


@bp.route(f"/regio/<{DB_ID}:region_id>/aanbieders")
@roles_required("beheerder")
def providers(region_id: int):
    """The providers contracted in the region (now or before)."""
    region = admin_region_or_404(current_user, region_id)
    return render_template("beheer/providers.html", region=region, providers=register_admin.region_providers(region))


@bp.route(f"/regio/<{DB_ID}:region_id>/aanbieders/nieuw", methods=["GET", "POST"])
@roles_required("beheerder")
def provider_new(region_id: int):
    """Register a provider the region contracts for the first time; its locations and contracts follow on its page."""
    region = admin_region_or_404(current_user, region_id)
    form = NewProviderForm()
    status = form_status(form)
    if form.validate_on_submit():
        try:
            provider = register_admin.create_provider(current_user, region, form.data)
        except register_admin.RegisterError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(exc.message)
            status = 400
        else:
            flash(_("Aanbieder %(name)s is toegevoegd. Voeg nu een locatie en een contract toe.", name=provider.name), "success")
            return redirect(url_for("beheer.provider", region_id=region.id, provider_id=provider.id))
    return render_template("beheer/provider_new.html", region=region, form=form), status


def _provider_page(region, provider, form, status=200):
    today = _today()
    held = [c for c in provider.contracts if c.region_id == region.id]
    held.sort(key=lambda c: (c.product.code, c.valid_from))
    return render_template("beheer/provider.html", region=region, provider=provider, form=form, contracts=held, today=today), status


@bp.route(f"/regio/<{DB_ID}:region_id>/aanbieders/<{DB_ID}:provider_id>", methods=["GET", "POST"])
@roles_required("beheerder")
def provider(region_id: int, provider_id: int):
    """A provider's contact details (editable), its locations and its contracts in the region."""
    region = admin_region_or_404(current_user, region_id)
    provider = _provider_or_404(region, provider_id)
    form = ProviderContactsForm(obj=provider)
    if form.validate_on_submit():
        if register_admin.update_contacts(current_user, provider, form.data):
            flash(_("De contactgegevens van %(name)s zijn opgeslagen.", name=provider.name), "success")
        else:
            flash(_("Er is niets veranderd."), "warning")
        return redirect(url_for("beheer.provider", region_id=region.id, provider_id=provider.id))
    return _provider_page(region, provider, form, form_status(form))


def _location_form_page(region, provider, form, location=None, question=None, status=200):
    return render_template("beheer/location_form.html", region=region, provider=provider, form=form, location=location,
                           question=question), status


def _save_location(region, provider, location):
    """Shared by add and edit: the form, the placement question and the save."""
    form = LocationForm(obj=location)
    if not form.validate_on_submit():
        return _location_form_page(region, provider, form, location, status=form_status(form))
    try:
        saved = register_admin.save_location(current_user, provider, location, form.data, confirmed_far=form.confirm_far.data)
    except register_admin.PlacementQuestion as question:
        db.session.rollback()
        return _location_form_page(region, provider, form, location, question=question.message, status=422)
    except register_admin.RegisterError as exc:
        db.session.rollback()
        getattr(form, exc.field).errors.append(exc.message)
        return _location_form_page(region, provider, form, location, status=400)
    flash(_("Locatie %(name)s is opgeslagen.", name=saved.name), "success")
    return redirect(url_for("beheer.provider", region_id=region.id, provider_id=provider.id))


@bp.route(f"/regio/<{DB_ID}:region_id>/aanbieders/<{DB_ID}:provider_id>/locaties/nieuw", methods=["GET", "POST"])
@roles_required("beheerder")
def location_new(region_id: int, provider_id: int):
    """Add a location for the provider; the postcode places it unless coordinates are typed."""
    region = admin_region_or_404(current_user, region_id)
    return _save_location(region, _provider_or_404(region, provider_id), None)


@bp.route(f"/regio/<{DB_ID}:region_id>/locaties/<{DB_ID}:location_id>", methods=["GET", "POST"])
@roles_required("beheerder")
def location_edit(region_id: int, location_id: int):
    """Change a location's name, address or coordinates."""
    region = admin_region_or_404(current_user, region_id)
    location = db.get_or_404(Location, location_id)
    return _save_location(region, _provider_or_404(region, location.provider_id), location)


@bp.route(f"/regio/<{DB_ID}:region_id>/aanbieders/<{DB_ID}:provider_id>/contract", methods=["GET", "POST"])
@roles_required("beheerder")
def contract_new(region_id: int, provider_id: int):
    """Contract the provider for a product at one of its locations (the offering is made when missing)."""
    region = admin_region_or_404(current_user, region_id)
    provider = _provider_or_404(region, provider_id)
    form = ContractForm(locations=provider.locations)
    if request.method == "GET":
        form.valid_from.data = _today()
        form.location_id.data = request.args.get("locatie", type=int)
    status = form_status(form)
    if form.validate_on_submit():
        location = db.session.get(Location, form.location_id.data)
        try:
            contract, _offering, created = contracts.create_contract(
                current_user, region, provider, form.product_code.data, location, form.valid_from.data, form.valid_until.data)
        except contracts.ContractError as exc:
            db.session.rollback()
            (getattr(form, exc.field).errors if exc.field else form.form_errors).append(exc.message)
            status = exc.status
        else:
            message = _("%(provider)s is gecontracteerd voor %(code)s op %(location)s.", provider=provider.name, code=contract.product.code, location=location.name)
            if created:
                message += " " + _("Het aanbod is aangemaakt; de aanbieder vult plekken en wachttijd in.")
            flash(message, "success")
            return redirect(url_for("beheer.provider", region_id=region.id, provider_id=provider.id))
    active_products = [p for p in catalogue.products(region) if p.active]
    return render_template("beheer/contract_form.html", region=region, provider=provider, form=form, products=active_products), status


@bp.route(f"/regio/<{DB_ID}:region_id>/contracten")
@roles_required("beheerder")
def contract_list(region_id: int):
    """Every contract of the region with its period and whether it runs today."""
    region = admin_region_or_404(current_user, region_id)
    return render_template("beheer/contracts.html", region=region, contracts=contracts.region_contracts(region), today=_today())


@bp.route(f"/regio/<{DB_ID}:region_id>/contracten/<{DB_ID}:contract_id>/beeindigen", methods=["GET", "POST"])
@roles_required("beheerder")
def contract_end(region_id: int, contract_id: int):
    """End a contract on a chosen day: from the next day it leaves search, reminders and compliance."""
    region = admin_region_or_404(current_user, region_id)
    contract = in_region_or_404(Contract, contract_id, region)
    form = EndContractForm()
    if request.method == "GET":
        form.end.data = _today()
    status = form_status(form)
    if form.validate_on_submit():
        try:
            contracts.end_contract(current_user, contract, form.end.data)
        except contracts.ContractError as exc:
            db.session.rollback()
            form.end.errors.append(exc.message)
            status = exc.status
        else:
            flash(_("Het contract van %(provider)s voor %(code)s eindigt op %(day)s.", provider=contract.provider.name,
                    code=contract.product.code, day=contract.valid_until.strftime("%d-%m-%Y")), "success")
            return redirect(url_for("beheer.provider", region_id=region.id, provider_id=contract.provider_id))
    return render_template("beheer/contract_end.html", region=region, contract=contract, form=form), status


@bp.route(f"/regio/<{DB_ID}:region_id>/contracten/verlengen", methods=["GET", "POST"])
@roles_required("beheerder")
def contracts_extend(region_id: int):
    """Extend in bulk: a preview (GET ?jaar=) of every contract ending on 31 December of that year, then confirm (POST)."""
    region = admin_region_or_404(current_user, region_id)
    if request.method == "GET":
        asked = ExtendPreviewForm(request.args)
        if "jaar" not in request.args:
            asked = ExtendPreviewForm(formdata=None, jaar=_today().year)
            return render_template("beheer/extend.html", region=region, asked=asked, form=None, plan=None, skipped=[])
        if not asked.validate():
            return render_template("beheer/extend.html", region=region, asked=asked, form=None, plan=None, skipped=[]), 400
        year, form, status = asked.jaar.data, ExtendForm(formdata=None, year=asked.jaar.data), 200
    else:
        form = ExtendForm()
        if not form.validate_on_submit():
            asked = ExtendPreviewForm(formdata=None, jaar=_today().year)
            return render_template("beheer/extend.html", region=region, asked=asked, form=form, plan=None, skipped=[]), 400
        year, status = form.year.data, 200
        try:
            n = contracts.extend_contracts(current_user, region, year, form.expected.data)
        except contracts.ContractError as exc:
            db.session.rollback()
            form.form_errors.append(exc.message)
            status = exc.status
        else:
            flash(_("%(n)d contracten zijn verlengd tot en met 31-12-%(year)d.", n=n, year=year + 1), "success")
            return redirect(url_for("beheer.contract_list", region_id=region.id))
    plan, skipped = contracts.extension_preview(region, year)
    form.expected.data = len(plan)
    asked = ExtendPreviewForm(formdata=None, jaar=year)
    return render_template("beheer/extend.html", region=region, asked=asked, form=form, plan=plan, skipped=skipped, year=year), status
