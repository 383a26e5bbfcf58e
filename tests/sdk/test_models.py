"""Typed parsing of ABN AMRO's wire shapes (samples from ABN AMRO's docs and captured responses)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from client_sdk.models import AccountDetails
from client_sdk.models import Balance
from client_sdk.models import ConsentInfo
from client_sdk.models import Funds
from client_sdk.models import TokenSet
from client_sdk.models import Transaction
from client_sdk.models import TransactionPage
from client_sdk.models import parse_transaction_timestamp

CAPTURED = """{"mutationCode":"247","descriptionLines":["SEPA Incasso algemeen doorlopend",
 "Incassant: NL91ZZZ110231360000","Naam: High Five Health Promoti","Machtiging: 62099061-1",
 "IBAN: NL91ABNA4966693802","Kenmerk: 74112345"],"transactionTimestamp":"2019-09-06-04:16:37.410",
 "bookDate":"2019-09-06","balanceAfterMutation":284.57,"counterPartyAccountNumber":"NL91ABNA4966693802",
 "counterPartyName":"High Five Health Promoti","amount":-18,"currency":"EUR","transactionId":"9248G4337680615S0AD"}"""


def _wire(text: str):
    return json.loads(text, parse_float=Decimal)


def test_transaction_keeps_money_exact_and_time_aware():
    transaction = Transaction.from_json(_wire(CAPTURED))
    assert transaction.amount == Decimal("-18")
    assert transaction.balance_after_mutation == Decimal("284.57")
    assert isinstance(transaction.balance_after_mutation, Decimal)
    assert transaction.transaction_timestamp == dt.datetime(
        2019, 9, 6, 4, 16, 37, 410000, tzinfo=ZoneInfo("Europe/Amsterdam")
    )
    assert transaction.transaction_timestamp.utcoffset() == dt.timedelta(hours=2)  # summer time
    assert transaction.book_date == dt.date(2019, 9, 6)
    assert transaction.description_lines[1] == "Incassant: NL91ZZZ110231360000"
    assert transaction.mutation_code == "247"
    assert transaction.status is None
    assert transaction.raw["counterPartyName"] == "High Five Health Promoti"


def test_transaction_timestamp_in_winter_and_without_milliseconds():
    winter = parse_transaction_timestamp("2026-01-05-09:00:00.000")
    assert winter.astimezone(dt.UTC) == dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
    assert parse_transaction_timestamp("2026-01-05-09:00:01").second == 1
    with pytest.raises(ValueError):
        parse_transaction_timestamp("2026-01-05T09:00:00")


def test_card_payment_with_empty_ids_and_counterparty():
    transaction = Transaction.from_json(
        {
            "mutationCode": "426",
            "descriptionLines": ["BEA, Betaalpas"],
            "transactionTimestamp": "2026-01-05-09:00:00.000",
            "bookDate": "2026-01-05",
            "balanceAfterMutation": Decimal("10.00"),
            "counterPartyAccountNumber": "",
            "counterPartyName": "",
            "amount": Decimal("-2.50"),
            "currency": "EUR",
            "transactionId": "",
        }
    )
    assert (transaction.transaction_id, transaction.counter_party_account_number) == ("", "")


def test_results_are_frozen():
    balance = Balance.from_json(_wire('{"accountNumber":"NL12ABNA9999876523","currency":"EUR","amount":16.03}'))
    with pytest.raises(dataclasses.FrozenInstanceError):
        balance.amount = Decimal("0")
    assert hash(balance) == hash(Balance.from_json({"accountNumber": "NL12ABNA9999876523", "amount": "16.03"}))


def test_balance_details_and_funds():
    balance = Balance.from_json(
        _wire('{"accountNumber":"NL12ABNA9999876523","currency":"EUR","balanceType":"BOOKBALANCE","amount":16.03}')
    )
    assert balance.amount == Decimal("16.03") and balance.balance_type == "BOOKBALANCE"
    details = AccountDetails.from_json(
        {"accountNumber": "NL12ABNA9999876523", "currency": "EUR", "AccountHolderName": "Bakkerij"}
    )
    assert details.account_holder_name == "Bakkerij"
    funds = Funds.from_json({"accountNumber": "NL12", "amount": Decimal("0.01"), "currency": "EUR", "available": True})
    assert funds.available is True and funds.amount == Decimal("0.01")


@pytest.mark.parametrize("valid", [1566497626, "1566497626"])
def test_consent_info_valid_is_an_epoch_as_number_or_string(valid):
    info = ConsentInfo.from_json(
        {
            "iban": "NL12ABNA9999876523",
            "transactionId": None,
            "valid": valid,
            "scopes": "psd2:account:balance:read psd2:account:transaction:read psd2:account:details:read",
        }
    )
    assert info.valid_until == dt.datetime(2019, 8, 22, 18, 13, 46, tzinfo=dt.UTC)
    assert info.scopes == (
        "psd2:account:balance:read",
        "psd2:account:transaction:read",
        "psd2:account:details:read",
    )
    assert info.transaction_id is None


def test_transaction_page_last_page_and_blank_body():
    page = TransactionPage.from_json({"accountNumber": "NL12", "transactions": [_wire(CAPTURED)]})
    assert page.next_page_key is None and len(page.transactions) == 1
    blank = TransactionPage.from_json(None, iban="NL12")
    assert blank.transactions == () and blank.next_page_key is None and blank.account_number == "NL12"
    with_key = TransactionPage.from_json({"transactions": [], "nextPageKey": "2019-08-06-22:42:51:900"})
    assert with_key.next_page_key == "2019-08-06-22:42:51:900"


def test_token_set_dates_expiry_from_when_it_was_received():
    now = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
    tokens = TokenSet.from_response(
        {
            "access_token": "GPgYglX4sO1WhzfChx4tmjr4y7Qg",
            "refresh_token": "UHjIAzBZfLGh4dLm8cvEcH6d8BrOmCZXumOpznQBP1",
            "token_type": "Bearer",
            "expires_in": 7193,
            "scope": "psd2:account:balance:read psd2:account:details:read",
        },
        now=now,
    )
    assert tokens.expires_at == now + dt.timedelta(seconds=7193)
    assert tokens.scope == ("psd2:account:balance:read", "psd2:account:details:read")
    assert not tokens.expired(now) and tokens.expired(now + dt.timedelta(hours=2))
    # Some ABN AMRO samples say "valid" instead of "expires_in".
    assert TokenSet.from_response({"access_token": "a", "valid": 7193}, now=now).expires_in == 7193
    assert TokenSet.from_response({"access_token": "a"}, now=now).expires_at is None
