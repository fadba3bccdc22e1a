"""The places service on both databases: `geo import` of the real GeoNames file and the cached resolver."""
from __future__ import annotations

import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from beschikbaarheid import create_app
from beschikbaarheid.domain.places import PlaceNotFound
from beschikbaarheid.extensions import db
from beschikbaarheid.models import Municipality, Pc4Area, Region, Woonplaats
from beschikbaarheid.places import import_geonames, invalidate_place_index, place_index, resolve_place
from tests.helpers import ROOT

# The shared data lives next to the repository, never inside it.
NL_TXT = ROOT.parent / "shared" / "geodata" / "NL.txt"


def _snapshot() -> dict:
    """Every place row, so a re-import can be compared exactly."""
    return {
        "pc4": sorted(db.session.execute(sa.select(Pc4Area.pc4, Pc4Area.woonplaats, Pc4Area.municipality_id, Pc4Area.lat, Pc4Area.lon, Pc4Area.source)).all()),
        "woonplaats": sorted(db.session.execute(sa.select(Woonplaats.id, Woonplaats.name, Woonplaats.municipality_id, Woonplaats.lat, Woonplaats.lon, Woonplaats.source)).all()),
        "gemeente": sorted(db.session.execute(sa.select(Municipality.id, Municipality.cbs_code, Municipality.name, Municipality.province, Municipality.lat, Municipality.lon)).all()),
    }


def test_geo_import_of_the_real_file_makes_postcodes_and_places_resolvable(app, runner):
    assert NL_TXT.is_file(), f"GeoNames-bestand ontbreekt: {NL_TXT}"
    result = runner.invoke(args=["geo", "import", str(NL_TXT)])
    assert result.exit_code == 0, result.output
    assert "GeoNames-import klaar: 4334 regels gelezen." in result.output
    assert "Postcodegebieden (PC4): 4084 nieuw, 0 bijgewerkt, 0 ongewijzigd." in result.output
    assert "dubbele postcoderegels samengevoegd" in result.output
    assert "Overgeslagen: 11 regel(s) met coördinaten ver van de buurpostcodes" in result.output

    with app.app_context():
        first = _snapshot()
        # One row per PC4 even though NL.txt lists some postcodes more than once.
        assert len(first["pc4"]) == len({p[0] for p in first["pc4"]}) == 4084
        # 7887 is shared by Erica and Emmer-Compascuum (and Collendoorn): one area at their mean.
        erica = db.session.get(Pc4Area, "7887")
        assert erica.woonplaats == "Erica" and 52.70 < erica.lat < 52.75
        names = [g[2] for g in first["gemeente"]]
        assert "Helmond" in names and not any("unicipal" in n or n.startswith("Gemeente ") for n in names)

        assert resolve_place("5701").label == "5701 Helmond"
        assert resolve_place("5701 AB").pc4 == "5701"
        helmond = resolve_place("Helmond")
        assert (helmond.kind, helmond.cbs_code) == ("woonplaats", "0794")
        assert 51.4 < helmond.lat < 51.55 and 5.6 < helmond.lon < 5.75
        assert (resolve_place("Gemert-Bakel").kind, resolve_place("Gemert-Bakel").cbs_code) == ("gemeente", "1652")
        assert resolve_place("Hemond").corrected_from == "Hemond"
        assert resolve_place("Hellevoetsluis").lat == pytest.approx(51.835, abs=0.01)  # PC4s without a municipality
        # 3062 lies in the sea in GeoNames: dropped, and the neighbours are offered instead.
        with pytest.raises(PlaceNotFound) as err:
            resolve_place("3062")
        assert err.value.code == "unknown" and "3061 Rotterdam" in err.value.suggestions

        # Every autocomplete label and every PC4 label can be typed back in.
        index = place_index()
        for first_letter in "abcdefghijklmnopqrstuvwxyz":
            for second_letter in "abcdefghijklmnopqrstuvwxyz":
                for label in index.suggest(first_letter + second_letter):
                    assert index.resolve(label).label == label
        for pc4, town in db.session.execute(sa.select(Pc4Area.pc4, Pc4Area.woonplaats)):
            assert index.resolve(f"{pc4} {town}").pc4 == pc4  # e.g. '7877 2e Valthermond'

        queries = ["5701", "5701 AB", "Helmond", "Gemert-Bakel", "Hemond", "Eindhovn", "Xyzzy", "Hengelo"] * 100
        started = time.perf_counter()
        for query in queries:
            try:
                resolve_place(query)
            except PlaceNotFound:
                pass
        per_query_ms = (time.perf_counter() - started) * 1000 / len(queries)
        assert per_query_ms < 1.0, f"{per_query_ms:.3f} ms per query"

    again = runner.invoke(args=["geo", "import", str(NL_TXT)])
    assert again.exit_code == 0, again.output
    assert "Postcodegebieden (PC4): 0 nieuw, 0 bijgewerkt, 4084 ongewijzigd." in again.output
    assert "Woonplaatsen: 0 nieuw, 0 bijgewerkt," in again.output
    assert "Gemeenten: 0 nieuw, 0 bijgewerkt," in again.output
    with app.app_context():
        assert _snapshot() == first


def _geonames_file(tmp_path: Path, rows: list[tuple], name: str = "mini.txt") -> Path:
    """A small made-up GeoNames file in the real format."""
    lines = ["\t".join(["NL", pc4, place, "North Brabant", "06", muni, cbs, "", "", lat, lon, "6"]) for pc4, place, muni, cbs, lat, lon in rows]
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


