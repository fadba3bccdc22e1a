"""Need matching (domain/matching.py): codes, typos, spaces, forms of care, segments, categories."""
from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from beschikbaarheid.domain import scoring
from beschikbaarheid.domain.matching import TARGET_GROUP_WORDS, CatalogueProduct, NeedNotFound, match_need, split_keywords
from beschikbaarheid.models.core import TARGET_GROUPS

CATALOGUE = [
    CatalogueProduct(1, "43A09", "Pleegzorg", "43", 2, "wonen", ("pleeggezin",)),
    CatalogueProduct(2, "43A10", "Gezinshuis", "43", 2, "wonen", ("gezinshuizen",)),
    CatalogueProduct(3, "43A14", "Woongroep", "43", 2, "wonen"),
    CatalogueProduct(4, "43B99", "Begeleiding naar zelfstandig wonen", "43", 2, "wonen"),
    CatalogueProduct(5, "45A01", "Ambulante jeugdhulp", "45", 4, "ambulant", ("begeleiding thuis",)),
    CatalogueProduct(6, "45A02", "Ambulante behandeling", "45", 4, "ambulant"),
    CatalogueProduct(7, "45A48", "Intensieve ambulante gezinsbehandeling", "45", 1, "ambulant"),
    CatalogueProduct(8, "46A01", "Crisisopvang", "46", 5, "crisis"),
    CatalogueProduct(9, "41A01", "Dagbehandeling", "41", 3, "dagbehandeling"),
    CatalogueProduct(10, "43A03", "Behandelgroep", "43", 1, "verblijf", ("residentieel",)),
]
AMBULANT = {5, 6, 7}


def need(text, **kw):
    return match_need(text, CATALOGUE, segment_labels={2: "Wonen"}, category_labels={"45": "Jeugdhulp ambulant"}, **kw)


@pytest.mark.parametrize("text", ["43A10", "43a10", " 43A10 ", "43A10 Gezinshuis"])
def test_product_code_is_an_exact_match(text):
    n = need(text)
    assert n.kind == "code"
    assert n.strengths == {2: scoring.STRENGTH_CODE}
    assert n.label == "43A10 Gezinshuis"


@pytest.mark.parametrize(
    ("text", "product_id"),
    [("gezinshuiz", 2), ("Gezinshuis", 2), ("pleeg zorg", 1), ("pleeggezin", 1), ("woon groep", 3), ("crisisopvang", 8), ("dagbehandeling", 9)],
)
def test_free_text_finds_the_product_despite_typos_and_spaces(text, product_id):
    n = need(text)
    assert n.kind == "name"
    best = max(n.strengths, key=n.strengths.get)
    assert best == product_id
    # The product the need names (typos and spaces tolerated) is in the named tier (issue 17).
    assert scoring.STRENGTH_NAMED_MIN <= n.strengths[best] <= scoring.STRENGTH_NAMED
    assert scoring.fit_tier(n.strengths[best]) == scoring.TIER_NAMED


def test_exact_name_is_stronger_than_a_typo():
    assert need("gezinshuis").strengths[2] > need("gezinshuiz").strengths[2]


def test_ambulant_help_with_autism_means_all_ambulant_products_and_suggests_ass():
    n = need("ambulante hulp autisme")
    assert set(n.strengths) == AMBULANT
    assert n.preferred_groups == frozenset({"ASS"})
    assert n.kind == "form"


def test_a_named_ambulant_product_ranks_above_the_rest_of_its_form():
    n = need("ambulante behandeling lvb")
    assert set(n.strengths) >= AMBULANT
    assert n.strengths[6] > n.strengths[5]
    assert n.preferred_groups == frozenset({"LVB"})


def test_segment_and_category():
    seg = need("segment 2")
    assert seg.kind == "segment" and set(seg.strengths) == {1, 2, 3, 4}
    assert seg.label == "segment 2 (Wonen)"
    assert need("", segment=2).strengths == seg.strengths
    cat = need("45")
    assert cat.kind == "category" and set(cat.strengths) == AMBULANT
    assert all(v == scoring.STRENGTH_BROAD for v in cat.strengths.values())
    assert need("categorie 45").strengths == cat.strengths


@pytest.mark.parametrize(
    ("text", "code"),
    [("", "empty"), ("   ", "empty"), ("xyzzy qwerty", "unknown"), ("43A77", "unknown"), ("segment 8", "unknown"), ("99", "unknown"), ("autisme", "unknown"), ("x" * 200, "invalid")],
)
def test_unknown_needs_raise_with_suggestions(text, code):
    with pytest.raises(NeedNotFound) as info:
        need(text)
    assert info.value.code == code
    assert info.value.message
    if code == "unknown":
        assert info.value.suggestions


def test_unknown_code_suggests_the_same_category():
    with pytest.raises(NeedNotFound) as info:
        need("43A77")
    assert all(s.startswith("43") for s in info.value.suggestions)


def test_target_group_words_use_real_target_group_codes():
    assert set(TARGET_GROUP_WORDS) <= set(TARGET_GROUPS)


