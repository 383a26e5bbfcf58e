"""Settlement of a signed direct-debit batch by the night run of its collection date, and returns (R-transactions)
booked back on the creditor's account within SEPA's windows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from .helpers import OUTSIDE_IBAN
from .pay_helpers import BATCH_SCOPE
from .pay_helpers import balance
from .pay_helpers import bookings
from .pay_helpers import consent_token
from .pay_helpers import make_pay_world
from .pay_helpers import sdd_file
from .pay_helpers import send_batch
from .pay_helpers import three_debits


@pytest.fixture
def world(bank):
    return make_pay_world(bank)


def _send(client, world, collection_date: dt.date) -> str:
    token = consent_token(client, world, iban=world.creditor, scope=BATCH_SCOPE)
    answer = send_batch(client, world, token, sdd_file(world, collection_date, three_debits(world)))
    instruction = answer.get_json()["sepaBatchPaymentInstruction"]
    assert instruction["status"] == "RECEIVED", instruction
    return instruction["id"]


def _authorize(client, batch_id: str) -> dict:
    answer = client.post(f"/sandbox/sdd/batches/{batch_id}/authorize")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def _collections(client, batch_id: str) -> dict[str, dict]:
    batch = client.get(f"/sandbox/sdd/batches/{batch_id}").get_json()
    return {c["endToEndId"]: c for c in batch["collections"]}


def test_an_unsigned_batch_is_never_collected(client, bank, world, clock):
    _send(client, world, dt.date(2026, 1, 9))

    clock.advance(dt.timedelta(days=20))

    assert balance(bank, world.creditor) == 100_000
    assert balance(bank, world.rich) == 50_000


def test_on_the_collection_date_the_creditor_gets_one_booking_of_the_total(client, bank, world, clock):
    batch_id = _send(client, world, dt.date(2026, 1, 9))
    _authorize(client, batch_id)

    clock.advance_to("2026-01-09T03:59:00+01:00")
    assert balance(bank, world.creditor) == 100_000
    clock.advance_to("2026-01-09T04:01:00+01:00")

    latest = bookings(client, world.creditor)
    total = [b for b in latest if b["descriptionLines"][0] == "SEPA Incasso batch"]
    assert len(total) == 1
    assert total[0]["amount"] == Decimal("470.75")
    assert total[0]["bookDate"] == "2026-01-09"
    assert f"Incassant: {world.creditor_id}" in total[0]["descriptionLines"]
    assert "Aantal posten: 3" in total[0]["descriptionLines"]
    assert client.get(f"/sandbox/sdd/batches/{batch_id}").get_json()["status"] == "SETTLED"


def test_a_debtor_at_this_bank_sees_incassant_machtiging_and_kenmerk(client, bank, world, clock):
    _authorize(client, _send(client, world, dt.date(2026, 1, 9)))

    clock.advance_to("2026-01-09T05:00:00+01:00")

    debit = bookings(client, world.rich)[0]
    assert debit["amount"] == Decimal("-121")
    assert debit["mutationCode"] == "247"
    assert debit["descriptionLines"] == [
        "SEPA Incasso algemeen doorlopend",
        f"Incassant: {world.creditor_id}",
        "Naam: Bakkerij De Vries",
        "Machtiging: MND-RICH",
        "Omschrijving: Factuur 2026-0001",
        f"IBAN: {world.creditor}",
        "Kenmerk: 2026-0001",
    ]
    assert debit["counterPartyAccountNumber"] == world.creditor
    assert client.get("/sandbox/ledger").get_json()["inconsistentAccounts"] == []


def test_a_debtor_without_funds_is_returned_am04_two_target2_days_later(client, bank, world, clock):
    batch_id = _send(client, world, dt.date(2026, 1, 9))  # P. de Boer owes 49.50 and holds 5.00
    _authorize(client, batch_id)

    clock.advance_to("2026-01-09T05:00:00+01:00")
    assert balance(bank, world.poor) == 500  # the debtor's bank refuses: nothing is debited
    assert _collections(client, batch_id)["2026-0002"]["returnReason"] == "AM04"
    assert _collections(client, batch_id)["2026-0002"]["returnDate"] == "2026-01-13"
    clock.advance_to("2026-01-12T23:00:00+01:00")
    assert balance(bank, world.creditor) == 100_000 + 47_075

    clock.advance_to("2026-01-13T05:00:00+01:00")

    storno = bookings(client, world.creditor)[0]
    assert storno["amount"] == Decimal("-49.50")
    assert storno["bookDate"] == "2026-01-13"
    assert storno["descriptionLines"][:2] == ["SEPA Incasso storno", "Reden: AM04 Onvoldoende saldo"]
    assert "Kenmerk: 2026-0002" in storno["descriptionLines"]
    assert balance(bank, world.creditor) == 100_000 + 47_075 - 4_950
    assert _collections(client, batch_id)["2026-0002"]["status"] == "returned"


def test_a_scripted_md01_for_a_debtor_elsewhere_comes_back_on_the_creditors_account(client, bank, world, clock):
    scripted = client.post("/sandbox/sdd/returns", json={"reason": "MD01", "debtorIban": OUTSIDE_IBAN, "afterDays": 3})
    assert scripted.status_code == 201
    _authorize(client, _send(client, world, dt.date(2026, 1, 9)))

    clock.advance_to("2026-01-14T05:00:00+01:00")

    storno = bookings(client, world.creditor)[0]
    assert storno["amount"] == Decimal("-300.25")
    assert storno["descriptionLines"][1] == "Reden: MD01 Geen machtiging"
    assert storno["counterPartyAccountNumber"] == OUTSIDE_IBAN
    assert client.get("/sandbox/sdd/returns").get_json()["returns"][0]["usedAt"] is not None


def test_a_refund_on_request_md06_after_settlement_pays_the_debtor_back(client, bank, world, clock):
    _authorize(client, _send(client, world, dt.date(2026, 1, 9)))
    clock.advance_to("2026-01-20T10:00:00+01:00")
    assert balance(bank, world.rich) == 50_000 - 12_100

    client.post("/sandbox/sdd/returns", json={"reason": "MD06", "endToEndId": "2026-0001", "afterDays": 5})
    clock.advance_to("2026-01-27T05:00:00+01:00")

    assert balance(bank, world.rich) == 50_000
    refund = bookings(client, world.rich)[0]
    assert refund["descriptionLines"][:2] == ["SEPA Incasso terugboeking", "Reden: MD06 Op verzoek debiteur"]
    assert bookings(client, world.creditor)[0]["amount"] == Decimal("-121")


def test_a_refund_later_than_eight_weeks_is_refused(client, world, clock):
    _authorize(client, _send(client, world, dt.date(2026, 1, 9)))
    clock.advance_to("2026-03-02T10:00:00+01:00")

    answer = client.post("/sandbox/sdd/returns", json={"reason": "MD06", "endToEndId": "2026-0001", "afterDays": 5})

    assert answer.status_code == 400
    assert "eight weeks" in answer.get_json()["errors"][0]["message"]


@pytest.mark.parametrize(
    "body",
    [
        {"reason": "AM05", "debtorIban": OUTSIDE_IBAN},
        {"reason": "AM04"},
        {"reason": "AM04", "debtorIban": OUTSIDE_IBAN, "afterDays": 6},
        {"reason": "MD06", "debtorIban": OUTSIDE_IBAN, "afterDays": 41},
    ],
)
def test_a_return_outside_sepas_rules_cannot_be_scripted(client, body):
    answer = client.post("/sandbox/sdd/returns", json=body)

    assert answer.status_code == 400
    assert client.get("/sandbox/sdd/returns").get_json()["returns"] == []


def test_a_holiday_between_submission_and_collection_moves_the_collection(client, bank, world, clock):
    # Sent on the Wednesday before Easter for Good Friday: TARGET2 is closed Friday and Monday.
    clock.advance_to("2026-04-01T10:00:00+02:00")
    batch_id = _send(client, world, dt.date(2026, 4, 3))
    _authorize(client, batch_id)

    clock.advance_to("2026-04-06T23:00:00+02:00")
    assert balance(bank, world.rich) == 50_000
    clock.advance_to("2026-04-07T05:00:00+02:00")

    assert balance(bank, world.rich) == 50_000 - 12_100
    assert bookings(client, world.creditor)[0]["bookDate"] == "2026-04-07"


def test_signed_too_late_for_its_date_the_batch_moves_to_the_earliest_date(client, bank, world, clock):
    batch_id = _send(client, world, dt.date(2026, 1, 6))  # sent Monday 09:00 for Tuesday: just in time
    clock.advance_to("2026-01-05T14:00:00+01:00")  # signed after the 12:30 cut-off

    signed = _authorize(client, batch_id)

    assert signed["collectionDate"] == "2026-01-07"
    assert "07-01-2026" in signed["notice"]
    clock.advance_to("2026-01-07T05:00:00+01:00")
    assert balance(bank, world.rich) == 50_000 - 12_100


def test_a_batch_is_signed_once(client, world):
    batch_id = _send(client, world, dt.date(2026, 1, 9))
    _authorize(client, batch_id)

    again = client.post(f"/sandbox/sdd/batches/{batch_id}/authorize")

    assert again.status_code == 400
    assert "AUTHORIZED" in again.get_json()["errors"][0]["message"]


def test_the_imported_bookings_show_the_batch_and_its_storno_through_v1(client, bank, world, clock):
    _authorize(client, _send(client, world, dt.date(2026, 1, 9)))
    clock.advance_to("2026-01-13T05:00:00+01:00")
    token = consent_token(client, world, iban=world.creditor, scope="psd2:account:transaction:read")

    page = client.get(
        f"/v1/accounts/{world.creditor}/transactions",
        headers={"API-Key": world.api_key, "Authorization": f"Bearer {token}"},
        query_string={"bookDateFrom": "2026-01-09"},
    ).get_json()

    first_lines = [t["descriptionLines"][0] for t in page["transactions"]]
    assert first_lines == ["SEPA Incasso storno", "SEPA Incasso batch"]
    assert all(t["transactionId"] for t in page["transactions"])


def test_a_batch_is_settled_on_every_database(storage_url, clock):
    from mockbank import create_app

    app = create_app({"TESTING": True, "DATABASE_URL": storage_url}, clock=clock)
    try:
        client, backend = app.test_client(), app.extensions["mockbank"]
        world = make_pay_world(backend)
        _authorize(client, _send(client, world, dt.date(2026, 1, 9)))

        clock.advance_to("2026-01-13T05:00:00+01:00")

        assert balance(backend, world.creditor) == 100_000 + 47_075 - 4_950
        assert balance(backend, world.rich) == 50_000 - 12_100
        assert client.get("/sandbox/ledger").get_json()["inconsistentAccounts"] == []
    finally:
        app.extensions["mockbank"].close()
