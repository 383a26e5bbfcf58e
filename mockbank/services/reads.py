"""The account API's hot reads: one Core statement each, rows as the database gives them, no ORM objects.

``/v1`` answers many reads of few accounts. Building ORM objects (and their customers) for a balance, or
parsing every column of fifty bookings into Python types only to write them out again, was most of a read's
cost; here each read is a single ``SELECT`` of the columns the answer needs, and ``wire`` writes the answer.

What a read returns is kept until the ``ledger`` world version moves: any write to an account, a customer or
a booking (every booking updates its account's balance in the same transaction), here or, with a shared
database, in another worker. Reading an account that nothing has written to since costs no statement.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import Date
from sqlalchemy import and_
from sqlalchemy import bindparam
from sqlalchemy import column
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import table

from mockbank import errors
from mockbank import models
from mockbank import wire
from mockbank.sim.db import Database
from mockbank.sim.versions import VersionedCache
from mockbank.sim.versions import WorldVersions

# The world-version counter every write to accounts, customers and bookings moves (``BankBackend``'s watch).
LEDGER = "ledger"

_ACCOUNTS = models.Account.__table__
_CUSTOMERS = models.Customer.__table__
# The bookings table without column types: the page's values stay as the database returns them (text on
# SQLite), and ``wire.transactions_page_text`` writes them without a round trip through Python types.
_BOOKINGS = table("bookings", column("account_id"), *(column(name) for name in wire.BOOKING_COLUMNS))
_ACCOUNT = (
    select(
        _ACCOUNTS.c.id,
        _ACCOUNTS.c.iban,
        _ACCOUNTS.c.currency,
        _ACCOUNTS.c.holder_name,
        _ACCOUNTS.c.balance_cents,
        _ACCOUNTS.c.credit_limit_cents,
        _CUSTOMERS.c.kind,
        _CUSTOMERS.c.trade_name,
    )
    .join_from(_ACCOUNTS, _CUSTOMERS, _CUSTOMERS.c.id == _ACCOUNTS.c.customer_id)
    .where(_ACCOUNTS.c.id == bindparam("account_id"))
)


def _page_query(with_to: bool, with_after: bool):
    """The page statement for one combination of filters, built once (building one costs as much as running it)."""
    B = _BOOKINGS.c
    query = select(*(B[name] for name in wire.BOOKING_COLUMNS)).where(
        B.account_id == bindparam("account_id"), B.book_date >= bindparam("date_from", type_=Date)
    )
    if with_to:
        query = query.where(B.book_date <= bindparam("date_to", type_=Date))
    if with_after:
        key_date = bindparam("key_date", type_=Date)
        # The redundant ``book_date <= key_date`` gives SQLite an index range to seek to (see ``Bank.bookings_page``).
        query = query.where(
            B.book_date <= key_date,
            or_(B.book_date < key_date, and_(B.book_date == key_date, B.id < bindparam("key_id"))),
        )
    return query.order_by(B.book_date.desc(), B.id.desc()).limit(bindparam("limit"))


_PAGES = {(to, after): _page_query(to, after) for to in (False, True) for after in (False, True)}


@dataclass(frozen=True)
class AccountFacts:
    """What the account API answers about an account: its number, currency, holder, balance and credit."""

    id: int
    iban: str
    currency: str
    holder_name: str
    balance_cents: int
    credit_limit_cents: int
    customer_kind: str
    trade_name: str | None


class AccountReads:
    """The reads behind ``/v1/accounts/...``: an account's facts and a page of its bookings."""

    def __init__(self, *, db: Database, versions: WorldVersions):
        self.db = db
        self._accounts: VersionedCache[AccountFacts] = VersionedCache(versions, LEDGER)
        # Pages as ``wire`` text, a few hundred at most (a page is some 20 kB).
        self._pages: VersionedCache[str] = VersionedCache(versions, LEDGER, limit=500)

    def forget(self) -> None:
        """Drop every kept account and page (a benchmark that measures the statements themselves)."""
        self._accounts.forget()
        self._pages.forget()

    def account(self, account_id: int) -> AccountFacts:
        """The account with its customer's kind and trade name; ``SandboxNotFound`` when there is none."""
        return self._accounts.get(account_id, lambda: self._load_account(account_id))

    def _load_account(self, account_id: int) -> AccountFacts:
        with self.db.lean_read() as connection:
            row = connection.execute(_ACCOUNT, {"account_id": account_id}).first()
        if row is None:
            raise errors.SandboxNotFound(f"no account {account_id}")
        return AccountFacts(*row)

    def transactions_page_text(
        self,
        account_id: int,
        iban: str,
        *,
        date_from: dt.date,
        date_to: dt.date | None,
        after: tuple[dt.date, int] | None,
        size: int,
    ) -> str:
        """A page of ``/v1/accounts/{iban}/transactions`` as ABN AMRO's JSON text (``wire.transactions_page_text``)."""

        def load() -> str:
            rows, anchor = self.bookings_page(account_id, date_from=date_from, date_to=date_to, after=after, size=size)
            return wire.transactions_page_text(iban, rows, wire.encode_page_key(*anchor) if anchor else None)

        return self._pages.get((account_id, iban, date_from, date_to, after, size), load)

    def bookings_page(
        self,
        account_id: int,
        *,
        date_from: dt.date,
        date_to: dt.date | None,
        after: tuple[dt.date, int] | None,
        size: int,
    ) -> tuple[list, tuple[dt.date, int] | None]:
        """Newest-first booking rows (``wire.BOOKING_COLUMNS``, raw) by keyset (book date, id), and the next anchor."""
        params = {"account_id": account_id, "date_from": date_from, "limit": size + 1}
        if date_to is not None:
            params["date_to"] = date_to
        if after is not None:
            params["key_date"], params["key_id"] = after
        query = _PAGES[(date_to is not None, after is not None)]
        with self.db.lean_read() as connection:
            rows = connection.execute(query, params).all()
        if len(rows) > size:
            last = rows[size - 1]
            book_date = last[wire.BOOK_DATE]
            book_date = book_date if isinstance(book_date, dt.date) else dt.date.fromisoformat(book_date)
            return rows[:size], (book_date, last[wire.BOOKING_ID])
        return rows, None
