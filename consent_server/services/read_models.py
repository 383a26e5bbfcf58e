"""What the portal shows of a registration: the price rule, what each link waits for, and the timeline."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from consent_server import models
from consent_server.services.base import Kernel
from consent_server.services.base import Service
from consent_server.services.connections import PREPARE_JOB
from consent_server.services.links import ACTIVATION_SEND_JOB
from consent_server.services.links import Links
from consent_server.services.registrations import Registrations
from mockbank.sim.money import to_cents

# What a waiting link expects next (``Expectation.kind``).
EXPECT_ACTIVATION_MAIL = "activation_mail"
EXPECT_ACTIVATION = "activation"
EXPECT_FIRST_IMPORT = "first_import"
EXPECT_IMPORT = "import"
EXPECT_SERIAL = "serial"


@dataclass(frozen=True)
class Expectation:
    """What a waiting link (or account) expects next, in Dutch, and when (simulated time, UTC)."""

    kind: str
    label: str
    at: dt.datetime


class RegistrationViews(Service):
    """Read models of registrations (nothing here changes state)."""

    def __init__(self, kernel: Kernel, *, registrations: Registrations, links: Links):
        super().__init__(kernel)
        self.registrations = registrations
        self.links = links

    # --- what a waiting state expects -----------------------------------------------------------------

    def expectation(self, link: models.AccountLink) -> Expectation | None:
        """The next thing a link waits for and its date, as the due jobs will do it; None when nothing is due."""
        state = link.state
        if state in (models.LINK_CONSENTED, models.LINK_ACTIVATION_SCHEDULED):
            due = self._pending_due(ACTIVATION_SEND_JOB, "link", link.id)
            return Expectation(EXPECT_ACTIVATION_MAIL, "Activatiemail", due) if due else None
        if state == models.LINK_ACTIVATION_SENT:
            with self.db.reading() as session:
                expires = session.scalar(
                    select(models.ActivationToken.expires_at)
                    .where(
                        models.ActivationToken.link_id == link.id,
                        models.ActivationToken.used_at.is_(None),
                        models.ActivationToken.superseded_at.is_(None),
                    )
                    .order_by(models.ActivationToken.id.desc())
                )
            return Expectation(EXPECT_ACTIVATION, "Activeren kan tot", expires) if expires else None
        if state in models.LINKED_STATES:
            at = self.next_import(link)
            if state == models.LINK_ACTIVATED and link.last_import_at is None:
                return Expectation(EXPECT_FIRST_IMPORT, "Eerste transacties", at)
            return Expectation(EXPECT_IMPORT, "Volgende import", at)
        return None

    def next_import(self, link: models.AccountLink) -> dt.datetime | None:
        """When the daily import will next read this link (None when it is not linked)."""
        if link.state not in models.LINKED_STATES:
            return None
        now = self.clock.now()
        start = max(now + dt.timedelta(microseconds=1), link.first_import_at or now)
        return self.links.import_run_at_or_after(start)

    def preparation(self, account: models.BankAccount) -> Expectation | None:
        """When a bank account's serial number will be ready ("Bankkoppeling voorbereiden...")."""
        if account.connection_state != models.CONNECTION_PREPARING:
            return None
        due = self._pending_due(PREPARE_JOB, "account", account.uid)
        return Expectation(EXPECT_SERIAL, "Serienummer klaar", due) if due else None

    def _pending_due(self, kind: str, key: str, value) -> dt.datetime | None:
        for job in self.jobs.jobs(status="pending", kinds=[kind]):
            if job.payload.get(key) == value:
                return job.due_at
        return None

    def pricing(self, registration: models.Registration) -> dict:
        """The price rule applied to the consented accounts (condition 4 of the seed; configurable)."""
        free = self.settings.free_linked_accounts
        price = self.settings.extra_account_price
        count = sum(1 for link in registration.links if link.state in models.CONSENT_GIVEN_STATES)
        extra = max(0, count - free)
        return {
            "linked": count,
            "free": free,
            "extra": extra,
            "pricePerMonth": price,
            "monthly": price * extra,
            "monthlyCents": to_cents(price * extra),
        }

    # --- timeline -----------------------------------------------------------------------------------

    def timeline(self, number: str) -> dict:
        """Every step of one serial number's onboarding, with its simulated time."""
        registration = self.registrations.by_serial(number)
        serial = registration.serial
        with self.db.reading() as session:
            accounts = session.scalars(
                select(models.BankAccount)
                .where(
                    models.BankAccount.serial_id == serial.id, models.BankAccount.connection_requested_at.is_not(None)
                )
                .order_by(models.BankAccount.connection_requested_at, models.BankAccount.id)
            ).all()
        events = [
            {
                "at": account.connection_requested_at,
                "subject": "bankaccount",
                "bankAccountId": account.uid,
                "iban": account.iban,
                "state": "connection_requested",
                "detail": f"Schakel bankkoppeling in: {account.name}",
            }
            for account in accounts
        ]
        events += [
            {"at": e.at, "subject": "registration", "state": e.state, "detail": e.detail, "_order": e.id}
            for e in registration.events
        ]
        links = []
        for link in registration.links:
            link_events = [{"at": _iso(e.at), "state": e.state, "detail": e.detail} for e in link.events]
            events += [
                {"at": e.at, "subject": "link", "iban": link.iban, "state": e.state, "detail": e.detail}
                for e in link.events
            ]
            links.append(
                {
                    "iban": link.iban,
                    "state": link.state,
                    "flow": link.flow,
                    "bankAccountId": link.bank_account.uid if link.bank_account else None,
                    "consentValidUntil": _iso(link.consent_valid_until),
                    "events": link_events,
                }
            )
        with self.db.reading() as session:
            mails = session.scalars(
                select(models.Mail).where(models.Mail.registration_id == registration.id).order_by(models.Mail.id)
            ).all()
        events += [
            {
                "at": mail.sent_at,
                "subject": "mail",
                "iban": mail.iban,
                "state": mail.kind,
                "detail": f"{mail.subject} → {mail.recipient}",
                "mailId": mail.id,
            }
            for mail in mails
        ]
        # At one moment: the request for the connection, then the wizard's steps, the links the bank
        # delivered, the states those links caused, and the mails they sent.
        rank = {"bankaccount": 0, "registration": 1, "link": 2, "mail": 4}
        late = {models.REG_BANK_CONSENT, models.REG_ACCOUNTS, models.REG_DONE}
        events.sort(
            key=lambda e: (e["at"], 3 if e["subject"] == "registration" and e["state"] in late else rank[e["subject"]])
        )
        for event in events:
            event["at"] = _iso(event["at"])
            event.pop("_order", None)
        return {
            "serialNumber": serial.number,
            "product": serial.product,
            "administrationId": serial.administration_id,
            "registration": {
                "state": registration.state,
                "kvkNumber": registration.kvk_number,
                "companyName": registration.company_name,
                "bank": registration.bank,
                "contactName": registration.contact_name,
                "contactEmail": registration.contact_email,
                "events": [{"at": _iso(e.at), "state": e.state, "detail": e.detail} for e in registration.events],
            },
            "links": links,
            "events": events,
        }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None
