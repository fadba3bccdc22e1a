"""Places service: the cached resolver over the place tables and the GeoNames import (`flask geo import`)."""
from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import gettext

from beschikbaarheid.domain.geonames import (
    SKIP_REASONS,
    GeoNamesData,
    GeoNamesFormatError,
    parse_geonames,
)
from beschikbaarheid.domain.places import (
    PlaceIndex,
    PlaceNotFound,  # noqa: F401  (re-exported: callers catch it from here too)
    PlaceRecord,
    Resolved,
)
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Municipality, Pc4Area, Woonplaats

SOURCE = "geonames"
# Sources the GeoNames import may overwrite: its own rows and the approximate demo places.
# Anything else (a coordinate an administrator entered) is left alone.
REPLACEABLE_SOURCES = {SOURCE, "demo"}
EXTENSION_KEY = "places"
# Another process (the `geo import` CLI, the demo loader) cannot bump this process's counter, so
# a built index also checks a cheap fingerprint of the tables now and then.
RECHECK_SECONDS = 60.0


# -- the cached index ----------------------------------------------------------------------------


def _state(app: Flask) -> dict[str, Any]:
    """Per-app cache slot: every app (and so every database, and every test app) has its own."""
    return app.extensions.setdefault(EXTENSION_KEY, {"version": 0, "index": None, "built": -1, "fingerprint": None, "checked": 0.0})


def _fingerprint() -> tuple:
    """Row counts and coordinate sums: changes whenever places are added, removed or moved."""
    parts: list[Any] = []
    for model in (Municipality, Woonplaats, Pc4Area):
        count, lat_sum, lon_sum = db.session.execute(
            sa.select(sa.func.count(), sa.func.sum(model.lat), sa.func.sum(model.lon)).select_from(model)
        ).one()
        parts.extend((count, round(lat_sum or 0.0, 4), round(lon_sum or 0.0, 4)))
    return tuple(parts)


def place_records() -> list[PlaceRecord]:
    """Everything resolvable, read from the three place tables in three queries."""
    munis = {m.id: m for m in db.session.scalars(sa.select(Municipality))}
    records: list[PlaceRecord] = []
    for m in munis.values():
        if m.lat is not None and m.lon is not None:
            records.append(PlaceRecord("gemeente", m.name, m.lat, m.lon, m.name, m.cbs_code))
    known_woonplaatsen: set[tuple[str, int | None]] = set()
    for w in db.session.scalars(sa.select(Woonplaats)):
        m = munis.get(w.municipality_id)
        records.append(PlaceRecord("woonplaats", w.name, w.lat, w.lon, m.name if m else None, m.cbs_code if m else None))
        known_woonplaatsen.add((w.name, w.municipality_id))
    # PC4 areas whose woonplaats has no row of its own (GeoNames gives no municipality for e.g.
    # Hellevoetsluis, and a Woonplaats needs one) still make that name findable: mean of its PC4s.
    orphans: dict[tuple[str, int | None], list[tuple[float, float]]] = {}
    for p in db.session.scalars(sa.select(Pc4Area)):
        m = munis.get(p.municipality_id) if p.municipality_id else None
        records.append(PlaceRecord("pc4", p.pc4, p.lat, p.lon, m.name if m else None, m.cbs_code if m else None, p.woonplaats))
        if p.woonplaats and (p.woonplaats, p.municipality_id) not in known_woonplaatsen:
            orphans.setdefault((p.woonplaats, p.municipality_id), []).append((p.lat, p.lon))
    for (name, muni_id), points in orphans.items():
        m = munis.get(muni_id) if muni_id else None
        lat = sum(pt[0] for pt in points) / len(points)
        lon = sum(pt[1] for pt in points) / len(points)
        records.append(PlaceRecord("woonplaats", name, lat, lon, m.name if m else None, m.cbs_code if m else None))
    return records


def place_index() -> PlaceIndex:
    """The resolver for the current app's database, built once per version of the place tables."""
    state = _state(current_app)
    now = time.monotonic()
    if state["index"] is not None and state["built"] == state["version"]:
        if now - state["checked"] < current_app.config.get("PLACE_INDEX_RECHECK_SECONDS", RECHECK_SECONDS):
            return state["index"]
        state["checked"] = now
        if _fingerprint() == state["fingerprint"]:
            return state["index"]
    version = state["version"]
    fingerprint = _fingerprint()
    index = PlaceIndex(place_records())
    state.update(index=index, built=version, fingerprint=fingerprint, checked=now)
    return index


