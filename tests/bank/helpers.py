"""Helpers for the bank's tests: building a firm with accounts, minting tokens, checking ABN AMRO's envelope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

import simplejson
from sqlalchemy import select

from mockbank import models
from mockbank.services.bank import Bank
from mockbank.services.bank import Party
from mockbank.services.consent_rules import AIS_SCOPES

# ABN AMRO's own sandbox IBANs (valid checksums), and one of another bank for the outside world.
OUTSIDE_IBAN = "NL69INGB0123456789"
ALL_AIS = " ".join(AIS_SCOPES)


@dataclass
class Tpp:
    """A registered third party: what it sends as ``API-Key`` and its client id."""

    client_id: str
    api_key: str


@dataclass
class Firm:
    """A business customer with a current account (``iban``) holding € 1.000,00 and a second one."""

    customer_id: int
    iban: str
    other_iban: str
    trade_name: str


@dataclass
class Api:
    """A Flask test client that sends ``API-Key`` and ``Authorization: Bearer`` like a TPP."""

    client: object
    api_key: str | None
    token: str | None
    extra: dict = field(default_factory=dict)

    def headers(self) -> dict:
        """The request headers of a TPP call."""
        headers = {"Accept": "application/json", **self.extra}
        if self.api_key is not None:
            headers["API-Key"] = self.api_key
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def get(self, path: str, **params):
        """GET ``path`` with the TPP's headers and query parameters."""
        return self.client.get(path, query_string=params, headers=self.headers())


def mint(bank_backend, tpp: Tpp, iban: str, scopes: str = ALL_AIS) -> str:
    """A valid consent and access token for ``iban`` (the sandbox shortcut), as the token string."""
    return bank_backend.consents.mint_token(client_id=tpp.client_id, iban=iban, scopes=scopes).access_token


def body_of(response) -> dict:
    """A JSON body with numbers as Decimal, so amounts are compared exactly."""
    return simplejson.loads(response.get_data(as_text=True), use_decimal=True)


def assert_bank_error(response, status: int, code: str) -> dict:
    """The response is ABN AMRO's error envelope with this status and code, traced by its ``Trace-Id``."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    payload = response.get_json()
    assert list(payload) == ["errors"]
    assert len(payload["errors"]) == 1
    error = payload["errors"][0]
    assert set(error) == {"code", "message", "reference", "traceId", "status", "category"}
    assert error["code"] == code
    assert error["status"] == status
    assert error["message"] and error["category"] and error["reference"].startswith("https://")
    assert response.headers["Trace-Id"]
    assert error["traceId"] == response.headers["Trace-Id"]
    return error


def make_firm(bank: Bank, *, name: str = "De Vries Bakkerij B.V.", trade_name: str = "Bakkerij De Vries") -> Firm:
    """A business customer with two current accounts; the first gets an opening deposit of € 1.000,00."""
    customer = bank.create_customer(kind=models.BUSINESS, name=name, trade_name=trade_name, kvk_number="12345678")
    main = bank.open_account(customer_id=customer.id)
    other = bank.open_account(customer_id=customer.id)
    bank.book(
        iban=main.iban,
        amount_cents=100_000,
        mutation_code="654",
        description_lines=["Storting", "Openingssaldo"],
        counterparty=Party(),
        transaction_id="",
    )
    return Firm(customer_id=customer.id, iban=main.iban, other_iban=other.iban, trade_name=trade_name)


def history(bank: Bank, iban: str, *, days: int, per_day: int, last_day: dt.date, hour: int = 10) -> None:
    """Bulk demo-like history: ``per_day`` card payments of € 1,00 on each of ``days`` days ending ``last_day``.

    Amounts differ per booking (cents count up), so each booking can be recognised by its amount.
    """
    account = bank.account(iban)
    rows = []
    counter = 0
    for offset in range(days - 1, -1, -1):
        day = last_day - dt.timedelta(days=offset)
        for slot in range(per_day):
            counter += 1
            rows.append(
                {
                    "booked_at": dt.datetime(day.year, day.month, day.day, hour, slot, tzinfo=dt.UTC),
                    "amount_cents": -(100 + counter),
                    "mutation_code": "426",
                    "description_lines": ["BEA, Betaalpas", f"Winkel {counter}"],
                    "counterparty_iban": "",
                    "counterparty_name": "",
                    "transaction_id": f"H{counter:06d}",
                }
            )
    # The opening deposit must not be on an account that gets history: history only goes on empty accounts.
    bank.bulk_history(account.id, rows)


def balance_chains_intact(bank: Bank) -> list[str]:
    """IBANs whose bookings, in order, do not form an unbroken balanceAfterMutation chain."""
    broken = []
    with bank.db.reading() as session:
        for account in session.scalars(select(models.Account)):
            rows = session.scalars(
                select(models.Booking).where(models.Booking.account_id == account.id).order_by(models.Booking.id)
            ).all()
            running = 0
            for row in rows:
                running += row.amount_cents
                if row.balance_after_cents != running:
                    broken.append(account.iban)
                    break
            else:
                if running != account.balance_cents or len(rows) != account.booking_count:
                    broken.append(account.iban)
    return broken


def cents(value) -> int:
    """Cents of a wire amount read as Decimal."""
    return int(Decimal(value) * 100)
