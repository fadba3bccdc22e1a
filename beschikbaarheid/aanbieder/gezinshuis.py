"""A provider's gezinshuis profile and its monthly unplanned endings (/aanbieder/<id>/gezinshuis/<location id>).

Who may edit is the provider page's rule (`_access` in views.py: its own users and its reminder
link); another provider's location, or a location that is no gezinshuis, is a 404. The change
itself is services/gezinshuis.save_profile, whose rules are domain/gezinshuis.profile_errors.
"""
from __future__ import annotations

import datetime as dt

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user

from beschikbaarheid.aanbieder.forms import EndingsForm, GezinshuisProfileForm, household_field
from beschikbaarheid.aanbieder.views import DB_ID, _access, bp
from beschikbaarheid.domain import freshness
from beschikbaarheid.domain.gezinshuis import HOUSEHOLD_BANDS, HOUSEHOLD_KINDS
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Location, utcnow
from beschikbaarheid.services import gezinshuis

ENDING_MONTHS = 12  # a provider reports endings for the current month and the eleven before


def _home_or_404(provider_id: int, location_id: int):
    access = _access(provider_id)
    if not access.can_edit:
        abort(403)
    location = db.session.get(Location, location_id)
    if location is None or location.provider_id != provider_id or location_id not in gezinshuis.gezinshuis_location_ids(provider_id):
        abort(404)
    return access, location


def _months(today: dt.date) -> list[dt.date]:
    first = today.replace(day=1)
    months = []
    for _n in range(ENDING_MONTHS):
        months.append(first)
        first = (first - dt.timedelta(days=1)).replace(day=1)
    return months


def _endings_form(today: dt.date, formdata=None) -> EndingsForm:
    form = EndingsForm(formdata=formdata) if formdata is not None else EndingsForm(formdata=None)
    form.month.choices = [(m.isoformat(), format_date(m, "MMMM yyyy")) for m in _months(today)]
    return form


def _profile_form(profile, formdata=None) -> GezinshuisProfileForm:
    if formdata is not None:
        return GezinshuisProfileForm(formdata=formdata)
    form = GezinshuisProfileForm(formdata=None, obj=profile) if profile else GezinshuisProfileForm(formdata=None)
    if profile:
        for (kind, band), n in profile.household.items():
            if kind in HOUSEHOLD_KINDS and band in HOUSEHOLD_BANDS:
                getattr(form, household_field(kind, band)).data = n
    return form


def _render(access, location, form, endings_form, status=200, household_error=None):
    profile = gezinshuis.profile_for(location)
    return render_template(
        "aanbieder/gezinshuis.html", access=access, provider=access.provider, location=location, profile=profile, form=form,
        endings_form=endings_form, endings=gezinshuis.recent_endings(location), household_field=household_field,
        kinds=HOUSEHOLD_KINDS, bands=HOUSEHOLD_BANDS, now=utcnow(), household_error=household_error,
    ), status


@bp.route(f"/<{DB_ID}:provider_id>/gezinshuis/<{DB_ID}:location_id>", methods=["GET", "POST"], endpoint="gezinshuis")
def profile_view(provider_id: int, location_id: int):
    """The gezinshuis profile: what the coordinator and referrers match a child against."""
    access, location = _home_or_404(provider_id, location_id)
    today = freshness.local_date(utcnow())
    if request.method == "GET":
        return _render(access, location, _profile_form(gezinshuis.profile_for(location)), _endings_form(today))
    form = _profile_form(None, request.form)
    if form.validate():
        try:
            gezinshuis.save_profile(location, form.values(), author=access.actor.author, actor=_audit_actor(access), _=_)
        except gezinshuis.ProfileRefused as refused:
            household_error = refused.errors.pop("household", None)
            for name, message in refused.errors.items():
                getattr(form, name).errors = [*getattr(form, name).errors, message]
            return _render(access, location, form, _endings_form(today), status=400, household_error=household_error)
        else:
            flash(_("Het gezinshuisprofiel van %(location)s is opgeslagen.", location=location.name), "success")
            return redirect(url_for(".provider", provider_id=provider_id, _anchor=f"gh-{location.id}"))
    return _render(access, location, form, _endings_form(today), status=400)


def _audit_actor(access):
    """The logged-in user, or the reminder link's label, as the audit trail names it."""
    return current_user if current_user.is_authenticated and not access.via_link else access.actor.author


@bp.route(f"/<{DB_ID}:provider_id>/gezinshuis/<{DB_ID}:location_id>/beeindigingen", methods=["POST"], endpoint="gezinshuis_endings")
def endings_view(provider_id: int, location_id: int):
    """Report how many placements ended unplanned in a month (a count, nothing about a child)."""
    access, location = _home_or_404(provider_id, location_id)
    today = freshness.local_date(utcnow())
    form = _endings_form(today, request.form)
    if not form.validate():
        return _render(access, location, _profile_form(gezinshuis.profile_for(location)), form, status=400)
    month = dt.date.fromisoformat(form.month.data)
    gezinshuis.report_endings(location, month, form.count.data)
    flash(_("Opgeslagen: %(n)d onvoorziene beëindiging(en) in %(month)s.", n=form.count.data, month=format_date(month, "MMMM yyyy")), "success")
    return redirect(url_for(".gezinshuis", provider_id=provider_id, location_id=location_id, _anchor="beeindigingen"))
