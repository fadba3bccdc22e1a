"""The national JZ21 product code list as a region's catalogue, for tests only.

Reads ../shared/catalogue/jz21_productcodes.tsv at run time (it is reference data and is never
copied into the repository, like ../shared/geodata) and builds CatalogueProduct objects the way a
region importing the list would: code, name, category; segment and form derived from the category
and `dimensie_hulpvorm` only, and no keywords, because the national list has none.
"""
from __future__ import annotations

import csv
from pathlib import Path

from beschikbaarheid.domain.matching import CatalogueProduct

JZ21_PATH = Path(__file__).resolve().parents[3] / "shared" / "catalogue" / "jz21_productcodes.tsv"


def form_of(category: str, hulpvorm: str) -> str:
    """A FormOfCare value from the category and the list's `dimensie_hulpvorm`."""
    vorm = hulpvorm.casefold()
    if category == "46":
        return "crisis"
    if vorm.startswith("met verblijf"):
        return "wonen" if ("pleegzorg" in vorm or "gezinsgericht" in vorm) else "verblijf"
    if "daghulp" in vorm or (category == "41" and vorm in ("", "-")):
        return "dagbehandeling"
    if category in ("43", "44"):
        return "verblijf"
    return "ambulant"


SEGMENT_OF_FORM = {"crisis": 5, "wonen": 2, "dagbehandeling": 3, "verblijf": 1, "ambulant": 4}


def jz21_catalogue(path: Path = JZ21_PATH) -> list[CatalogueProduct]:
    """Every row of the list as a product without keywords (ids are the row numbers)."""
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    products = []
    for number, row in enumerate(rows, start=1):
        code = row["productcode"].strip()
        category = code[:2]
        form = form_of(category, (row.get("dimensie_hulpvorm") or "").strip())
        products.append(CatalogueProduct(number, code, row["omschrijving"].strip(), category, SEGMENT_OF_FORM[form], form))
    return products
