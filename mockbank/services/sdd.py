"""SEPA direct debits (incasso) as a service object: contracts, batches sent by a third party, authorization in
internet banking, settlement on the collection date, and returns.

A batch arrives as a pain.008.001.02 file through ``POST /v1/payments/batch`` with the holder's token
(``psd2:payment:batchsdd:write``); the file is read by ``pain008`` and checked here against the account: a
direct-debit contract (incassocontract) with the file's creditor identifier, and a TARGET2 collection date far
enough ahead (a date without TARGET2 moves to the next TARGET2 day). A received batch waits in the holder's task
list until a user signs it (e.dentifier or app); the night run of its collection date books the batch total on
the creditor's account and each debit on a debtor's account held here. A collection that fails comes back as an
R-transaction booked on the creditor's account: ``AM04`` (insufficient funds, also found by itself for debtors
here) and ``MD01`` (no mandate) a few TARGET2 days after the collection, ``MD06`` (refund on request) up to eight
weeks after; the sandbox scripts them.

The tables live here rather than in ``models.py`` because only this service reads them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import BigInteger
from sqlalchemy import Date
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import select
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship
from sqlalchemy.orm import selectinload

from mockbank import errors
from mockbank import models
from mockbank.models import Base
from mockbank.services import pain008
from mockbank.services.bank import Bank
from mockbank.services.consents import AccessGrant
from mockbank.services.ledger_rules import MUTATION_SEPA_INCASSO
from mockbank.services.ledger_rules import NOBODY
from mockbank.services.ledger_rules import Party
from mockbank.services.ledger_rules import normalize_iban
from mockbank.services.pain008 import FileRejected
from mockbank.services.pain008 import Problem
from mockbank.services.payments import NIGHT_RUN
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import add_business_days
from mockbank.sim.calendar import is_target2_day
from mockbank.sim.calendar import next_business_day
from mockbank.sim.clock import SimClock
from mockbank.sim.db import Database
from mockbank.sim.db import UTCDateTime
from mockbank.sim.ids import Ids
from mockbank.sim.jobs import DueJobQueue
from mockbank.sim.jsonbody import LARGEST_INTEGER

SCOPE = "psd2:payment:batchsdd:write"
SETTLE_JOB = "sdd.settle"
RETURN_JOB = "sdd.return"

# Batch statuses: RECEIVED waits in the task list; AUTHORIZED waits for its collection date.
RECEIVED = "RECEIVED"
AUTHORIZED = "AUTHORIZED"
SETTLED = "SETTLED"
DECLINED = "DECLINED"
# Collection statuses.
PENDING = "pending"
COLLECTED = "collected"
RETURNED = "returned"

AM04 = "AM04"
MD01 = "MD01"
MD06 = "MD06"
RETURN_REASONS = {AM04: "Onvoldoende saldo", MD01: "Geen machtiging", MD06: "Op verzoek debiteur"}
# TARGET2 days after the collection: AM04/MD01 come back within SEPA's five days, MD06 within eight weeks.
RETURN_WINDOW = {AM04: (1, 5), MD01: (1, 5), MD06: (1, 40)}
DEFAULT_RETURN_DAYS = {AM04: 2, MD01: 2, MD06: 10}

# ABN AMRO processes files delivered before 12:30 on a working day the next working day.
CUT_OFF = dt.time(12, 30)
LEAD_DAYS = 1
ROOT = "/Document/CstmrDrctDbtInitn/PmtInf"
_FILE_NAME = re.compile(r"^[A-Za-z0-9._-]{1,18}$")
_SEQUENCE_WORDS = {"FRST": "doorlopend", "RCUR": "doorlopend", "FNAL": "doorlopend", "OOFF": "eenmalig"}


class DirectDebitContract(Base):
    """An incassocontract: the account may collect direct debits under this creditor identifier."""

    __tablename__ = "sdd_contracts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    creditor_id: Mapped[str] = mapped_column(String(35))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    account: Mapped[models.Account] = relationship()


class DirectDebitBatch(Base):
    """One received batch file (one ``PmtInf``) and what became of it."""

    __tablename__ = "sdd_batches"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # ABN AMRO's ``id``: a transaction id and the creditor's IBAN, e.g. ``9106O2454217947S0PD;NL62ABNA9999841479``.
    batch_id: Mapped[str] = mapped_column(String(80), unique=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"), nullable=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(18))
    sha256: Mapped[str] = mapped_column(String(64))
    message_id: Mapped[str] = mapped_column(String(35))
    payment_info_id: Mapped[str] = mapped_column(String(35))
    sequence_type: Mapped[str] = mapped_column(String(4))
    local_instrument: Mapped[str] = mapped_column(String(4))
    requested_date: Mapped[dt.date] = mapped_column(Date)
    collection_date: Mapped[dt.date] = mapped_column(Date)
    creditor_name: Mapped[str] = mapped_column(String(70))
    creditor_id: Mapped[str] = mapped_column(String(35))
    total_cents: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    # Why the collection date differs from the requested one (Dutch, shown in the task list).
    notice: Mapped[str | None] = mapped_column(String(300), nullable=True)
    xml: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    authorized_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    authorized_by: Mapped[int | None] = mapped_column(ForeignKey("online_users.id"), nullable=True)
    authorized_with: Mapped[str | None] = mapped_column(String(16), nullable=True)
    settled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    account: Mapped[models.Account] = relationship()
    collections: Mapped[list[DirectDebitCollection]] = relationship(order_by="DirectDebitCollection.position")


class DirectDebitCollection(Base):
    """One direct debit of a batch (``DrctDbtTxInf``), collected or returned."""

    __tablename__ = "sdd_collections"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_pk: Mapped[int] = mapped_column(ForeignKey("sdd_batches.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    end_to_end_id: Mapped[str] = mapped_column(String(35))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    mandate_id: Mapped[str] = mapped_column(String(35))
    mandate_date: Mapped[dt.date] = mapped_column(Date)
    debtor_name: Mapped[str] = mapped_column(String(70))
    debtor_iban: Mapped[str] = mapped_column(String(34), index=True)
    debtor_bic: Mapped[str] = mapped_column(String(11), default="")
    remittance: Mapped[str] = mapped_column(String(140), default="")
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    return_reason: Mapped[str | None] = mapped_column(String(4), nullable=True)
    return_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # Whether the debtor (an account of ours) was debited; an AM04/MD01 return never reached the account.
    debtor_debited: Mapped[bool] = mapped_column(default=False)

    batch: Mapped[DirectDebitBatch] = relationship(back_populates="collections")


class ReturnRule(Base):
    """A return the sandbox scripted: the next matching collection comes back with ``reason``."""

    __tablename__ = "sdd_return_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reason: Mapped[str] = mapped_column(String(4))
    after_days: Mapped[int] = mapped_column(Integer)
    debtor_iban: Mapped[str | None] = mapped_column(String(34), nullable=True)
    end_to_end_id: Mapped[str | None] = mapped_column(String(35), nullable=True)
    mandate_id: Mapped[str | None] = mapped_column(String(35), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    collection_id: Mapped[int | None] = mapped_column(ForeignKey("sdd_collections.id"), nullable=True)

    def matches(self, collection: DirectDebitCollection) -> bool:
        """Whether every field the rule names agrees with the collection."""
        return (
            (self.debtor_iban is None or self.debtor_iban == collection.debtor_iban)
            and (self.end_to_end_id is None or self.end_to_end_id == collection.end_to_end_id)
            and (self.mandate_id is None or self.mandate_id == collection.mandate_id)
        )


@dataclass(frozen=True)
class Signer:
    """Who signs a batch in internet banking, and with what (``edentifier`` or ``app``)."""

    user_id: int
    customer_id: int
    means: str


class DirectDebits:
    """Verbs of direct debits, on the simulated clock."""

    def __init__(self, *, db: Database, clock: SimClock, ids: Ids, jobs: DueJobQueue, bank: Bank):
        self.db = db
        self.clock = clock
        self.ids = ids
        self.jobs = jobs
        self.bank = bank
        jobs.register(SETTLE_JOB, self._settle_job)
        jobs.register(RETURN_JOB, self._return_job)

    # --- contracts -----------------------------------------------------------------------------

    def add_contract(self, iban: str, creditor_id: str | None = None) -> DirectDebitContract:
        """Give a business current account an incassocontract; the creditor id defaults to KvK number + 0000."""
        with self.db.transaction() as session:
            account = session.scalar(select(models.Account).where(models.Account.iban == normalize_iban(iban)))
            if account is None:
                raise errors.SandboxNotFound(f"no account {iban}")
            customer = session.get(models.Customer, account.customer_id)
            if customer.kind != models.BUSINESS or account.product != models.CURRENT:
                raise errors.SandboxError("a direct-debit contract is for a business current account")
            if creditor_id is None:
                creditor_id = pain008.make_creditor_identifier(f"{customer.kvk_number}0000")
            problem = pain008.creditor_identifier_problem(creditor_id)
            if problem:
                raise errors.SandboxError(problem)
            if session.scalar(select(DirectDebitContract.id).where(DirectDebitContract.account_id == account.id)):
                raise errors.SandboxError(f"{account.iban} has a direct-debit contract already")
            contract = DirectDebitContract(account_id=account.id, creditor_id=creditor_id, created_at=self.clock.now())
            session.add(contract)
            session.flush()
            session.refresh(contract, ["account"])
            return contract

    def contracts(self) -> list[DirectDebitContract]:
        """Every contract, oldest first."""
        with self.db.reading() as session:
            return list(
                session.scalars(
                    select(DirectDebitContract)
                    .order_by(DirectDebitContract.id)
                    .options(selectinload(DirectDebitContract.account))
                )
            )

    def seed_contracts(self, ibans: list[str]) -> list[DirectDebitContract]:
        """Contracts for these accounts (the demo world's businesses)."""
        return [self.add_contract(iban) for iban in ibans]

    # --- the third party sends a file ----------------------------------------------------------

    def check_sender(self, grant: AccessGrant) -> None:
        """Whether this token may send direct-debit files: the holder's consent with ``psd2:payment:batchsdd:write``."""
        if SCOPE not in grant.scopes:
            raise errors.BatchWrongScope(f"Wrong scope is provided in authorization token: this call needs {SCOPE}")
        if grant.account_id is None:
            raise errors.BatchNoAccount()

    def submit(self, grant: AccessGrant, *, file_name, file_data) -> DirectDebitBatch:
        """``POST /v1/payments/batch``: a received batch for the holder's task list, or ``FileRejected``.

        Errors of the call or the envelope are the bank's 400/403s; a readable file that cannot be collected is
        rejected with its problems, and nothing is stored.
        """
        self.check_sender(grant)
        if not isinstance(file_name, str) or not _FILE_NAME.match(file_name):
            raise errors.BatchFileNameInvalid(
                "Batch file name provided is blank or having invalid characters (1 to 18 of A-Z a-z 0-9 . _ -)"
            )
        xml = pain008.decode(file_data)
        now = self.clock.now()
        today = now.astimezone(AMSTERDAM).date()
        parsed = pain008.read(xml, today=today)
        if parsed.creditor_iban != grant.iban:
            raise errors.BatchForbidden(
                f"Wrong account number present in authorization token: the file collects for {parsed.creditor_iban}, "
                f"the token is for {grant.iban}"
            )
        with self.db.transaction() as session:
            account = session.get(models.Account, grant.account_id)
            contract = session.scalar(select(DirectDebitContract).where(DirectDebitContract.account_id == account.id))
            problems = []
            if contract is None:
                problems.append(
                    Problem(
                        f"{ROOT}/CdtrAcct/Id/IBAN", f"{account.iban} has no direct-debit contract (incassocontract)"
                    )
                )
            elif contract.creditor_id != parsed.creditor_id:
                problems.append(
                    Problem(
                        f"{ROOT}/CdtrSchmeId/Id/PrvtId/Othr/Id",
                        f"{parsed.creditor_id} is not the creditor identifier of the contract on {account.iban} "
                        f"({contract.creditor_id})",
                    )
                )
            collection_date, notice, problem = self._collection_date(parsed.collection_date, now)
            if problem:
                problems.append(Problem(f"{ROOT}/ReqdColltnDt", problem))
            if problems:
                raise FileRejected(problems)
            transaction_id = self.ids.transaction_id()
            batch = DirectDebitBatch(
                batch_id=f"{transaction_id};{account.iban}",
                client_id=grant.client_id,
                consent_id=grant.consent_id,
                account_id=account.id,
                file_name=file_name,
                sha256=parsed.sha256,
                message_id=parsed.message_id,
                payment_info_id=parsed.payment_info_id,
                sequence_type=parsed.sequence_type,
                local_instrument=parsed.local_instrument,
                requested_date=parsed.collection_date,
                collection_date=collection_date,
                creditor_name=parsed.creditor_name,
                creditor_id=parsed.creditor_id,
                total_cents=parsed.total_cents,
                count=len(parsed.collections),
                status=RECEIVED,
                notice=notice,
                xml=xml.decode("utf-8", errors="replace"),
                created_at=now,
            )
            session.add(batch)
            session.flush()
            for position, item in enumerate(parsed.collections, start=1):
                session.add(
                    DirectDebitCollection(
                        batch_pk=batch.id,
                        position=position,
                        end_to_end_id=item.end_to_end_id,
                        amount_cents=item.amount_cents,
                        mandate_id=item.mandate_id,
                        mandate_date=item.mandate_date,
                        debtor_name=item.debtor_name[:70],
                        debtor_iban=item.debtor_iban,
                        debtor_bic=item.debtor_bic[:11],
                        remittance=item.remittance[:140],
                        status=PENDING,
                    )
                )
            return batch

    def earliest_collection(self, now: dt.datetime) -> dt.date:
        """The first collection date a file or signature at ``now`` can still make (TARGET2 days, 12:30 cut-off)."""
        local = now.astimezone(AMSTERDAM)
        today = local.date()
        processing = (
            today if is_target2_day(today) and local.time() < CUT_OFF else add_business_days(today, 1, "target2")
        )
        return add_business_days(processing, LEAD_DAYS, "target2")

    def _collection_date(self, requested: dt.date, now: dt.datetime) -> tuple[dt.date, str | None, str | None]:
        """(collection date, notice, problem): a day without TARGET2 moves to the next TARGET2 day."""
        today = now.astimezone(AMSTERDAM).date()
        if requested < today:
            return requested, None, f"the collection date {requested} is in the past (today is {today})"
        if requested > today + dt.timedelta(days=365):
            return requested, None, f"the collection date {requested} is more than a year ahead"
        moved = next_business_day(requested, "target2")
        earliest = self.earliest_collection(now)
        if moved < earliest:
            return (
                requested,
                None,
                (
                    f"the collection date {requested} is not far enough ahead: the earliest TARGET2 date for a file "
                    f"sent now is {earliest}"
                ),
            )
        notice = None
        if moved != requested:
            notice = f"Incassodatum verschoven van {requested:%d-%m-%Y} naar {moved:%d-%m-%Y}: geen TARGET2-dag."
        return moved, notice, None

    # --- the holder's task list ----------------------------------------------------------------

    def batches_of_customer(self, customer_id: int) -> list[DirectDebitBatch]:
        """The batches on the customer's accounts, newest first (the task list)."""
        with self.db.reading() as session:
            return list(
                session.scalars(
                    select(DirectDebitBatch)
                    .join(models.Account, DirectDebitBatch.account_id == models.Account.id)
                    .where(models.Account.customer_id == customer_id)
                    .order_by(DirectDebitBatch.id.desc())
                    .options(selectinload(DirectDebitBatch.account))
                )
            )

    def batch_of_customer(self, pk: int, customer_id: int) -> DirectDebitBatch:
        """One batch with its collections, if it is on one of the customer's accounts."""
        with self.db.reading() as session:
            batch = self._load(session, DirectDebitBatch.id == pk)
            if batch is None or batch.account.customer_id != customer_id:
                raise errors.SandboxNotFound(f"no batch {pk} for this customer")
            return batch

    def authorize(self, pk: int, signer: Signer) -> DirectDebitBatch:
        """A user of the account's customer signs a received batch: it is booked on its collection date.

        Signed too late for its date, the batch moves to the earliest collection date still possible.
        """
        with self.db.transaction() as session:
            batch = session.scalar(select(DirectDebitBatch).where(DirectDebitBatch.id == pk).with_for_update())
            account = session.get(models.Account, batch.account_id) if batch else None
            if batch is None or account.customer_id != signer.customer_id:
                raise errors.SandboxNotFound(f"no batch {pk} for this customer")
            self._authorize(session, batch, signer.user_id, signer.means)
        return self.batch(pk)

    def decline(self, pk: int, customer_id: int) -> DirectDebitBatch:
        """The holder deletes a received batch from the task list: nothing will be collected."""
        with self.db.transaction() as session:
            batch = session.scalar(select(DirectDebitBatch).where(DirectDebitBatch.id == pk).with_for_update())
            account = session.get(models.Account, batch.account_id) if batch else None
            if batch is None or account.customer_id != customer_id:
                raise errors.SandboxNotFound(f"no batch {pk} for this customer")
            if batch.status != RECEIVED:
                raise errors.SandboxError(f"batch {batch.batch_id} is {batch.status}, not waiting for a signature")
            batch.status = DECLINED
        return self.batch(pk)

    def _authorize(self, session, batch: DirectDebitBatch, user_id: int | None, means: str) -> None:
        if batch.status != RECEIVED:
            raise errors.SandboxError(f"batch {batch.batch_id} is {batch.status}, not waiting for a signature")
        now = self.clock.now()
        earliest = self.earliest_collection(now)
        if batch.collection_date < earliest:
            batch.notice = (
                f"Te laat ondertekend voor {batch.collection_date:%d-%m-%Y}; de incassodatum is nu {earliest:%d-%m-%Y}."
            )
            batch.collection_date = earliest
        batch.status = AUTHORIZED
        batch.authorized_at = now
        batch.authorized_by = user_id
        batch.authorized_with = means
        due = dt.datetime.combine(batch.collection_date, NIGHT_RUN, AMSTERDAM)
        self.jobs.schedule(SETTLE_JOB, due, {"batch": batch.id}, session=session)

    # --- the sandbox ---------------------------------------------------------------------------

    def batch(self, pk: int) -> DirectDebitBatch:
        """A batch with its collections, by its row id."""
        with self.db.reading() as session:
            batch = self._load(session, DirectDebitBatch.id == pk)
            if batch is None:
                raise errors.SandboxNotFound(f"no batch {pk}")
            return batch

    def find(self, batch_id: str) -> DirectDebitBatch:
        """A batch by ABN AMRO's id (``transactionId;IBAN``) or its row id."""
        with self.db.reading() as session:
            condition = DirectDebitBatch.batch_id == batch_id
            # A row id a database can hold; a longer run of digits is simply no batch.
            if batch_id.isascii() and batch_id.isdigit() and int(batch_id) <= LARGEST_INTEGER:
                condition = DirectDebitBatch.id == int(batch_id)
            batch = self._load(session, condition)
            if batch is None:
                raise errors.SandboxNotFound(f"no batch {batch_id}")
            return batch

    def batches(self, *, client_id: str | None = None) -> list[DirectDebitBatch]:
        """Every batch (of a client), oldest first, with its collections."""
        query = (
            select(DirectDebitBatch)
            .order_by(DirectDebitBatch.id)
            .options(selectinload(DirectDebitBatch.collections), selectinload(DirectDebitBatch.account))
        )
        if client_id:
            query = query.where(DirectDebitBatch.client_id == client_id)
        with self.db.reading() as session:
            return list(session.scalars(query))

    def authorize_by_sandbox(self, batch_id: str) -> DirectDebitBatch:
        """Sign a received batch as its holder would, without the screens."""
        found = self.find(batch_id)
        with self.db.transaction() as session:
            batch = session.scalar(select(DirectDebitBatch).where(DirectDebitBatch.id == found.id).with_for_update())
            self._authorize(session, batch, None, "sandbox")
        return self.batch(found.id)

    def add_return_rule(
        self,
        *,
        reason: str,
        debtor_iban: str | None = None,
        end_to_end_id: str | None = None,
        mandate_id: str | None = None,
        after_days: int | None = None,
    ) -> ReturnRule:
        """Script a return: the next collection matching every given field comes back with ``reason``.

        An ``MD06`` for a collection already made is booked ``after_days`` TARGET2 days from today, within eight
        weeks of its collection date.
        """
        if reason not in RETURN_REASONS:
            raise errors.SandboxError(f"reason must be one of {', '.join(RETURN_REASONS)}, not {reason!r}")
        if debtor_iban is None and end_to_end_id is None and mandate_id is None:
            raise errors.SandboxError("name the collection: debtorIban, endToEndId and/or mandateId")
        low, high = RETURN_WINDOW[reason]
        days = DEFAULT_RETURN_DAYS[reason] if after_days is None else after_days
        if isinstance(days, bool) or not isinstance(days, int) or not low <= days <= high:
            raise errors.SandboxError(f"afterDays for {reason} is {low} to {high} TARGET2 days after the collection")
        with self.db.transaction() as session:
            rule = ReturnRule(
                reason=reason,
                after_days=days,
                debtor_iban=normalize_iban(debtor_iban) if debtor_iban else None,
                end_to_end_id=end_to_end_id,
                mandate_id=mandate_id,
                created_at=self.clock.now(),
            )
            session.add(rule)
            session.flush()
            if reason == MD06:
                self._refund_collected(session, rule)
            return rule

    def return_rules(self) -> list[ReturnRule]:
        """Every scripted return, oldest first."""
        with self.db.reading() as session:
            return list(session.scalars(select(ReturnRule).order_by(ReturnRule.id)))

    def _refund_collected(self, session, rule: ReturnRule) -> None:
        """An MD06 for a collection already made: the debtor asks for the money back now."""
        candidates = session.scalars(
            select(DirectDebitCollection)
            .where(DirectDebitCollection.status == COLLECTED)
            .order_by(DirectDebitCollection.id)
        )
        collection = next((c for c in candidates if rule.matches(c)), None)
        if collection is None:
            return
        batch = session.get(DirectDebitBatch, collection.batch_pk)
        today = self.clock.today()
        return_date = add_business_days(today, rule.after_days, "target2")
        if return_date > batch.collection_date + dt.timedelta(weeks=8):
            raise errors.SandboxError(
                f"a refund (MD06) comes within eight weeks of the collection ({batch.collection_date}); "
                f"{return_date} is too late"
            )
        self._plan_return(session, collection, rule, return_date)

    # --- the night run: settlement and returns -------------------------------------------------

    def _settle_job(self, payload: dict, now: dt.datetime) -> None:
        with self.db.transaction() as session:
            batch = session.scalar(
                select(DirectDebitBatch).where(DirectDebitBatch.id == payload["batch"]).with_for_update()
            )
            if batch is None or batch.status != AUTHORIZED:
                return
            collections = list(
                session.scalars(
                    select(DirectDebitCollection)
                    .where(DirectDebitCollection.batch_pk == batch.id)
                    .order_by(DirectDebitCollection.position)
                )
            )
            creditor_iban = session.get(models.Account, batch.account_id).iban
            accounts = self.bank.lock(session, [creditor_iban, *(c.debtor_iban for c in collections)])
            self.bank.book_locked(
                session,
                accounts[creditor_iban],
                batch.total_cents,
                MUTATION_SEPA_INCASSO,
                [
                    "SEPA Incasso batch",
                    f"Incassant: {batch.creditor_id}",
                    f"Aantal posten: {batch.count}",
                    f"Kenmerk: {batch.payment_info_id}",
                ],
                NOBODY,
            )
            rules = list(
                session.scalars(select(ReturnRule).where(ReturnRule.used_at.is_(None)).order_by(ReturnRule.id))
            )
            for collection in collections:
                rule = next((r for r in rules if r.matches(collection)), None)
                if rule is not None:
                    rules.remove(rule)
                debtor = accounts.get(collection.debtor_iban)
                reason = rule.reason if rule else None
                if debtor is not None and reason in (None, MD06) and not self._can_pay(debtor, collection.amount_cents):
                    reason = AM04
                collection.status = COLLECTED
                if debtor is not None and reason not in (AM04, MD01):
                    self.bank.book_locked(
                        session,
                        debtor,
                        -collection.amount_cents,
                        MUTATION_SEPA_INCASSO,
                        self._debtor_lines(batch, collection, creditor_iban),
                        Party(creditor_iban, batch.creditor_name),
                    )
                    collection.debtor_debited = True
                if reason is not None:
                    days = rule.after_days if rule and rule.reason == reason else DEFAULT_RETURN_DAYS[reason]
                    self._plan_return(
                        session, collection, rule, add_business_days(batch.collection_date, days, "target2"), reason
                    )
            batch.status = SETTLED
            batch.settled_at = now

    @staticmethod
    def _can_pay(account: models.Account, cents: int) -> bool:
        return account.balance_cents + account.credit_limit_cents >= cents

    def _plan_return(
        self,
        session,
        collection: DirectDebitCollection,
        rule: ReturnRule | None,
        day: dt.date,
        reason: str | None = None,
    ) -> None:
        collection.return_reason = reason or rule.reason
        collection.return_date = day
        if rule is not None:
            rule.used_at = self.clock.now()
            rule.collection_id = collection.id
        due = max(dt.datetime.combine(day, NIGHT_RUN, AMSTERDAM), self.clock.now())
        self.jobs.schedule(RETURN_JOB, due, {"collection": collection.id}, session=session)

    def _return_job(self, payload: dict, now: dt.datetime) -> None:
        with self.db.transaction() as session:
            collection = session.get(DirectDebitCollection, payload["collection"])
            if collection is None or collection.status != COLLECTED or collection.return_reason is None:
                return
            batch = session.get(DirectDebitBatch, collection.batch_pk)
            creditor_iban = session.get(models.Account, batch.account_id).iban
            accounts = self.bank.lock(session, [creditor_iban, collection.debtor_iban])
            reason = collection.return_reason
            words = f"Reden: {reason} {RETURN_REASONS[reason]}"
            # An R-transaction is booked whatever the creditor's balance: the money was never the creditor's.
            self.bank.book_locked(
                session,
                accounts[creditor_iban],
                -collection.amount_cents,
                MUTATION_SEPA_INCASSO,
                [
                    "SEPA Incasso storno",
                    words,
                    f"Naam: {collection.debtor_name}",
                    f"Machtiging: {collection.mandate_id}",
                    f"IBAN: {collection.debtor_iban}",
                    f"Kenmerk: {collection.end_to_end_id}",
                ],
                Party(collection.debtor_iban, collection.debtor_name),
            )
            debtor = accounts.get(collection.debtor_iban)
            if debtor is not None and collection.debtor_debited:
                self.bank.book_locked(
                    session,
                    debtor,
                    collection.amount_cents,
                    MUTATION_SEPA_INCASSO,
                    [
                        "SEPA Incasso terugboeking",
                        words,
                        f"Incassant: {batch.creditor_id}",
                        f"Naam: {batch.creditor_name}",
                        f"Machtiging: {collection.mandate_id}",
                        f"Kenmerk: {collection.end_to_end_id}",
                    ],
                    Party(creditor_iban, batch.creditor_name),
                )
            collection.status = RETURNED

    def _debtor_lines(
        self, batch: DirectDebitBatch, collection: DirectDebitCollection, creditor_iban: str
    ) -> list[str]:
        kind = "zakelijk" if batch.local_instrument == "B2B" else "algemeen"
        return [
            f"SEPA Incasso {kind} {_SEQUENCE_WORDS.get(batch.sequence_type, 'doorlopend')}",
            f"Incassant: {batch.creditor_id}",
            f"Naam: {batch.creditor_name}",
            f"Machtiging: {collection.mandate_id}",
            *([f"Omschrijving: {collection.remittance}"] if collection.remittance else []),
            f"IBAN: {creditor_iban}",
            f"Kenmerk: {collection.end_to_end_id}",
        ]

    @staticmethod
    def _load(session, condition) -> DirectDebitBatch | None:
        return session.scalar(
            select(DirectDebitBatch)
            .where(condition)
            .options(selectinload(DirectDebitBatch.collections), selectinload(DirectDebitBatch.account))
        )
