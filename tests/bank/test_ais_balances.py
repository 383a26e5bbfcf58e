"""``GET /v1/accounts/{iban}/balances``: the book balance as a JSON number."""

from __future__ import annotations

from decimal import Decimal

from .helpers import OUTSIDE_IBAN
from .helpers import Api
from .helpers import assert_bank_error
from .helpers import body_of
from .helpers import mint


def test_balance_is_the_book_balance(api, firm):
    response = api.get(f"/v1/accounts/{firm.iban}/balances")

    assert response.status_code == 200
    assert body_of(response) == {
        "accountNumber": firm.iban,
        "currency": "EUR",
        "balanceType": "BOOKBALANCE",
        "amount": Decimal("1000"),
    }
    assert '"amount": 1000}' in response.get_data(as_text=True)


def test_balance_follows_the_money_and_keeps_its_cents(api, bank, firm):
    bank.bank.transfer(debtor_iban=firm.iban, creditor_iban=OUTSIDE_IBAN, amount_cents=98_397)

    response = api.get(f"/v1/accounts/{firm.iban}/balances")

    assert body_of(response)["amount"] == Decimal("16.03")
    assert '"amount": 16.03}' in response.get_data(as_text=True)


def test_a_debit_balance_is_negative(api, bank, firm):
    bank.bank.book(iban=firm.iban, amount_cents=-100_302, mutation_code="426", description_lines=["BEA"])

    assert body_of(api.get(f"/v1/accounts/{firm.iban}/balances"))["amount"] == Decimal("-3.02")


def test_balances_need_the_balance_scope(client, bank, tpp, firm):
    api = Api(client=client, api_key=tpp.api_key, token=mint(bank, tpp, firm.iban, "psd2:account:details:read"))

    assert_bank_error(api.get(f"/v1/accounts/{firm.iban}/balances"), 403, "ERR_3002_003")


def test_balances_of_another_account_are_forbidden(api, firm):
    assert_bank_error(api.get(f"/v1/accounts/{firm.other_iban}/balances"), 403, "MESSAGE_RST560_0016")


def test_balances_of_an_invalid_iban(api):
    assert_bank_error(api.get("/v1/accounts/NL00ABNA0000000000/balances"), 400, "MESSAGE_RST560_0007")
    assert_bank_error(api.get("/v1/accounts/NL62-ABNA/balances"), 400, "MESSAGE_RST560_0007")