MINI = [
    ("5701", "Helmond", "Gemeente Helmond", "0794", "51.481", "5.6637"),
    ("5702", "Helmond", "Gemeente Helmond", "0794", "51.47", "5.67"),
    ("5421", "Gemert", "Gemert-Bakel Municipality", "1652", "51.556", "5.69"),
    ("5422", "Gemert", "Gemert-Bakel Municipality", "1652", "51.55", "5.70"),
    ("5423", "Gemert", "Gemert-Bakel Municipality", "1652", "", ""),
]


def test_import_keeps_region_membership_and_manual_places(app, tmp_path):
    with app.app_context():
        region = Region(name="Een 10 voor de Jeugd")
        db.session.add(region)
        helmond = Municipality(cbs_code="0794", name="Helmond", region=region, subregion="Helmond-De Peel", lat=51.48, lon=5.66)
        db.session.add(helmond)
        db.session.flush()
        db.session.add_all([
            Pc4Area(pc4="5701", woonplaats="Helmond", municipality_id=helmond.id, lat=51.0, lon=5.0, source="demo"),
            Pc4Area(pc4="5702", woonplaats="Helmond", municipality_id=helmond.id, lat=51.1, lon=5.1, source="beheer"),
        ])
        db.session.commit()

        counts = import_geonames(_geonames_file(tmp_path, MINI))
        assert counts["gemeenten"] == {"inserted": 1, "updated": 1, "unchanged": 0}  # Helmond got a province
        assert counts["pc4"] == {"inserted": 2, "updated": 1, "unchanged": 0, "kept": 1}
        assert counts["skipped"] == {"geen of ongeldige coördinaten": 1}
        assert counts["skipped_lines"] == {"geen of ongeldige coördinaten": [5]}

        db.session.expire_all()
        helmond = db.session.scalar(sa.select(Municipality).where(Municipality.cbs_code == "0794"))
        assert (helmond.region.name, helmond.subregion, helmond.lat, helmond.province) == ("Een 10 voor de Jeugd", "Helmond-De Peel", 51.48, "Noord-Brabant")
        gemert_bakel = db.session.scalar(sa.select(Municipality).where(Municipality.cbs_code == "1652"))
        assert gemert_bakel.name == "Gemert-Bakel" and gemert_bakel.region_id is None
        assert gemert_bakel.lat == pytest.approx(51.553)
        assert (db.session.get(Pc4Area, "5701").lat, db.session.get(Pc4Area, "5701").source) == (51.481, "geonames")
        assert (db.session.get(Pc4Area, "5702").lat, db.session.get(Pc4Area, "5702").source) == (51.1, "beheer")
        assert db.session.get(Pc4Area, "5423") is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "Bestand niet gevonden"),
        ("NL,5701,Helmond,North Brabant,06,Helmond,0794,,,51.48,5.66,\n", "niet 12 kolommen"),
        (b"\xff\xfe\x00\x00binary", "geen UTF-8"),
        ("", "geen bruikbare postcodes"),
    ],
)
def test_bad_file_is_refused_with_a_dutch_message_and_nothing_imported(app, runner, tmp_path, content, message):
    path = tmp_path / "NL.txt"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    result = runner.invoke(args=["geo", "import", str(path)])
    assert result.exit_code == 1
    assert message in result.output
    assert "Fout: " in result.output and "Traceback" not in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Pc4Area)) == 0


def test_one_bad_row_in_a_good_file_refuses_the_whole_file(app, runner, tmp_path):
    path = _geonames_file(tmp_path, MINI)
    path.write_text(path.read_text(encoding="utf-8") + "NL\t5703\tHelmond\n", encoding="utf-8")
    result = runner.invoke(args=["geo", "import", str(path)])
    assert result.exit_code == 1 and "regel 6" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Municipality)) == 0


def test_index_is_cached_per_app_and_rebuilt_after_invalidate(app, tmp_path):
    with app.app_context():
        with pytest.raises(PlaceNotFound) as err:
            resolve_place("Helmond")
        assert err.value.code == "unknown"
        empty = place_index()
        assert place_index() is empty  # built once, not per query

        import_geonames(_geonames_file(tmp_path, MINI))  # invalidates by itself
        assert place_index() is not empty
        assert resolve_place("Gemert").cbs_code == "1652"

        # A change made elsewhere is visible after invalidate_place_index().
        db.session.add(Pc4Area(pc4="5703", woonplaats="Helmond", municipality_id=None, lat=51.46, lon=5.65, source="beheer"))
        db.session.commit()
        with pytest.raises(PlaceNotFound):
            resolve_place("5703")
        invalidate_place_index()
        assert resolve_place("5703").label == "5703 Helmond"

    # Another app (another database) never sees this app's index.
    other = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.sqlite'}"}, env="test")
    with other.app_context():
        db.create_all()
        with pytest.raises(PlaceNotFound):
            resolve_place("Gemert")
        db.engine.dispose()


def test_changes_by_another_process_are_noticed_by_the_fingerprint(app, tmp_path):
    app.config["PLACE_INDEX_RECHECK_SECONDS"] = 0
    with app.app_context():
        with pytest.raises(PlaceNotFound):
            resolve_place("5701")
        # As if `geo import` ran in another process: rows change, this app's counter does not.
        db.session.add(Municipality(cbs_code="0794", name="Helmond", lat=51.48, lon=5.66))
        db.session.commit()
        assert resolve_place("Helmond").cbs_code == "0794"
