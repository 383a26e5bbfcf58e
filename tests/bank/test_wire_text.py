"""The page written as JSON text from raw rows says exactly what ``wire.booking`` says of the ORM row."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from types import SimpleNamespace

import simplejson
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from mockbank import wire
from mockbank.sim.calendar import UTC

from .helpers import Api
from .helpers import Tpp
from .helpers import mint

MOMENTS = st.datetimes(min_value=dt.datetime(1970, 1, 2), max_value=dt.datetime(2199, 12, 30))
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=40)


def parsed(text: str):
    return simplejson.loads(text, use_decimal=True)


@given(st.integers(min_value=-(10**15), max_value=10**15))
def test_amount_text_is_the_wire_amount(cents):
    assert wire.amount_text(cents) == str(wire.wire_amount(cents))


@given(MOMENTS)
def test_timestamp_text_is_the_transaction_timestamp_from_text_and_from_a_datetime(moment):
    expected = wire.transaction_timestamp(moment.replace(tzinfo=UTC))

    assert wire.timestamp_text(moment) == expected
    # As SQLAlchemy stores it on SQLite.
    assert wire.timestamp_text(moment.strftime("%Y-%m-%d %H:%M:%S.%f")) == expected


def test_timestamp_text_around_the_summer_time_switches():
    for moment in (
        dt.datetime(2026, 3, 29, 0, 59, 59, 999_999),
        dt.datetime(2026, 3, 29, 1, 0),
        dt.datetime(2026, 10, 25, 0, 59, 59),
        dt.datetime(2026, 10, 25, 1, 0),
    ):
        assert wire.timestamp_text(moment) == wire.transaction_timestamp(moment.replace(tzinfo=UTC))
    assert wire.timestamp_text(dt.datetime(2026, 3, 29, 1, 0)) == "2026-03-29-03:00:00.000"


@settings(max_examples=200)
@given(
    code=st.text("0123456789", min_size=3, max_size=3),
    lines=st.lists(TEXT, max_size=6),
    moment=MOMENTS,
    amount=st.integers(min_value=-(10**12), max_value=10**12).filter(bool),
    balance=st.integers(min_value=-(10**12), max_value=10**12),
    iban=TEXT,
    name=TEXT,
    transaction_id=TEXT,
    stored_as_text=st.booleans(),
)
def test_booking_text_says_what_booking_says(
    code, lines, moment, amount, balance, iban, name, transaction_id, stored_as_text
):
    row = SimpleNamespace(
        mutation_code=code,
        description_lines=lines,
        booked_at=moment.replace(tzinfo=UTC),
        book_date=moment.date(),
        amount_cents=amount,
        currency="EUR",
        balance_after_cents=balance,
        counterparty_iban=iban,
        counterparty_name=name,
        transaction_id=transaction_id,
    )
    # SQLite hands back text (the lines as SQLAlchemy's JSON type wrote them); PostgreSQL hands back objects.
    raw = (
        1,
        code,
        json.dumps(lines) if stored_as_text else lines,
        moment.strftime("%Y-%m-%d %H:%M:%S.%f") if stored_as_text else moment,
        moment.date().isoformat() if stored_as_text else moment.date(),
        amount,
        "EUR",
        balance,
        iban,
        name,
        transaction_id,
    )

    assert parsed(wire.booking_text(raw)) == parsed(wire.dumps(wire.booking(row)))


def test_a_page_of_the_demo_world_is_what_the_orm_rows_say(bank, client):
    summary = bank.seed(42)
    iban = summary["accounts"][0]["iban"]
    account = bank.bank.account(iban)
    registered = bank.consents.register_client(name="Boekhoud App B.V.", redirect_uris=["https://localhost/auth"])
    tpp = Tpp(client_id=registered.client_id, api_key=registered.api_key)
    api = Api(client=client, api_key=tpp.api_key, token=mint(bank, tpp, iban))
    key = None
    for _ in range(3):
        answer = api.get(f"/v1/accounts/{iban}/transactions", **({"nextPageKey": key} if key else {}))
        assert answer.status_code == 200
        after = wire.decode_page_key(key) if key else None
        rows, anchor = bank.bank.bookings_page(
            account.id, date_from=None, date_to=None, after=after, size=bank.settings.page_size
        )
        key = wire.encode_page_key(*anchor) if anchor else None
        expected = wire.dumps(wire.transactions_page(iban, rows, key))
        assert parsed(answer.get_data(as_text=True)) == parsed(expected)
        assert Decimal(parsed(answer.get_data(as_text=True))["transactions"][0]["amount"]) != 0
