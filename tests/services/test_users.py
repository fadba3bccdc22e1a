"""Every change to an account goes through services/users.py: checked, recorded in the audit trail
in the same transaction, and nothing saved on a refusal."""
import pytest
import sqlalchemy as sa

from beschikbaarheid import accounts
from beschikbaarheid.domain import users as rules
from beschikbaarheid.extensions import db
from beschikbaarheid.models import AuditEvent, User
from beschikbaarheid.services import users as user_changes
from tests import factories


def _count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.fixture
def region_admin(app):
    with app.app_context():
        region = factories.region("Noord")
        admin = factories.user("beheerder", region_id=region.id, email="beheer@noord.example")
        db.session.commit()
        yield admin


def test_an_invitation_creates_an_account_nobody_can_log_in_to_yet_and_records_who_invited(app, region_admin):
    user = user_changes.invite(region_admin, email=" Nieuw@Gemeente.example ", name="Nieuwe Verwijzer", role="verwijzer",
                               region_id=region_admin.region_id, referrer_type="01")
    db.session.commit()
    assert (user.email, user.role, user.referrer_type, user.region.name) == ("nieuw@gemeente.example", "verwijzer", "01", "Noord")
    assert user.invited_at is not None and user_changes.is_pending(user)
    assert not user.check_password("wachtwoord-123")
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert (event.actor, event.action, event.entity_id, event.region_id) == ("beheer@noord.example", "user.invite", user.id, region_admin.region_id)
    assert event.changes["role"] == [None, "verwijzer"] and event.changes["region"] == [None, "Noord"]


@pytest.mark.parametrize("kwargs, message", [
    ({"email": "beheer@noord.example"}, "Er bestaat al een gebruiker"),
    ({"email": "geen-adres"}, "geen geldig e-mailadres"),
    ({"role": "aanbieder", "provider_id": 99999, "referrer_type": None}, "bestaat niet"),
    ({"referrer_type": None}, "verwijzerstype"),
])
def test_bad_invitations_save_nothing(app, region_admin, kwargs, message):
    data = {"email": "iemand@gemeente.example", "name": "Iemand", "role": "verwijzer", "region_id": region_admin.region_id, "referrer_type": "02", **kwargs}
    with pytest.raises(accounts.AccountError, match=message):
        user_changes.invite(region_admin, **data)
    db.session.rollback()
    assert _count(User) == 1 and _count(AuditEvent) == 0


def test_an_administrator_cannot_invite_into_another_region(app, region_admin):
    other = factories.region("Zuid")
    with pytest.raises(user_changes.Refused) as refused:
        user_changes.invite(region_admin, email="z@zuid.example", name="Z", role="contractmanager", region_id=other.id)
    assert refused.value.messages == [rules.OWN_REGION_ONLY] and refused.value.status == 403


def test_the_last_beheerder_of_a_region_stays_and_a_second_one_can_go(app, region_admin):
    installation = factories.user("beheerder", region_id=None)
    db.session.commit()
    with pytest.raises(user_changes.Refused, match="laatste actieve beheerder"):
        user_changes.deactivate(installation, region_admin)
    with pytest.raises(user_changes.Refused, match="laatste actieve beheerder"):
        user_changes.change_placement(installation, region_admin, role="contractmanager", region_id=region_admin.region_id)
    db.session.rollback()
    assert region_admin.active and region_admin.role == "beheerder" and _count(AuditEvent) == 0

    second = user_changes.invite(installation, email="tweede@noord.example", name="Tweede", role="beheerder", region_id=region_admin.region_id)
    db.session.commit()
    generation = region_admin.session_generation
    user_changes.deactivate(installation, region_admin)
    db.session.commit()
    assert not region_admin.active and region_admin.session_generation > generation  # every session ended
    with pytest.raises(user_changes.Refused, match="laatste actieve beheerder"):
        user_changes.deactivate(installation, second)
    actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user.invite", "user.deactivate"]


