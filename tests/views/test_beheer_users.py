"""The administrator's user pages and the invitation a new user receives: what a beheerder and the
invitee see, with real mail through a local SMTP server."""
from __future__ import annotations

import re
import time

import pytest
import sqlalchemy as sa
from itsdangerous import TimestampSigner

from beschikbaarheid.extensions import db
from beschikbaarheid.models import AuditEvent, User
from tests import factories
from tests.helpers import csrf_token

PASSWORD = "wachtwoord-123"
NEW_PASSWORD = "fietsbel-regenjas-kopje-thee"


@pytest.fixture
def mail_app(app, smtp_server):
    """The app sending to the test SMTP server, links under https://wijzer.test. No app context stays
    open (unlike conftest's mail_app): logged-in clients need a fresh one, and its CSRF token, per request."""
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, PUBLIC_BASE_URL="https://wijzer.test")
    return app


@pytest.fixture
def noord(app):
    """Region Noord with its beheerder and a provider under contract; region Zuid with a referrer."""
    with app.app_context():
        region = factories.region("Noord")
        linde = factories.provider("De Linde")
        factories.offering(factories.location(linde), factories.product("43A10", region_obj=region))
        admin = factories.user("beheerder", region_id=region.id, email="beheer@noord.example", name="Bea Beheer")
        zuid = factories.region("Zuid")
        stranger = factories.user("verwijzer", referrer_type="02", region_id=zuid.id, email="arts@zuid.example", name="Zuidelijke Arts")
        db.session.commit()
        return {"region": region.id, "zuid": zuid.id, "linde": linde.id, "admin": admin.id, "stranger": stranger.id}


def _login(client, email: str, password: str = PASSWORD):
    token = csrf_token(client, "/account/inloggen")
    response = client.post("/account/inloggen", data={"email": email, "password": password, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _invite(client, **fields):
    token = csrf_token(client, "/beheer/gebruikers/uitnodigen")
    response = client.post("/beheer/gebruikers/uitnodigen", data={"csrf_token": token, **fields})
    response.get_data()  # read before closing (a closed streamed body is gone)
    response.close()  # as a server does once the answer is sent: the invitation mail goes now
    return response


def _link(message) -> str:
    """The invitation link of a mail, as a path; the html part carries the same link."""
    text = message.get_body(("plain",)).get_content()
    url = re.search(r"https://wijzer\.test/account/uitnodiging/\S+", text).group(0)
    assert url in message.get_body(("html",)).get_content()
    return url.removeprefix("https://wijzer.test")


def _set_password(client, link: str, password: str = NEW_PASSWORD):
    token = csrf_token(client, link)
    return client.post(link, data={"csrf_token": token, "password": password, "password_repeat": password})


def test_an_invitee_gets_a_mail_whose_link_sets_a_password_once_and_logs_in(mail_app, client, smtp_server, noord):
    _login(client, "beheer@noord.example")
    response = _invite(client, name="Vera Verwijzer", email="Vera@Gemeente.example", role="verwijzer", referrer_type="01", region_id=str(noord["region"]))
    assert response.status_code == 302
    message = smtp_server.inbox.wait_for(1)[0]
    assert message["To"] == "vera@gemeente.example" and "Uitnodiging" in message["Subject"]
    body = message.get_body(("plain",)).get_content()
    assert "Bea Beheer nodigt u uit" in body and "72 uur" in body
    link = _link(message)

    listing = client.get("/beheer/gebruikers/?q=vera").get_data(as_text=True)
    assert "Vera Verwijzer" in listing and "Uitgenodigd, nog niet aangenomen" in listing and "nog nooit" in listing

    invitee = mail_app.test_client()
    page = invitee.get(link)
    assert page.status_code == 200 and "vera@gemeente.example" in page.get_data(as_text=True)
    common = _set_password(invitee, link, "Welkom2024!")
    assert common.status_code == 400 and "te bekend" in common.get_data(as_text=True)
    done = _set_password(invitee, link)
    assert done.status_code == 302 and done.headers["Location"].endswith("/zoeken/")
    assert invitee.get("/account/").status_code == 200  # logged in

    assert invitee.get(link).status_code == 410  # used up: the password changed
    _login(mail_app.test_client(), "vera@gemeente.example", NEW_PASSWORD)

    listing = client.get("/beheer/gebruikers/?q=vera").get_data(as_text=True)
    assert "Uitgenodigd, nog niet aangenomen" not in listing and "nog nooit" not in listing and "Actief" in listing
    trail = client.get("/beheer/audit/").get_data(as_text=True)
    assert "Gebruiker uitgenodigd" in trail and "Vera Verwijzer &lt;vera@gemeente.example&gt;" in trail and "beheer@noord.example" in trail


def test_the_link_works_for_72_hours_and_not_after(mail_app, client, smtp_server, noord, monkeypatch):
    _login(client, "beheer@noord.example")
    _invite(client, name="Cees", email="cees@noord.example", role="contractmanager", region_id=str(noord["region"]))
    link = _link(smtp_server.inbox.wait_for(1)[0])
    invitee = mail_app.test_client()
    sent = int(time.time())
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: sent + 72 * 3600 - 60)
    assert invitee.get(link).status_code == 200
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: sent + 72 * 3600 + 60)
    expired = invitee.get(link)
    assert expired.status_code == 410 and "verlopen" in expired.get_data(as_text=True) and "72 uur" in expired.get_data(as_text=True)
    assert invitee.get(link + "x").status_code == 400


