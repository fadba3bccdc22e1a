"""Provider pages: the offerings table (inline htmx edit or per-row page), confirmations, history, signed links.

Who may do what is decided in one place, `_access`: a provider user edits its own provider, a signed
link edits only the provider it names, contract managers and administrators read everything.
"""
from __future__ import annotations

import datetime as dt
import itertools
import time
from dataclasses import dataclass

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user

from beschikbaarheid import region_access, signed_links
from beschikbaarheid.aanbieder.charts import waiting_chart
from beschikbaarheid.aanbieder.forms import AnswerForm
from beschikbaarheid.domain import freshness, wait_figures
from beschikbaarheid.domain.feedback import ESCALATE_WORKING_DAYS
from beschikbaarheid.domain.plausibility import Limits, check_submission
from beschikbaarheid.extensions import db
from beschikbaarheid.models import TARGET_GROUPS, Contract, Feedback, Offering, Provider, utcnow
from beschikbaarheid.services import feedback, gezinshuis
from beschikbaarheid.services.offerings import (
    Actor,
    EditConflict,
    confirm_all,
    confirm_checked,
    history,
    is_contracted,
    own_contacts,
    provider_offerings,
    save_checked,
    waiting_series,
)

bp = Blueprint("aanbieder", __name__, url_prefix="/aanbieder")

READ_ROLES = ("contractmanager", "beheerder")
# Ids are 32-bit integers in the database: a longer number in a URL is a page that does not exist
# (404), not a database error (500).
DB_ID = "int(max=2147483647)"
LINK_GRANT = "link_grant"  # session key: {"p": provider_id, "exp": unix time, "seen": unix time of last use}
DEFAULT_LINK_SESSION_MINUTES = 120

# Inline row edits change the monthly figures; the per-row page also the age range and target groups.
# Waits per target group sit next to the target groups, so only on the page.
ROW_FIELDS = ("capacity", "free_places", "waiting_weeks", "waiting_count", "realised_wait_weeks", "realised_started",
              "intake_status", "note")
PAGE_FIELDS = ROW_FIELDS + ("age_min", "age_max", "target_groups", "group_waits")
GROUP_WAIT_PREFIX = "group_wait-"  # form field of one target group's own wait, e.g. group_wait-ASS
FIELD_LABELS = {
    "capacity": _l("Capaciteit"),
    "free_places": _l("Vrije plekken"),
    "waiting_weeks": _l("Wachttijd (weken)"),
    "waiting_count": _l("Aantal wachtenden"),
    "realised_wait_weeks": _l("Gerealiseerde wachttijd (weken)"),
    "realised_started": _l("Aantal gestart"),
    "realised_period_end": _l("Gerealiseerde wachttijd: periode tot en met"),
    "group_waits": _l("Wachttijd per doelgroep"),
    "intake_status": _l("Aanmelding"),
    "age_min": _l("Leeftijd vanaf"),
    "age_max": _l("Leeftijd tot en met"),
    "target_groups": _l("Doelgroepen"),
    "note": _l("Notitie"),
}


@dataclass
class Access:
    """What the visitor may do with one provider's offerings, and as whom changes are recorded."""

    provider: Provider
    can_edit: bool
    actor: Actor | None = None
    via_link: bool = False
    link_expires: dt.datetime | None = None


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


def _status(code: int) -> int:
    """The real status code; base.html tells htmx to swap 400/409/410/422 answers too."""
    return code


def _link_grant() -> dict | None:
    """The link grant of this browser session, if any: it ends LINK_SESSION_MINUTES after the link
    was opened, and after SESSION_IDLE_MINUTES without use, like a login."""
    grant = session.get(LINK_GRANT)
    if not isinstance(grant, dict):
        return None
    now = time.time()
    idle_limit = int(current_app.config["SESSION_IDLE_MINUTES"]) * 60
    if float(grant.get("exp", 0)) < now or now - float(grant.get("seen", 0)) > idle_limit:
        session.pop(LINK_GRANT, None)
        return None
    if now - float(grant["seen"]) > 60:  # the cookie is rewritten about once a minute, not on every request
        session[LINK_GRANT] = {**grant, "seen": now}
    return grant


def _to_login():
    """Anonymous visitor: send to the login page (with ?next=)."""
    abort(current_app.login_manager.unauthorized())