def test_keywords_are_split_on_common_separators():
    assert split_keywords("pleeggezin, netwerkpleegzorg;  bestandspleegzorg\nperspectief") == (
        "pleeggezin", "netwerkpleegzorg", "bestandspleegzorg", "perspectief",
    )
    assert split_keywords(None) == ()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=140))
def test_any_text_either_matches_catalogue_products_or_raises_need_not_found(text):
    try:
        n = need(text)
    except NeedNotFound as exc:
        assert exc.code in {"empty", "unknown", "invalid"}
    else:
        assert n.strengths and set(n.strengths) <= {p.id for p in CATALOGUE}
        assert all(0 < v <= 1 for v in n.strengths.values())


# -- relevance (issue 17): the named product first, variants together, crisis apart ----------------

FAMILIES = [
    CatalogueProduct(21, "43A05", "Logeren: outputgericht", "43", 1, "verblijf"),
    CatalogueProduct(22, "43A32", "Logeren: outputgericht (licht)", "43", 1, "verblijf"),
    CatalogueProduct(23, "43A66", "Logeren specialistisch: inspanningsgericht", "43", 1, "verblijf"),
    CatalogueProduct(24, "43A02", "Deeltijdverblijf: outputgericht", "43", 1, "verblijf"),
    CatalogueProduct(25, "41A01", "Dagbehandeling regulier: outputgericht", "41", 3, "dagbehandeling"),
    CatalogueProduct(26, "41A02", "Dagbehandeling specialistisch: outputgericht (zwaar)", "41", 3, "dagbehandeling"),
    CatalogueProduct(27, "41A17", "Dagbesteding: outputgericht", "41", 3, "dagbehandeling"),
    CatalogueProduct(28, "43A03", "Pleegzorg: outputgericht", "43", 2, "wonen"),
    CatalogueProduct(29, "43A25", "Pleegzorg: outputgericht (vakantie)", "43", 2, "wonen"),
    CatalogueProduct(30, "46A05", "Jeugdhulp crisis pleegzorg: inspanningsgericht", "46", 5, "crisis"),
    CatalogueProduct(31, "45A04", "Jeugdhulp ambulant regulier: inspanningsgericht", "45", 4, "ambulant"),
]


def test_a_form_word_that_is_a_product_family_finds_every_variant_with_one_strength():
    n = match_need("logeren", FAMILIES)  # "logeren" is a form word, and no product has form "deeltijd"
    assert set(n.strengths) == {21, 22, 23}
    assert len(set(n.strengths.values())) == 1
    assert scoring.fit_tier(n.strengths[21]) == scoring.TIER_NAMED


def test_a_family_outranks_products_that_merely_resemble_it():
    n = match_need("dagbehandeling", FAMILIES)
    assert n.strengths[25] == n.strengths[26]
    assert scoring.fit_tier(n.strengths[25]) == scoring.TIER_NAMED
    assert 27 not in n.strengths or scoring.fit_tier(n.strengths[27]) > scoring.TIER_NAMED


def test_every_word_counts_and_a_variant_word_picks_the_variant():
    n = match_need("pleegzorg vakantie", FAMILIES)
    assert max(n.strengths, key=n.strengths.get) == 29
    assert scoring.fit_tier(n.strengths[28]) == scoring.TIER_NAMED  # the rest of the family still ranks next
    d = match_need("dagbehandeling specialistisch", FAMILIES)
    assert d.strengths[26] > d.strengths.get(25, 0)


def test_crisis_products_stand_apart_unless_the_need_asks_for_crisis():
    n = match_need("pleegzorg", FAMILIES)
    assert 30 not in n.strengths and 30 in n.crisis
    assert set(n.strengths) == {28, 29}
    for asked in ("crisis pleegzorg", "spoed pleegzorg", "46A05"):
        m = match_need(asked, FAMILIES)
        assert 30 in m.strengths and not m.crisis
    c = match_need("crisis pleegzorg", FAMILIES)
    assert max(c.strengths, key=c.strengths.get) == 30


def test_a_product_of_another_form_that_resembles_the_need_is_not_in_it():
    n = match_need("gezinshuis", CATALOGUE + [CatalogueProduct(40, "46A02", "Crisisplek gezinshuis", "46", 5, "crisis"),
                                              CatalogueProduct(41, "45A99", "Ambulante nazorg gezinshuis", "45", 4, "ambulant")])
    assert set(n.strengths) == {2}
    assert set(n.crisis) == {40}


def test_several_words_prefer_the_product_that_has_them_all():
    catalogue = CATALOGUE + [
        CatalogueProduct(50, "41A04", "Dagbehandeling specialistisch", "41", 3, "dagbehandeling", ("autisme",)),
        CatalogueProduct(51, "45A53", "Individuele begeleiding", "45", 4, "ambulant", ("autisme",)),
    ]
    n = match_need("dagbehandeling autisme", catalogue)
    assert max(n.strengths, key=n.strengths.get) == 50
    assert 51 not in n.strengths
