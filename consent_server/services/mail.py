"""The portal's outgoing mail: every mail is stored in the outbox, and delivered over SMTP when configured.

``SMTP_URL`` (``MOCKBANK_SMTP_URL`` for ``mockbank serve``) is ``smtp://[user:password@]host[:port]``,
``smtp://...?starttls=true`` or ``smtps://...``. A delivery that fails is kept, retried with back-off as
a due job, and recorded (attempts, last error); after ``MAIL_MAX_ATTEMPTS`` it is marked ``failed``,
still readable in the outbox. No delivery runs while a database transaction is open.
"""

from __future__ import annotations

import datetime as dt
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime
from email.utils import parseaddr
from urllib.parse import parse_qs
from urllib.parse import unquote
from urllib.parse import urlsplit

from jinja2 import Environment
from jinja2 import PackageLoader
from jinja2 import StrictUndefined
from jinja2 import select_autoescape
from sqlalchemy import delete
from sqlalchemy import func
from sqlalchemy import select

from consent_server import models
from consent_server.services.base import Kernel
from consent_server.services.base import Service
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.dutch import dutch_date

RETRY_JOB = "mail.retry"
# Seconds to wait before the 2nd, 3rd, ... attempt; the last value repeats.
BACKOFF = (60, 300, 1800, 7200, 21600, 43200)
STORED = "stored"
PENDING = "pending"
DELIVERED = "delivered"
FAILED = "failed"


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to deliver: parsed from ``SMTP_URL``."""

    host: str
    port: int
    username: str | None = None
    password: str | None = None
    use_ssl: bool = False
    starttls: bool = False
    timeout: float = 10.0


def parse_smtp_url(url: str) -> SmtpSettings:
    """``smtp://user:pass@host:1025?starttls=true`` or ``smtps://host:465``; ``ValueError`` for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps"):
        raise ValueError(f"SMTP_URL must start with smtp:// or smtps://, not {url!r}")
    if not parts.hostname:
        raise ValueError(f"SMTP_URL has no host: {url!r}")
    query = {k: v[-1].lower() for k, v in parse_qs(parts.query).items()}
    use_ssl = parts.scheme == "smtps"
    return SmtpSettings(
        host=parts.hostname,
        port=parts.port or (465 if use_ssl else 25),
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
        use_ssl=use_ssl,
        starttls=query.get("starttls") in ("1", "true", "yes"),
        timeout=float(query.get("timeout", 10)),
    )


