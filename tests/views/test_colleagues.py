"""'Collega's': a provider's organisation administrator manages the aanbieder users of its own
provider, and nobody reaches another provider's users."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import AuditEvent, User
from tests import factories
from tests.helpers import csrf_token


@pytest.fixture
def providers(app, smtp_server):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, PUBLIC_BASE_URL="https://wijzer.test")
    with app.app_context():
        region = factories.region("Noord")
        linde, peel = factories.provider("De Linde"), factories.provider("Huize Peel")
        for provider in (linde, peel):
            factories.offering(factories.location(provider), factories.product("43A10", region_obj=region))
        ids = {
            "org_admin": factories.user("aanbieder", provider_id=linde.id, is_org_admin=True, region_id=region.id, email="hoofd@linde.example").id,
            "planner": factories.user("aanbieder", provider_id=linde.id, email="planner@linde.example", name="Piet Planner").id,
            "peel": factories.user("aanbieder", provider_id=peel.id, email="planner@peel.example", name="Peel Planner").id,
        }
        db.session.commit()
        return ids


def _login(client, email):
    token = csrf_token(client, "/account/inloggen")
    assert client.post("/account/inloggen", data={"email": email, "password": "wachtwoord-123", "csrf_token": token}).status_code == 302
    return client


def test_an_org_admin_sees_only_its_providers_users_and_invites_a_colleague(app, client, providers, smtp_server):
    _login(client, "hoofd@linde.example")
    assert "Collega" in client.get("/aanbieder/").get_data(as_text=True)  # in the menu
    page = client.get("/aanbieder/collegas/").get_data(as_text=True)
    assert "Piet Planner" in page and "Peel Planner" not in page and "De Linde" in page
    token = csrf_token(client, "/aanbieder/collegas/")
    response = client.post("/aanbieder/collegas/", data={"csrf_token": token, "name": "Nieuwe Collega", "email": "nieuw@linde.example"})
    response.close()
    assert response.status_code == 302
    message = smtp_server.inbox.wait_for(1)[0]
    link = re.search(r"https://wijzer\.test(/account/uitnodiging/\S+)", message.get_body(("plain",)).get_content()).group(1)
    invitee = app.test_client()
    token = csrf_token(invitee, link)
    done = invitee.post(link, data={"csrf_token": token, "password": "fietsbel-regenjas-kopje-thee", "password_repeat": "fietsbel-regenjas-kopje-thee"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/aanbieder/")
    assert "De Linde" in invitee.get("/aanbieder/").get_data(as_text=True)  # the colleague works for the same provider
    with app.app_context():
        colleague = db.session.scalar(sa.select(User).where(User.email == "nieuw@linde.example"))
        assert (colleague.role, colleague.provider.name, colleague.is_org_admin) == ("aanbieder", "De Linde", False)
        event = db.session.scalars(sa.select(AuditEvent)).one()
        assert (event.actor, event.action) == ("hoofd@linde.example", "user.invite")


def test_an_org_admin_deactivates_a_colleague_but_never_another_providers_user(app, client, providers):
    _login(client, "hoofd@linde.example")
    token = csrf_token(client, "/aanbieder/collegas/")
    assert client.post(f"/aanbieder/collegas/{providers['peel']}/deactiveren", data={"csrf_token": token}).status_code == 404
    assert client.post(f"/aanbieder/collegas/{providers['org_admin']}/deactiveren", data={"csrf_token": token}).status_code == 409  # yourself
    assert client.post(f"/aanbieder/collegas/{providers['planner']}/deactiveren", data={"csrf_token": token}).status_code == 302
    with app.app_context():
        assert not db.session.get(User, providers["planner"]).active
        assert db.session.get(User, providers["peel"]).active and db.session.get(User, providers["org_admin"]).active
    assert "Gedeactiveerd" in client.get("/aanbieder/collegas/").get_data(as_text=True)
    assert client.post(f"/aanbieder/collegas/{providers['planner']}/activeren", data={"csrf_token": token}).status_code == 302


def test_a_regular_provider_user_has_no_colleagues_page(app, client, providers):
    _login(client, "planner@linde.example")
    assert "collegas" not in client.get("/aanbieder/").get_data(as_text=True)
    assert client.get("/aanbieder/collegas/").status_code == 403
    token = csrf_token(client, "/account/")
    assert client.post(f"/aanbieder/collegas/{providers['org_admin']}/deactiveren", data={"csrf_token": token}).status_code == 403


def test_a_colleague_invitation_with_a_taken_address_is_a_dutch_400(app, client, providers):
    _login(client, "hoofd@linde.example")
    token = csrf_token(client, "/aanbieder/collegas/")
    response = client.post("/aanbieder/collegas/", data={"csrf_token": token, "name": "Dubbel", "email": "planner@peel.example"})
    assert response.status_code == 400 and "Er bestaat al een gebruiker met dit e-mailadres." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 3


def test_a_name_with_initials_is_accepted_but_a_control_character_is_not(app, client, providers):
    """A colleague's name is no free text about a client: "A. Jansen" is fine; a pasted control character is refused."""
    _login(client, "hoofd@linde.example")
    token = csrf_token(client, "/aanbieder/collegas/")
    bad = client.post("/aanbieder/collegas/", data={"csrf_token": token, "name": "A.\x07 Jansen", "email": "a.jansen@linde.example"})
    assert bad.status_code == 400 and "stuurteken" in bad.get_data(as_text=True)
    good = client.post("/aanbieder/collegas/", data={"csrf_token": token, "name": "mw. A. Jansen", "email": "a.jansen@linde.example"})
    good.close()
    assert good.status_code == 302
