"""Internet banking for a logged-in customer: its accounts and their bookings, and Overboeken.

A transfer is an order first: the bank checks the payee's name against its own customers (the Dutch
"naam-nummercontrole", Verification of Payee) and the balance, then the customer signs it with the
e.dentifier's response or in the app (``AuthFlowService``'s mechanics), and only then is it booked, through
the ledger's one verb for transfers (``Bank.transfer``), in the same transaction that marks it booked.
The screens (``views/internet_banking.py``) hold the Dutch words; refusals here carry a reason.
"""

from __future__ import annotations

import datetime as dt
import difflib
import unicodedata
from dataclasses import dataclass

from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import select
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from mockbank import errors
from mockbank import models
from mockbank.models import Base
from mockbank.services.authflow import SIGNING
from mockbank.services.authflow import AppLogin
from mockbank.services.authflow import AuthFlowService
from mockbank.services.authflow import LoggedIn
from mockbank.services.bank import Bank
from mockbank.services.ledger_rules import normalize_iban
from mockbank.services.ledger_rules import validate_iban
from mockbank.sim.clock import SimClock
from mockbank.sim.db import Database
from mockbank.sim.db import UTCDateTime
from mockbank.sim.ids import Ids

# Order states.
PENDING = "pending"
BOOKED = "booked"
CANCELLED = "cancelled"

# Outcomes of the name check (Verification of Payee).
MATCH = "match"
CLOSE_MATCH = "close_match"
NO_MATCH = "no_match"
NOT_CHECKABLE = "not_checkable"
# A close or no match is booked only when the customer says to go on anyway.
RISKY = (CLOSE_MATCH, NO_MATCH)
# How alike two names must be (difflib's ratio) to count as a close match.
CLOSE_RATIO = 0.8
# Words of a legal form that say nothing about who the payee is.
LEGAL_FORMS = frozenset({"bv", "nv", "vof", "cv", "eenmanszaak", "stichting", "vereniging"})

DESCRIPTION_LENGTH = 140  # a SEPA remittance text
NAME_LENGTH = 70  # a SEPA name
# No account of this bank holds more than this; larger input is a typing error, never a transfer.
MAX_AMOUNT_CENTS = 100_000_000_000

# Reasons an order is refused (the screens say them in Dutch).
NOT_OWN_ACCOUNT = "not_own_account"
INVALID_IBAN = "invalid_iban"
SAME_ACCOUNT = "same_account"
NAME_MISSING = "name_missing"
NAME_TOO_LONG = "name_too_long"
AMOUNT_NOT_POSITIVE = "amount_not_positive"
AMOUNT_TOO_LARGE = "amount_too_large"
INSUFFICIENT_FUNDS = "insufficient_funds"
DESCRIPTION_TOO_LONG = "description_too_long"
CURRENCY = "currency"
RISK_NOT_ACCEPTED = "risk_not_accepted"
NO_SUGGESTION = "no_suggestion"
APP_WAITING = "app_waiting"
ORDER_GONE = "order_gone"


class TransferOrder(Base):
    """An Overboeken order of internet banking: prepared, checked, then signed and booked (or cancelled)."""

    __tablename__ = "transfer_orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("online_users.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    debtor_iban: Mapped[str] = mapped_column(String(34))
    creditor_iban: Mapped[str] = mapped_column(String(34))
    creditor_name: Mapped[str] = mapped_column(String(NAME_LENGTH))
    own_account: Mapped[bool] = mapped_column(Boolean, default=False)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    description: Mapped[str] = mapped_column(String(DESCRIPTION_LENGTH), default="")
    name_check: Mapped[str] = mapped_column(String(16))
    suggested_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    risk_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    signed_with: Mapped[str | None] = mapped_column(String(16), nullable=True)
    app_login_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    transfer_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class TransferRefused(Exception):
    """An order the bank will not prepare or sign; ``reason`` is one of this module's reasons, ``field`` the input."""

    def __init__(self, reason: str, field: str | None = None):
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass(frozen=True)
class NameCheck:
    """The outcome of the name check: ``result`` and, for a close match only, the name the account is held in."""

    result: str
    suggestion: str | None = None


def comparable_name(name: str) -> str:
    """A name reduced to what identifies a payee: no accents, case, punctuation or legal form."""
    folded = unicodedata.normalize("NFKD", name or "").encode("ascii", "ignore").decode().lower()
    # "B.V." and "b.v" are one word once the dots are gone; any other mark separates words.
    words = "".join(ch if ch.isalnum() or ch.isspace() else ("" if ch == "." else " ") for ch in folded).split()
    return " ".join(word for word in words if word not in LEGAL_FORMS)


def _initials_agree(typed: str, held: str) -> bool:
    """``J. de Vries`` for ``Jan de Vries``: the same surname words, given names shortened to their initials."""
    typed_words, held_words = typed.split(), held.split()
    if len(typed_words) < 2 or len(typed_words) != len(held_words) or typed_words[-1] != held_words[-1]:
        return False
    return all(t == h or (len(t) == 1 and h.startswith(t)) for t, h in zip(typed_words, held_words, strict=True))


