"""Who manages which accounts, and the rule that keeps every region administered."""
from beschikbaarheid.domain import users as rules
from beschikbaarheid.domain.users import Standing

REGION_ADMIN = Standing(id=1, role="beheerder", region_id=10)
INSTALLATION_ADMIN = Standing(id=2, role="beheerder", region_id=None)
ORG_ADMIN = Standing(id=3, role="aanbieder", region_id=10, provider_id=7, is_org_admin=True)
PLANNER = Standing(id=4, role="aanbieder", region_id=10, provider_id=7)


def test_a_region_administrator_manages_its_own_region_only():
    assert rules.may_manage(REGION_ADMIN, Standing(9, "verwijzer", 10))
    assert not rules.may_manage(REGION_ADMIN, Standing(9, "verwijzer", 11))
    assert not rules.may_manage(REGION_ADMIN, Standing(9, "beheerder", None))  # the installation's administrator
    assert rules.may_manage(INSTALLATION_ADMIN, Standing(9, "verwijzer", 11))


def test_an_org_admin_manages_aanbieder_colleagues_of_its_own_provider_only():
    assert rules.may_manage(ORG_ADMIN, PLANNER)
    assert not rules.may_manage(ORG_ADMIN, Standing(9, "aanbieder", 10, provider_id=8))
    assert not rules.may_manage(ORG_ADMIN, Standing(9, "verwijzer", 10))
    assert not rules.may_manage(PLANNER, ORG_ADMIN) and rules.assignable_roles(PLANNER) == ()
    assert rules.assignable_roles(ORG_ADMIN) == ("aanbieder",)


def test_placement_in_another_region_or_without_one_is_refused():
    assert rules.placement_problems(REGION_ADMIN, "verwijzer", 10) == []
    assert rules.placement_problems(REGION_ADMIN, "verwijzer", 11) == [rules.OWN_REGION_ONLY]
    assert rules.placement_problems(REGION_ADMIN, "contractmanager", None) == [rules.REGION_REQUIRED]
    assert rules.placement_problems(REGION_ADMIN, "beheerder", None) == [rules.REGIONLESS_BEHEERDER]
    assert rules.placement_problems(INSTALLATION_ADMIN, "beheerder", None) == []
    assert rules.placement_problems(INSTALLATION_ADMIN, "verwijzer", 11) == []
    assert rules.placement_problems(ORG_ADMIN, "beheerder", 10) == [rules.ROLE_NOT_ALLOWED]


def test_the_last_active_beheerder_of_a_region_is_neither_deactivated_nor_demoted_nor_moved():
    last = Standing(5, "beheerder", 10)
    for after in (Standing(5, "beheerder", 10, active=False), Standing(5, "contractmanager", 10), Standing(5, "beheerder", 11)):
        assert rules.change_problems(INSTALLATION_ADMIN, last, after, other_active_beheerders=0) == [rules.LAST_BEHEERDER], after
        assert rules.change_problems(INSTALLATION_ADMIN, last, after, other_active_beheerders=1) == [], after
    # Not an active beheerder of a region: nothing to keep.
    assert rules.keeps_a_beheerder(Standing(5, "beheerder", 10, active=False), Standing(5, "verwijzer", 10), 0)
    assert rules.keeps_a_beheerder(Standing(5, "contractmanager", 10), Standing(5, "contractmanager", 10, active=False), 0)


def test_nobody_deactivates_or_demotes_themselves():
    me_after = Standing(1, "beheerder", 10, active=False)
    assert rules.change_problems(REGION_ADMIN, REGION_ADMIN, me_after, other_active_beheerders=3) == [rules.NOT_YOURSELF]
    assert rules.change_problems(ORG_ADMIN, PLANNER, Standing(4, "aanbieder", 10, provider_id=7, active=False), 0) == []


def test_an_invitation_is_pending_until_the_first_login():
    assert rules.invitation_pending(invited=True, logged_in_once=False)
    assert not rules.invitation_pending(invited=True, logged_in_once=True)
    assert not rules.invitation_pending(invited=False, logged_in_once=False)  # made with the CLI
