"""Internet banking's "Boekhoudkoppeling aanvragen": the bank-initiated registration of flows B and C.

A logged-in customer (e.dentifier, app, or Access Online) picks the accounting software (a registered
client with a ``software_name`` and a ``callback_url``), types the klantnummer (the software's serial
number), selects one or more eligible accounts and approves. The bank makes one consent per account,
issues one authorization code per consent, and delivers them to the software server-to-server: a JSON
body POSTed to the client's ``callback_url``, signed with HMAC-SHA256 under the client's
``callback_secret`` in the ``X-Mockbank-Signature`` header (``sha256=<hex>``). When the software
refuses, the consents become ``rejected`` and the user reads the software's reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
from dataclasses import dataclass
from dataclasses import field

import requests
from sqlalchemy import JSON
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import select
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from mockbank import models
from mockbank.models import Base
from mockbank.services import consent_rules
from mockbank.services.authflow import AuthFlowService
from mockbank.services.authflow import LoggedIn
from mockbank.services.consents import ConsentService
from mockbank.services.ledger_rules import normalize_iban
from mockbank.settings import BankSettings
from mockbank.sim.clock import SimClock
from mockbank.sim.db import Database
from mockbank.sim.db import UTCDateTime
from mockbank.sim.ids import Ids

SIGNATURE_HEADER = "X-Mockbank-Signature"
SCOPES = ("psd2:account:details:read", "psd2:account:balance:read", "psd2:account:transaction:read")
KLANTNUMMER = re.compile(r"^[0-9]{4,12}$")

SENT = "sent"
DELIVERED = "delivered"
REFUSED = "refused"


class AccountingRegistration(Base):
    """One "Boekhoudkoppeling aanvragen" by a customer: which software, which serial, which accounts, the outcome."""

    __tablename__ = "accounting_registrations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(Integer)
    login_means: Mapped[str] = mapped_column(String(16))
    serial_number: Mapped[str] = mapped_column(String(16), index=True)
    ibans: Mapped[list] = mapped_column(JSON, default=list)
    consent_ids: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default=SENT)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


def sign(secret: str, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256 of the raw body under the client's callback secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class RegistrationInvalid(Exception):
    """The form broke rules: one Dutch message per field; nothing was made."""

    def __init__(self, problems: dict[str, str]):
        self.problems = problems
        super().__init__("; ".join(problems.values()))


@dataclass
class Outcome:
    """What happened to a registration: delivered to the software, or refused with its reason."""

    delivered: bool
    software: str
    serial_number: str
    ibans: list[str]
    message: str
    registration_id: int
    consent_ids: list[int] = field(default_factory=list)
    # Where the software wants its user back (its answer's ``returnUrl``), shown as a button.
    return_url: str | None = None


class AccountingRegistrations:
    """Verbs of the bank-initiated registration."""

    def __init__(
        self,
        *,
        db: Database,
        clock: SimClock,
        ids: Ids,
        settings: BankSettings,
        consents: ConsentService,
        authflow: AuthFlowService,
    ):
        self.db = db
        self.clock = clock
        self.ids = ids
        self.settings = settings
        self.consents = consents
        self.authflow = authflow
        self.http = requests.Session()

    def software(self) -> list[models.OAuthClient]:
        """Registered clients that accept bank-initiated registrations, by software name."""
        clients = [c for c in self.consents.clients() if c.software_name and c.callback_url]
        return sorted(clients, key=lambda c: c.software_name.lower())

    def register(self, *, user: LoggedIn, client_id: str, serial_number: str, ibans: list[str]) -> Outcome:
        """Check the form, make one valid consent and one code per account, deliver them, and keep the outcome."""
        problems: dict[str, str] = {}
        client = next((c for c in self.software() if c.client_id == client_id), None)
        if not client_id:
            problems["software"] = "Kies uw boekhoudpakket."
        elif client is None:
            problems["software"] = "Dit boekhoudpakket is niet bekend bij ABN AMRO. Kies een pakket uit de lijst."
        serial_number = (serial_number or "").strip()
        if not serial_number:
            problems["serial_number"] = (
                "Vul het klantnummer (serienummer) in dat u van uw boekhoudpakket heeft gekregen."
            )
        elif not KLANTNUMMER.match(serial_number):
            problems["serial_number"] = "Een klantnummer bestaat alleen uit cijfers."
        eligible = {a.iban: a for a in self.authflow.eligible_accounts(user.user_id)}
        chosen = list(dict.fromkeys(normalize_iban(i) for i in ibans if i))
        if not chosen:
            problems["accounts"] = "Kies ten minste één rekening."
        elif any(i not in eligible for i in chosen):
            problems["accounts"] = "Een van de gekozen rekeningen kan niet worden gekoppeld."
        if problems:
            raise RegistrationInvalid(problems)
        now = self.clock.now()
        codes = []
        with self.db.transaction() as db_session:
            row = AccountingRegistration(
                client_id=client.client_id,
                user_id=user.user_id,
                login_means=user.means,
                serial_number=serial_number,
                ibans=chosen,
                status=SENT,
                created_at=now,
            )
            db_session.add(row)
            consent_ids = []
            for iban in chosen:
                consent = self.consents.create_consent(
                    db_session,
                    client_id=client.client_id,
                    account_id=eligible[iban].id,
                    user_id=user.user_id,
                    scopes=list(SCOPES),
                    status=consent_rules.VALID,
                )
                code = self.ids.token(40)
                self.consents.save_code(
                    db_session,
                    code=code,
                    client_id=client.client_id,
                    consent_id=consent.id,
                    redirect_uri=None,
                    scope=" ".join(SCOPES),
                    code_challenge=None,
                    code_challenge_method=None,
                )
                consent_ids.append(consent.id)
                codes.append({"iban": iban, "code": code, "consentId": consent.id})
            row.consent_ids = consent_ids
            db_session.flush()
            registration_id = row.id
            customer = db_session.get(models.Customer, user.customer_id)
            kvk_number = customer.kvk_number
        # Delivered after the transaction closed: in-process the software calls straight back into this bank.
        delivered, message, return_url = self._deliver(client, serial_number, kvk_number, codes, registration_id, now)
        with self.db.transaction() as db_session:
            row = db_session.get(AccountingRegistration, registration_id)
            row.status = DELIVERED if delivered else REFUSED
            row.reason = None if delivered else message
            row.finished_at = self.clock.now()
            if not delivered:
                for consent_id in consent_ids:
                    consent = db_session.get(models.Consent, consent_id)
                    self.consents.set_status(
                        db_session,
                        consent,
                        consent_rules.REJECTED,
                        reason=f"refused by {client.name}: {message}"[:200],
                    )
        return Outcome(
            delivered, client.software_name, serial_number, chosen, message, registration_id, consent_ids, return_url
        )

    def _deliver(self, client, serial_number, kvk_number, codes, registration_id, now) -> tuple[bool, str, str | None]:
        payload = {
            "registrationId": registration_id,
            "software": client.software_name,
            "clientId": client.client_id,
            "serialNumber": serial_number,
            "kvkNumber": kvk_number,
            "sentAt": now.isoformat(),
            "accounts": codes,
        }
        body = json.dumps(payload).encode()
        try:
            response = self.http.post(
                client.callback_url,
                data=body,
                headers={
                    "Content-Type": "application/json",
                    SIGNATURE_HEADER: sign(client.callback_secret or "", body),
                },
                timeout=self.settings.callback_timeout,
            )
        except requests.RequestException:
            return False, f"{client.software_name} is op dit moment niet bereikbaar. Probeer het later opnieuw.", None
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if not isinstance(answer, dict):
            answer = {}
        if response.status_code == 200:
            back = answer.get("returnUrl")
            back = back if isinstance(back, str) and back.startswith(("http://", "https://")) else None
            return True, f"Uw aanvraag is doorgegeven aan {client.software_name}.", back
        reason = answer.get("ErrorMessage")
        refused = f"{client.software_name} heeft de aanvraag geweigerd (HTTP {response.status_code})."
        return False, reason or refused, None

    def history(self, user_id: int) -> list[AccountingRegistration]:
        """The user's registrations, newest first."""
        with self.db.reading() as db_session:
            return list(
                db_session.scalars(
                    select(AccountingRegistration)
                    .where(AccountingRegistration.user_id == user_id)
                    .order_by(AccountingRegistration.id.desc())
                )
            )

    def all(self) -> list[AccountingRegistration]:
        """Every registration, oldest first (for the sandbox)."""
        with self.db.reading() as db_session:
            return list(db_session.scalars(select(AccountingRegistration).order_by(AccountingRegistration.id)))
