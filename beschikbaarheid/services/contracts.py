"""Contracts kept in the browser: contract a provider for a product at a location, end a contract,
extend a year's contracts in bulk. Search, reminders and compliance all ask Contract.is_active, so
an end date here is all it takes for an offering to leave them from the day after.

Every change records its audit event in the same transaction and commits; a refused change raises
`ContractError` with a Dutch message and saves nothing.
"""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from flask_babel import gettext as _

from beschikbaarheid.domain import register_admin as rules
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Contract, Location, Offering, Product, Provider, Region
from beschikbaarheid.services import audit


class ContractError(ValueError):
    """A contract change refused; `status` is the HTTP status the page answers with."""

    def __init__(self, message: str, field: str | None = None, status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.status = status


def region_contracts(region: Region) -> list[Contract]:
    """The region's contracts, newest start first within each provider."""
    return list(db.session.scalars(
        sa.select(Contract).join(Provider).join(Product, Product.id == Contract.product_id)
        .where(Contract.region_id == region.id)
        .order_by(Provider.name, Product.code, Contract.valid_from.desc())
    ))


def _fmt(day: dt.date | None) -> str | None:
    return None if day is None else day.isoformat()


def _summary(contract: Contract) -> str:
    return f"{contract.provider.name}: {contract.product.code} {contract.product.name}"


def find_product(region: Region, code: str) -> Product:
    """The region's product by code, or ContractError (unknown code: 400; deactivated: 409)."""
    product = db.session.scalar(sa.select(Product).where(Product.region_id == region.id, Product.code == rules.normalise_code(code)))
    if product is None:
        raise ContractError(_("Productcode %(code)s staat niet in de productcatalogus van %(region)s.", code=code.strip().upper(), region=region.name), "product_code")
    if not product.active:
        raise ContractError(_("Product %(code)s %(name)s is gedeactiveerd. Activeer het eerst in de productcatalogus.", code=product.code, name=product.name), "product_code", 409)
    return product


def _check_overlap(provider: Provider, product: Product, period: rules.Period, *, skip_id: int | None = None) -> None:
    for other in db.session.scalars(sa.select(Contract).where(Contract.provider_id == provider.id, Contract.product_id == product.id)):
        if other.id != skip_id and period.overlaps(rules.Period(other.valid_from, other.valid_until)):
            until = other.valid_until.strftime("%d-%m-%Y") if other.valid_until else _("onbepaalde tijd")
            raise ContractError(_(
                "%(provider)s heeft al een contract voor %(code)s dat overlapt (%(start)s tot en met %(until)s). Beëindig of verleng dat contract.",
                provider=provider.name, code=product.code, start=other.valid_from.strftime("%d-%m-%Y"), until=until), "valid_from", 409)


def create_contract(actor, region: Region, provider: Provider, product_code: str, location: Location,
                    valid_from: dt.date, valid_until: dt.date | None) -> tuple[Contract, Offering, bool]:
    """Contract `provider` for a product at one of its locations; creates the offering when it is missing.
    Returns (contract, offering, offering_created). Records and commits, or raises ContractError."""
    if location.provider_id != provider.id:
        raise ContractError(_("Deze locatie hoort niet bij %(provider)s.", provider=provider.name), "location_id")
    problem = rules.period_problem(valid_from, valid_until)
    if problem == "missing":
        raise ContractError(_("Vul de ingangsdatum in."), "valid_from")
    if problem == "order":
        raise ContractError(_("De einddatum ligt vóór de ingangsdatum."), "valid_until")
    product = find_product(region, product_code)
    _check_overlap(provider, product, rules.Period(valid_from, valid_until))
    contract = Contract(region_id=region.id, provider_id=provider.id, product_id=product.id, valid_from=valid_from, valid_until=valid_until)
    db.session.add(contract)
    offering = db.session.scalar(sa.select(Offering).where(Offering.location_id == location.id, Offering.product_id == product.id))
    created = offering is None
    if created:
        # No figures yet: the provider fills them in (and the monthly reminder asks for them).
        offering = Offering(provider_id=provider.id, location_id=location.id, product_id=product.id, intake_status="open")
        db.session.add(offering)
    db.session.flush()
    changes = {"valid_from": [None, _fmt(valid_from)], "valid_until": [None, _fmt(valid_until)], "location": [None, location.name]}
    if created:
        changes["offering"] = [None, f"{location.name} / {product.code}"]
    audit.record(actor, region_id=region.id, action="contract.create", entity="contract", entity_id=contract.id,
                 summary=_summary(contract), changes=changes)
    db.session.commit()
    return contract, offering, created


def end_contract(actor, contract: Contract, end: dt.date) -> None:
    """The contract's last day becomes `end`; from the next day its offerings leave search, reminders and
    the compliance denominator. Records and commits, or raises ContractError."""
    problem = rules.end_problem(rules.Period(contract.valid_from, contract.valid_until), end)
    if problem == "before_start":
        raise ContractError(_("De einddatum ligt vóór de ingangsdatum van het contract (%(start)s).", start=contract.valid_from.strftime("%d-%m-%Y")), "end")
    if problem == "after_end":
        raise ContractError(_("Het contract loopt al af op %(until)s. Een latere datum is een verlenging.", until=contract.valid_until.strftime("%d-%m-%Y")), "end")
    old = contract.valid_until
    contract.valid_until = end
    audit.record(actor, region_id=contract.region_id, action="contract.end", entity="contract", entity_id=contract.id,
                 summary=_summary(contract), changes={"valid_until": [_fmt(old), _fmt(end)]})
    db.session.commit()


def extension_preview(region: Region, year: int) -> tuple[list[tuple[Contract, rules.Extension]], list[Contract]]:
    """What extending `year` would do: (contract, extension) pairs, and the contracts skipped because the
    same provider already holds a contract for that product in the new period."""
    ending = list(db.session.scalars(
        sa.select(Contract).where(Contract.region_id == region.id, Contract.valid_until == rules.year_end(year))
    ))
    by_id = {c.id: c for c in ending}
    plan, skipped = [], []
    for extension in rules.plan_extension(((c.id, c.valid_until) for c in ending), year):
        contract = by_id[extension.contract_id]
        try:
            _check_overlap(contract.provider, contract.product, rules.Period(contract.valid_from, extension.new_until), skip_id=contract.id)
        except ContractError:
            skipped.append(contract)
            continue
        plan.append((contract, extension))
    plan.sort(key=lambda pair: (pair[0].provider.name, pair[0].product.code))
    return plan, skipped


def extend_contracts(actor, region: Region, year: int, expected: int) -> int:
    """Extend every contract of the preview, all or nothing; `expected` is how many the confirmed preview
    showed (a different number: the register changed meanwhile, 409). Records one event per contract."""
    plan, _skipped = extension_preview(region, year)
    if len(plan) != expected:
        raise ContractError(_("Het aantal contracten is veranderd sinds het overzicht (nu %(n)d). Bekijk het overzicht opnieuw.", n=len(plan)), None, 409)
    for contract, extension in plan:
        contract.valid_until = extension.new_until
        audit.record(actor, region_id=region.id, action="contract.extend", entity="contract", entity_id=contract.id,
                     summary=_summary(contract), changes={"valid_until": [_fmt(extension.old_until), _fmt(extension.new_until)]})
    db.session.commit()
    return len(plan)
