"""Mail over real SMTP: with ``SMTP_URL`` set, every outbox mail is also delivered to an SMTP server; a failed
delivery is retried with back-off on the simulated clock and recorded, never lost. The server is aiosmtpd,
started by the test on a free port."""

from __future__ import annotations

import email
import email.policy
import os
import random
import socket

import pytest
from aiosmtpd.controller import Controller

from consent_server.services.mail import parse_smtp_url
from tests.portal.conftest import EMPTY_BANK
from tests.portal.test_activation import consent_current_account

pytestmark = [EMPTY_BANK, pytest.mark.mockbank(start="2026-03-02T10:00:00")]


class Collector:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=email.policy.default))
        return "250 Message accepted for delivery"


def free_port() -> int:
    """A free port below the kernel's ephemeral range.

    The server is stopped and started again on the same port; a port from ``bind(0)`` lies in the ephemeral
    range, where any outgoing connection of another test process could take it in between.
    """
    try:
        with open("/proc/sys/net/ipv4/ip_local_port_range") as ranges:
            ephemeral_low = int(ranges.read().split()[0])
    except OSError:  # not Linux: IANA's ephemeral range starts at 49152, Linux's default at 32768
        ephemeral_low = 32768
    worker = int("".join(ch for ch in os.environ.get("PYTEST_XDIST_WORKER", "") if ch.isdigit()) or 0)
    start = 20000 + 500 * (worker % 20) + random.randrange(500)
    for port in range(start, ephemeral_low):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port below the ephemeral range")


class SmtpServer:
    """An aiosmtpd server on a fixed port that can be started and stopped again."""

    def __init__(self, port: int):
        self.port = port
        self.collector = Collector()
        self.controller: Controller | None = None

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    def start(self) -> None:
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp():
    server = SmtpServer(free_port())
    yield server
    server.stop()


@pytest.fixture
def smtp_world(world, smtp):
    """The world's portal delivering to ``smtp`` (read at send time, so it applies at once)."""
    world.portal_backend.reconfigure({"SMTP_URL": smtp.url})
    return world


def test_the_activation_mail_is_delivered_over_smtp(smtp_world, smtp, at_bank_consent, company, serial, portal_sandbox):
    smtp.start()
    consent_current_account(at_bank_consent, company, serial)
    portal_sandbox.advance(working_days=5)

    [message] = smtp.collector.messages
    stored = portal_sandbox.latest_mail(kind="activation")
    assert message["To"] == "donald@example.nl"
    assert message["Subject"] == stored["subject"]
    assert message["Message-ID"] == stored["messageId"]
    text = message.get_body(("plain",)).get_content().replace("\r\n", "\n")  # SMTP carries CRLF line ends
    assert text.strip() == stored["text"].strip()
    assert stored["links"][0]["url"] in message.get_body(("html",)).get_content()
    assert stored["delivery"]["status"] == "delivered" and stored["delivery"]["attempts"] == 1


def test_a_failed_delivery_is_retried_with_back_off_and_never_lost(
    smtp_world, smtp, at_bank_consent, company, serial, portal_sandbox
):
    consent_current_account(at_bank_consent, company, serial)
    portal_sandbox.advance(working_days=5)  # no SMTP server listening yet
    mail = portal_sandbox.latest_mail(kind="activation")
    assert mail["delivery"]["status"] == "pending" and mail["delivery"]["attempts"] == 1
    assert "Connection refused" in mail["delivery"]["lastError"] or "Errno" in mail["delivery"]["lastError"]

    portal_sandbox.advance(minutes=1)  # the second attempt fails too; the next waits five minutes
    assert portal_sandbox.latest_mail(kind="activation")["delivery"]["attempts"] == 2
    smtp.start()
    portal_sandbox.advance(minutes=4)
    assert smtp.collector.messages == []
    portal_sandbox.advance(minutes=1)
    [message] = smtp.collector.messages
    delivered = portal_sandbox.latest_mail(kind="activation")
    assert message["Message-ID"] == delivered["messageId"]
    assert (delivered["delivery"]["status"], delivered["delivery"]["attempts"]) == ("delivered", 3)


@pytest.mark.mockbank(portal_config={"MAIL_MAX_ATTEMPTS": 2})
def test_after_the_last_attempt_the_mail_is_marked_failed_but_kept(
    smtp_world, at_bank_consent, company, serial, portal_sandbox
):
    consent_current_account(at_bank_consent, company, serial)
    portal_sandbox.advance(working_days=5)
    portal_sandbox.advance(days=1)
    mail = portal_sandbox.latest_mail(kind="activation")
    assert (mail["delivery"]["status"], mail["delivery"]["attempts"]) == ("failed", 2)
    assert mail["delivery"]["nextAttemptAt"] is None
    assert "activeren" in mail["links"][0]["url"]  # still in the outbox, its link still usable
    assert at_bank_consent.activate(mail["links"][0]["url"]) == "activated"


def test_smtp_urls():
    assert parse_smtp_url("smtp://localhost:1025") == parse_smtp_url("smtp://localhost:1025/")
    plain = parse_smtp_url("smtp://mail.example.nl")
    assert (plain.host, plain.port, plain.use_ssl, plain.starttls) == ("mail.example.nl", 25, False, False)
    secure = parse_smtp_url("smtps://user%40visma:p%3Ass@mail.example.nl")
    assert (secure.port, secure.use_ssl, secure.username, secure.password) == (465, True, "user@visma", "p:ss")
    assert parse_smtp_url("smtp://mail.example.nl:587?starttls=true").starttls is True
    for bad in ("http://mail.example.nl", "smtp://", "mail.example.nl:25"):
        with pytest.raises(ValueError):
            parse_smtp_url(bad)
