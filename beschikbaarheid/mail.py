"""E-mail over real SMTP (MAIL_* settings): one message, or many over one reused connection.

`send_many` is what the reminder job uses: it opens one connection, reports an outcome per message
and raises `MailServerUnavailable` before anything is sent when the server cannot be reached, so the
caller can record the failure and retry on the next run.
"""
from __future__ import annotations

import smtplib
import ssl
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid, parseaddr
from typing import Any
from urllib.parse import urlsplit


class MailError(Exception):
    """A message could not be sent."""


class MailServerUnavailable(MailError):
    """The SMTP server cannot be reached or refused the login: nothing was sent."""


@dataclass
class Mail:
    """One message to send; `tag` is the caller's reference (e.g. a provider id), echoed in the result."""

    to: str | Sequence[str]
    subject: str
    text: str
    html: str | None = None
    reply_to: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    tag: Any = None

    @property
    def recipients(self) -> list[str]:
        return [self.to] if isinstance(self.to, str) else list(self.to)


@dataclass
class SendResult:
    """What happened to one message: sent, refused by the server, or not sent because the server went away."""

    mail: Mail
    status: str  # sent | refused (permanent, 5xx) | not_sent (server gone or 4xx: retry later)
    message_id: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == "sent"


@dataclass(frozen=True)
class SmtpSettings:
    """Connection settings, read from app.config (MAIL_*)."""

    host: str = "127.0.0.1"
    port: int = 25
    use_tls: bool = False
    use_ssl: bool = False
    username: str | None = None
    password: str | None = None
    sender: str = "noreply@localhost"
    timeout: float = 10
    local_hostname: str = "localhost"

    @classmethod
    def from_config(cls, config: Mapping) -> SmtpSettings:
        """Settings from a Flask config mapping."""
        base = urlsplit(config.get("PUBLIC_BASE_URL") or "")
        return cls(
            host=config.get("MAIL_SERVER") or "127.0.0.1",
            port=int(config.get("MAIL_PORT") or 25),
            use_tls=bool(config.get("MAIL_USE_TLS")),
            use_ssl=bool(config.get("MAIL_USE_SSL")),
            username=config.get("MAIL_USERNAME") or None,
            password=config.get("MAIL_PASSWORD") or None,
            sender=config.get("MAIL_DEFAULT_SENDER") or "noreply@localhost",
            timeout=float(config.get("MAIL_TIMEOUT") or 10),
            # Explicit, so smtplib never does a (possibly slow) reverse DNS lookup of this machine.
            local_hostname=config.get("MAIL_LOCAL_HOSTNAME") or base.hostname or "localhost",
        )


def _current_settings() -> SmtpSettings:
    from flask import current_app

    return SmtpSettings.from_config(current_app.config)


def build_message(mail: Mail, sender: str) -> EmailMessage:
    """A standards-conforming message: plain text, plus an HTML alternative when given."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = ", ".join(mail.recipients)
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = parseaddr(sender)[1].rpartition("@")[2] or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    if mail.reply_to:
        msg["Reply-To"] = mail.reply_to
    for name, value in mail.headers.items():
        msg[name] = value
    msg.set_content(mail.text)
    if mail.html:
        msg.add_alternative(mail.html, subtype="html")
    return msg


class SmtpConnection:
    """One SMTP session; use as a context manager. Raises MailServerUnavailable when it cannot open."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self.smtp: smtplib.SMTP | None = None

    def open(self) -> SmtpConnection:
        s = self.settings
        try:
            if s.use_ssl:
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, local_hostname=s.local_hostname,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout, local_hostname=s.local_hostname)
                if s.use_tls:
                    smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password or "")
        except (OSError, smtplib.SMTPException) as exc:
            raise MailServerUnavailable(f"Mailserver {s.host}:{s.port} niet bereikbaar: {exc}") from exc
        self.smtp = smtp
        return self

    def send(self, message: EmailMessage) -> None:
        """Send one built message; smtplib errors propagate for the caller to classify."""
        assert self.smtp is not None, "connection not open"
        self.smtp.send_message(message, from_addr=parseaddr(self.settings.sender)[1] or None)

    def close(self) -> None:
        if self.smtp is None:
            return
        try:
            self.smtp.quit()
        except (OSError, smtplib.SMTPException):
            self.smtp.close()
        self.smtp = None

    def __enter__(self) -> SmtpConnection:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()


# Errors that concern one message only; the connection stays usable.
_PER_MESSAGE_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused, smtplib.SMTPDataError, smtplib.SMTPNotSupportedError)


def send_many(
    mails: Iterable[Mail],
    *,
    settings: SmtpSettings | None = None,
    on_result: Callable[[SendResult], None] | None = None,
) -> list[SendResult]:
    """Send every mail over one connection; one result per mail, in order.

    Raises MailServerUnavailable (nothing sent) when the server cannot be reached at the start. When
    the connection drops halfway it reconnects once; if that fails the rest are reported 'not_sent'.
    `on_result` is called after each message, so a caller can record progress as it goes.
    """
    settings = settings or _current_settings()
    results: list[SendResult] = []

    def report(result: SendResult) -> None:
        results.append(result)
        if on_result:
            on_result(result)

    conn = SmtpConnection(settings).open()
    server_error: str | None = None
    try:
        for mail in mails:
            if server_error:
                report(SendResult(mail, "not_sent", error=server_error))
                continue
            try:
                message = build_message(mail, settings.sender)
            except (ValueError, TypeError) as exc:
                report(SendResult(mail, "refused", error=f"Ongeldig bericht: {exc}"))
                continue
            message_id = message["Message-ID"]
            for attempt in (1, 2):
                try:
                    conn.send(message)
                    report(SendResult(mail, "sent", message_id=message_id))
                    break
                except _PER_MESSAGE_ERRORS as exc:
                    # 4xx is temporary: 'not_sent' so the next run retries; 5xx is final: 'refused'.
                    status = "not_sent" if _is_temporary(exc) else "refused"
                    report(SendResult(mail, status, message_id=message_id, error=_describe(exc)))
                    break
                except (OSError, smtplib.SMTPException) as exc:
                    conn.close()
                    if attempt == 2:
                        server_error = f"Verbinding met de mailserver verbroken: {exc}"
                        report(SendResult(mail, "not_sent", error=server_error))
                        break
                    try:
                        conn = SmtpConnection(settings).open()
                    except MailServerUnavailable as down:
                        server_error = str(down)
                        report(SendResult(mail, "not_sent", error=server_error))
                        break
    finally:
        conn.close()
    return results


def send(mail: Mail, *, settings: SmtpSettings | None = None) -> str:
    """Send one message now; returns its Message-ID, raises MailError (or MailServerUnavailable)."""
    result = send_many([mail], settings=settings)[0]
    if not result.ok:
        raise MailError(result.error or "Bericht niet verstuurd")
    return result.message_id or ""


def _is_temporary(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in exc.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    return isinstance(exc, smtplib.SMTPResponseException) and 400 <= exc.smtp_code < 500


def _describe(exc: Exception) -> str:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = [f"{rcpt}: {code} {msg.decode(errors='replace') if isinstance(msg, bytes) else msg}" for rcpt, (code, msg) in exc.recipients.items()]
        return "Ontvanger geweigerd: " + "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        msg = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"Geweigerd door de mailserver: {exc.smtp_code} {msg}"
    return str(exc)


def format_address(name: str, email: str) -> str:
    """'Name <email>' with proper quoting, for From/To headers."""
    local, _, domain = email.partition("@")
    return str(Address(display_name=name, username=local, domain=domain))
