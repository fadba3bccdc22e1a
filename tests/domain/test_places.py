"""The place resolver and the GeoNames parser as pure functions: no app, no database."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beschikbaarheid.domain.geonames import (
    GeoNamesFormatError,
    clean_municipality_name,
    parse_geonames,
)
from beschikbaarheid.domain.places import (
    PlaceIndex,
    PlaceNotFound,
    PlaceRecord,
    Resolved,
    normalize,
)


def _records() -> list[PlaceRecord]:
    g, w, p = "gemeente", "woonplaats", "pc4"
    return [
        PlaceRecord(g, "Helmond", 51.48, 5.66, "Helmond", "0794"),
        PlaceRecord(w, "Helmond", 51.47, 5.65, "Helmond", "0794"),
        PlaceRecord(p, "5701", 51.481, 5.6637, "Helmond", "0794", "Helmond"),
        PlaceRecord(p, "5702", 51.47, 5.67, "Helmond", "0794", "Helmond"),
        PlaceRecord(p, "5704", 51.46, 5.64, "Helmond", "0794", "Helmond"),
        PlaceRecord(g, "Gemert-Bakel", 51.55, 5.74, "Gemert-Bakel", "1652"),
        PlaceRecord(w, "Gemert", 51.56, 5.69, "Gemert-Bakel", "1652"),
        PlaceRecord(w, "Bakel", 51.50, 5.74, "Gemert-Bakel", "1652"),
        PlaceRecord(g, "Eindhoven", 51.44, 5.47, "Eindhoven", "0772"),
        PlaceRecord(w, "Eindhoven", 51.45, 5.48, "Eindhoven", "0772"),
        PlaceRecord(p, "5611", 51.44, 5.48, "Eindhoven", "0772", "Eindhoven"),
        PlaceRecord(g, "Hengelo", 52.26, 6.79, "Hengelo", "0164"),
        PlaceRecord(w, "Hengelo", 52.265, 6.792, "Hengelo", "0164"),
        PlaceRecord(g, "Bronckhorst", 52.05, 6.30, "Bronckhorst", "1876"),
        PlaceRecord(w, "Hengelo", 52.05, 6.31, "Bronckhorst", "1876"),
        PlaceRecord(g, "'s-Hertogenbosch", 51.69, 5.30, "'s-Hertogenbosch", "0796"),
        PlaceRecord(w, "'s-Hertogenbosch", 51.70, 5.31, "'s-Hertogenbosch", "0796"),
        PlaceRecord(g, "Sûdwest Fryslân", 53.03, 5.56, "Sûdwest Fryslân", "1900"),
        PlaceRecord(g, "Epe", 52.35, 5.98, "Epe", "0232"),
        # Two names that a typo can hit equally well.
        PlaceRecord(w, "Nieuwkerk", 52.0, 5.0, "Gemert-Bakel", "1652"),
        PlaceRecord(w, "Nieuwkirk", 52.1, 5.1, "Gemert-Bakel", "1652"),
    ]


@pytest.fixture(scope="module")
def index() -> PlaceIndex:
    return PlaceIndex(_records())


@pytest.mark.parametrize("query", ["5701", "5701 AB", "5701AB", "5701ab", " 5701  ab ", "5701 Helmond", "5701 AB Helmond", "5701 2e Helmond"])
def test_postcode_forms_resolve_to_the_pc4(index, query):
    got = index.resolve(query)
    assert (got.kind, got.pc4, got.label) == ("pc4", "5701", "5701 Helmond")
    assert (got.lat, got.lon, got.cbs_code, got.corrected_from) == (51.481, 5.6637, "0794", None)


@pytest.mark.parametrize("query", ["Helmond", "helmond", "  HELMOND  ", "Gemeente Helmond"])
def test_woonplaats_and_gemeente_with_one_name_are_one_place_at_the_woonplaats(index, query):
    got = index.resolve(query)
    assert got == Resolved("Helmond", 51.47, 5.65, "woonplaats", "Helmond", "0794", None, None)


@pytest.mark.parametrize("query", ["Gemert-Bakel", "gemert bakel", "GEMERT  -  BAKEL"])
def test_municipality_resolves_case_and_punctuation_insensitive(index, query):
    got = index.resolve(query)
    assert (got.kind, got.label, got.cbs_code) == ("gemeente", "Gemert-Bakel", "1652")


def test_accents_do_not_matter(index):
    assert index.resolve("sudwest fryslan").label == "Sûdwest Fryslân"


@pytest.mark.parametrize("query", ["'s-Hertogenbosch", "s-Hertogenbosch", "’s Hertogenbosch", "Den Bosch", "den  bosch"])
def test_den_bosch_spellings(index, query):
    got = index.resolve(query)
    assert (got.label, got.cbs_code, got.corrected_from) == ("'s-Hertogenbosch", "0796", None)


@pytest.mark.parametrize(("typed", "meant"), [("Hemond", "Helmond"), ("Eindhovn", "Eindhoven"), ("Helmnod", "Helmond"), ("Gemret", "Gemert")])
def test_clear_typos_are_corrected_and_reported(index, typed, meant):
    got = index.resolve(typed)
    assert (got.label, got.corrected_from) == (meant, typed)


def test_typo_between_two_equally_close_names_is_not_guessed(index):
    with pytest.raises(PlaceNotFound) as err:
        index.resolve("Nieuwkark")
    assert err.value.code == "unknown"
    assert {"Nieuwkerk", "Nieuwkirk"} <= set(err.value.suggestions)


def test_short_names_are_suggested_not_corrected(index):
    # 'Ede' is one letter from 'Epe': far too risky to move the search there silently.
    with pytest.raises(PlaceNotFound) as err:
        index.resolve("Ede")
    assert err.value.code == "unknown"
    assert err.value.suggestions[0] == "Epe"
    assert err.value.message == "Onbekende plaats of postcode: 'Ede'. Bedoelde u: Epe?"


def test_same_woonplaats_in_two_municipalities_is_ambiguous_with_resolvable_suggestions(index):
    with pytest.raises(PlaceNotFound) as err:
        index.resolve("hengelo")
    assert err.value.code == "ambiguous"
    assert err.value.suggestions == ["Hengelo (gemeente Bronckhorst)", "Hengelo (gemeente Hengelo)"]
    assert "Bedoelde u: Hengelo (gemeente Bronckhorst) of Hengelo (gemeente Hengelo)?" in err.value.message
    assert index.resolve("Hengelo (gemeente Bronckhorst)").cbs_code == "1876"
    assert index.resolve("hengelo (gemeente hengelo)").cbs_code == "0164"
    assert index.resolve("Hengelo, Bronckhorst").cbs_code == "1876"


def test_typo_of_an_ambiguous_name_asks_which_one(index):
    with pytest.raises(PlaceNotFound) as err:
        index.resolve("Hengeloo")
    assert err.value.code == "ambiguous"
    assert len(err.value.suggestions) == 2


def test_unknown_name_gets_dutch_message_and_suggestions_that_resolve(index):
    with pytest.raises(PlaceNotFound) as err:
        index.resolve("Helm")
    assert err.value.code == "unknown"
    assert err.value.message.startswith("Onbekende plaats of postcode: 'Helm'. Bedoelde u: ")
    assert "Helmond" in err.value.suggestions
    for suggestion in err.value.suggestions:
        assert isinstance(index.resolve(suggestion), Resolved)


def test_unknown_without_anything_close_explains_what_to_type(index):
    with pytest.raises(PlaceNotFound) as err:
        index.resolve("Xyzzyq")
    assert (err.value.code, err.value.suggestions) == ("unknown", [])
    assert "Typ een postcode" in err.value.message


def test_missing_pc4_suggests_neighbouring_postcodes(index):
    with pytest.raises(PlaceNotFound) as err:
        index.resolve("5703 XY")
    assert err.value.code == "unknown"
    assert err.value.suggestions[:3] == ["5701 Helmond", "5702 Helmond", "5704 Helmond"]
    assert err.value.message.startswith("Onbekende postcode: '5703 XY'. Bedoelde u: 5701 Helmond,")
    assert index.resolve(err.value.suggestions[1]).pc4 == "5702"


@pytest.mark.parametrize(
    ("query", "code"),
    [("", "empty"), ("   ", "empty"), ("!!!", "invalid"), ("-- ,.", "invalid"), ("x" * 101, "invalid"),
     ("123", "invalid"), ("57011", "invalid"), ("0123", "invalid")],
)
def test_empty_and_invalid_input(index, query, code):
    with pytest.raises(PlaceNotFound) as err:
        index.resolve(query)
    assert err.value.code == code
    assert err.value.message and err.value.suggestions == []


def test_suggest_for_autocomplete(index):
    assert index.suggest("hel")[0] == "Helmond"
    assert index.suggest("57") == ["5701 Helmond", "5702 Helmond", "5704 Helmond"]
    assert "'s-Hertogenbosch" in index.suggest("bosch")
    assert index.suggest("heng", limit=8) == ["Hengelo (gemeente Bronckhorst)", "Hengelo (gemeente Hengelo)"]
    assert len(index.suggest("e", limit=2)) == 2
    assert index.suggest("") == [] and index.suggest("!!") == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_resolve_only_ever_raises_place_not_found_and_suggestions_round_trip(text):
    index = PlaceIndex(_records())
    try:
        got = index.resolve(text)
    except PlaceNotFound as err:
        assert err.code in {"empty", "invalid", "unknown", "ambiguous"}
        assert err.message
        for suggestion in err.suggestions:
            assert isinstance(index.resolve(suggestion), Resolved)
    else:
        assert isinstance(got, Resolved)
    for label in index.suggest(text):
        assert isinstance(index.resolve(label), Resolved)


def test_empty_index_answers_unknown():
    with pytest.raises(PlaceNotFound) as err:
        PlaceIndex([]).resolve("Helmond")
    assert err.value.code == "unknown"


# -- GeoNames parsing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [("Helmond Municipality", "Helmond"), ("Gemeente Helmond", "Helmond"), ("Katwijk Municipalty", "Katwijk"),
     ("Ameland Municipalitye", "Ameland"), ("Groningen. Municipality", "Groningen"), ("Sûdwest Fryslân", "Sûdwest Fryslân"),
     ("Gemeente 's-Hertogenbosch", "'s-Hertogenbosch")],
)
def test_clean_municipality_name(raw, clean):
    assert clean_municipality_name(raw) == clean


def _row(pc4, place, lat, lon, muni="Gemeente Helmond", cbs="0794") -> str:
    return "\t".join(["NL", pc4, place, "North Brabant", "06", muni, cbs, "", "", str(lat), str(lon), ""])


def test_parse_merges_duplicate_pc4_and_skips_bad_rows():
    lines = [
        _row("5701", "Helmond", 51.48, 5.66),
        _row("5702", "Helmond", 51.47, 5.67),
        _row("5703", "Helmond", 51.46, 5.65),
        _row("5704", "Helmond", 51.49, 5.64),
        _row("5705", "Helmond", 51.47, 5.66),
        _row("5705", "Brandevoort", 51.45, 5.62),  # one PC4 shared by two places
        _row("5706", "Helmond", "", ""),  # no coordinates
        _row("5707", "Helmond", 48.85, 2.35),  # Paris: outside the Netherlands
        _row("5708", "Helmond", 51.90, 3.94),  # in the sea, far from 570x
        _row("3221", "Hellevoetsluis", 51.83, 4.12, muni="", cbs=""),
        "",
    ]
    data = parse_geonames(lines)
    assert data.rows == 10
    assert dict(data.skipped) == {"coordinates": 1, "outside": 1, "outlier": 1}
    assert data.skipped_lines["outlier"] == [9]
    assert data.duplicate_rows_merged == 1
    assert (data.pc4s["5705"].lat, data.pc4s["5705"].lon, data.pc4s["5705"].woonplaats) == (51.46, 5.64, "Helmond")
    assert data.woonplaatsen[("Brandevoort", "0794")] == (51.45, 5.62)
    assert data.woonplaatsen[("Helmond", "0794")] == pytest.approx((51.474, 5.656))
    assert data.gemeenten["0794"][0:2] == ("Helmond", "Noord-Brabant")
    assert data.pc4s["3221"].cbs_code is None and data.pc4_without_municipality == 1


def test_parse_rejects_a_file_with_the_wrong_number_of_columns():
    with pytest.raises(GeoNamesFormatError, match="12 kolommen"):
        parse_geonames([_row("5701", "Helmond", 51.48, 5.66), "NL,5702,Helmond,51.4,5.6"])


def test_normalize():
    assert normalize("  'S-Hertogenbosch ") == "s hertogenbosch"
    assert normalize("Sûdwest  Fryslân") == "sudwest fryslan"