def deliver(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand one message to the SMTP server; raises ``OSError`` or ``smtplib.SMTPException`` when it is not taken."""
    if settings.use_ssl:
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout)
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
    with client:
        if settings.starttls:
            client.starttls(context=ssl.create_default_context())
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(message)


@dataclass(frozen=True)
class MailLink:
    """A link in a mail: what it is for, its text and its URL."""

    kind: str
    text: str
    url: str

    def to_json(self) -> dict:
        """The outbox's JSON shape."""
        return {"kind": self.kind, "text": self.text, "url": self.url}


# Subjects per kind; the bodies are templates/mail/<kind>.txt and .html.
SUBJECTS = {
    "activation": "Activeer de bankkoppeling voor rekening {iban}",
    "activation_expired": "Je activatielink voor rekening {iban} is verlopen",
    "link_active": "De bankkoppeling voor rekening {iban} is actief",
    "consent_expired": "De toestemming van {bank} voor rekening {iban} is verlopen",
    "consent_revoked": "{bank} geeft geen toegang meer tot rekening {iban}",
    "import_failing": "We konden de transacties van rekening {iban} niet ophalen",
    "unlinked": "De bankkoppeling voor rekening {iban} is uitgeschakeld",
}


class Outbox(Service):
    """Verbs of the portal's outgoing mail."""

    def __init__(self, kernel: Kernel):
        super().__init__(kernel)
        self.templates = Environment(
            loader=PackageLoader("consent_server", "templates/mail"),
            autoescape=select_autoescape(["html"]),
            undefined=StrictUndefined,
            keep_trailing_newline=True,
        )
        self.templates.filters["dutch_date"] = dutch_date
        self.jobs.register(RETRY_JOB, self._retry_job)

    @property
    def smtp(self) -> SmtpSettings | None:
        """The configured SMTP server, read at send time (a re-configured app uses the new one)."""
        url = self.settings.smtp_url
        return parse_smtp_url(url) if url else None

    # --- writing ------------------------------------------------------------------------------------

    def compose(
        self,
        session,
        *,
        kind: str,
        to: str,
        context: dict,
        links: list[MailLink] = (),
        link_id: int | None = None,
        registration_id: int | None = None,
        iban: str | None = None,
    ) -> models.Mail:
        """Render and store a mail inside ``session``; call :meth:`flush` after the commit to deliver it."""
        now = self.clock.now()
        values = {**context, "links": {link.kind: link for link in links}, "sent_at": now}
        mail = models.Mail(
            message_id=f"<{self.ids.token(24)}@{self._domain()}>",
            kind=kind,
            sender=self.settings.mail_from,
            recipient=to,
            subject=SUBJECTS[kind].format(**context),
            text_body=self.templates.get_template(f"{kind}.txt").render(values),
            html_body=self.templates.get_template(f"{kind}.html").render(values),
            links=[link.to_json() for link in links],
            sent_at=now,
            link_id=link_id,
            registration_id=registration_id,
            iban=iban,
            delivery_status=PENDING if self.settings.smtp_url else STORED,
            next_attempt_at=now if self.settings.smtp_url else None,
        )
        session.add(mail)
        session.flush()
        return mail

    def _domain(self) -> str:
        return parseaddr(self.settings.mail_from)[1].rpartition("@")[2] or "localhost"

    # --- delivering ---------------------------------------------------------------------------------

    def flush(self) -> int:
        """Deliver every mail whose (next) attempt is due; returns how many were delivered."""
        settings = self.smtp
        if settings is None:
            return 0
        now = self.clock.now()
        with self.db.reading() as session:
            due = session.scalars(
                select(models.Mail.id)
                .where(models.Mail.delivery_status == PENDING, models.Mail.next_attempt_at <= now)
                .order_by(models.Mail.id)
            ).all()
        delivered = 0
        for mail_id in due:
            message = self._claim(mail_id, now)
            if message is None:
                continue
            try:
                deliver(settings, message)
            except (OSError, smtplib.SMTPException) as exc:
                self._failed(mail_id, now, f"{type(exc).__name__}: {exc}")
            else:
                self._delivered(mail_id, now)
                delivered += 1
        return delivered

    def _claim(self, mail_id: int, now: dt.datetime) -> EmailMessage | None:
        """Take a due mail for one attempt (another thread may have taken it first)."""
        with self.db.transaction() as session:
            mail = session.get(models.Mail, mail_id)
            if mail is None or mail.delivery_status != PENDING or mail.next_attempt_at > now:
                return None
            mail.delivery_attempts += 1
            # Held for this attempt; a crash mid-delivery makes it due again later, never lost.
            mail.next_attempt_at = now + dt.timedelta(minutes=10)
            return self._message(mail)

    def _message(self, mail: models.Mail) -> EmailMessage:
        message = EmailMessage()
        message["From"] = mail.sender
        message["To"] = mail.recipient
        message["Subject"] = mail.subject
        message["Date"] = format_datetime(mail.sent_at.astimezone(AMSTERDAM))
        message["Message-ID"] = mail.message_id
        message["X-Mockbank-Mail-Kind"] = mail.kind
        message.set_content(mail.text_body)
        message.add_alternative(mail.html_body, subtype="html")
        return message

    def _delivered(self, mail_id: int, now: dt.datetime) -> None:
        with self.db.transaction() as session:
            mail = session.get(models.Mail, mail_id)
            mail.delivery_status = DELIVERED
            mail.delivered_at = now
            mail.next_attempt_at = None
            mail.delivery_error = None

    def _failed(self, mail_id: int, now: dt.datetime, error: str) -> None:
        with self.db.transaction() as session:
            mail = session.get(models.Mail, mail_id)
            mail.delivery_error = error
            if mail.delivery_attempts >= self.settings.mail_max_attempts:
                mail.delivery_status = FAILED
                mail.next_attempt_at = None
                return
            wait = BACKOFF[min(mail.delivery_attempts - 1, len(BACKOFF) - 1)]
            mail.next_attempt_at = now + dt.timedelta(seconds=wait)
            self.jobs.schedule(RETRY_JOB, mail.next_attempt_at, {"mail": mail_id}, session=session)

    def _retry_job(self, payload: dict, now: dt.datetime) -> None:
        self.flush()

    # --- reading ------------------------------------------------------------------------------------

    def mails(
        self, *, to: str | None = None, subject: str | None = None, kind: str | None = None, iban: str | None = None
    ) -> list[models.Mail]:
        """Stored mails, newest first; ``to`` matches the address, ``subject`` a part of it (any case)."""
        query = select(models.Mail).order_by(models.Mail.sent_at.desc(), models.Mail.id.desc())
        if to:
            query = query.where(func.lower(models.Mail.recipient) == to.strip().lower())
        if kind:
            query = query.where(models.Mail.kind == kind)
        if iban:
            query = query.where(models.Mail.iban == iban.replace(" ", "").upper())
        with self.db.reading() as session:
            found = list(session.scalars(query))
        if subject:
            needle = subject.casefold()
            found = [m for m in found if needle in m.subject.casefold()]
        return found

    def mail(self, mail_id: int) -> models.Mail | None:
        """One stored mail."""
        with self.db.reading() as session:
            return session.get(models.Mail, mail_id)

    def clear(self) -> int:
        """Empty the outbox; returns how many mails were removed."""
        with self.db.transaction() as session:
            # Activation links keep working: they point at their mail only for the outbox's sake.
            session.execute(
                models.ActivationToken.__table__.update()
                .where(models.ActivationToken.mail_id.is_not(None))
                .values(mail_id=None)
            )
            return session.execute(delete(models.Mail)).rowcount or 0


def mail_json(mail: models.Mail) -> dict:
    """A mail as the sandbox's outbox shows it."""
    return {
        "id": mail.id,
        "messageId": mail.message_id,
        "kind": mail.kind,
        "from": mail.sender,
        "to": mail.recipient,
        "subject": mail.subject,
        "text": mail.text_body,
        "html": mail.html_body,
        "links": list(mail.links or []),
        "iban": mail.iban,
        "sentAt": mail.sent_at.isoformat(),
        "delivery": {
            "status": mail.delivery_status,
            "attempts": mail.delivery_attempts,
            "lastError": mail.delivery_error,
            "nextAttemptAt": mail.next_attempt_at.isoformat() if mail.next_attempt_at else None,
            "deliveredAt": mail.delivered_at.isoformat() if mail.delivered_at else None,
        },
    }