def test_a_new_invitation_voids_the_old_link_and_an_accepted_one_cannot_be_resent(app, region_admin):
    user = user_changes.invite(region_admin, email="cm@noord.example", name="CM", role="contractmanager", region_id=region_admin.region_id)
    db.session.commit()
    first = accounts.make_invitation_token(user)
    user_changes.resend_invitation(region_admin, user)
    db.session.commit()
    second = accounts.make_invitation_token(user)
    with pytest.raises(accounts.ResetTokenError, match="used"):
        accounts.load_invitation_token(first)
    assert accounts.load_invitation_token(second).id == user.id
    with pytest.raises(accounts.ResetTokenError, match="invalid"):
        accounts.load_reset_token(second)  # an invitation is no reset link

    user.last_login_at = user.invited_at  # accepted: logged in once
    db.session.commit()
    with pytest.raises(user_changes.Refused, match="al aangenomen"):
        user_changes.resend_invitation(region_admin, user)


def test_a_change_of_role_is_recorded_by_name_and_ends_sessions(app, region_admin):
    provider = factories.provider("De Linde")
    user = factories.user("verwijzer", referrer_type="02", region_id=region_admin.region_id)
    db.session.commit()
    generation = user.session_generation
    assert user_changes.change_placement(region_admin, user, role="aanbieder", region_id=region_admin.region_id, provider_id=provider.id,
                                         is_org_admin=True)
    db.session.commit()
    assert (user.role, user.provider_id, user.referrer_type, user.is_org_admin) == ("aanbieder", provider.id, None, True)
    assert user.session_generation > generation
    event = db.session.scalars(sa.select(AuditEvent)).one()
    assert event.action == "user.role"
    assert event.changes == {"role": ["verwijzer", "aanbieder"], "provider": [None, "De Linde"], "referrer_type": ["02", None],
                             "is_org_admin": ["nee", "ja"]}
    assert not user_changes.change_placement(region_admin, user, role="aanbieder", region_id=region_admin.region_id,
                                             provider_id=provider.id, is_org_admin=True)  # nothing new: nothing recorded


def test_an_org_admin_invites_colleagues_of_its_own_provider_only(app):
    with app.app_context():
        _org_admin_case()


def _org_admin_case():
    region = factories.region("Noord")
    mine, other = factories.provider("De Linde"), factories.provider("Huize Peel")
    org_admin = factories.user("aanbieder", provider_id=mine.id, is_org_admin=True, region_id=region.id)
    db.session.commit()
    # Whatever is asked, the colleague is an aanbieder user of the org admin's own provider.
    user = user_changes.invite(org_admin, email="collega@linde.example", name="Collega", role="beheerder", provider_id=other.id, region_id=None)
    assert (user.role, user.provider_id, user.region_id) == ("aanbieder", mine.id, region.id)
    planner = factories.user("aanbieder", provider_id=mine.id)
    with pytest.raises(user_changes.Refused):
        user_changes.invite(planner, email="x@linde.example", name="X", role="aanbieder")
    assert user_changes.managed_user(org_admin, factories.user("aanbieder", provider_id=other.id).id) is None


def test_the_coordinator_right_is_given_and_taken_in_the_audit_trail_and_only_for_staff(app, region_admin):
    manager = factories.user("contractmanager", region_id=region_admin.region_id)
    db.session.commit()
    generation = manager.session_generation
    assert user_changes.change_placement(region_admin, manager, role="contractmanager", region_id=region_admin.region_id, is_coordinator=True)
    db.session.commit()
    assert manager.is_coordinator and manager.session_generation == generation  # a right, not a new role: sessions go on
    assert db.session.scalars(sa.select(AuditEvent)).one().changes == {"is_coordinator": ["nee", "ja"]}
    assert user_changes.change_placement(region_admin, manager, role="verwijzer", referrer_type="01", region_id=region_admin.region_id,
                                         is_coordinator=True)
    db.session.commit()
    assert manager.is_coordinator is False  # a referrer never holds it
