"""The audit trail page (/beheer/audit): a region's administrative changes, newest first, filtered by
action, entity, actor and date range, 50 to a page, and the filtered list as CSV.

A region's administrator sees its region's events only; the installation's administrator every
event, installation-wide ones (no region) included.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import DateField, Form, SelectField, StringField, ValidationError
from wtforms.validators import Length, Optional

from beschikbaarheid import exports, region_access
from beschikbaarheid.auth import roles_required
from beschikbaarheid.beheer.forms import SelectChoice
from beschikbaarheid.domain import freshness
from beschikbaarheid.extensions import db
from beschikbaarheid.models import AuditEvent, Region, utcnow

bp = Blueprint("beheer_audit", __name__, url_prefix="/beheer/audit")

PAGE_SIZE = 50
FILTERS = ("actie", "soort", "door", "van", "tot")  # the query-string names the links carry on
MAX_CSV_ROWS = 50_000
N_ = str  # marks a Dutch text for pybabel; translated where it is shown
# What an action code means to a reader; codes without a label are shown as they are.
ACTION_LABELS = {
    "user.invite": N_("Gebruiker uitgenodigd"),
    "user.resend": N_("Uitnodiging opnieuw verstuurd"),
    "user.create": N_("Gebruiker aangemaakt"),
    "user.deactivate": N_("Gebruiker gedeactiveerd"),
    "user.reactivate": N_("Gebruiker weer geactiveerd"),
    "user.role": N_("Rol of regio gewijzigd"),
    "product.create": N_("Product toegevoegd"),
    "product.update": N_("Product gewijzigd"),
    "product.deactivate": N_("Product gedeactiveerd"),
    "provider.create": N_("Aanbieder toegevoegd"),
    "provider.update": N_("Contactgegevens aanbieder gewijzigd"),
    "location.create": N_("Locatie toegevoegd"),
    "location.update": N_("Locatie gewijzigd"),
    "gezinshuis.update": N_("Gezinshuisprofiel gewijzigd"),
    "contract.create": N_("Contract afgesloten"),
    "contract.end": N_("Contract beëindigd"),
    "contract.extend": N_("Contract verlengd"),
    "region.update": N_("Regio-instellingen gewijzigd"),
}


# Field names in the trail's changes, for the reader; others are shown as recorded.
FIELD_LABELS = {
    "active": N_("actief"), "email": N_("e-mailadres"), "name": N_("naam"), "role": N_("rol"), "region": N_("regio"),
    "provider": N_("aanbieder"), "referrer_type": N_("soort verwijzer"), "is_org_admin": N_("beheerder van de organisatie"),
}


def field_label(name: str) -> str:
    """A changed field's name in the reader's language."""
    return _(FIELD_LABELS[name]) if name in FIELD_LABELS else name


class AuditFilterForm(Form):
    """The filters, read from the query string (a GET form: no CSRF, nothing changes)."""

    actie = SelectField(_l("Actie"), choices=[], validators=[Optional()], validate_choice=True)
    soort = SelectField(_l("Soort"), choices=[], validators=[Optional()], validate_choice=True)
    door = StringField(_l("Door (e-mailadres bevat)"), filters=[lambda v: v.strip().replace("\x00", "") if v else v], validators=[Optional(), Length(max=100)])
    van = DateField(_l("Van (datum)"), validators=[Optional()], format="%Y-%m-%d")
    tot = DateField(_l("Tot en met (datum)"), validators=[Optional()], format="%Y-%m-%d")

    def validate_tot(self, field):
        if field.data and self.van.data and field.data < self.van.data:
            raise ValidationError(_("De einddatum ligt voor de begindatum."))

    def validate(self, extra_validators=None) -> bool:
        """WTForms' checks, with our Dutch text for a date it cannot read (WTForms' own is English)."""
        ok = super().validate(extra_validators)
        for field in (self.van, self.tot):
            if field.raw_data and field.raw_data[0] and field.data is None:
                field.errors = [_("Dit is geen geldige datum (jjjj-mm-dd).")]
        for field in (self.actie, self.soort):
            if field.errors:
                field.errors = [_("Kies een waarde uit de lijst.")]
        return ok


def action_label(code: str) -> str:
    """The action in the reader's language."""
    return _(ACTION_LABELS[code]) if code in ACTION_LABELS else code


