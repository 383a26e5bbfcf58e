"""``GET /v1/accounts/{iban}/details``: account number, currency and holder name."""

from __future__ import annotations

from mockbank import models

from .helpers import Api
from .helpers import assert_bank_error
from .helpers import mint


def test_details_of_a_business_account_show_the_trade_name(api, firm):
    response = api.get(f"/v1/accounts/{firm.iban}/details")

    assert response.status_code == 200
    assert response.get_json() == {
        "accountNumber": firm.iban,
        "currency": "EUR",
        "accountHolderName": "Bakkerij De Vries",
    }


def test_details_of_a_retail_account_show_the_holder(client, bank, tpp):
    person = bank.bank.create_customer(kind=models.RETAIL, name="E.P.G. Doe")
    account = bank.bank.open_account(customer_id=person.id, currency="USD")
    api = Api(client=client, api_key=tpp.api_key, token=mint(bank, tpp, account.iban))

    body = api.get(f"/v1/accounts/{account.iban}/details").get_json()

    assert body == {"accountNumber": account.iban, "currency": "USD", "accountHolderName": "E.P.G. Doe"}


def test_details_need_the_details_scope(client, bank, tpp, firm):
    api = Api(client=client, api_key=tpp.api_key, token=mint(bank, tpp, firm.iban, "psd2:account:balance:read"))

    assert_bank_error(api.get(f"/v1/accounts/{firm.iban}/details"), 403, "ERR_3002_003")


def test_details_of_another_account_are_forbidden(api, firm):
    assert_bank_error(api.get(f"/v1/accounts/{firm.other_iban}/details"), 403, "MESSAGE_RST560_0016")


def test_details_of_an_invalid_iban(api, firm):
    broken = firm.iban[:-1] + ("0" if firm.iban[-1] != "0" else "1")

    assert_bank_error(api.get(f"/v1/accounts/{broken}/details"), 400, "MESSAGE_RST560_0007")
    assert_bank_error(api.get(f"/v1/accounts/{firm.iban.lower()}/details"), 400, "MESSAGE_RST560_0007")
