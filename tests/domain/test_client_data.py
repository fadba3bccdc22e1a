"""The one client-data check of every free-text field: what it refuses, what providers may still write."""
import datetime as dt

import pytest

from beschikbaarheid.domain.client_data import check_free_text, find_client_data, passes_eleven_test
from beschikbaarheid.domain.plain_text import has_control_characters, neutralise_formula, restore_formula, strip_control

TODAY = dt.date(2026, 12, 4)
OWN = ("040-1234567", "intake@zorg.example", "Kerkstraat 12")


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("BSN 123456782", "bsn"),
        ("bsn 1234.56.782", "bsn"),
        ("zijn nummer is 123 456 782", "bsn"),
        ("123-45-6782", "bsn"),
        ("Moeder belde over BSN 111222333", "bsn"),
        ("geboren 13-03-2015", "birth_date"),
        ("13/3/15", "birth_date"),
        ("Jan, 13 maart 2015", "birth_date"),
        ("2015-03-13", "birth_date"),
        ("geb. 2012", "birth_date"),
        ("mail ouder@gmail.com", "email"),
        ("bel moeder 06-12345678", "phone"),
        ("06 1234 5678", "phone"),
        ("+31 6 1234 5678", "phone"),
        ("0031612345678", "phone"),
        ("040 123 45 67", "phone"),
        ("(040) 1234567", "phone"),
        ("+32 470 12 34 56", "phone"),
        ("Kerkstraat 12", "address"),
        ("woont Lange Nieuwstraat 3a", "address"),
        ("Dorpsweg 4-6", "address"),
        ("J. de Vries", "name"),
        ("A.B. Jansen belt terug", "name"),
        ("mevr. Bakker", "name"),
        ("mijn zoon heeft ADHD", "narrative"),
        ("de moeder van het kind belde", "narrative"),
        ("moeder van Sanne", "narrative"),
        ("cliënt heeft autisme", "narrative"),
        ("jongen van 12 met LVB", "narrative"),
        ("meisje (14)", "narrative"),
    ],
)
def test_client_data_is_found_and_named_without_the_value(text, kind):
    finding = find_client_data(text, today=TODAY)
    assert finding is not None and finding.kind == kind
    assert text not in finding.message
    assert "Schrijf hier geen gegevens over een cliënt" in finding.message


@pytest.mark.parametrize(
    "text",
    [
        "wachttijd 6 weken",
        "12 plekken vrij, spoed in overleg",
        "jongeren van 12 tot 18 jaar",
        "kinderen van 4-12 jaar",
        "cliënten met LVB en hun ouders",
        "ouders zijn welkom bij de intake",
        "vanaf 01-09-2026 weer plek",  # a future date
        "aanmeldstop sinds 1-11-2026",  # a recent one
        "tot 15 januari 2027",
        "aanmeldstop tot 1 maart",
        "postcodegebied 5611 AB",
        "product 43A10",
        "bel 0800-1234567 of 088-1234567",  # service numbers
        "Zorgpark 12 plekken",
        "binnen de ring 3 km",
        "N.B. Wij werken met een wachtlijst",
        "Geen plek voor 16-jarige met LVB",
        "geen plek voor broers en zussen samen",
        "budget 123456789 euro",  # nine digits that fail the eleven test
        "Gezinshuis voor 4 kinderen, 24/7 bereikbaar",
        "Wachtlijst circa 3 maanden; spoed in overleg",
        "Groep 2 is vol",
        # The provider's own contact details:
        "intake via 040-1234567",
        "intake via +31 40 123 4567",
        "aanmelden: intake@zorg.example",
        "locatie Kerkstraat 12 is tijdelijk dicht",
    ],
)
def test_what_providers_legitimately_write_passes(text):
    assert find_client_data(text, today=TODAY, own=OWN) is None


def test_the_providers_own_number_passes_only_for_that_provider():
    assert find_client_data("intake via 040-1234567", today=TODAY, own=OWN) is None
    assert find_client_data("intake via 040-1234567", today=TODAY).kind == "phone"
    assert find_client_data("intake via 040-7654321", today=TODAY, own=OWN).kind == "phone"
    assert find_client_data("mail ouder@zorg.example", today=TODAY, own=OWN).kind == "email"
    assert find_client_data("Molenweg 3", today=TODAY, own=OWN).kind == "address"


def test_a_date_of_birth_is_a_date_more_than_a_year_ago():
    assert find_client_data("12-11-2026", today=TODAY) is None
    assert find_client_data("12-11-2025", today=TODAY).kind == "birth_date"


def test_length_is_the_fields_narrative_limit():
    assert find_client_data("x" * 300, max_length=300, today=TODAY) is None
    finding = find_client_data("x" * 301, max_length=300, today=TODAY)
    assert finding.kind == "length" and "hoogstens 300 tekens" in finding.message


def test_eleven_test():
    assert passes_eleven_test("111222333") and passes_eleven_test("123456782")
    assert not passes_eleven_test("123456789") and not passes_eleven_test("000000000") and not passes_eleven_test("12345678")


def test_control_characters_are_refused_but_line_breaks_in_multi_line_fields():
    assert has_control_characters("Aanbieder\x07", multiline=True)
    assert has_control_characters("a\x1b[2Jb", multiline=True)
    assert has_control_characters("a\x85b", multiline=True)  # C1 too
    assert has_control_characters("regel 1\nregel 2", multiline=False)
    assert not has_control_characters("regel 1\r\nregel\t2", multiline=True)
    assert "stuurteken" in check_free_text("a\x07", multiline=True)
    assert check_free_text("wachttijd 6 weken", multiline=False) is None
    assert strip_control("Aan\x07bieder\x1b[0m\tA\n") == "Aanbieder[0m\tA\n"


@pytest.mark.parametrize(
    ("text", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+31 40 123 4567", "'+31 40 123 4567"),
        ("@Thuis Jeugdhulp", "'@Thuis Jeugdhulp"),
        ("-5", "'-5"),
        ("\tx", "'\tx"),
        ("X;=1+1", "X;'=1+1"),
        ("X; =HYPERLINK(1)", "X;' =HYPERLINK(1)"),
        ('X;"=1"', "X;'\"=1\""),
        ("'=1", "''=1"),  # already an apostrophe: one more, so the way back is exact
        ("'t Hofje", "'t Hofje"),
        ("De Linde; Helmond", "De Linde; Helmond"),
        ("", ""),
    ],
)
def test_formulas_are_neutralised_in_every_semicolon_part_and_restored_exactly(text, written):
    assert neutralise_formula(text) == written
    assert restore_formula(written) == text
