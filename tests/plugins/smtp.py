"""A real local SMTP server (aiosmtpd) that records what arrives, for mail tests."""
from __future__ import annotations

import contextlib
import email
import email.policy
import socket
import time

import pytest
from aiosmtpd.controller import Controller


class Inbox:
    """aiosmtpd handler keeping every received message, parsed."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        msg = email.message_from_bytes(envelope.original_content or envelope.content, policy=email.policy.default)
        self.messages.append(msg)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def wait_for(self, count: int, timeout: float = 5.0) -> list:
        """Wait until at least `count` messages arrived (delivery is asynchronous)."""
        deadline = time.monotonic() + timeout
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        return self.messages


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def running_smtp(inbox: Inbox):
    """An SMTP server on a free loopback port delivering to `inbox`; yields it with .port and .inbox."""
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.inbox = inbox
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def smtp_server():
    """Start an SMTP server on a free loopback port; yields an object with .port and .inbox."""
    with running_smtp(Inbox()) as controller:
        yield controller
