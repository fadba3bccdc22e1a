"""GeoNames postal codes (NL.txt) parsed into clean PC4s, woonplaatsen and gemeenten, in pure Python.

The importer (`beschikbaarheid.places.import_geonames`) writes what `parse_geonames` returns; the
resolver (`domain.places`) never reads this file format.
"""
from __future__ import annotations

import math
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

GEONAMES_COLUMNS = 12
# Generous box around the Netherlands (incl. the Wadden islands and South Limburg); a point outside
# is a data error, not a place we can search from.
NL_BOUNDS = (50.70, 53.60, 3.30, 7.25)  # min_lat, max_lat, min_lon, max_lon
# A row is a misplaced point when it lies farther than OUTLIER_KM from the median of the other PC4s
# with the same first three digits AND farther than OUTLIER_SPREAD_FACTOR times their typical
# distance to that median. Measured on NL.txt: it drops 3062 Rotterdam (42 km out at sea, 16x) and
# rows that reuse a PC4 of another region (9999 Roermond, 3523 Ouddorp, 2324 Amersfoort, ...), while
# islands and outer areas in spread-out groups (Schiermonnikoog 29 km/8x, Eemshaven 34 km/11.8x,
# Maasvlakte 24 km) stay.
OUTLIER_KM = 30.0
OUTLIER_SPREAD_FACTOR = 12.0

PROVINCES_NL = {
    "North Brabant": "Noord-Brabant",
    "North Holland": "Noord-Holland",
    "South Holland": "Zuid-Holland",
    "Guelders": "Gelderland",
    "Friesland": "Fryslân",
}

_MUNICIPALITY_SUFFIX_RE = re.compile(r"\s+municipal\w*\s*$", re.IGNORECASE)
_MUNICIPALITY_PREFIX_RE = re.compile(r"^\s*gemeente\s+", re.IGNORECASE)
# Known wrong municipality names in GeoNames, by CBS code (0267 is Nijkerk, GeoNames says Hoogland).
MUNICIPALITY_NAME_FIXES = {"0267": "Nijkerk"}

SKIP_REASONS = {
    "country": "ander land dan NL",
    "postcode": "geen geldige postcode (vier cijfers)",
    "place": "geen plaatsnaam",
    "coordinates": "geen of ongeldige coördinaten",
    "outside": "coördinaten buiten Nederland",
    "outlier": "coördinaten ver van de buurpostcodes, een fout in de bron",
}


def clean_municipality_name(raw: str) -> str:
    """'Helmond Municipality' / 'Gemeente Helmond' -> 'Helmond' (GeoNames mixes both, with typos)."""
    name = _MUNICIPALITY_SUFFIX_RE.sub("", raw or "")
    name = _MUNICIPALITY_PREFIX_RE.sub("", name)
    return " ".join(name.split()).strip(" .,;")


def _km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Equirectangular distance; plenty accurate for an outlier test inside one country."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371.0 * math.hypot(x, y)


@dataclass
class GeoRow:
    """One usable GeoNames row."""

    line: int
    pc4: str
    place: str
    province: str | None
    municipality: str | None
    cbs_code: str | None
    lat: float
    lon: float


@dataclass
class GeoPc4:
    """A PC4 after merging duplicate rows."""

    pc4: str
    woonplaats: str
    cbs_code: str | None
    lat: float
    lon: float


@dataclass
class GeoNamesData:
    """Everything the importer needs, aggregated and cleaned."""

    pc4s: dict[str, GeoPc4] = field(default_factory=dict)
    # (woonplaats name, cbs code) -> (lat, lon)
    woonplaatsen: dict[tuple[str, str], tuple[float, float]] = field(default_factory=dict)
    # cbs code -> (name, province, lat, lon)
    gemeenten: dict[str, tuple[str, str | None, float, float]] = field(default_factory=dict)
    rows: int = 0
    skipped: Counter = field(default_factory=Counter)  # reason key -> count
    skipped_lines: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    duplicate_rows_merged: int = 0
    pc4_without_municipality: int = 0


class GeoNamesFormatError(ValueError):
    """The file is not a GeoNames postal-code file; nothing may be imported from it."""


def _mean(points: list[tuple[float, float]]) -> tuple[float, float]:
    return (round(statistics.fmean(p[0] for p in points), 6), round(statistics.fmean(p[1] for p in points), 6))


