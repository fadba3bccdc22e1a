"""Mail goes out over real SMTP: multipart messages, many over one connection, clear failure when the server is down."""
import smtplib

import pytest
from aiosmtpd.controller import Controller

from beschikbaarheid import mail
from tests.plugins.smtp import Inbox, free_port


def _configure(app, port):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=port, MAIL_DEFAULT_SENDER="Beschikbaarheidswijzer <noreply@wijzer.example>")


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_send_one_multipart_message(app, smtp_server):
    _configure(app, smtp_server.port)
    with app.app_context():
        message_id = mail.send(mail.Mail(to="intake@zonnehuis.example", subject="Wachttijden bijwerken", text="Hallo — tekst", html="<p>Hallo <b>HTML</b></p>", reply_to="regio@wijzer.example"))
    received = smtp_server.inbox.wait_for(1)[0]
    assert received["Subject"] == "Wachttijden bijwerken"
    assert received["To"] == "intake@zonnehuis.example"
    assert received["Reply-To"] == "regio@wijzer.example"
    assert received["Message-ID"] == message_id
    assert received.get_content_type() == "multipart/alternative"
    assert received.get_body(("plain",)).get_content().strip() == "Hallo — tekst"
    assert "<b>HTML</b>" in received.get_body(("html",)).get_content()
    assert smtp_server.inbox.envelopes[0] == ("noreply@wijzer.example", ["intake@zonnehuis.example"])


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_send_many_reuses_one_connection_and_reports_each_message(app, smtp_server, monkeypatch):
    _configure(app, smtp_server.port)
    opened = []
    real_smtp = smtplib.SMTP

    class CountingSMTP(real_smtp):
        def __init__(self, *args, **kwargs):
            opened.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(mail.smtplib, "SMTP", CountingSMTP)
    seen = []
    mails = (mail.Mail(to=f"aanbieder{i}@example.org", subject=f"Herinnering {i}", text="tekst", html="<p>html</p>", tag=i) for i in range(50))
    with app.app_context():
        results = mail.send_many(mails, on_result=seen.append)
    assert len(opened) == 1
    assert [r.status for r in results] == ["sent"] * 50 and [r.mail.tag for r in results] == list(range(50))
    assert seen == results
    assert len(smtp_server.inbox.wait_for(50)) == 50


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_server_down_raises_before_anything_is_marked_sent(app):
    _configure(app, free_port())  # nothing listens here
    seen = []
    with app.app_context(), pytest.raises(mail.MailServerUnavailable, match="niet bereikbaar"):
        mail.send_many([mail.Mail(to="a@example.org", subject="x", text="x")], on_result=seen.append)
    assert seen == []
    with app.app_context(), pytest.raises(mail.MailError):
        mail.send(mail.Mail(to="a@example.org", subject="x", text="x"))


class _Picky(Inbox):
    """Refuses one recipient permanently and one temporarily; accepts the rest."""

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("weg@"):
            return "550 No such user"
        if address.startswith("vol@"):
            return "452 Mailbox full, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_a_refused_recipient_does_not_stop_the_batch(app):
    inbox = _Picky()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        _configure(app, port)
        with app.app_context():
            results = mail.send_many([
                mail.Mail(to="een@example.org", subject="1", text="1"),
                mail.Mail(to="weg@example.org", subject="2", text="2"),
                mail.Mail(to="vol@example.org", subject="3", text="3"),
                mail.Mail(to="vier@example.org", subject="4", text="4"),
            ])
        assert [r.status for r in results] == ["sent", "refused", "not_sent", "sent"]
        assert "550" in results[1].error and "452" in results[2].error
        assert [m["Subject"] for m in inbox.wait_for(2)] == ["1", "4"]
    finally:
        controller.stop()


@pytest.mark.parametrize("backend", ["sqlite"], indirect=True)
def test_server_going_away_halfway_marks_the_rest_not_sent(app):
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    _configure(app, port)

    def mails():
        yield mail.Mail(to="a@example.org", subject="1", text="1")
        controller.stop()  # the server dies after the first message
        yield mail.Mail(to="b@example.org", subject="2", text="2")
        yield mail.Mail(to="c@example.org", subject="3", text="3")

    with app.app_context():
        results = mail.send_many(mails())
    assert [r.status for r in results] == ["sent", "not_sent", "not_sent"]
    assert "niet bereikbaar" in results[1].error and results[2].error == results[1].error
    assert len(inbox.messages) == 1


def test_settings_come_from_config():
    settings = mail.SmtpSettings.from_config({
        "MAIL_SERVER": "smtp.example.org", "MAIL_PORT": "587", "MAIL_USE_TLS": True, "MAIL_USERNAME": "u",
        "MAIL_PASSWORD": "p", "MAIL_DEFAULT_SENDER": "x@example.org", "MAIL_TIMEOUT": 3, "PUBLIC_BASE_URL": "https://wijzer.example.org",
    })
    assert (settings.host, settings.port, settings.use_tls, settings.use_ssl, settings.timeout) == ("smtp.example.org", 587, True, False, 3.0)
    assert settings.local_hostname == "wijzer.example.org"
