"""``GET /v1/accounts/{iban}/funds``: can the account pay an amount now (credit line included)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mockbank import models

from .helpers import Api
from .helpers import assert_bank_error
from .helpers import body_of
from .helpers import mint


def funds(api: Api, iban: str, **params):
    return api.get(f"/v1/accounts/{iban}/funds", **params)


def test_funds_available_up_to_the_balance(api, firm):
    response = funds(api, firm.iban, amount="1000.00", currency="EUR")

    assert response.status_code == 200
    assert body_of(response) == {
        "accountNumber": firm.iban,
        "amount": Decimal("1000"),
        "currency": "EUR",
        "available": True,
    }
    assert body_of(funds(api, firm.iban, amount="1000.01", currency="EUR"))["available"] is False


def test_currency_defaults_to_euro_and_the_amount_comes_back_as_a_number(api, firm):
    response = funds(api, firm.iban, amount="123.45")

    assert body_of(response) == {
        "accountNumber": firm.iban,
        "amount": Decimal("123.45"),
        "currency": "EUR",
        "available": True,
    }
    assert '"amount": 123.45,' in response.get_data(as_text=True)


def test_another_currency_than_the_accounts_is_not_available(api, firm):
    body = body_of(funds(api, firm.iban, amount="1", currency="USD"))

    assert body["currency"] == "USD" and body["available"] is False


def test_the_credit_line_counts(client, bank, tpp):
    customer = bank.bank.create_customer(kind=models.BUSINESS, name="Krediet B.V.", kvk_number="87654321")
    account = bank.bank.open_account(customer_id=customer.id, credit_limit_cents=50_000)
    api = Api(client=client, api_key=tpp.api_key, token=mint(bank, tpp, account.iban))

    assert body_of(funds(api, account.iban, amount="500.00"))["available"] is True
    assert body_of(funds(api, account.iban, amount="500.01"))["available"] is False


def test_up_to_three_decimals_are_compared_exactly(api, bank, firm):
    bank.bank.book(iban=firm.iban, amount_cents=-1, mutation_code="426", description_lines=["BEA"])  # 999.99 left

    at_balance = funds(api, firm.iban, amount="999.990")
    a_tenth_of_a_cent_more = funds(api, firm.iban, amount="999.991")

    assert body_of(at_balance)["available"] is True
    assert body_of(at_balance)["amount"] == Decimal("999.99")
    assert '"amount": 999.99,' in at_balance.get_data(as_text=True)
    assert body_of(a_tenth_of_a_cent_more)["available"] is False
    assert body_of(a_tenth_of_a_cent_more)["amount"] == Decimal("999.991")


@pytest.mark.parametrize(
    "amount", [None, "", "0", "0.000", "-5", "abc", "NaN", "Infinity", "-Infinity", "1.0001", "1e400", " 1 2"]
)
def test_an_invalid_amount_is_a_bad_request(api, firm, amount):
    params = {} if amount is None else {"amount": amount}

    error = assert_bank_error(funds(api, firm.iban, **params), 400, "ERR_1100_004")
    assert "amount" in error["message"]


@pytest.mark.parametrize("currency", ["EURO", "E1R", "€"])
def test_an_invalid_currency_is_a_bad_request(api, firm, currency):
    error = assert_bank_error(funds(api, firm.iban, amount="1", currency=currency), 400, "ERR_1100_004")
    assert "currency" in error["message"]


def test_funds_need_the_funds_scope(client, bank, tpp, firm):
    token = mint(bank, tpp, firm.iban, "psd2:account:balance:read psd2:account:details:read")

    response = funds(Api(client=client, api_key=tpp.api_key, token=token), firm.iban, amount="1")

    assert_bank_error(response, 403, "ERR_3002_003")


def test_funds_of_another_account_are_forbidden(api, firm):
    assert_bank_error(funds(api, firm.other_iban, amount="1"), 403, "MESSAGE_RST560_0016")