def invalidate_place_index() -> None:
    """Forget the cached resolver; call after anything that adds, removes or moves places."""
    state = _state(current_app)
    state["version"] += 1
    state["index"] = None


def resolve_place(query: str) -> Resolved:
    """Resolve a postcode or place name typed by a user; raises PlaceNotFound with a message in the user's language."""
    return place_index().resolve(query, _=gettext)


# -- GeoNames import -----------------------------------------------------------------------------


class GeoImportError(Exception):
    """The file cannot be imported at all; the message is Dutch and shown as is."""


def _read_lines(path: str | Path) -> list[str]:
    """The file's lines, or GeoImportError with a message a user understands."""
    file = Path(path)
    if not file.exists():
        raise GeoImportError(f"Bestand niet gevonden: {file}")
    if not file.is_file():
        raise GeoImportError(f"Dit is geen bestand: {file}")
    try:
        with file.open(encoding="utf-8-sig", newline="") as fh:
            return fh.read().splitlines()
    except UnicodeDecodeError:
        raise GeoImportError(f"Bestand {file} is geen UTF-8-tekst; is dit wel een GeoNames-postcodebestand?") from None
    except OSError as exc:
        raise GeoImportError(f"Bestand {file} kan niet worden gelezen: {exc.strerror or exc}") from None


def _close(a: float | None, b: float | None) -> bool:
    return a is not None and b is not None and abs(a - b) < 1e-6


def import_geonames(path: str | Path, *, echo: Callable[[str], Any] | None = None) -> dict:
    """Upsert PC4s, woonplaatsen and gemeenten from a GeoNames file; running it twice changes nothing.

    Existing municipalities are matched on CBS code and keep their name, region and subregion; they
    only get coordinates (and a province) when they had none.
    """
    say = echo or (lambda _msg: None)
    lines = _read_lines(path)
    try:
        data: GeoNamesData = parse_geonames(lines)
    except GeoNamesFormatError as exc:
        raise GeoImportError(str(exc)) from None
    if not data.pc4s:
        raise GeoImportError("Het bestand bevat geen bruikbare postcodes; er is niets geïmporteerd.")
    say(f"{data.rows} regels gelezen, {len(data.pc4s)} postcodegebieden, {len(data.woonplaatsen)} woonplaatsen, {len(data.gemeenten)} gemeenten.")

    counts: dict[str, Any] = {
        "rows": data.rows,
        "gemeenten": {"inserted": 0, "updated": 0, "unchanged": 0},
        "woonplaatsen": {"inserted": 0, "updated": 0, "unchanged": 0, "kept": 0},
        "pc4": {"inserted": 0, "updated": 0, "unchanged": 0, "kept": 0},
        "duplicate_rows_merged": data.duplicate_rows_merged,
        "pc4_without_municipality": data.pc4_without_municipality,
        "skipped": {SKIP_REASONS[k]: v for k, v in sorted(data.skipped.items())},
        "skipped_lines": {SKIP_REASONS[k]: list(v) for k, v in sorted(data.skipped_lines.items())},
    }
    try:
        muni_ids = _upsert_municipalities(data, counts["gemeenten"])
        _upsert_woonplaatsen(data, muni_ids, counts["woonplaatsen"])
        _upsert_pc4s(data, muni_ids, counts["pc4"])
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    invalidate_place_index()
    return counts


def _upsert_municipalities(data: GeoNamesData, c: dict) -> dict[str, int]:
    """Insert unknown municipalities; complete known ones without touching region membership."""
    existing = {m.cbs_code: m for m in db.session.scalars(sa.select(Municipality))}
    new_rows = []
    for cbs, (name, province, lat, lon) in sorted(data.gemeenten.items()):
        m = existing.get(cbs)
        if m is None:
            new_rows.append({"cbs_code": cbs, "name": name, "province": province, "lat": lat, "lon": lon})
            c["inserted"] += 1
            continue
        changed = False
        if m.lat is None or m.lon is None:
            m.lat, m.lon = lat, lon
            changed = True
        if not m.province and province:
            m.province = province
            changed = True
        c["updated" if changed else "unchanged"] += 1
    if new_rows:
        db.session.execute(sa.insert(Municipality), new_rows)
    db.session.flush()
    return dict(db.session.execute(sa.select(Municipality.cbs_code, Municipality.id)).tuples().all())


