"""Importing and exporting the register: checks against the database, then one transaction.

Every file is first checked completely (cells in `parsing`, then products here, places and
duplicates of offerings in `offerings`); only a file without a single problem is written, in one transaction, through the offering
service so the history shows each change with via='import'. Re-importing a file changes nothing.
"""
from __future__ import annotations

import csv
import io
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from beschikbaarheid.domain.plain_text import (
    export_text,
    has_control_characters,
    strip_control,
)
from beschikbaarheid.extensions import db
from beschikbaarheid.models import (
    Product,
    Region,
)
from beschikbaarheid.register_io import parsing
from beschikbaarheid.register_io.parsing import (
    PRODUCT_COLUMNS,
    ImportConflict,
    ImportFailed,
    LineError,
    fold,
)


@dataclass
class ImportSummary:
    """What an import did (or would do, for a dry run), in counts and Dutch lines for people."""

    kind: str  # 'products' | 'offerings'
    region: str
    rows: int
    counts: Counter = field(default_factory=Counter)
    warnings: list[LineError] = field(default_factory=list)
    dry_run: bool = False
    region_created: bool = False

    LABELS = {
        "products_created": "producten nieuw",
        "products_updated": "producten gewijzigd",
        "products_unchanged": "producten ongewijzigd",
        "providers_created": "aanbieders nieuw",
        "providers_updated": "aanbieders gewijzigd",
        "locations_created": "locaties nieuw",
        "locations_updated": "locaties gewijzigd",
        "contracts_created": "contracten nieuw",
        "offerings_created": "aanbod nieuw",
        "offerings_updated": "aanbod gewijzigd",
        "offerings_confirmed": "aanbod bevestigd (ongewijzigd, nieuwere datum)",
        "offerings_unchanged": "aanbod ongewijzigd",
        "offerings_skipped": "aanbod overgeslagen (register is nieuwer)",
    }

    @property
    def changed(self) -> bool:
        """True when anything was (or would be) written."""
        return self.region_created or any(
            n for k, n in self.counts.items() if not k.endswith("_unchanged") and not k.endswith("_skipped")
        )

    def lines(self) -> list[str]:
        """The counts as Dutch phrases, in a fixed order, only the ones that are not zero."""
        out = [f"{self.counts[key]} {label}" for key, label in self.LABELS.items() if self.counts.get(key)]
        if self.region_created:
            out.insert(0, f"regio '{self.region}' aangemaakt")
        return out

    def text(self) -> str:
        """One-paragraph summary for the command line and the flash message."""
        head = "Controle geslaagd, niets opgeslagen" if self.dry_run else "Import geslaagd"
        body = ", ".join(self.lines()) or "geen regels"
        return f"{head} ({self.rows} regels, regio {self.region}): {body}."


def find_region(name: str) -> Region | None:
    """A region by name, ignoring case and extra spaces (people type region names by hand)."""
    wanted = fold(name or "")
    if not wanted:
        return None
    for region in db.session.scalars(db.select(Region)):
        if fold(region.name) == wanted:
            return region
    return None


def unknown_region_message(name: str) -> str:
    """Dutch error naming the regions that do exist, so a typo is easy to fix."""
    names = [strip_control(n, keep="") for n in db.session.scalars(db.select(Region.name).order_by(Region.name))]
    known = f"Bekende regio's: {', '.join(names)}." if names else "Er zijn nog geen regio's."
    return f"Regio '{strip_control(name or '', keep='')}' bestaat niet. {known}"


def finish(summary: ImportSummary) -> ImportSummary:
    """Commit the one transaction, or roll it back for a dry run."""
    if summary.dry_run:
        db.session.rollback()
    else:
        db.session.commit()
        refresh_statistics()
    return summary


def refresh_statistics() -> None:
    """Let the database plan queries on what an import brought: without statistics SQLite reads the
    search's candidates through the product index instead of the coordinates (docs/search.md).
    PostgreSQL's autovacuum would get there too, later."""
    db.session.execute(db.text("ANALYZE"))
    db.session.commit()


# ---------------------------------------------------------------------------------------------
# Products


def import_products(region_name: str, data: bytes | str, *, dry_run: bool = False) -> ImportSummary:
    """Upsert a region's catalogue keyed on (region, code); creates the region when new.

    Products missing from the file are left alone: a catalogue file adds and corrects, it never
    deletes (contracts and offerings hang off products).
    """
    if has_control_characters(region_name):
        raise ImportFailed([LineError(None, parsing.CONTROL_MESSAGE.format(what="De regionaam"))])
    region_name = parsing.clean_name(region_name or "")
    if not region_name:
        raise ImportFailed([LineError(None, "Geef de naam van de regio op.")])
    if len(region_name) > 120:
        raise ImportFailed([LineError(None, "De regionaam is langer dan 120 tekens.")])
    parsed = parsing.parse_products(data)
    if parsed.errors:
        raise ImportFailed(parsed.errors)
    try:
        region = find_region(region_name)
        summary = ImportSummary("products", region.name if region else region_name, len(parsed.rows), dry_run=dry_run)
        if region is None:
            region = Region(name=region_name)
            db.session.add(region)
            summary.region_created = True
            existing = {}
        else:
            existing = {p.code: p for p in db.session.scalars(db.select(Product).where(Product.region_id == region.id))}
        for row in parsed.rows:
            values = {"name": row.name, "category": row.category, "segment": row.segment, "form": row.form}
            if row.keywords is not None:
                values["keywords"] = row.keywords
            product = existing.get(row.code)
            if product is None:
                db.session.add(Product(region=region, code=row.code, description="", **{"keywords": "", **values}))
                summary.counts["products_created"] += 1
                continue
            changed = {k: v for k, v in values.items() if getattr(product, k) != v}
            for key, value in changed.items():
                setattr(product, key, value)
            summary.counts["products_updated" if changed else "products_unchanged"] += 1
        return finish(summary)
    except (IntegrityError, StaleDataError):
        # Someone else saved the same provider, product or offering meanwhile: a retry, not a crash.
        db.session.rollback()
        raise ImportConflict() from None
    except Exception:
        db.session.rollback()
        raise


def csv_cells(values) -> list[str]:
    """A row of an export: administrators open these files in Excel, so every text cell is neutralised
    against formulas (also per ';'-part, as Dutch Excel splits there) and stripped of control
    characters; the import undoes the neutralising, so an export imports back unchanged."""
    return [export_text(v) if isinstance(v, str) else v for v in values]


def export_products(region: Region) -> str:
    """The region's catalogue in the import format (',' separated), sorted by code."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(PRODUCT_COLUMNS)
    products = db.session.scalars(db.select(Product).where(Product.region_id == region.id).order_by(Product.code))
    for p in products:
        writer.writerow(csv_cells([p.code, p.name, p.category, p.segment, p.form, p.keywords or ""]))
    return out.getvalue()