def parse_geonames(lines: Iterable[str]) -> GeoNamesData:
    """Clean and aggregate GeoNames rows.

    Duplicate PC4 rows (one postcode shared by two villages) are merged: the PC4 gets the mean of
    their coordinates and the first row's woonplaats; every row still counts for its own
    woonplaats. Rows without coordinates, outside NL or far from their neighbours are skipped.
    """
    data = GeoNamesData()
    rows: list[GeoRow] = []
    bad_columns: list[int] = []
    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip():
            continue
        cols = line.split("\t")
        if len(cols) != GEONAMES_COLUMNS:
            bad_columns.append(number)
            continue
        data.rows += 1
        country, pc4, place, province, _pcode, muni, cbs, _a, _b, lat_s, lon_s, _acc = (c.strip() for c in cols)

        def skip(reason: str) -> None:
            data.skipped[reason] += 1
            data.skipped_lines[reason].append(number)

        if country.upper() != "NL":
            skip("country")
            continue
        if not re.fullmatch(r"[1-9]\d{3}", pc4):
            skip("postcode")
            continue
        if not place:
            skip("place")
            continue
        try:
            lat, lon = float(lat_s), float(lon_s)
        except ValueError:
            skip("coordinates")
            continue
        if not (math.isfinite(lat) and math.isfinite(lon)):
            skip("coordinates")
            continue
        min_lat, max_lat, min_lon, max_lon = NL_BOUNDS
        if not (min_lat <= lat <= max_lat and min_lon <= lon <= max_lon):
            skip("outside")
            continue
        cbs_code = cbs.zfill(4) if cbs.isdigit() else None
        rows.append(
            GeoRow(number, pc4, place, PROVINCES_NL.get(province, province) or None,
                   clean_municipality_name(muni) or None, cbs_code, lat, lon)
        )
    if bad_columns:
        shown = ", ".join(str(n) for n in bad_columns[:5]) + (" ..." if len(bad_columns) > 5 else "")
        raise GeoNamesFormatError(
            f"Dit is geen GeoNames-postcodebestand: {len(bad_columns)} regel(s) hebben niet "
            f"{GEONAMES_COLUMNS} kolommen (regel {shown}). Er is niets geïmporteerd."
        )

    # Outliers: compare each point with the median of the other PC4s sharing its first 3 digits.
    by_pc3: dict[str, list[GeoRow]] = defaultdict(list)
    for row in rows:
        by_pc3[row.pc4[:3]].append(row)
    kept: list[GeoRow] = []
    for row in rows:
        others = [r for r in by_pc3[row.pc4[:3]] if r.pc4 != row.pc4]
        if len(others) >= 3:
            mlat = statistics.median(r.lat for r in others)
            mlon = statistics.median(r.lon for r in others)
            spread = max(1.0, statistics.median(_km(r.lat, r.lon, mlat, mlon) for r in others))
            distance = _km(row.lat, row.lon, mlat, mlon)
            if distance > OUTLIER_KM and distance > OUTLIER_SPREAD_FACTOR * spread:
                data.skipped["outlier"] += 1
                data.skipped_lines["outlier"].append(row.line)
                continue
        kept.append(row)

    pc4_points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    first: dict[str, GeoRow] = {}
    place_points: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    muni_points: dict[str, list[tuple[float, float]]] = defaultdict(list)
    muni_names: dict[str, Counter] = defaultdict(Counter)
    muni_province: dict[str, str | None] = {}
    for row in kept:
        if row.pc4 in first:
            data.duplicate_rows_merged += 1
            # A duplicate without a municipality must not hide one that has it.
            if first[row.pc4].cbs_code is None and row.cbs_code:
                first[row.pc4] = row
        else:
            first[row.pc4] = row
        pc4_points[row.pc4].append((row.lat, row.lon))
        if row.cbs_code:
            place_points[(row.place, row.cbs_code)].append((row.lat, row.lon))
            muni_points[row.cbs_code].append((row.lat, row.lon))
            if row.municipality:
                muni_names[row.cbs_code][row.municipality] += 1
            muni_province.setdefault(row.cbs_code, row.province)

    for pc4, points in pc4_points.items():
        lat, lon = _mean(points)
        head = first[pc4]
        data.pc4s[pc4] = GeoPc4(pc4, head.place, head.cbs_code, lat, lon)
        if head.cbs_code is None:
            data.pc4_without_municipality += 1
    for ident, points in place_points.items():
        data.woonplaatsen[ident] = _mean(points)
    for cbs, points in muni_points.items():
        name = MUNICIPALITY_NAME_FIXES.get(cbs) or (muni_names[cbs].most_common(1)[0][0] if muni_names[cbs] else cbs)
        lat, lon = _mean(points)
        data.gemeenten[cbs] = (name, muni_province.get(cbs), lat, lon)
    return data