def test_a_resent_invitation_replaces_the_old_link(mail_app, client, smtp_server, noord):
    _login(client, "beheer@noord.example")
    _invite(client, name="Cees", email="cees@noord.example", role="contractmanager", region_id=str(noord["region"]))
    first = _link(smtp_server.inbox.wait_for(1)[0])
    with mail_app.app_context():
        user_id = db.session.scalar(sa.select(User.id).where(User.email == "cees@noord.example"))
    token = csrf_token(client, f"/beheer/gebruikers/{user_id}")
    response = client.post(f"/beheer/gebruikers/{user_id}/opnieuw-uitnodigen", data={"csrf_token": token})
    response.close()
    assert response.status_code == 302
    second = _link(smtp_server.inbox.wait_for(2)[1])
    assert first != second
    assert mail_app.test_client().get(first).status_code == 410
    invitee = mail_app.test_client()
    assert _set_password(invitee, second).status_code == 302
    # Accepted: a further "resend" would throw the new password away, so it is refused.
    refused = client.post(f"/beheer/gebruikers/{user_id}/opnieuw-uitnodigen", data={"csrf_token": token})
    assert refused.status_code == 409 and "al aangenomen" in refused.get_data(as_text=True)


@pytest.mark.parametrize("fields, status, message", [
    ({"email": "beheer@noord.example"}, 400, "Er bestaat al een gebruiker met dit e-mailadres."),
    ({"email": "geen-adres"}, 400, "Dit is geen geldig e-mailadres."),
    ({"role": "aanbieder", "provider_id": "99999"}, 400, "Onbekende aanbieder"),
    ({"role": "aanbieder", "provider_id": ""}, 400, "Kies de aanbieder"),
    ({"referrer_type": ""}, 400, "Kies de soort verwijzer"),
    ({"region_id": "zuid"}, 400, "u kunt alleen uw eigen regio kiezen"),
    ({"role": "beheerder", "region_id": ""}, 400, "Kies een regio uit de lijst"),  # "all regions" is not among its choices
    ({"role": "koning"}, 400, "Kies een rol uit de lijst"),
])
def test_a_bad_invitation_is_a_dutch_4xx_and_saves_nothing(app, client, noord, fields, status, message):
    _login(client, "beheer@noord.example")
    data = {"name": "Iemand", "email": "iemand@noord.example", "role": "verwijzer", "referrer_type": "02", "region_id": str(noord["region"]), **fields}
    if data["region_id"] == "zuid":
        data["region_id"] = str(noord["zuid"])
    response = _invite(client, **data)
    assert response.status_code == status and message in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 2
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) == 0


def test_the_list_searches_without_javascript_and_the_live_filter_gets_only_the_table(app, client, noord):
    with app.app_context():
        factories.user("contractmanager", region_id=noord["region"], name="Karel Contract", email="karel@noord.example")
        db.session.commit()
    _login(client, "beheer@noord.example")
    page = client.get("/beheer/gebruikers/").get_data(as_text=True)
    assert "Karel Contract" in page and "Bea Beheer" in page and "Zuidelijke Arts" not in page  # another region's user
    found = client.get("/beheer/gebruikers/?q=KAREL").get_data(as_text=True)
    assert "Karel Contract" in found and "Bea Beheer" not in found and 'name="q"' in found
    rows = client.get("/beheer/gebruikers/?q=karel", headers={"HX-Request": "true", "HX-Target": "gebruikers-resultaat"}).get_data(as_text=True)
    assert "Karel Contract" in rows and "<html" not in rows and rows.lstrip().startswith('<div id="gebruikers-resultaat"')
    assert "Geen gebruikers gevonden" in client.get("/beheer/gebruikers/?q=%25").get_data(as_text=True)  # a literal %, no wildcard