def _access(provider_id: int) -> Access:
    """Decide access to one provider's offerings; aborts with 403/404 or a redirect to login."""
    user = current_user
    if user.is_authenticated and user.role == "aanbieder" and user.provider_id == provider_id:
        return Access(db.get_or_404(Provider, provider_id), True, Actor.for_user(user))
    grant = _link_grant()
    if grant and grant.get("p") == provider_id:
        provider = db.get_or_404(Provider, provider_id)
        expires = dt.datetime.fromtimestamp(float(grant["exp"]), dt.timezone.utc)
        return Access(provider, True, Actor.for_link(provider), via_link=True, link_expires=expires)
    if user.is_authenticated and user.role in READ_ROLES:
        # Staff read the providers of their own region only; another region's provider is a 404.
        return Access(region_access.provider_or_404(user, provider_id), False)
    if (user.is_authenticated and user.role == "aanbieder") or grant:
        abort(404)  # another provider's data: indistinguishable from data that does not exist
    if user.is_authenticated:
        abort(403)
    _to_login()


def _offering_access(offering_id: int, *, edit: bool) -> tuple[Offering, Access]:
    """Load an offering the visitor may see (or edit); the same 404 for 'not yours' and 'not there'."""
    if not current_user.is_authenticated and not _link_grant():
        _to_login()  # before touching the database: anonymous visitors learn nothing about ids
    if current_user.is_authenticated and current_user.role not in ("aanbieder", *READ_ROLES) and not _link_grant():
        abort(403)
    offering = db.session.get(Offering, offering_id)
    if offering is None:
        abort(404)
    access = _access(offering.provider_id)
    if current_user.is_authenticated and current_user.role in READ_ROLES and not access.via_link:
        if not region_access.offering_visible(current_user, offering):
            abort(404)  # the provider works in the user's region, this offering in another one
    if edit:
        if not access.can_edit:
            abort(403)
        if not is_contracted(offering, freshness.local_date(utcnow())):
            abort(404)  # only contracted offerings are kept current (see provider page)
    return offering, access


def _grouped(offerings: list[Offering]) -> list[tuple]:
    """[(location, [offerings])] in the order given (already sorted by location name)."""
    return [(loc, list(items)) for loc, items in itertools.groupby(offerings, key=lambda o: o.location)]


def _render_provider(access: Access, *, answer_form: AnswerForm | None = None, answer_for: int | None = None, status: int = 200):
    now = utcnow()
    contracted, others = provider_offerings(access.provider.id, freshness.local_date(now))
    reports = feedback.open_for_provider(access.provider.id)
    if not access.can_edit and current_user.is_authenticated and current_user.role in READ_ROLES:
        # Staff of one region see the provider's offerings in that region, not those of other regions.
        contracted = [o for o in contracted if region_access.offering_visible(current_user, o)]
        others = [o for o in others if region_access.offering_visible(current_user, o)]
        reports = [r for r in reports if region_access.offering_visible(current_user, r.offering)]
    current = sum(1 for o in contracted if not freshness.is_stale(o.updated_at, now))
    return render_template(
        "aanbieder/provider.html",
        access=access,
        provider=access.provider,
        groups=_grouped(contracted),
        contracted=contracted,
        others=others,
        current_count=current,
        provider_current=freshness.is_current([o.updated_at for o in contracted], now),
        field_labels=FIELD_LABELS,
        reports=reports,
        answer_form=answer_form,
        answer_for=answer_for,
        blank_answer=AnswerForm(formdata=None),
        escalate_days=ESCALATE_WORKING_DAYS,
        gezinshuis_ids=gezinshuis.gezinshuis_location_ids(access.provider.id) if access.can_edit else set(),
    ), status


def _render_row(offering: Offering, access: Access, notice: str | None = None, focus: bool = False):
    return render_template("aanbieder/_row.html", o=offering, access=access, notice=notice, focus=focus)


@bp.route("/")
def home():
    """A provider user's own offerings; contract managers get the list of providers."""
    if current_user.is_authenticated and current_user.role == "aanbieder":
        if current_user.provider_id is None:
            abort(403)
        return _render_provider(_access(current_user.provider_id))
    grant = _link_grant()
    if grant:
        return redirect(url_for(".provider", provider_id=grant["p"]))
    if current_user.is_authenticated and current_user.role in READ_ROLES:
        if region_access.has_no_region(current_user):
            region_access.no_region_page()
        return render_template("aanbieder/providers.html", providers=_provider_overview())
    if current_user.is_authenticated:
        abort(403)
    return current_app.login_manager.unauthorized()


