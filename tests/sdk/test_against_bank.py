"""The SDK against the real bank app (in-process, behind ABN AMRO's real host names)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from client_sdk import AbnAmroClient
from client_sdk import AuthenticationError
from client_sdk import BankSandbox
from client_sdk import InsufficientScopeError
from client_sdk import InvalidRequestError
from client_sdk import NotFoundError
from client_sdk import PermissionDeniedError
from client_sdk.models import AMSTERDAM
from mockbank import create_app
from mockbank.sim.clock import SimClock

SCOPES = [
    "psd2:account:details:read",
    "psd2:account:balance:read",
    "psd2:account:transaction:read",
    "psd2:account:funds:read",
]


@pytest.fixture
def bank_app():
    """A bank with pages of 10 transactions, so a few dozen bookings span several pages."""
    app = create_app({"TESTING": True, "PAGE_SIZE": 10}, clock=SimClock(start="2026-01-05T09:00:00+01:00"))
    yield app
    app.extensions["mockbank"].close()


@pytest.fixture
def sandbox(bank_world):
    """The bank's sandbox API through the SDK."""
    return BankSandbox()


@pytest.fixture
def shop(sandbox):
    """A business customer with a current account holding 25 bookings over 25 days, and a registered client."""
    customer = sandbox.create_customer(
        name="J. de Vries", kind="business", trade_name="Bakkerij De Vries", kvk_number="12345678"
    )
    account = sandbox.open_account(customer_id=customer["id"], balance="1000.00")
    for day in range(24):
        sandbox.advance(days=1)
        sandbox.book(
            iban=account["iban"],
            amount=f"-{day + 1}.25",
            mutation_code="426",
            description_lines=["BEA, Betaalpas", f"Winkel {day}"],
            counter_party_name=f"Winkel {day}",
        )
    client = sandbox.register_client(name="Boekhouding BV")
    return {"customer": customer, "iban": account["iban"], "client": client}


def _client(sandbox, shop, scopes=SCOPES, **kwargs) -> AbnAmroClient:
    registered = shop["client"]
    minted = sandbox.mint_token(client_id=registered["clientId"], iban=shop["iban"], scopes=scopes)
    return AbnAmroClient(
        client_id=registered["clientId"],
        api_key=registered["apiKey"],
        client_secret=registered["clientSecret"],
        tokens=minted,
        **kwargs,
    )


def test_sandbox_builds_the_world_the_api_then_shows(sandbox, shop):
    account = sandbox.account(shop["iban"])
    assert account["balance"] == "694.00"  # 1000 - (1.25 + 2.25 + ... + 24.25)
    assert account["bookings"] == 25
    assert len(sandbox.bookings(shop["iban"], limit=3)) == 3
    assert sandbox.ledger() == []
    assert [c["clientId"] for c in sandbox.clients()] == [shop["client"]["clientId"]]


def test_reads_consentinfo_details_balance_and_funds(sandbox, shop):
    client = _client(sandbox, shop)

    info = client.consent_info()
    assert info.iban == shop["iban"]
    assert set(info.scopes) == set(SCOPES)
    now = dt.datetime.fromisoformat(sandbox.clock()["now"])
    assert info.valid_until.tzinfo is not None
    assert info.valid_until - now == pytest.approx(dt.timedelta(days=90), abs=dt.timedelta(seconds=1))

    details = client.account_details(shop["iban"])
    assert details.account_holder_name == "Bakkerij De Vries"
    assert details.currency == "EUR"

    balance = client.balance(shop["iban"])
    assert balance.amount == Decimal("694.00")
    assert balance.balance_type == "BOOKBALANCE"

    assert client.funds(shop["iban"], "694.00").available is True
    assert client.funds(shop["iban"], Decimal("694.01")).available is False


def test_reads_every_transaction_across_pages(sandbox, shop, bank_world):
    client = _client(sandbox, shop)

    pages = list(client.transaction_pages(shop["iban"]))
    assert [len(p.transactions) for p in pages] == [10, 10, 5]
    assert pages[-1].next_page_key is None

    transactions = list(client.transactions(shop["iban"]))
    assert len(transactions) == 25
    newest = transactions[0]
    assert newest.amount == Decimal("-24.25")
    assert newest.balance_after_mutation == Decimal("694.00")
    assert newest.description_lines == ("BEA, Betaalpas", "Winkel 23")
    assert newest.transaction_timestamp.tzinfo == AMSTERDAM
    assert newest.book_date == dt.date(2026, 1, 29)
    assert [t.book_date for t in transactions] == sorted((t.book_date for t in transactions), reverse=True)
    # Each booking's balance follows from the one before it.
    for later, earlier in zip(transactions, transactions[1:], strict=False):
        assert later.balance_after_mutation == earlier.balance_after_mutation + later.amount


