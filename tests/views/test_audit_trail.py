"""The audit-trail page: a region's beheerders browse its administrative changes, newest first,
filtered, 50 to a page, in Amsterdam time; another region's events stay hidden."""
from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from beschikbaarheid.extensions import db
from beschikbaarheid.models import AuditEvent
from beschikbaarheid.services import audit
from tests import factories
from tests.helpers import csrf_token

UTC = dt.timezone.utc


@pytest.fixture
def trail(app):
    """60 invitations in Noord on 1-2 March 2026, a deactivation, one event in Zuid and an installation-wide one."""
    with app.app_context():
        noord, zuid = factories.region("Noord"), factories.region("Zuid")
        factories.user("beheerder", region_id=noord.id, email="beheer@noord.example")
        factories.user("beheerder", region_id=zuid.id, email="beheer@zuid.example")
        factories.user("beheerder", region_id=None, email="landelijk@example.org")
        start = dt.datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
        for n in range(60):
            event = audit.record("beheer@noord.example", region_id=noord.id, action="user.invite", entity="user", entity_id=n,
                                 summary=f"Persoon {n:02d}", changes={"role": [None, "verwijzer"]})
            event.at = start + dt.timedelta(minutes=30 * n)
        event = audit.record("cli", region_id=noord.id, action="user.deactivate", entity="user", entity_id=7, summary="Persoon 07",
                             changes={"active": ["ja", "nee"]})
        event.at = dt.datetime(2026, 3, 2, 22, 30, tzinfo=UTC)  # 23:30 in Amsterdam: still 2 March
        audit.record("beheer@zuid.example", region_id=zuid.id, action="user.invite", entity="user", entity_id=99, summary="Zuidelijke persoon")
        audit.record("cli", region_id=None, action="user.create", entity="user", entity_id=100, summary="Landelijke beheerder")
        db.session.commit()


def _login(client, email):
    token = csrf_token(client, "/account/inloggen")
    assert client.post("/account/inloggen", data={"email": email, "password": "wachtwoord-123", "csrf_token": token}).status_code == 302
    return client


def test_the_newest_change_comes_first_in_amsterdam_time_with_old_and_new(app, client, trail):
    _login(client, "beheer@noord.example")
    page = client.get("/beheer/audit/").get_data(as_text=True)
    assert "61 wijzigingen" in page and "pagina 1 van 2" in page
    assert page.index("Persoon 07") < page.index("Persoon 59") < page.index("Persoon 11")  # 50 to a page: 10 is on the next
    assert "Persoon 10" not in page
    assert "02-03-2026 23:30" in page and "Gebruiker gedeactiveerd" in page and "actief</span>: ja → nee" in page
    assert "Zuidelijke persoon" not in page and "Landelijke beheerder" not in page
    second = client.get("/beheer/audit/?pagina=2").get_data(as_text=True)
    assert "Persoon 00" in second and "Persoon 59" not in second and "pagina 2 van 2" in second


def test_filters_by_action_actor_and_dates(app, client, trail):
    _login(client, "beheer@noord.example")
    only = client.get("/beheer/audit/?actie=user.deactivate").get_data(as_text=True)
    assert "1 wijziging" in only and "Persoon 07" in only and "Persoon 08" not in only
    by_cli = client.get("/beheer/audit/?door=CLI").get_data(as_text=True)
    assert "1 wijziging" in by_cli
    # 1 March in Amsterdam: 09:00 to 23:59 local, i.e. the first 30 invitations (08:00 UTC + 30 min each up to 22:30 UTC).
    day = client.get("/beheer/audit/?van=2026-03-01&tot=2026-03-01").get_data(as_text=True)
    assert "30 wijzigingen" in day
    wrong = client.get("/beheer/audit/?van=2026-03-02&tot=2026-03-01")
    assert wrong.status_code == 400 and "De einddatum ligt voor de begindatum." in wrong.get_data(as_text=True)
    bad = client.get("/beheer/audit/?van=gisteren&actie=verzonnen")
    body = bad.get_data(as_text=True)
    assert bad.status_code == 400 and "Dit is geen geldige datum (jjjj-mm-dd)." in body and "Kies een waarde uit de lijst." in body


def test_another_region_and_the_installation_administrator(app, client, trail):
    zuid = _login(app.test_client(), "beheer@zuid.example").get("/beheer/audit/").get_data(as_text=True)
    assert "1 wijziging" in zuid and "Zuidelijke persoon" in zuid and "Persoon" not in zuid.replace("Zuidelijke persoon", "")
    everything = _login(client, "landelijk@example.org").get("/beheer/audit/").get_data(as_text=True)
    assert "63 wijzigingen" in everything


def test_the_filtered_list_downloads_as_formula_safe_csv(app, client, trail):
    with app.app_context():
        region_id = db.session.scalar(sa.select(AuditEvent.region_id).where(AuditEvent.entity_id == 7))
        audit.record("beheer@noord.example", region_id=region_id, action="user.invite", entity="user", entity_id=8, summary="=HYPERLINK(\"x\")")
        db.session.commit()
    _login(client, "beheer@noord.example")
    response = client.get("/beheer/audit/audittrail.csv?actie=user.invite&door=beheer")
    text = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert len(text.strip().splitlines()) == 62  # header + 61 invitations
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text  # a spreadsheet shows it, never runs it
    assert "Gebruiker gedeactiveerd" not in text and "Zuidelijke persoon" not in text
