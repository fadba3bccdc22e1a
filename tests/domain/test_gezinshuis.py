"""The coordination point's vocabulary: age bands and who coordinates."""
from beschikbaarheid.domain.gezinshuis import HOUSEHOLD_BANDS, band_of, is_coordinator


def test_every_age_falls_in_exactly_the_band_that_names_it():
    assert [band_of(age) for age in (0, 3, 4, 7, 8, 11, 12, 15, 16, 17, 18, 21)] == [
        "0-3", "0-3", "4-7", "4-7", "8-11", "8-11", "12-15", "12-15", "16-17", "16-17", "18+", "18+"]
    assert {band_of(age) for age in range(0, 28)} == set(HOUSEHOLD_BANDS)


def test_only_a_contract_manager_or_administrator_with_the_right_coordinates():
    assert is_coordinator("contractmanager", True)
    assert is_coordinator("beheerder", True)
    assert not is_coordinator("contractmanager", False)
    assert not is_coordinator("verwijzer", True)
    assert not is_coordinator("aanbieder", True)
