"""Single SEPA payments initiated by a third party (ABN AMRO's Payment Initiation API) as a service object.

A payment is registered with a client-credentials token (``STORED``), authorized by the account holder in
the consent app (``AUTHORIZED``, bound to the account the holder chose), and released with the holder's
token: booked at once (``EXECUTED``, or ``REJECTED`` without funds), booked by a due job on the first
bookdate of a future execution date (``SCHEDULED``), or, for another bank on a day without clearing, on the
next TARGET2 day (``INPROGRESS``). A ``SCHEDULED`` payment can be deleted until it is booked.

The table lives here rather than in ``models.py`` because only this service reads it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import BigInteger
from sqlalchemy import Date
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import select
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from mockbank import errors
from mockbank import models
from mockbank.models import Base
from mockbank.services.bank import Bank
from mockbank.services.consents import AccessGrant
from mockbank.services.ledger_rules import MUTATION_SEPA_TRANSFER_IN
from mockbank.services.ledger_rules import MUTATION_SEPA_TRANSFER_OUT
from mockbank.services.ledger_rules import Party
from mockbank.services.ledger_rules import sepa_transfer_lines
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import is_target2_day
from mockbank.sim.calendar import next_business_day
from mockbank.sim.clock import SimClock
from mockbank.sim.db import Database
from mockbank.sim.db import UTCDateTime
from mockbank.sim.ids import Ids
from mockbank.sim.jobs import DueJobQueue
from mockbank.wire import PaymentOrder

STORED = "STORED"
AUTHORIZED = "AUTHORIZED"
SCHEDULED = "SCHEDULED"
INPROGRESS = "INPROGRESS"
EXECUTED = "EXECUTED"
REJECTED = "REJECTED"
# Not on the wire: a deleted scheduled payment is gone for the API (404), the sandbox still lists it.
DELETED = "DELETED"
STATUSES = (STORED, AUTHORIZED, SCHEDULED, INPROGRESS, EXECUTED, REJECTED, DELETED)

SCOPE_WRITE = "psd2:payment:sepa:write"
SCOPE_READ = "psd2:payment:sepa:read"
EXECUTE_JOB = "payment.execute"
# The bank's night run books what is due on a day (future-dated payments, held ones, direct debits).
NIGHT_RUN = dt.time(4, 0)
MAX_DAYS_AHEAD = 364


class Payment(Base):
    """A payment registered by a third party, from ``STORED`` to ``EXECUTED`` or ``REJECTED``."""

    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transaction_id: Mapped[str] = mapped_column(String(40), unique=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(16))
    initiating_iban: Mapped[str | None] = mapped_column(String(34), nullable=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"), nullable=True)
    counterparty_iban: Mapped[str] = mapped_column(String(34))
    counterparty_name: Mapped[str] = mapped_column(String(70))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    requested_execution_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # The bookdate it is (or was) booked on; set when released.
    execution_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    remittance_info: Mapped[str] = mapped_column(String(140), default="")
    reference_issuer: Mapped[str | None] = mapped_column(String(3), nullable=True)
    reference: Mapped[str | None] = mapped_column(String(35), nullable=True)
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    authorized_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    released_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    booked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


@dataclass(frozen=True)
class PaymentView:
    """A payment with the account it is paid from (number and holder), as the API and the sandbox show it."""

    payment: Payment
    iban: str | None
    holder_name: str | None


class Payments:
    """Verbs of single payments, on the simulated clock; the consent app calls two of them (authorize, refuse)."""

    def __init__(self, *, db: Database, clock: SimClock, ids: Ids, jobs: DueJobQueue, bank: Bank):
        self.db = db
        self.clock = clock
        self.ids = ids
        self.jobs = jobs
        self.bank = bank
        jobs.register(EXECUTE_JOB, self._execute_job)

    # --- the third party: register ----------------------------------------------------------

    def check_registrar(self, grant: AccessGrant) -> None:
        """Whether this token may register payments: client credentials with ``psd2:payment:sepa:write``."""
        if grant.consent_id is not None:
            raise errors.WrongGrantType("Wrong granttype for token: register a payment with client credentials")
        if SCOPE_WRITE not in grant.scopes:
            raise errors.WrongScope(f"Wrong scope: registering a payment needs {SCOPE_WRITE}")

    def register(self, grant: AccessGrant, order: PaymentOrder) -> PaymentView:
        """``POST /v1/payments``: store the payment (``STORED``); a client-credentials token is required."""
        self.check_registrar(grant)
        today = self.clock.today()
        if order.requested_execution_date and order.requested_execution_date > today + dt.timedelta(MAX_DAYS_AHEAD):
            raise errors.DateOutOfRange(f"Date is out of range: at most {MAX_DAYS_AHEAD} days after today ({today})")
        with self.db.transaction() as session:
            holder = None
            if order.initiating_iban is not None:
                account = session.scalar(select(models.Account).where(models.Account.iban == order.initiating_iban))
                if account is None:
                    raise errors.InvalidInitiatingAccount(
                        f"Invalid initiating party account number: {order.initiating_iban} is not an ABN AMRO account"
                    )
                holder = account.holder_name
            payment = Payment(
                transaction_id=self.ids.transaction_id(),
                client_id=grant.client_id,
                status=STORED,
                initiating_iban=order.initiating_iban,
                counterparty_iban=order.counterparty_iban,
                counterparty_name=order.counterparty_name,
                amount_cents=order.amount_cents,
                currency=order.currency,
                requested_execution_date=order.requested_execution_date,
                remittance_info=order.remittance_info,
                reference_issuer=order.reference_issuer,
                reference=order.reference,
                created_at=self.clock.now(),
            )
            session.add(payment)
            session.flush()
            return PaymentView(payment, order.initiating_iban, holder)

    # --- the account holder: the consent app ------------------------------------------------

    def stored(self, transaction_id: str, client_id: str) -> PaymentView | None:
        """The ``STORED`` payment of this client with this id (what a consent request may name), or None."""
        with self.db.reading() as session:
            payment = session.scalar(select(Payment).where(Payment.transaction_id == transaction_id))
            if payment is None or payment.client_id != client_id or payment.status != STORED:
                return None
            return self._view(session, payment)

    def authorize(self, session, transaction_id: str, account: models.Account, consent_id: int) -> None:
        """Inside the consent's transaction: the holder approved with ``account``: ``AUTHORIZED``, paid from it."""
        payment = self._locked(session, transaction_id)
        if payment is None or payment.status != STORED:
            raise errors.SandboxError(f"payment {transaction_id} is not waiting for consent")
        if account.iban == payment.counterparty_iban:
            raise errors.SandboxError("a payment cannot go to the account it is paid from")
        payment.status = AUTHORIZED
        payment.account_id = account.id
        payment.consent_id = consent_id
        payment.authorized_at = self.clock.now()

    def refuse(self, session, transaction_id: str, reason: str) -> None:
        """Inside the consent's transaction: the holder cancelled, so the payment is cancelled too (``REJECTED``)."""
        payment = self._locked(session, transaction_id)
        if payment is not None and payment.status == STORED:
            payment.status = REJECTED
            payment.reason = reason

    # --- the third party with the holder's token ---------------------------------------------

    def status(self, grant: AccessGrant, transaction_id: str) -> PaymentView:
        """``GET /v1/payments/{id}``: needs the holder's token for this payment with ``psd2:payment:sepa:read``."""
        self._check_holder_token(grant, transaction_id, SCOPE_READ)
        with self.db.reading() as session:
            return self._view(session, self._found(session, transaction_id, grant.client_id))

    def release(self, grant: AccessGrant, transaction_id: str) -> PaymentView:
        """``PUT /v1/payments/{id}``: execute an ``AUTHORIZED`` payment now, or schedule it for its date."""
        self._check_holder_token(grant, transaction_id, SCOPE_WRITE)
        with self.db.transaction() as session:
            payment = self._found(session, transaction_id, grant.client_id, lock=True)
            if payment.status != AUTHORIZED:
                raise errors.PaymentNotExecutable(
                    f"The payment is {payment.status}: only an AUTHORIZED payment can be executed"
                )
            now = self.clock.now()
            today = now.astimezone(AMSTERDAM).date()
            payment.released_at = now
            requested = payment.requested_execution_date
            if requested is not None and requested > today:
                payment.status = SCHEDULED
                payment.execution_date = next_business_day(requested, "target2")
                self._schedule(session, payment)
            elif not is_target2_day(today) and not self._ours(session, payment.counterparty_iban):
                # Another bank is reached through clearing, which rests on days without TARGET2.
                payment.status = INPROGRESS
                payment.execution_date = next_business_day(today, "target2")
                self._schedule(session, payment)
            else:
                payment.execution_date = today
                self._book(session, payment)
            return self._view(session, payment)

    def delete(self, grant: AccessGrant, transaction_id: str) -> None:
        """``DELETE /v1/payments/{id}``: cancel a ``SCHEDULED`` payment before its date (then it is gone)."""
        self._check_holder_token(grant, transaction_id, SCOPE_WRITE)
        with self.db.transaction() as session:
            payment = self._found(session, transaction_id, grant.client_id, lock=True)
            if payment.status != SCHEDULED:
                raise errors.PaymentNotExecutable(
                    f"The payment is {payment.status}: only a SCHEDULED payment can be cancelled"
                )
            payment.status = DELETED
            payment.reason = "cancelled by the third party before its execution date"
        self.jobs.cancel(EXECUTE_JOB, lambda job: job.get("transactionId") == transaction_id)

    # --- the sandbox ---------------------------------------------------------------------------

    def payments(self, *, client_id: str | None = None) -> list[PaymentView]:
        """Every payment (of a client), oldest first."""
        query = select(Payment).order_by(Payment.id)
        if client_id:
            query = query.where(Payment.client_id == client_id)
        with self.db.reading() as session:
            return [self._view(session, p) for p in session.scalars(query)]

    # --- inside --------------------------------------------------------------------------------

    def _check_holder_token(self, grant: AccessGrant, transaction_id: str, scope: str) -> None:
        if grant.consent_id is None:
            raise errors.WrongGrantType(
                "Wrong granttype for token: use the account holder's token (authorization code)"
            )
        if scope not in grant.scopes:
            raise errors.WrongScope(f"Wrong scope: this call needs {scope}")
        with self.db.reading() as session:
            consent = session.get(models.Consent, grant.consent_id)
            if consent.transaction_id != transaction_id:
                raise errors.TransactionMismatch()

    def _found(self, session, transaction_id: str, client_id: str, *, lock: bool = False) -> Payment:
        payment = (
            self._locked(session, transaction_id)
            if lock
            else session.scalar(select(Payment).where(Payment.transaction_id == transaction_id))
        )
        if payment is None or payment.client_id != client_id or payment.status == DELETED:
            raise errors.PaymentNotFound()
        return payment

    @staticmethod
    def _locked(session, transaction_id: str) -> Payment | None:
        return session.scalar(select(Payment).where(Payment.transaction_id == transaction_id).with_for_update())

    @staticmethod
    def _ours(session, iban: str) -> bool:
        return session.scalar(select(models.Account.id).where(models.Account.iban == iban)) is not None

    def _view(self, session, payment: Payment) -> PaymentView:
        if payment.account_id is not None:
            account = session.get(models.Account, payment.account_id)
            return PaymentView(payment, account.iban, account.holder_name)
        if payment.initiating_iban:
            account = session.scalar(select(models.Account).where(models.Account.iban == payment.initiating_iban))
            return PaymentView(payment, payment.initiating_iban, account.holder_name if account else None)
        return PaymentView(payment, None, None)

    def _schedule(self, session, payment: Payment) -> None:
        due = dt.datetime.combine(payment.execution_date, NIGHT_RUN, AMSTERDAM)
        self.jobs.schedule(
            EXECUTE_JOB, max(due, self.clock.now()), {"transactionId": payment.transaction_id}, session=session
        )

    def _execute_job(self, payload: dict, now: dt.datetime) -> None:
        with self.db.transaction() as session:
            payment = self._locked(session, payload["transactionId"])
            if payment is not None and payment.status in (SCHEDULED, INPROGRESS):
                self._book(session, payment)

    def _book(self, session, payment: Payment) -> None:
        """Book the payment on both sides that are ours, or reject it when the account cannot pay it."""
        debtor_account = session.get(models.Account, payment.account_id)
        locked = self.bank.lock(session, [debtor_account.iban, payment.counterparty_iban])
        debtor = locked[debtor_account.iban]
        if debtor.balance_cents + debtor.credit_limit_cents < payment.amount_cents:
            payment.status = REJECTED
            payment.reason = "insufficient funds"
            return
        transfer_id = self.ids.uuid()
        reference = payment.reference or ""
        self.bank.book_locked(
            session,
            debtor,
            -payment.amount_cents,
            MUTATION_SEPA_TRANSFER_OUT,
            sepa_transfer_lines(
                payment.counterparty_iban, payment.counterparty_name, payment.remittance_info, reference
            ),
            Party(payment.counterparty_iban, payment.counterparty_name),
            transfer_id=transfer_id,
        )
        creditor = locked.get(payment.counterparty_iban)
        if creditor is not None:
            self.bank.book_locked(
                session,
                creditor,
                payment.amount_cents,
                MUTATION_SEPA_TRANSFER_IN,
                sepa_transfer_lines(debtor.iban, debtor.holder_name, payment.remittance_info, reference),
                Party(debtor.iban, debtor.holder_name),
                transfer_id=transfer_id,
            )
        payment.status = EXECUTED
        payment.booked_at = self.clock.now()