def _provider_overview() -> list[dict]:
    """Every provider of the user's region(s) with how many contracted offerings are current this month (three queries)."""
    now = utcnow()
    active = {
        (p, prod)
        for p, prod in db.session.execute(
            db.select(Contract.provider_id, Contract.product_id).where(
                Contract.is_active(freshness.local_date(now)), region_access.visible_contract_filter(current_user))
        )
    }
    counts: dict[int, list[int]] = {}
    for provider_id, product_id, updated_at in db.session.execute(
        db.select(Offering.provider_id, Offering.product_id, Offering.updated_at)
    ):
        if (provider_id, product_id) in active:
            c = counts.setdefault(provider_id, [0, 0])
            c[0] += 1
            c[1] += 0 if freshness.is_stale(updated_at, now) else 1
    visible = region_access.visible_provider_filter(current_user)
    providers = db.session.scalars(db.select(Provider).where(visible).order_by(Provider.name)).all()
    return [{"provider": p, "total": counts.get(p.id, [0, 0])[0], "current": counts.get(p.id, [0, 0])[1]} for p in providers]


@bp.route(f"/<{DB_ID}:provider_id>/")
def provider(provider_id: int):
    """One provider's offerings, grouped by location; editable for its own users and its link."""
    return _render_provider(_access(provider_id))


@bp.route(f"/<{DB_ID}:provider_id>/bevestigen", methods=["POST"], endpoint="confirm_all")
def confirm_all_view(provider_id: int):
    """'Alles ongewijzigd bevestigen': confirm every contracted offering the provider saw on the page."""
    access = _access(provider_id)
    if not access.can_edit:
        abort(403)
    _confirm_all_and_flash(access)
    return redirect(url_for(".provider", provider_id=provider_id))


def _is_number(text: str) -> bool:
    """A short run of the digits 0-9 ('²'.isdigit() is true too, but int('²') fails; so does int() of 5000 digits)."""
    return text.isascii() and text.isdigit() and len(text) <= 18


def _posted_versions() -> dict[int, int]:
    """{offering id: version} from the hidden 'version-<id>' fields of a confirm-all form."""
    versions = {}
    for key, value in request.form.items():
        if key.startswith("version-") and _is_number(key[8:]) and _is_number(value):
            versions[int(key[8:])] = int(value)
    return versions


def _confirm_all_and_flash(access: Access) -> None:
    contracted, _others = provider_offerings(access.provider.id, freshness.local_date(utcnow()))
    try:
        result = confirm_all(contracted, _posted_versions(), actor=access.actor)
        db.session.commit()
    except EditConflict:
        flash(_("Iemand anders wijzigde tegelijkertijd een van deze regels. Er is niets bevestigd; controleer de cijfers en probeer het opnieuw."), "warning")
        return
    if result.confirmed:
        flash(ngettext("%(num)d regel bevestigd als ongewijzigd.", "%(num)d regels bevestigd als ongewijzigd.", len(result.confirmed)), "success")
    if result.already_updated:
        flash(ngettext("%(num)d regel had u net al bijgewerkt.", "%(num)d regels had u net al bijgewerkt.", len(result.already_updated)), "info")
    if result.changed:
        names = ", ".join(f"{o.product.code} {o.product.name} ({o.location.name})" for o in result.changed)
        flash(_("Niet bevestigd, want intussen gewijzigd door iemand anders: %(names)s. Controleer deze regels.", names=names), "warning")
    if not (result.confirmed or result.already_updated or result.changed):
        flash(_("Er was niets te bevestigen."), "info")


@bp.route(f"/aanbod/<{DB_ID}:offering_id>")
def row(offering_id: int):
    """One table row (htmx: cancel an inline edit); without htmx, back to the provider page."""
    offering, access = _offering_access(offering_id, edit=False)
    if _is_htmx():
        return _render_row(offering, access, focus=True)
    return redirect(url_for(".provider", provider_id=offering.provider_id, _anchor=f"o-{offering.id}"))


LIST_FIELDS = ("target_groups", "group_waits")  # not one text each: checkboxes, one field per group


def _current_text(offering: Offering) -> dict:
    """The offering's values as form text."""
    values = {f: "" if getattr(offering, f) is None else str(getattr(offering, f)) for f in PAGE_FIELDS if f not in LIST_FIELDS}
    if offering.realised_wait_weeks is not None:
        values["realised_wait_weeks"] = wait_figures.weeks_text(offering.realised_wait_weeks)
    values["target_groups"] = offering.target_groups
    values["group_waits"] = {code: str(weeks) for code, weeks in offering.group_waits.items()}
    return values