def _visible():
    return region_access.region_filter(current_user, AuditEvent.region_id)


def _form() -> AuditFilterForm:
    """The filter form with the actions and entities that occur in what the user may see."""
    form = AuditFilterForm(request.args)
    actions = db.session.scalars(sa.select(AuditEvent.action).where(_visible()).distinct().order_by(AuditEvent.action)).all()
    entities = db.session.scalars(sa.select(AuditEvent.entity).where(_visible()).distinct().order_by(AuditEvent.entity)).all()
    form.actie.choices = [SelectChoice("", _("Alle acties"))] + [SelectChoice(a, action_label(a)) for a in actions]
    form.soort.choices = [SelectChoice("", _("Alles"))] + [SelectChoice(e, e) for e in entities]
    return form


def _local_midnight_utc(day: dt.date) -> dt.datetime:
    """The start of a day in Amsterdam, as the UTC moment the trail stores."""
    return dt.datetime.combine(day, dt.time(), freshness.TZ).astimezone(dt.timezone.utc)


def _filtered(form: AuditFilterForm):
    """The events the form selects, newest first (only the user's regions)."""
    stmt = sa.select(AuditEvent).where(_visible())
    if form.actie.data:
        stmt = stmt.where(AuditEvent.action == form.actie.data)
    if form.soort.data:
        stmt = stmt.where(AuditEvent.entity == form.soort.data)
    if form.door.data:
        pattern = "%" + form.door.data.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(sa.func.lower(AuditEvent.actor).like(pattern, escape="\\"))
    if form.van.data:
        stmt = stmt.where(AuditEvent.at >= _local_midnight_utc(form.van.data))
    if form.tot.data:
        stmt = stmt.where(AuditEvent.at < _local_midnight_utc(form.tot.data + dt.timedelta(days=1)))
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def _page_number() -> int:
    value = request.args.get("pagina", "1")
    return int(value) if value.isascii() and value.isdigit() and 0 < len(value) <= 6 and int(value) > 0 else 1


def _region_names() -> dict[int, str]:
    return dict(db.session.execute(sa.select(Region.id, Region.name).where(region_access.region_filter(current_user, Region.id))).all())


def _render_invalid(form: AuditFilterForm):
    """The page with the filter errors and no events (400)."""
    return render_template("beheer/audit.html", form=form, events=[], page=1, pages=1, total=0, regions={}, action_label=action_label,
                           field_label=field_label, query_args={}), 400


@bp.route("/")
@roles_required("beheerder")
def index():
    """The trail, filtered and paginated."""
    form = _form()
    if not form.validate():
        return _render_invalid(form)
    stmt = _filtered(form)
    total = db.session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(_page_number(), pages)
    events = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    query_args = {k: request.args[k] for k in FILTERS if request.args.get(k)}
    return render_template("beheer/audit.html", form=form, events=events, page=page, pages=pages, total=total,
                           regions=_region_names(), action_label=action_label, field_label=field_label, query_args=query_args)


@bp.route("/audittrail.csv")
@roles_required("beheerder")
def export_csv():
    """The filtered trail as CSV (text that a spreadsheet would run as a formula is neutralised)."""
    form = _form()
    if not form.validate():
        return _render_invalid(form)
    regions = _region_names()
    now = utcnow()
    table = exports.Table(
        title=_("Audittrail"), source="Beschikbaarheidswijzer", as_of=now,
        columns=[_("Moment"), _("Regio"), _("Door"), _("Actie"), _("Soort"), _("Nummer"), _("Omschrijving"), _("Wijzigingen")],
    )
    for event in db.session.scalars(_filtered(form).limit(MAX_CSV_ROWS)):
        changes = "; ".join(f"{field_label(name)}: {old if old is not None else '–'} -> {new if new is not None else '–'}" for name, (old, new) in event.changes.items())
        table.rows.append([event.at, regions.get(event.region_id, ""), event.actor, action_label(event.action), event.entity,
                           event.entity_id, event.summary, changes])
    name = f"audittrail-{freshness.local_date(now):%Y-%m-%d}.csv"
    return Response(exports.to_csv(table, freshness.TZ), mimetype=exports.CSV_MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
