"""An administrator gives and takes the gezinshuis coordinator right, recorded in the audit trail."""
from __future__ import annotations

import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import AuditEvent, User
from tests import factories
from tests.helpers import csrf_token


def _login(app, email: str):
    client = app.test_client()
    token = csrf_token(client, "/account/inloggen")
    assert client.post("/account/inloggen", data={"email": email, "password": "wachtwoord-123", "csrf_token": token}).status_code == 302
    return client


def _save(client, user_id: int, **fields):
    page = f"/beheer/gebruikers/{user_id}"
    return client.post(page, data={"csrf_token": csrf_token(client, page), **fields})


def test_the_administrator_gives_and_takes_the_coordinator_right(app):
    with app.app_context():
        region = factories.region("Noord")
        factories.user("beheerder", region_id=region.id, email="beheer@noord.example")
        manager = factories.user("contractmanager", region_id=region.id, email="cm@noord.example")
        db.session.commit()
        manager_id, region_id = manager.id, region.id
    admin = _login(app, "beheer@noord.example")
    coordinator = _login(app, "cm@noord.example")
    assert coordinator.get("/gezinshuizen/aanvragen").status_code == 403
    assert "Coördinatiepunt gezinshuizen" not in coordinator.get("/contract/").get_data(as_text=True)

    response = _save(admin, manager_id, role="contractmanager", region_id=str(region_id), is_coordinator="y")
    assert response.status_code == 302
    detail = admin.get(f"/beheer/gebruikers/{manager_id}").get_data(as_text=True)
    assert "coördinator gezinshuizen" in detail
    # the right works at once, without a new login
    assert coordinator.get("/gezinshuizen/aanvragen").status_code == 200
    home = coordinator.get("/contract/").get_data(as_text=True)
    assert f'href="/gezinshuizen/?regio={region_id}"' in home and "Coördinatiepunt gezinshuizen" in home
    with app.app_context():
        event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.role", AuditEvent.entity_id == manager_id))
        assert event is not None and "is_coordinator" in (event.changes or "")

    assert _save(admin, manager_id, role="contractmanager", region_id=str(region_id)).status_code == 302
    assert coordinator.get("/gezinshuizen/aanvragen").status_code == 403
    with app.app_context():
        assert db.session.get(User, manager_id).is_coordinator is False
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.entity_id == manager_id)) == 2


def test_a_referrer_or_provider_never_holds_the_right(app):
    with app.app_context():
        region = factories.region("Noord")
        factories.user("beheerder", region_id=region.id, email="beheer@noord.example")
        manager = factories.user("contractmanager", region_id=region.id, email="cm@noord.example", is_coordinator=True)
        db.session.commit()
        manager_id, region_id = manager.id, region.id
    admin = _login(app, "beheer@noord.example")
    response = _save(admin, manager_id, role="verwijzer", referrer_type="01", region_id=str(region_id), is_coordinator="y")
    assert response.status_code == 302
    with app.app_context():
        user = db.session.get(User, manager_id)
        assert (user.role, user.is_coordinator) == ("verwijzer", False)


def test_an_invitation_can_carry_the_right(app, monkeypatch):
    from beschikbaarheid.services import users as user_changes

    monkeypatch.setattr(user_changes, "send_invitation_mail", lambda *a, **k: None)
    with app.app_context():
        region = factories.region("Noord")
        factories.user("beheerder", region_id=region.id, email="beheer@noord.example")
        db.session.commit()
        region_id = region.id
    admin = _login(app, "beheer@noord.example")
    page = "/beheer/gebruikers/uitnodigen"
    response = admin.post(page, data={"csrf_token": csrf_token(admin, page), "name": "Cora Coördinator", "email": "cora@noord.example",
                                      "role": "contractmanager", "region_id": str(region_id), "is_coordinator": "y"})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User.is_coordinator).where(User.email == "cora@noord.example")) is True
