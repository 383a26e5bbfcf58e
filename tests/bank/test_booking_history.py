"""A booking never changes after the fact: later money movements, time and reads leave earlier bookings as they were."""

from __future__ import annotations

from sqlalchemy import select

from mockbank import models
from mockbank.services.bank import Party

from .helpers import OUTSIDE_IBAN
from .helpers import Api
from .helpers import mint


def rows(bank) -> dict[int, dict]:
    """Every booking with every stored column, by id."""
    columns = [column.key for column in models.Booking.__table__.columns]
    with bank.db.reading() as session:
        return {b.id: {c: getattr(b, c) for c in columns} for b in session.scalars(select(models.Booking))}


def test_later_activity_leaves_earlier_bookings_and_their_balance_after_mutation_alone(bank, firm, tpp, api, clock):
    bank.bank.transfer(debtor_iban=firm.iban, creditor_iban=firm.other_iban, amount_cents=12_345, reference="R1")
    before = rows(bank.bank)
    shown = api.get(f"/v1/accounts/{firm.iban}/transactions").get_json()["transactions"]

    clock.advance_working_days(3)
    bank.bank.transfer(debtor_iban=firm.other_iban, creditor_iban=firm.iban, amount_cents=2_000)
    bank.bank.transfer(debtor_iban=firm.iban, creditor_iban=OUTSIDE_IBAN, amount_cents=999, creditor_name="Ander")
    bank.bank.book(
        iban=firm.iban,
        amount_cents=-4_50,
        mutation_code="426",
        description_lines=["BEA, Betaalpas", "Bakker"],
        counterparty=Party(),
    )
    # A fresh token: the first one expired while the working days passed.
    api = Api(client=api.client, api_key=tpp.api_key, token=mint(bank, tpp, firm.iban))
    assert api.get(f"/v1/accounts/{firm.iban}/balances").status_code == 200

    after = rows(bank.bank)
    assert len(after) == len(before) + 4
    assert {booking_id: after[booking_id] for booking_id in before} == before
    # The API shows the old bookings exactly as before, below the new ones.
    again = api.get(f"/v1/accounts/{firm.iban}/transactions").get_json()["transactions"]
    assert again[-len(shown) :] == shown