def _upsert_woonplaatsen(data: GeoNamesData, muni_ids: dict[str, int], c: dict) -> None:
    """Woonplaats coordinate = mean of its PC4 rows; unique per (name, municipality)."""
    existing = {(w.name, w.municipality_id): w for w in db.session.execute(sa.select(Woonplaats.id, Woonplaats.name, Woonplaats.municipality_id, Woonplaats.lat, Woonplaats.lon, Woonplaats.source)).all()}
    inserts, updates = [], []
    for (name, cbs), (lat, lon) in sorted(data.woonplaatsen.items()):
        muni_id = muni_ids[cbs]
        w = existing.get((name, muni_id))
        if w is None:
            inserts.append({"name": name, "municipality_id": muni_id, "lat": lat, "lon": lon, "source": SOURCE})
            c["inserted"] += 1
        elif w.source not in REPLACEABLE_SOURCES:
            c["kept"] += 1
        elif _close(w.lat, lat) and _close(w.lon, lon) and w.source == SOURCE:
            c["unchanged"] += 1
        else:
            updates.append({"id": w.id, "lat": lat, "lon": lon, "source": SOURCE})
            c["updated"] += 1
    if inserts:
        db.session.execute(sa.insert(Woonplaats), inserts)
    if updates:
        db.session.execute(sa.update(Woonplaats), updates)


def _upsert_pc4s(data: GeoNamesData, muni_ids: dict[str, int], c: dict) -> None:
    """PC4 rows keyed on the postcode; a demo PC4 is replaced by the real centroid."""
    existing = {p.pc4: p for p in db.session.execute(sa.select(Pc4Area.pc4, Pc4Area.woonplaats, Pc4Area.municipality_id, Pc4Area.lat, Pc4Area.lon, Pc4Area.source)).all()}
    inserts, updates = [], []
    for pc4, entry in sorted(data.pc4s.items()):
        muni_id = muni_ids.get(entry.cbs_code) if entry.cbs_code else None
        row = {"pc4": pc4, "woonplaats": entry.woonplaats, "municipality_id": muni_id, "lat": entry.lat, "lon": entry.lon, "source": SOURCE}
        p = existing.get(pc4)
        if p is None:
            inserts.append(row)
            c["inserted"] += 1
        elif p.source not in REPLACEABLE_SOURCES:
            c["kept"] += 1
        elif (p.woonplaats, p.municipality_id, p.source) == (entry.woonplaats, muni_id, SOURCE) and _close(p.lat, entry.lat) and _close(p.lon, entry.lon):
            c["unchanged"] += 1
        else:
            updates.append(row)
            c["updated"] += 1
    if inserts:
        db.session.execute(sa.insert(Pc4Area), inserts)
    if updates:
        db.session.execute(sa.update(Pc4Area), updates)


def summary_lines(counts: dict) -> list[str]:
    """The Dutch report of an import, one fact per line."""
    def part(c: dict) -> str:
        text = f"{c['inserted']} nieuw, {c['updated']} bijgewerkt, {c['unchanged']} ongewijzigd"
        return text + (f", {c['kept']} handmatig ingevoerd en niet overschreven" if c.get("kept") else "")

    lines = [
        f"GeoNames-import klaar: {counts['rows']} regels gelezen.",
        f"Postcodegebieden (PC4): {part(counts['pc4'])}.",
        f"Woonplaatsen: {part(counts['woonplaatsen'])}.",
        f"Gemeenten: {part(counts['gemeenten'])} (regio en subregio van bestaande gemeenten blijven staan).",
    ]
    if counts["duplicate_rows_merged"]:
        lines.append(f"{counts['duplicate_rows_merged']} dubbele postcoderegels samengevoegd (gemiddelde van de coördinaten).")
    if counts["pc4_without_municipality"]:
        lines.append(f"{counts['pc4_without_municipality']} postcodegebieden zonder gemeente in de bron (wel vindbaar op postcode en plaatsnaam).")
    for reason, n in counts["skipped"].items():
        shown = ", ".join(str(x) for x in counts["skipped_lines"][reason][:10])
        more = " ..." if len(counts["skipped_lines"][reason]) > 10 else ""
        lines.append(f"Overgeslagen: {n} regel(s) met {reason} (regel {shown}{more}).")
    return lines

