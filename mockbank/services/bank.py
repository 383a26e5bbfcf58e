"""The bank's ledger as a service object: customers (``CustomerBook``), accounts, and money that moves.

Views parse, call one of these verbs, and shape the answer; every verb is one transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from contextlib import contextmanager

from schwifty import IBAN
from sqlalchemy import and_
from sqlalchemy import func
from sqlalchemy import insert
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import selectinload

from mockbank import errors
from mockbank import models
from mockbank.services.customers import CustomerBook
from mockbank.services.ledger_rules import HISTORY_MONTHS
from mockbank.services.ledger_rules import MUTATION_SEPA_TRANSFER_IN
from mockbank.services.ledger_rules import MUTATION_SEPA_TRANSFER_OUT
from mockbank.services.ledger_rules import NOBODY
from mockbank.services.ledger_rules import Leg
from mockbank.services.ledger_rules import Party
from mockbank.services.ledger_rules import checked_balance
from mockbank.services.ledger_rules import checked_cents
from mockbank.services.ledger_rules import normalize_iban
from mockbank.services.ledger_rules import validate_iban
from mockbank.services.ledger_rules import wrap_lines
from mockbank.sim.calendar import AMSTERDAM

__all__ = ["HISTORY_MONTHS", "Bank", "Leg", "Party", "normalize_iban", "validate_iban"]


class Bank(CustomerBook):
    """Verbs of the ledger. State lives in the database; the clock gives every 'now'."""

    # --- accounts ----------------------------------------------------------------------------

    def new_iban(self, session=None) -> str:
        """A fresh ABN AMRO IBAN (bank code ABNA) that no account has yet."""
        while True:
            # Legacy ABN AMRO account numbers pass the elfproef; keep that realism.
            number = self.ids.digits(9)
            if number[0] == "0":
                continue
            weighted = sum(int(d) * w for d, w in zip(number, range(9, 0, -1), strict=True))
            if weighted % 11:
                continue
            iban = str(IBAN.generate("NL", bank_code="ABNA", account_code=number))
            if session is None:
                return iban
            if session.scalar(select(models.Account.id).where(models.Account.iban == iban)) is None:
                return iban

    def open_account(
        self,
        *,
        customer_id: int,
        product: str = models.CURRENT,
        currency: str = "EUR",
        holder_name: str | None = None,
        iban: str | None = None,
        has_own_iban: bool = True,
        credit_limit_cents: int = 0,
    ) -> models.Account:
        """A new empty account of a customer; the IBAN is generated unless given."""
        if product not in (models.CURRENT, models.SAVINGS):
            raise errors.SandboxError("product must be 'current' or 'savings'")
        if product == models.CURRENT and not has_own_iban:
            raise errors.SandboxError("a current account always has its own IBAN")
        if not isinstance(currency, str) or len(currency) != 3 or not currency.isalpha():
            raise errors.SandboxError("currency must be an ISO 4217 code")
        if checked_cents(credit_limit_cents) < 0:
            raise errors.SandboxError("a credit limit cannot be negative")
        if iban is not None:
            try:
                iban = validate_iban(iban)
            except errors.InvalidIban as exc:
                raise errors.SandboxError(f"not a valid IBAN: {iban}") from exc
        with self.db.transaction() as session:
            customer = session.get(models.Customer, customer_id)
            if customer is None:
                raise errors.SandboxNotFound(f"no customer {customer_id}")
            if iban is None:
                iban = self.new_iban(session)
            elif session.scalar(select(models.Account.id).where(models.Account.iban == iban)):
                raise errors.SandboxError(f"an account with IBAN {iban} exists already")
            account = models.Account(
                iban=iban,
                customer_id=customer_id,
                product=product,
                currency=currency.upper(),
                holder_name=holder_name or customer.trade_name or customer.name,
                has_own_iban=has_own_iban,
                balance_cents=0,
                credit_limit_cents=credit_limit_cents,
                booking_count=0,
                opened_at=self.clock.now(),
            )
            session.add(account)
            session.flush()
            # Login means of the customer's users that have no account number yet get this one.
            session.execute(
                update(models.LoginMeans)
                .where(
                    models.LoginMeans.kind == models.EDENTIFIER,
                    models.LoginMeans.account_number.is_(None),
                    models.LoginMeans.user_id.in_(
                        select(models.OnlineUser.id).where(models.OnlineUser.customer_id == customer_id)
                    ),
                )
                .values(account_number=iban)
            )
            return account

    def account(self, iban: str) -> models.Account:
        """The account with this IBAN (customer loaded); ``SandboxNotFound`` when there is none."""
        with self.db.reading() as session:
            account = session.scalars(
                select(models.Account)
                .where(models.Account.iban == normalize_iban(iban))
                .options(selectinload(models.Account.customer))
            ).first()
            if account is None:
                raise errors.SandboxNotFound(f"no account {iban}")
            return account

    def find_account(self, iban: str) -> models.Account | None:
        """The account with this IBAN, or None."""
        try:
            return self.account(iban)
        except errors.SandboxNotFound:
            return None

    def accounts_of_customer(self, customer_id: int) -> list[models.Account]:
        """The customer's accounts in opening order."""
        with self.db.reading() as session:
            return list(
                session.scalars(
                    select(models.Account)
                    .where(models.Account.customer_id == customer_id)
                    .order_by(models.Account.id)
                    .options(selectinload(models.Account.customer))
                )
            )

    # --- money that moves ----------------------------------------------------------------------

    def transfer(
        self,
        *,
        debtor_iban: str,
        creditor_iban: str,
        amount_cents: int,
        description: str = "",
        reference: str = "",
        creditor_name: str | None = None,
        debtor_name: str | None = None,
        allow_overdraft: bool = False,
        session=None,
    ) -> list[models.Booking]:
        """A SEPA credit transfer. Both sides are booked when both accounts are ours, in one transaction.

        ``session`` books inside the caller's transaction (a signed order and its booking commit together).
        """
        if checked_cents(amount_cents) <= 0:
            raise errors.SandboxError("a transfer amount must be positive")
        debtor_iban = self._checked_iban(debtor_iban)
        creditor_iban = self._checked_iban(creditor_iban)
        if debtor_iban == creditor_iban:
            raise errors.SandboxError("debtor and creditor are the same account")
        with self._within(session) as session:
            accounts = self._lock_accounts(session, [debtor_iban, creditor_iban])
            debtor, creditor = accounts.get(debtor_iban), accounts.get(creditor_iban)
            if debtor is None and creditor is None:
                raise errors.SandboxNotFound("neither account is held at this bank")
            transfer_id = self.ids.uuid()
            debtor_label = debtor_name or (debtor.holder_name if debtor else "")
            creditor_label = creditor_name or (creditor.holder_name if creditor else "")
            text = [
                *([f"Omschrijving: {description}"] if description else []),
                *([f"Kenmerk: {reference}"] if reference else []),
            ]
            legs = []
            if debtor is not None:
                lines = ("SEPA Overboeking", *self._party_lines(creditor_iban, creditor_label), *text)
                legs.append(
                    Leg(
                        debtor_iban,
                        -amount_cents,
                        MUTATION_SEPA_TRANSFER_OUT,
                        lines,
                        Party(creditor_iban, creditor_label),
                    )
                )
            if creditor is not None:
                lines = ("SEPA Overboeking", *self._party_lines(debtor_iban, debtor_label), *text)
                legs.append(
                    Leg(creditor_iban, amount_cents, MUTATION_SEPA_TRANSFER_IN, lines, Party(debtor_iban, debtor_label))
                )
            return self._post(session, legs, allow_overdraft=allow_overdraft, transfer_id=transfer_id)

    @staticmethod
    def _party_lines(iban: str, name: str) -> tuple[str, ...]:
        """The other side's IBAN, BIC and name lines of a SEPA booking."""
        return (f"IBAN: {iban}", f"BIC: {IBAN(iban).bic or ''}".strip(), f"Naam: {name}")

    def book(
        self,
        *,
        iban: str,
        amount_cents: int,
        mutation_code: str,
        description_lines: list[str],
        counterparty: Party = NOBODY,
        transaction_id: str | None = None,
        allow_overdraft: bool = True,
    ) -> models.Booking:
        """One booking on one of our accounts against the outside world (card, iDEAL, incasso...)."""
        leg = Leg(iban, amount_cents, mutation_code, description_lines, counterparty, transaction_id)
        [booking] = self.post([leg], allow_overdraft=allow_overdraft)
        return booking

    def post(
        self,
        legs: Sequence[Leg],
        *,
        allow_overdraft: bool = False,
        transfer_id: str | None = None,
        booked_at: dt.datetime | None = None,
        session=None,
    ) -> list[models.Booking]:
        """Book the legs of one movement, all or none, in one transaction: the verb every booking goes through.

        Each leg is on an account of this bank, with its own mutation code and description lines (wrapped to
        ABN AMRO's 9 lines of 32 characters). A debit beyond balance plus credit limit refuses the whole
        movement (``InsufficientFunds``) unless ``allow_overdraft``. ``transfer_id`` ties the legs of one
        transfer together; ``booked_at`` dates a booking the bank books later than it happened (card payments
        of a weekend), never in the future; ``session`` books inside the caller's transaction.
        """
        if not legs:
            raise errors.SandboxError("a movement needs at least one leg")
        for leg in legs:
            if checked_cents(leg.amount_cents) == 0:
                raise errors.SandboxError("a booking needs a non-zero amount")
        if booked_at is not None and booked_at > self.clock.now():
            raise errors.SandboxError("a booking cannot be dated in the future")
        with self._within(session) as session:
            return self._post(session, legs, allow_overdraft=allow_overdraft, transfer_id=transfer_id, at=booked_at)

    def _post(
        self,
        session,
        legs: Sequence[Leg],
        *,
        allow_overdraft: bool,
        transfer_id: str | None,
        at: dt.datetime | None = None,
    ) -> list[models.Booking]:
        ibans = [normalize_iban(leg.iban) for leg in legs]
        accounts = self._lock_accounts(session, ibans)
        missing = [iban for iban in ibans if iban not in accounts]
        if missing:
            raise errors.SandboxNotFound(f"no account {missing[0]}")
        moment = at or self.clock.now()
        bookings = []
        for iban, leg in zip(ibans, legs, strict=True):
            account = accounts[iban]
            if (
                leg.amount_cents < 0
                and not allow_overdraft
                and account.balance_cents + account.credit_limit_cents < -leg.amount_cents
            ):
                raise errors.InsufficientFunds(f"insufficient funds on {iban}")
            bookings.append(
                self._book(
                    session,
                    account,
                    leg.amount_cents,
                    leg.mutation_code,
                    wrap_lines(*leg.description_lines),
                    leg.counterparty,
                    moment,
                    transfer_id,
                    leg.transaction_id,
                )
            )
        return bookings

    @contextmanager
    def _within(self, session):
        """The caller's session when given, else a transaction of our own."""
        if session is not None:
            yield session
            return
        with self.db.transaction() as own:
            yield own

    def lock(self, session, ibans: list[str]) -> dict[str, models.Account]:
        """Inside the caller's transaction: the accounts of these IBANs that are ours, locked, by IBAN."""
        return self._lock_accounts(session, [normalize_iban(iban) for iban in ibans])

    def book_locked(
        self,
        session,
        account: models.Account,
        amount_cents: int,
        mutation_code: str,
        lines: list[str],
        counterparty: Party = NOBODY,
        *,
        transfer_id: str | None = None,
        transaction_id: str | None = None,
    ) -> models.Booking:
        """Inside the caller's transaction: one booking on a locked account (``lock``), so a payment's status
        and its bookings commit together; the caller checks funds."""
        if checked_cents(amount_cents) == 0:
            raise errors.SandboxError("a booking needs a non-zero amount")
        return self._book(
            session,
            account,
            amount_cents,
            mutation_code,
            wrap_lines(*lines),
            counterparty,
            self.clock.now(),
            transfer_id,
            transaction_id,
        )

    def _checked_iban(self, value: str) -> str:
        try:
            return validate_iban(value)
        except errors.InvalidIban as exc:
            raise errors.SandboxError(f"not a valid IBAN: {value}") from exc

    def _lock_accounts(self, session, ibans: list[str]) -> dict[str, models.Account]:
        # Lock rows in IBAN order so two opposite transfers cannot deadlock (PostgreSQL);
        # SQLite serializes writers with BEGIN IMMEDIATE instead.
        rows = session.scalars(
            select(models.Account)
            .where(models.Account.iban.in_(sorted(set(ibans))))
            .order_by(models.Account.iban)
            .with_for_update()
        ).all()
        return {row.iban: row for row in rows}

    def _book(
        self,
        session,
        account: models.Account,
        amount_cents: int,
        mutation_code: str,
        lines: list[str],
        counterparty: Party,
        now: dt.datetime,
        transfer_id: str | None,
        transaction_id: str | None = None,
    ) -> models.Booking:
        account.balance_cents = checked_balance(account.balance_cents + amount_cents)
        account.booking_count += 1
        row = models.Booking(
            account_id=account.id,
            transfer_id=transfer_id,
            transaction_id=self.ids.transaction_id() if transaction_id is None else transaction_id,
            mutation_code=mutation_code,
            description_lines=lines,
            booked_at=now,
            book_date=now.astimezone(AMSTERDAM).date(),
            amount_cents=amount_cents,
            currency=account.currency,
            balance_after_cents=account.balance_cents,
            counterparty_iban=counterparty.iban,
            counterparty_name=counterparty.name[:70],
        )
        session.add(row)
        session.flush()
        return row

    def bulk_history(self, account_id: int, rows: list[dict]) -> None:
        """Insert prepared historic bookings (demo data) in one statement, keeping the balance chain.

        Each row has ``booked_at``, ``amount_cents``, ``mutation_code``, ``description_lines``,
        ``counterparty_iban``, ``counterparty_name`` and ``transaction_id``; rows must be in time order
        and older than any booking already on the account.
        """
        if not rows:
            return
        with self.db.transaction() as session:
            account = session.get(models.Account, account_id)
            if account.booking_count:
                raise errors.SandboxError("history can only be written to an account without bookings")
            balance = account.balance_cents
            values = []
            for row in rows:
                balance += row["amount_cents"]
                values.append(
                    {
                        "account_id": account_id,
                        "transfer_id": None,
                        "transaction_id": row.get("transaction_id", ""),
                        "mutation_code": row["mutation_code"],
                        "description_lines": wrap_lines(*row["description_lines"]),
                        "booked_at": row["booked_at"],
                        "book_date": row["booked_at"].astimezone(AMSTERDAM).date(),
                        "amount_cents": row["amount_cents"],
                        "currency": account.currency,
                        "balance_after_cents": balance,
                        "counterparty_iban": row.get("counterparty_iban", ""),
                        "counterparty_name": row.get("counterparty_name", "")[:70],
                    }
                )
            session.execute(insert(models.Booking), values)
            account.balance_cents = balance
            account.booking_count += len(values)

    # --- reading bookings ----------------------------------------------------------------------

    def bookings_page(
        self,
        account_id: int,
        *,
        date_from: dt.date | None,
        date_to: dt.date | None,
        after: tuple[dt.date, int] | None,
        size: int,
    ) -> tuple[list[models.Booking], tuple[dt.date, int] | None]:
        """Newest-first bookings by keyset (book date, id); the second value is the next page's anchor."""
        B = models.Booking
        query = select(B).where(B.account_id == account_id)
        if date_from is not None:
            query = query.where(B.book_date >= date_from)
        if date_to is not None:
            query = query.where(B.book_date <= date_to)
        if after is not None:
            key_date, key_id = after
            # The redundant ``book_date <= key_date`` gives SQLite an index range to seek to; with the OR
            # alone it scans from the newest booking, so deep pages of a big account got slower and slower.
            query = query.where(
                B.book_date <= key_date, or_(B.book_date < key_date, and_(B.book_date == key_date, B.id < key_id))
            )
        query = query.order_by(B.book_date.desc(), B.id.desc()).limit(size + 1)
        with self.db.reading() as session:
            rows = list(session.scalars(query))
        if len(rows) > size:
            last = rows[size - 1]
            return rows[:size], (last.book_date, last.id)
        return rows, None

    def booking_count(self, iban: str) -> int:
        """How many bookings an account has."""
        with self.db.reading() as session:
            return session.scalar(
                select(func.count(models.Booking.id))
                .join(models.Account, models.Account.id == models.Booking.account_id)
                .where(models.Account.iban == normalize_iban(iban))
            )

    def ledger_check(self) -> list[str]:
        """IBANs whose stored balance differs from the sum of their bookings (should be none)."""
        with self.db.reading() as session:
            sums = dict(
                session.execute(
                    select(models.Booking.account_id, func.coalesce(func.sum(models.Booking.amount_cents), 0)).group_by(
                        models.Booking.account_id
                    )
                ).all()
            )
            return [
                account.iban
                for account in session.scalars(select(models.Account))
                if account.balance_cents != sums.get(account.id, 0)
            ]

    # --- settings ------------------------------------------------------------------------------

    def get_setting(self, key: str) -> str | None:
        """A persisted bank setting."""
        with self.db.reading() as session:
            return session.scalar(select(models.Setting.value).where(models.Setting.key == key))

    def set_setting(self, key: str, value: str) -> None:
        """Persist a bank setting."""
        with self.db.transaction() as session:
            row = session.scalars(select(models.Setting).where(models.Setting.key == key)).first()
            if row is None:
                session.add(models.Setting(key=key, value=value))
            else:
                row.value = value