class InternetBanking:
    """Verbs of internet banking for one logged-in customer; state lives in the database."""

    def __init__(self, *, db: Database, clock: SimClock, ids: Ids, bank: Bank, authflow: AuthFlowService):
        self.db = db
        self.clock = clock
        self.ids = ids
        self.bank = bank
        self.authflow = authflow

    # --- accounts and bookings -----------------------------------------------------------------

    def accounts(self, customer_id: int) -> list[models.Account]:
        """The customer's accounts with their balances, in opening order."""
        return self.bank.accounts_of_customer(customer_id)

    def own_account(self, customer_id: int, iban: str) -> models.Account:
        """One of the customer's accounts; ``SandboxNotFound`` for any other (the screens show no one else's)."""
        account = self.bank.find_account(iban)
        if account is None or account.customer_id != customer_id:
            raise errors.SandboxNotFound(f"no account {iban} of customer {customer_id}")
        return account

    def bookings(
        self,
        customer_id: int,
        iban: str,
        *,
        date_from: dt.date | None,
        date_to: dt.date | None,
        after: tuple[dt.date, int] | None,
        size: int,
    ) -> tuple[models.Account, list[models.Booking], tuple[dt.date, int] | None]:
        """A page of one own account's bookings, newest first, between two book dates; and the next page's anchor."""
        account = self.own_account(customer_id, iban)
        rows, anchor = self.bank.bookings_page(account.id, date_from=date_from, date_to=date_to, after=after, size=size)
        return account, rows, anchor

    # --- the name check --------------------------------------------------------------------------

    def check_name(self, iban: str, name: str) -> NameCheck:
        """Check a payee's name against the account the bank holds under this IBAN.

        The bank knows only its own accounts: any other IBAN is ``not_checkable``. A match or a
        close match (an initial for a given name, a small typing error) compares the name with the
        account's holder, its customer's name and trade name; only a close match reveals the held name.
        """
        account = self.bank.find_account(iban)
        if account is None:
            return NameCheck(NOT_CHECKABLE)
        customer = account.customer
        held = [n for n in (account.holder_name, customer.trade_name, customer.name) if n]
        typed = comparable_name(name)
        if not typed:
            return NameCheck(NO_MATCH)
        if any(typed == comparable_name(n) for n in held):
            return NameCheck(MATCH)
        for candidate in held:
            other = comparable_name(candidate)
            if _initials_agree(typed, other) or difflib.SequenceMatcher(None, typed, other).ratio() >= CLOSE_RATIO:
                return NameCheck(CLOSE_MATCH, account.holder_name)
        return NameCheck(NO_MATCH)

    # --- orders ----------------------------------------------------------------------------------

    def prepare(
        self,
        user: LoggedIn,
        *,
        debtor_iban: str,
        creditor_iban: str,
        creditor_name: str,
        amount_cents: int,
        description: str = "",
    ) -> TransferOrder:
        """An order from one of the user's customer's accounts to an own account or any IBAN, checked, to be signed.

        Refused (``TransferRefused``, nothing stored) for a debtor that is not the customer's, an invalid
        or the same IBAN, a missing name to another's account, an amount that is not positive, beyond
        balance plus credit limit, or a description longer than SEPA's 140 characters.
        """
        if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
            raise TypeError("amounts are integer cents")
        accounts = {a.iban: a for a in self.accounts(user.customer_id)}
        debtor = accounts.get(normalize_iban(debtor_iban or ""))
        if debtor is None:
            raise TransferRefused(NOT_OWN_ACCOUNT, "debtor")
        try:
            creditor_iban = validate_iban(creditor_iban or "")
        except errors.InvalidIban:
            raise TransferRefused(INVALID_IBAN, "creditor_iban") from None
        if creditor_iban == debtor.iban:
            raise TransferRefused(SAME_ACCOUNT, "creditor_iban")
        if amount_cents <= 0:
            raise TransferRefused(AMOUNT_NOT_POSITIVE, "amount")
        if amount_cents > MAX_AMOUNT_CENTS:
            raise TransferRefused(AMOUNT_TOO_LARGE, "amount")
        if debtor.currency != "EUR":
            raise TransferRefused(CURRENCY, "debtor")
        if debtor.balance_cents + debtor.credit_limit_cents < amount_cents:
            raise TransferRefused(INSUFFICIENT_FUNDS, "amount")
        description = " ".join((description or "").split())
        if len(description) > DESCRIPTION_LENGTH:
            raise TransferRefused(DESCRIPTION_TOO_LONG, "description")
        own = accounts.get(creditor_iban)
        if own is not None:
            name, check = own.holder_name[:NAME_LENGTH], NameCheck(MATCH)
        else:
            name = " ".join((creditor_name or "").split())
            if not name:
                raise TransferRefused(NAME_MISSING, "creditor_name")
            if len(name) > NAME_LENGTH:
                raise TransferRefused(NAME_TOO_LONG, "creditor_name")
            check = self.check_name(creditor_iban, name)
        with self.db.transaction() as session:
            order = TransferOrder(
                key=self.ids.token(32),
                user_id=user.user_id,
                customer_id=user.customer_id,
                debtor_iban=debtor.iban,
                creditor_iban=creditor_iban,
                creditor_name=name,
                own_account=own is not None,
                amount_cents=amount_cents,
                description=description,
                name_check=check.result,
                suggested_name=check.suggestion,
                risk_accepted=False,
                status=PENDING,
                created_at=self.clock.now(),
            )
            session.add(order)
            session.flush()
            return order

    def order(self, key: str, user: LoggedIn) -> TransferOrder:
        """The user's order with this key; ``TransferRefused(order_gone)`` for another's or an unknown one."""
        with self.db.reading() as session:
            order = session.scalar(select(TransferOrder).where(TransferOrder.key == key))
        if order is None or order.user_id != user.user_id:
            raise TransferRefused(ORDER_GONE)
        return order

    def order_signed_by(self, login: AppLogin) -> TransferOrder | None:
        """The order an app confirmation signs (for the phone's page), or None."""
        if not (login.request_key or "").startswith(SIGNING):
            return None
        with self.db.reading() as session:
            return session.scalar(select(TransferOrder).where(TransferOrder.key == login.request_key[len(SIGNING) :]))

    def use_suggested_name(self, key: str, user: LoggedIn) -> TransferOrder:
        """After a close match: pay to the name the account is held in (the check then matches)."""
        with self.db.transaction() as session:
            order = self._pending(session, key, user)
            if order.name_check != CLOSE_MATCH or not order.suggested_name:
                raise TransferRefused(NO_SUGGESTION)
            order.creditor_name = order.suggested_name[:NAME_LENGTH]
            order.name_check = MATCH
            return order

    def cancel(self, key: str, user: LoggedIn) -> TransferOrder:
        """Cancel a pending order: nothing is booked."""
        with self.db.transaction() as session:
            order = self._pending(session, key, user)
            order.status = CANCELLED
            order.finished_at = self.clock.now()
            return order

    def sign_with_response(self, key: str, user: LoggedIn, *, response_code: str, accept_risk: bool = False):
        """Sign with the e.dentifier's (or Access Online's) response and book; returns the order and its bookings.

        A wrong response counts towards blocking the means, as at login (``authflow.LoginRefused``).
        """
        self._ready(self.order(key, user), accept_risk)
        preferred = (user.means,) if user.means in (models.EDENTIFIER, models.ACCESS_ONLINE) else ()
        kind = self.authflow.confirm_with_response(
            user_id=user.user_id,
            response_code=response_code,
            kinds=preferred + tuple(k for k in (models.EDENTIFIER, models.ACCESS_ONLINE) if k not in preferred),
        )
        return self._book(key, user, signed_with=kind, accept_risk=accept_risk)

    def start_app_signing(self, key: str, user: LoggedIn, *, accept_risk: bool = False) -> AppLogin:
        """Ask the user's app to confirm the order; the phone page or the sandbox confirms it."""
        self._ready(self.order(key, user), accept_risk)
        login = self.authflow.start_app_confirmation(user_id=user.user_id, subject=key)
        with self.db.transaction() as session:
            order = self._pending(session, key, user)
            order.app_login_key = login.key
            order.risk_accepted = accept_risk
        return login

    def finish_app_signing(self, key: str, user: LoggedIn):
        """Book the order once the app has confirmed it; ``TransferRefused(app_waiting)`` until then."""
        order = self.order(key, user)
        if order.status != PENDING or not order.app_login_key:
            raise TransferRefused(ORDER_GONE)
        if not self.authflow.use_app_confirmation(order.app_login_key, user_id=user.user_id):
            raise TransferRefused(APP_WAITING)
        return self._book(key, user, signed_with=models.MOBILE_APP, accept_risk=order.risk_accepted)

    def _ready(self, order: TransferOrder, accept_risk: bool) -> None:
        if order.status != PENDING:
            raise TransferRefused(ORDER_GONE)
        if order.name_check in RISKY and not accept_risk:
            raise TransferRefused(RISK_NOT_ACCEPTED, "accept_risk")

    def _pending(self, session, key: str, user: LoggedIn) -> TransferOrder:
        order = session.scalar(select(TransferOrder).where(TransferOrder.key == key).with_for_update())
        if order is None or order.user_id != user.user_id or order.status != PENDING:
            raise TransferRefused(ORDER_GONE)
        return order

    def _book(self, key: str, user: LoggedIn, *, signed_with: str, accept_risk: bool):
        """Book the signed order and mark it booked, in one transaction: never booked twice, never half."""
        with self.db.transaction() as session:
            order = self._pending(session, key, user)
            try:
                bookings = self.bank.transfer(
                    debtor_iban=order.debtor_iban,
                    creditor_iban=order.creditor_iban,
                    amount_cents=order.amount_cents,
                    description=order.description,
                    creditor_name=order.creditor_name,
                    session=session,
                )
            except errors.InsufficientFunds:
                raise TransferRefused(INSUFFICIENT_FUNDS, "amount") from None
            order.status = BOOKED
            order.signed_with = signed_with
            order.risk_accepted = accept_risk
            order.transfer_id = bookings[0].transfer_id
            order.finished_at = self.clock.now()
            return order, bookings
