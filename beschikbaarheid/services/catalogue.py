"""A region's product catalogue in the browser: add and edit products, deactivate what is in use,
and try a need against the catalogue exactly as the search matches it.

Each change records its audit event in the same transaction and commits; a refused change raises
`CatalogueError` with a Dutch message and saves nothing.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _

from beschikbaarheid.domain import register_admin as rules
from beschikbaarheid.domain.matching import Need, NeedNotFound, match_need
from beschikbaarheid.extensions import db
from beschikbaarheid.models import CATEGORY_LABELS, SEGMENT_LABELS, Contract, Offering, Product, Region
from beschikbaarheid.search.reads import catalogue
from beschikbaarheid.services import audit

PRODUCT_FIELDS = ("code", "name", "category", "segment", "form", "keywords", "description", "waiting_norm_weeks", "active")


class CatalogueError(ValueError):
    """A change the catalogue refuses; `field` names the form field it is about (or None)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


def products(region: Region) -> list[Product]:
    """The region's products by code, deactivated ones included."""
    return list(db.session.scalars(sa.select(Product).where(Product.region_id == region.id).order_by(Product.code)))


def in_use(product: Product) -> bool:
    """An offering or a contract names the product: it can be deactivated, never deleted."""
    for model in (Offering, Contract):
        if db.session.scalar(sa.select(sa.func.count()).select_from(model).where(model.product_id == product.id)):
            return True
    return False


def _summary(product: Product) -> str:
    return f"{product.code} {product.name}"


def save_product(actor, region: Region, product: Product | None, values: dict) -> Product:
    """Create (product None) or change a product from checked form values; records and commits."""
    code = rules.normalise_code(values["code"])
    if rules.code_problem(code):
        raise CatalogueError(_("Vul een productcode in van 2 cijfers (de iJw-categorie 40 tot en met 55) en een productcode, bijvoorbeeld 43A10."), "code")
    clash = db.session.scalar(sa.select(Product).where(Product.region_id == region.id, Product.code == code))
    if clash is not None and clash is not product:
        raise CatalogueError(_("Productcode %(code)s bestaat al in deze regio (%(name)s).", code=code, name=clash.name), "code")
    creating = product is None
    before = {} if creating else audit.snapshot(product, PRODUCT_FIELDS)
    if creating:
        product = Product(region_id=region.id, active=True)
        db.session.add(product)
    product.code = code
    product.category = rules.category_of(code)
    product.name = values["name"]
    product.segment = values["segment"]
    product.form = values["form"]
    product.keywords = values.get("keywords") or ""
    product.description = values.get("description") or ""
    product.waiting_norm_weeks = values.get("waiting_norm_weeks")
    db.session.flush()
    after = audit.snapshot(product, PRODUCT_FIELDS)
    changes = audit.diff(before, after)
    if changes:
        audit.record(actor, region_id=region.id, action="product.create" if creating else "product.update", entity="product",
                     entity_id=product.id, summary=_summary(product), changes=changes)
    db.session.commit()
    return product


def set_active(actor, product: Product, active: bool) -> bool:
    """Deactivate (it leaves the catalogue a need is matched against) or reactivate; records and commits.
    Returns False when the product already was in that state (nothing recorded)."""
    if product.active == active:
        return False
    product.active = active
    audit.record(actor, region_id=product.region_id, action="product.update" if active else "product.deactivate",
                 entity="product", entity_id=product.id, summary=_summary(product),
                 changes={"active": [audit.as_text(not active), audit.as_text(active)]})
    db.session.commit()
    return True


@dataclass
class TriedNeed:
    """What the search would make of a typed need in this region: the products and why each matched."""

    need: Need | None
    error: str | None
    suggestions: list[str]
    matches: list[tuple[Product, float, str]]  # product, strength 0..1, why (Dutch)


def _why(kind: str, product: Product) -> str:
    texts = {
        "code": _("de productcode is getypt"),
        "name": _("de naam of een trefwoord lijkt op de hulpvraag"),
        "form": _("de hulpvraag noemt de vorm van hulp (%(form)s)", form=product.form_label),
        "segment": _("de hulpvraag noemt het segment"),
        "category": _("de hulpvraag noemt de iJw-categorie"),
    }
    return texts.get(kind, kind)


def try_need(region: Region, text: str) -> TriedNeed:
    """Match `text` against the region's active catalogue with the search's own call of match_need."""
    try:
        need = match_need(text, catalogue(region.id), segment_labels=SEGMENT_LABELS, category_labels=CATEGORY_LABELS, _=_)
    except NeedNotFound as exc:
        return TriedNeed(None, exc.message, exc.suggestions, [])
    by_id = {p.id: p for p in db.session.scalars(sa.select(Product).where(Product.id.in_(need.product_ids)))}
    ranked = sorted(need.strengths.items(), key=lambda item: (-item[1], by_id[item[0]].code))
    matches = [(by_id[pid], strength, _why(need.product_kinds.get(pid, need.kind), by_id[pid])) for pid, strength in ranked]
    return TriedNeed(need, None, [], matches)
