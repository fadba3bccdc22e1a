"""The one region rule: a contract manager or administrator sees their own region only; a contract
manager without a region nothing, an administrator without one (the installation's) every region."""
from beschikbaarheid.domain.regions import is_installation_admin, may_see, visible_regions


def test_contract_managers_see_their_own_region_only():
    assert visible_regions("contractmanager", 2) == frozenset({2})
    assert may_see(visible_regions("contractmanager", 2), {1, 2}) is True  # a provider in both regions
    assert may_see(visible_regions("contractmanager", 2), {1}) is False
    assert may_see(visible_regions("contractmanager", 2), set()) is False  # a provider without a contract


def test_without_a_region_nothing_is_visible():
    assert visible_regions("contractmanager", None) == frozenset()
    assert may_see(visible_regions("contractmanager", None), {1, 2}) is False


def test_administrators_of_a_region_see_that_region_only():
    assert visible_regions("beheerder", 2) == frozenset({2})
    assert may_see(visible_regions("beheerder", 2), {1}) is False
    assert not is_installation_admin("beheerder", 2)


def test_an_administrator_without_a_region_keeps_every_region_and_other_roles_none():
    assert visible_regions("beheerder", None) is None and may_see(None, {7}) is True
    assert is_installation_admin("beheerder", None) and not is_installation_admin("contractmanager", None)
    assert visible_regions("verwijzer", 2) == frozenset() and visible_regions("aanbieder", 2) == frozenset()
