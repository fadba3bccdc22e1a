"""The referrer's shortlist for the case conversation: the offerings ticked in a search, with contacts,
waits and the date of their data, as a printable page or a CSV.

It lives in the URL (`aanbod` ids and the search they came from) and is read only: nothing about it
is stored. Only offerings contracted today are listed (services.offerings.is_contracted), as in the
search itself.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from beschikbaarheid import exports
from beschikbaarheid.domain import freshness, wait_figures
from beschikbaarheid.extensions import db
from beschikbaarheid.models import INTAKE_STATUSES, Offering
from beschikbaarheid.search.service import shown_crisis_phone, shown_website
from beschikbaarheid.services.offerings import is_contracted

MAX_ITEMS = 20  # a case conversation weighs a handful of options; a longer list is not a shortlist
DB_ID_MAX = 2147483647


class ShortlistInvalid(ValueError):
    """The `aanbod` parameters are missing, too many or not ids: a Dutch message for a 400."""


@dataclass(frozen=True)
class Item:
    """One chosen offering as the shortlist shows it."""

    offering_id: int
    provider_name: str
    product_code: str
    product_name: str
    location_name: str
    street: str | None
    postcode: str | None
    woonplaats: str | None
    intake_phone: str | None
    intake_email: str | None
    crisis_phone: str | None
    website: str | None
    waiting_weeks: int | None
    waiting_applied: str  # wait_figures.GENERAL or the target group whose own wait applies
    free_places: int | None
    intake_status: str
    updated_at: dt.datetime | None
    stale: bool

    @property
    def data_date(self) -> dt.date | None:
        """The day (Amsterdam) the provider last updated or confirmed these figures."""
        return freshness.local_date(self.updated_at) if self.updated_at else None


def _as_id(text: str) -> int | None:
    """`text` as an offering id, or None when it cannot be one."""
    if text.isascii() and text.isdigit() and len(text) <= 10 and 0 < int(text) <= DB_ID_MAX:
        return int(text)
    return None


def parse_ids(values: Iterable[str]) -> list[int]:
    """The ticked offering ids in the order given, each once; ShortlistInvalid when none, too many or not ids."""
    ids: list[int] = []
    for value in values:
        text = value.strip()
        offering_id = _as_id(text)
        if offering_id is None:
            raise ShortlistInvalid(_("'%(value)s' is geen nummer van een aanbod uit de zoekresultaten.", value=text[:20]))
        if offering_id not in ids:
            ids.append(offering_id)
    if not ids:
        raise ShortlistInvalid(_("Vink eerst een of meer resultaten aan voor de shortlist."))
    if len(ids) > MAX_ITEMS:
        raise ShortlistInvalid(_("Kies hoogstens %(n)d resultaten voor de shortlist.", n=MAX_ITEMS))
    return ids


def ticked_ids(values: Iterable[str]) -> set[int]:
    """The ticks a search page shows again (sent along by "toon meer" or a changed filter): the first
    MAX_ITEMS valid ids; anything else is left unticked, as the shortlist checks them itself."""
    ids: list[int] = []
    for value in values:
        offering_id = _as_id(value.strip())
        if offering_id is not None and offering_id not in ids and len(ids) < MAX_ITEMS:
            ids.append(offering_id)
    return set(ids)


def items(ids: list[int], groups: Iterable[str], now: dt.datetime) -> tuple[list[Item], int]:
    """The chosen offerings that are contracted today, in the order chosen, and how many ids were left
    out (unknown, or no longer contracted). `groups`: the search's target groups, for the wait that applies."""
    day = freshness.local_date(now)
    found = {
        o.id: o
        for o in db.session.scalars(
            db.select(Offering)
            .where(Offering.id.in_(ids))
            .options(joinedload(Offering.provider), joinedload(Offering.product), joinedload(Offering.location))
        )
    }
    requested = [g for g in groups if g]
    chosen: list[Item] = []
    for offering_id in ids:
        offering = found.get(offering_id)
        if offering is None or not is_contracted(offering, day):
            continue
        provider, product, location = offering.provider, offering.product, offering.location
        weeks, whose = wait_figures.applied_wait(offering.waiting_weeks, offering.group_waits, requested)
        chosen.append(Item(
            offering_id=offering.id,
            provider_name=provider.name,
            product_code=product.code,
            product_name=product.name,
            location_name=location.name,
            street=location.street,
            postcode=location.postcode,
            woonplaats=location.woonplaats or (location.municipality.name if location.municipality else None),
            intake_phone=provider.intake_phone,
            intake_email=provider.intake_email,
            crisis_phone=shown_crisis_phone(product, provider.crisis_phone),
            website=shown_website(provider.website),
            waiting_weeks=weeks,
            waiting_applied=whose,
            free_places=offering.free_places,
            intake_status=offering.intake_status,
            updated_at=offering.updated_at,
            stale=freshness.is_stale(offering.updated_at, now),
        ))
    return chosen, len(ids) - len(chosen)


def table(chosen: list[Item], search: str, now: dt.datetime) -> exports.Table:
    """The shortlist as a table for the CSV download (exports.to_csv neutralises formulas)."""
    columns = (
        _("Aanbieder"), _("Productcode"), _("Product"), _("Locatie"), _("Adres"), _("Postcode"), _("Plaats"),
        _("Telefoon intake"), _("E-mail intake"), _("Crisisnummer (24/7)"), _("Website"), _("Wachttijd (weken)"),
        _("Wachttijd geldt voor"), _("Vrije plekken"), _("Aanmelding"), _("Gegevens van"), _("Gezocht"),
    )
    rows = [
        (i.provider_name, i.product_code, i.product_name, i.location_name, i.street, i.postcode, i.woonplaats,
         i.intake_phone, i.intake_email, i.crisis_phone, i.website, i.waiting_weeks,
         _("algemeen") if i.waiting_applied == wait_figures.GENERAL else i.waiting_applied,
         i.free_places, str(INTAKE_STATUSES.get(i.intake_status, i.intake_status)), i.data_date, search)
        for i in chosen
    ]
    return exports.Table(title=_("Shortlist"), source=_("Beschikbaarheidswijzer jeugdhulp, door aanbieders gemeld"),
                         as_of=now, columns=columns, rows=rows)