def test_a_list_longer_than_a_page_says_how_many_there_are_and_how_to_find_the_rest(app, client, noord, monkeypatch):
    from beschikbaarheid.services import users as user_changes

    with app.app_context():
        for name in ("Anna", "Bram", "Cees"):
            factories.user("verwijzer", referrer_type="01", region_id=noord["region"], name=f"{name} Verwijzer", email=f"{name.lower()}@noord.example")
        db.session.commit()
    monkeypatch.setattr(user_changes, "USER_LIST_LIMIT", 2)
    _login(client, "beheer@noord.example")
    page = client.get("/beheer/gebruikers/").get_data(as_text=True)
    assert "4 gebruikers" in page and "De eerste 2 staan hieronder" in page
    assert "Anna Verwijzer" in page and "Cees Verwijzer" not in page
    found = client.get("/beheer/gebruikers/?q=cees").get_data(as_text=True)
    assert "Cees Verwijzer" in found and "De eerste" not in found


def test_another_regions_user_is_a_404_and_the_last_beheerder_stays(app, client, noord):
    _login(client, "beheer@noord.example")
    assert client.get(f"/beheer/gebruikers/{noord['stranger']}").status_code == 404
    token = csrf_token(client, f"/beheer/gebruikers/{noord['admin']}")
    assert client.post(f"/beheer/gebruikers/{noord['stranger']}/deactiveren", data={"csrf_token": token}).status_code == 404
    with app.app_context():
        factories.user("beheerder", region_id=None, email="landelijk@example.org")
        db.session.commit()
    admin = _login(app.test_client(), "landelijk@example.org")
    token = csrf_token(admin, f"/beheer/gebruikers/{noord['admin']}")
    refused = admin.post(f"/beheer/gebruikers/{noord['admin']}/deactiveren", data={"csrf_token": token})
    assert refused.status_code == 409 and "laatste actieve beheerder van de regio" in refused.get_data(as_text=True)
    demoted = admin.post(f"/beheer/gebruikers/{noord['admin']}", data={"csrf_token": token, "role": "contractmanager", "region_id": str(noord["region"])})
    assert demoted.status_code == 409 and "laatste actieve beheerder" in demoted.get_data(as_text=True)
    with app.app_context():
        user = db.session.get(User, noord["admin"])
        assert user.active and user.role == "beheerder"
    # The installation's administrator reaches every region's users.
    assert admin.get(f"/beheer/gebruikers/{noord['stranger']}").status_code == 200


def test_deactivation_logs_the_user_out_and_reactivation_lets_them_in_again(app, client, noord):
    with app.app_context():
        cm = factories.user("contractmanager", region_id=noord["region"], email="cm@noord.example")
        db.session.commit()
        cm_id = cm.id
    victim = _login(app.test_client(), "cm@noord.example")
    assert victim.get("/contract/").status_code == 200
    _login(client, "beheer@noord.example")
    token = csrf_token(client, f"/beheer/gebruikers/{cm_id}")
    assert client.post(f"/beheer/gebruikers/{cm_id}/deactiveren", data={"csrf_token": token}).status_code == 302
    assert victim.get("/contract/").status_code == 302  # session ended: to the login page
    assert "Gedeactiveerd" in client.get(f"/beheer/gebruikers/{cm_id}").get_data(as_text=True)
    assert client.post(f"/beheer/gebruikers/{cm_id}/activeren", data={"csrf_token": token}).status_code == 302
    _login(app.test_client(), "cm@noord.example")
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["user.deactivate", "user.reactivate"]


def test_a_login_is_shown_as_the_last_login(app, client, noord):
    _login(client, "beheer@noord.example")
    with app.app_context():
        assert db.session.get(User, noord["admin"]).last_login_at is not None
        assert db.session.get(User, noord["stranger"]).last_login_at is None