def test_date_filters_are_repeated_with_the_page_key(sandbox, shop, bank_world):
    client = _client(sandbox, shop)
    bank_world.requests.clear()

    transactions = list(
        client.transactions(shop["iban"], book_date_from="2026-01-10", book_date_to=dt.date(2026, 1, 25))
    )

    assert {t.book_date for t in transactions} == {dt.date(2026, 1, d) for d in range(10, 26)}
    calls = [r for r in bank_world.requests if "/transactions" in r.url]
    assert len(calls) == 2
    assert "nextPageKey" in calls[1].url
    assert all("bookDateFrom=2026-01-10" in r.url and "bookDateTo=2026-01-25" in r.url for r in calls)


def test_bank_errors_arrive_as_their_classes(sandbox, shop):
    client = _client(sandbox, shop, scopes=["psd2:account:balance:read"])
    with pytest.raises(InsufficientScopeError) as scope_error:
        client.account_details(shop["iban"])
    assert scope_error.value.status == 403
    assert scope_error.value.code == "ERR_3002_003"
    assert scope_error.value.trace_id

    with pytest.raises(PermissionDeniedError) as other_account:
        client.balance("NL91ABNA0417164300")
    assert other_account.value.code == "MESSAGE_RST560_0016"
    assert not isinstance(other_account.value, InsufficientScopeError)

    with pytest.raises(InvalidRequestError) as bad_iban:
        client.balance("NL00ABNA0000000000")
    assert bad_iban.value.code == "MESSAGE_RST560_0007"

    with pytest.raises(NotFoundError):
        sandbox.account("NL91ABNA0417164300")


def test_an_expired_token_is_an_authentication_error_when_auto_refresh_is_off(sandbox, shop):
    client = _client(sandbox, shop, auto_refresh=False)
    sandbox.advance(hours=3)
    with pytest.raises(AuthenticationError) as expired:
        client.balance(shop["iban"])
    assert expired.value.token_expired
    assert expired.value.code == "ERR_2002_002"


def test_a_wrong_api_key_is_not_a_token_problem(sandbox, shop):
    client = _client(sandbox, shop)
    client.api_key = "not-the-key"
    with pytest.raises(AuthenticationError) as wrong_key:
        client.balance(shop["iban"])
    assert not wrong_key.value.token_expired


def test_sandbox_errors_use_the_same_classes(sandbox):
    with pytest.raises(InvalidRequestError) as missing_name:
        sandbox.create_customer(name="")
    assert missing_name.value.code == "SANDBOX_400"
    assert "'name' is required" in missing_name.value.message
    with pytest.raises(TypeError):
        sandbox.book(iban="NL91ABNA0417164300", amount=0.1)


def test_sandbox_clock_moves_by_working_days_and_to_a_moment(sandbox, shop):
    sandbox.mint_token(client_id=shop["client"]["clientId"], iban=shop["iban"])
    start = dt.datetime.fromisoformat(sandbox.clock()["now"])
    assert start.date() == dt.date(2026, 1, 29)  # a Thursday, after the shop's 24 days of bookings

    after = sandbox.advance(working_days=2)
    assert after["today"] == "2026-02-02"  # Friday, then over the weekend to Monday

    target = dt.datetime(2026, 3, 2, 12, 0, tzinfo=AMSTERDAM)
    assert dt.datetime.fromisoformat(sandbox.advance(to=target)["now"]) == target
    with pytest.raises(ValueError):
        sandbox.advance(to=dt.datetime(2026, 3, 3, 12, 0))
    with pytest.raises(ValueError):
        sandbox.advance()

    (consent,) = sandbox.consents(client_id=shop["client"]["clientId"])
    assert consent["status"] == "valid"
    (job,) = sandbox.jobs(status="pending")
    assert job["kind"] == "consent.expire"
    assert dt.datetime.fromisoformat(job["dueAt"]) == start + dt.timedelta(days=90)

    sandbox.advance(days=90)
    (consent,) = sandbox.consents(client_id=shop["client"]["clientId"])
    assert consent["status"] == "expired"