def _submitted(fields: tuple[str, ...]) -> dict:
    # NUL characters are dropped: nobody types them and PostgreSQL cannot store them (it would be a 500).
    raw = {f: request.form.get(f, "").replace("\x00", "") for f in fields if f not in LIST_FIELDS}
    if "target_groups" in fields:
        raw["target_groups"] = request.form.getlist("target_groups")
    if "group_waits" in fields:
        # Every posted group_wait-<code>, also unknown codes: the domain refuses those (400), nothing is dropped silently.
        raw["group_waits"] = {
            key[len(GROUP_WAIT_PREFIX):]: value.replace("\x00", "")
            for key, value in request.form.items() if key.startswith(GROUP_WAIT_PREFIX)
        }
    return raw


def _current_values(offering: Offering) -> dict:
    return {f: getattr(offering, f) for f in PAGE_FIELDS}


def _posted_int(name: str) -> int | None:
    value = request.form.get(name, "")
    return int(value) if _is_number(value) else None


def _render_edit(offering, access, layout, *, entered, errors=None, doubts=(), conflict=None, status=200):
    template = "aanbieder/_row_edit.html" if layout == "row" else "aanbieder/edit.html"
    html = render_template(
        template, o=offering, access=access, entered=entered, errors=errors or {}, doubts=doubts,
        conflict=conflict, field_labels=FIELD_LABELS, target_groups=TARGET_GROUPS,
    )
    return html, _status(status)


@bp.route(f"/aanbod/<{DB_ID}:offering_id>/bewerken", methods=["GET", "POST"])
def edit(offering_id: int):
    """Edit one offering: inline row (htmx) or its own page (no JavaScript); checked, versioned, logged."""
    offering, access = _offering_access(offering_id, edit=True)
    # htmx gets the table-row editor, everything else the full page; the posted form says which fields it has.
    layout = "row" if _is_htmx() and request.values.get("layout", "row") == "row" else "page"
    if request.method == "GET":
        return _render_edit(offering, access, layout, entered=_current_text(offering))

    fields = ROW_FIELDS if request.form.get("layout") == "row" else PAGE_FIELDS
    entered = {**_current_text(offering), **_submitted(fields)}
    expected = _posted_int("version")
    if expected != offering.version:
        return _render_edit(offering, access, layout, entered=entered, conflict=offering, status=409)
    check = check_submission(
        _submitted(fields), _current_values(offering), Limits.from_config(current_app.config), fields,
        target_group_codes=TARGET_GROUPS, current_confirmed=offering.unusual_confirmed, own_contacts=own_contacts(offering), _=_,
    )
    if not check.ok:
        return _render_edit(offering, access, layout, entered=entered, errors=check.errors, status=400)
    acknowledged = request.form.get("acknowledged", "").split()
    if check.doubts and not (request.form.get("confirm_unusual") and check.is_confirmed_by(acknowledged)):
        # A question, not an error: nothing is saved until the provider confirms these exact values.
        return _render_edit(offering, access, layout, entered=entered, doubts=check.doubts, status=200)
    try:
        rows = save_checked(
            offering, check.values, expected_version=expected, actor=access.actor,
            unusual_confirmed=bool(check.doubts) or check.keeps_confirmation,
        )
        db.session.commit()
    except EditConflict as conflict:
        return _render_edit(conflict.offering, access, layout, entered=entered, conflict=conflict.offering, status=409)
    confirmed_only = all(r.kind == "confirm" for r in rows)
    message = (
        _("Niets veranderd: %(product)s bevestigd als ongewijzigd.", product=offering.product.name)
        if confirmed_only else _("Opgeslagen: %(product)s (%(location)s).", product=offering.product.name, location=offering.location.name)
    )
    if layout == "row" and _is_htmx():
        return _render_row(offering, access, notice=message, focus=True)
    flash(message, "success")
    return redirect(url_for(".provider", provider_id=offering.provider_id, _anchor=f"o-{offering.id}"))


@bp.route(f"/aanbod/<{DB_ID}:offering_id>/bevestigen", methods=["POST"])
def confirm(offering_id: int):
    """Confirm one row unchanged (the values the provider saw on the page)."""
    offering, access = _offering_access(offering_id, edit=True)
    try:
        confirm_checked(offering, expected_version=_posted_int("version"), actor=access.actor)
        db.session.commit()
        message, category = _("Bevestigd als ongewijzigd: %(product)s.", product=offering.product.name), "success"
    except EditConflict as conflict:
        offering = conflict.offering
        message = _("Niet bevestigd: iemand anders heeft deze regel intussen gewijzigd (%(who)s). Controleer de actuele cijfers.", who=offering.updated_by or "?")
        category = "warning"
    if _is_htmx():
        return _render_row(offering, access, notice=message, focus=True)
    flash(message, category)
    return redirect(url_for(".provider", provider_id=offering.provider_id, _anchor=f"o-{offering.id}"))


