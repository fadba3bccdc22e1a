"""A provider user's own contact details and locations (/aanbieder/<id>/gegevens).

Only the logged-in user of that provider reaches it: another provider's user gets 404 (as if it
did not exist), other roles 403 (staff keep providers under /beheer/). The change itself is the
beheer's: services/register_admin.update_contacts, with the same form and audit event.
"""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from beschikbaarheid.aanbieder.views import DB_ID, bp
from beschikbaarheid.beheer.forms import ProviderContactsForm
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Provider
from beschikbaarheid.services import register_admin


def _own_provider_or_abort(provider_id: int) -> Provider:
    if not current_user.is_authenticated:
        abort(current_app.login_manager.unauthorized())
    if current_user.role != "aanbieder":
        abort(403)
    if current_user.provider_id != provider_id:
        abort(404)
    return db.get_or_404(Provider, provider_id)


@bp.route(f"/<{DB_ID}:provider_id>/gegevens", methods=["GET", "POST"])
def contacts(provider_id: int):
    """Edit the intake e-mail and phone, the 24/7 crisis phone and the website; see the locations."""
    provider = _own_provider_or_abort(provider_id)
    form = ProviderContactsForm(obj=provider)
    if form.validate_on_submit():
        if register_admin.update_contacts(current_user, provider, form.data):
            flash(_("Uw contactgegevens zijn opgeslagen. Verwijzers zien ze bij elk zoekresultaat."), "success")
        else:
            flash(_("Er is niets veranderd."), "warning")
        return redirect(url_for("aanbieder.contacts", provider_id=provider.id))
    status = 400 if request.method == "POST" else 200
    return render_template("aanbieder/contacts.html", provider=provider, form=form), status