@bp.route(f"/melding/<{DB_ID}:feedback_id>/klopt-wel", methods=["POST"])
def answer(feedback_id: int):
    """'Klopt wel' on a referrer's report, with a short explanation; only the offering's own provider (or its link)."""
    if not current_user.is_authenticated and not _link_grant():
        _to_login()  # before touching the database: anonymous visitors learn nothing about ids
    item = db.session.get(Feedback, feedback_id)
    if item is None:
        abort(404)
    offering, access = _offering_access(item.offering_id, edit=True)
    form = AnswerForm()
    if not form.validate():
        return _render_provider(access, answer_form=form, answer_for=item.id, status=400)
    try:
        feedback.answer_klopt(item, author=access.actor.author, text=form.text.data, own=own_contacts(offering), _=_)
    except feedback.AlreadyAnswered as done:
        flash(str(done), "info")
        return redirect(url_for(".provider", provider_id=offering.provider_id, _anchor="meldingen"))
    except feedback.FeedbackRefused as refused:
        form.text.errors = [str(refused)]
        return _render_provider(access, answer_form=form, answer_for=item.id, status=400)
    flash(_("Beantwoord: de gegevens van %(product)s (%(location)s) kloppen. Verwijzers zien uw uitleg bij het resultaat.",
            product=offering.product.name, location=offering.location.name), "success")
    return redirect(url_for(".provider", provider_id=offering.provider_id, _anchor="meldingen"))


@bp.route(f"/aanbod/<{DB_ID}:offering_id>/historie", endpoint="history")
def history_view(offering_id: int):
    """Past values of one offering, who changed them and how, with small charts of the expected and realised wait."""
    offering, access = _offering_access(offering_id, edit=False)
    now = utcnow()
    return render_template(
        "aanbieder/history.html",
        o=offering,
        access=access,
        rows=history(offering.id),
        chart=waiting_chart(waiting_series(offering), now),
        realised_chart=waiting_chart(waiting_series(offering, "realised_wait_weeks"), now),
        field_labels=FIELD_LABELS,
    )


# --- Signed links from reminder e-mails ---


def _link_error(error: signed_links.SignedLinkError):
    return render_template("aanbieder/link_error.html", message=error.message, code=error.status), error.status


@bp.route("/link/<token>", methods=["GET", "POST"])
def link(token: str):
    """A reminder link. GET only shows what it will do (mail scanners prefetch links); POST confirms."""
    purpose = signed_links.peek_purpose(token)
    try:
        provider_id = signed_links.load_provider_token(token, purpose or "")
    except signed_links.SignedLinkError as error:
        return _link_error(error)
    provider = db.session.get(Provider, provider_id)
    if provider is None:
        return _link_error(signed_links.LinkInvalid())

    if purpose == "update":
        if request.method == "POST":
            abort(405)
        minutes = int(current_app.config.get("LINK_SESSION_MINUTES", DEFAULT_LINK_SESSION_MINUTES))
        # Grants this browser session the update screen of this one provider, for a while; no data changes.
        session[LINK_GRANT] = {"p": provider.id, "exp": time.time() + minutes * 60, "seen": time.time()}
        return redirect(url_for(".provider", provider_id=provider.id))

    contracted, _others = provider_offerings(provider.id, freshness.local_date(utcnow()))
    if request.method == "GET":
        return render_template("aanbieder/link_confirm.html", provider=provider, offerings=contracted, token=token)
    try:
        result = confirm_all(contracted, _posted_versions(), actor=Actor.for_link(provider))
        db.session.commit()
        confirmed, changed = result.confirmed, result.changed
    except EditConflict:
        confirmed, changed = [], contracted
    return render_template("aanbieder/link_done.html", provider=provider, confirmed=confirmed, changed=changed)


@bp.route("/link/stoppen", methods=["POST"])
def link_end():
    """End the link session on this device (e.g. a shared computer)."""
    session.pop(LINK_GRANT, None)
    flash(_("De toegang via de link is beëindigd op dit apparaat."), "info")
    return redirect(url_for("web.index"))

