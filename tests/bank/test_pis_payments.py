"""Single SEPA payments as ABN AMRO's Payment Initiation API: register, consent, execute, status, delete."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from .helpers import OUTSIDE_IBAN
from .helpers import assert_bank_error
from .helpers import body_of
from .pay_helpers import PAYMENT_SCOPE
from .pay_helpers import balance
from .pay_helpers import bookings
from .pay_helpers import client_credentials
from .pay_helpers import consent_token
from .pay_helpers import headers
from .pay_helpers import make_pay_world
from .pay_helpers import register


@pytest.fixture
def world(bank):
    return make_pay_world(bank)


def _consented(client, world, transaction_id, iban=None):
    token = consent_token(
        client, world, iban=iban or world.creditor, scope=PAYMENT_SCOPE, transaction_id=transaction_id
    )
    return headers(world, token)


def test_registering_with_client_credentials_stores_the_payment(client, world):
    response = register(client, world)

    assert response.status_code == 201
    payment = body_of(response)
    assert payment["status"] == "STORED"
    assert payment["accountNumber"] == world.creditor
    assert payment["accountHolderName"] == "Bakkerij De Vries"
    assert len(payment["transactionId"]) == 19
    (stored,) = client.get("/sandbox/payments").get_json()["payments"]
    assert stored["amount"] == "149.99"  # exact: never through a float


def test_a_registration_without_an_initiating_account_leaves_the_choice_to_the_holder(client, world):
    payment = body_of(register(client, world, initiatingpartyAccountNumber=None))

    assert "accountNumber" not in payment
    headers_ = _consented(client, world, payment["transactionId"], iban=world.creditor_other)
    executed = client.put(f"/v1/payments/{payment['transactionId']}", headers=headers_).get_json()
    assert executed["accountNumber"] == world.creditor_other


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"counterpartyAccountNumber": ""}, "MESSAGE_BAI561_0060"),
        ({"counterpartyAccountNumber": "NL" + "1" * 33}, "MESSAGE_BAI561_0061"),
        ({"counterpartyAccountNumber": "NL91 ABNA 0417 1643 00"}, "MESSAGE_BAI561_0062"),
        ({"counterpartyAccountNumber": "NL91ABNA0417164301"}, "MESSAGE_BAI561_0018"),
        ({"initiatingpartyAccountNumber": "NL91ABNA0417164301"}, "MESSAGE_BAI561_0017"),
        ({"initiatingpartyAccountNumber": OUTSIDE_IBAN}, "MESSAGE_BAI561_0017"),
        ({"counterpartyAccountNumber": "__creditor__"}, "MESSAGE_BAI561_0019"),
        ({"counterpartyName": ""}, "MESSAGE_BAI561_0071"),
        ({"counterpartyName": "J" * 71}, "MESSAGE_BAI561_0070"),
        ({"counterpartyName": "Jansen & Zn; <b>"}, "MESSAGE_BAI561_0023"),
        ({"amount": None}, "MESSAGE_BAI561_0063"),
        ({"amount": "149.99"}, "MESSAGE_BAI561_0064"),
        ({"amount": Decimal("1.001")}, "MESSAGE_BAI561_0064"),
        ({"amount": Decimal("0")}, "MESSAGE_BAI561_0024"),
        ({"amount": Decimal("-5.00")}, "MESSAGE_BAI561_0024"),
        ({"currency": "USD"}, "MESSAGE_BAI561_0043"),
        ({"remittanceInfo": "x" * 141}, "MESSAGE_BAI561_0072"),
        ({"remittanceInfo": "Factuur #12"}, "MESSAGE_BAI561_0022"),
        ({"structuredRemittanceInfo": {"issuer": "XXX", "reference": "1"}}, "MESSAGE_BAI561_0065"),
        ({"requestedExecutionDate": "30-01-2026"}, "MESSAGE_BAI561_0066"),
        ({"colour": "blue"}, "MESSAGE_BAI561_0066"),
    ],
)
def test_abn_amros_validation_errors_name_the_field_and_store_nothing(client, world, fields, code):
    fields = {k: (world.creditor if v == "__creditor__" else v) for k, v in fields.items()}
    if "structuredRemittanceInfo" in fields:
        fields["remittanceInfo"] = None

    response = register(client, world, **fields)

    assert_bank_error(response, 400, code)
    assert client.get("/sandbox/payments").get_json()["payments"] == []


def test_an_execution_date_more_than_364_days_ahead_is_out_of_range(client, world):
    response = register(client, world, requestedExecutionDate="2027-01-06")

    assert_bank_error(response, 403, "MESSAGE_DAO375_0004")


def test_a_body_that_is_not_json_is_an_invalid_request_body(client, world):
    token = client_credentials(client, world)
    response = client.post(
        "/v1/payments", headers={**headers(world, token), "Content-Type": "application/json"}, data="{amount: 1"
    )

    assert_bank_error(response, 400, "MESSAGE_BAI561_0066")


def test_registering_needs_a_client_credentials_token_with_the_write_scope(client, world):
    user_token = consent_token(client, world, iban=world.creditor, scope="psd2:payment:batchsdd:write")
    batch_scope_cc = client_credentials(client, world, scope="psd2:payment:batchsdd:write")

    with_user = client.post("/v1/payments", headers=headers(world, user_token), json={})
    with_other_scope = client.post("/v1/payments", headers=headers(world, batch_scope_cc), json={})
    without_key = client.post("/v1/payments", headers={"Authorization": f"Bearer {batch_scope_cc}"}, json={})

    assert_bank_error(with_user, 403, "MESSAGE_BAI561_0048")
    assert_bank_error(with_other_scope, 403, "MESSAGE_BAI561_0046")
    assert_bank_error(without_key, 401, "ERR_2001_001")


def test_the_whole_journey_books_both_sides_and_reports_executed(client, bank, world):
    transaction_id = body_of(register(client, world))["transactionId"]
    consented = _consented(client, world, transaction_id)

    info = client.get("/v1/consentinfo", headers=consented).get_json()
    assert info["transactionId"] == transaction_id and info["iban"] == world.creditor
    authorized = client.get(f"/v1/payments/{transaction_id}", headers=consented).get_json()
    assert authorized["status"] == "AUTHORIZED"

    executed = client.put(f"/v1/payments/{transaction_id}", headers={**consented, "Content-Length": "0"})

    assert executed.status_code == 200
    assert executed.get_json()["status"] == "EXECUTED"
    # The holder's access token (2 h) has run out by now: the sandbox shows the status.
    assert client.get("/sandbox/payments").get_json()["payments"][0]["status"] == "EXECUTED"
    assert balance(bank, world.creditor) == 100_000 - 14_999
    assert balance(bank, world.rich) == 50_000 + 14_999
    paid, received = bookings(client, world.creditor)[0], bookings(client, world.rich)[0]
    assert paid["amount"] == Decimal("-149.99") and paid["mutationCode"] == "658"
    assert paid["descriptionLines"][:2] == ["SEPA Overboeking", f"IBAN: {world.rich}"]
    assert "Omschrijving: Factuur 2026-0001" in paid["descriptionLines"]
    assert received["amount"] == Decimal("149.99") and received["counterPartyAccountNumber"] == world.creditor
    assert client.get("/sandbox/ledger").get_json()["inconsistentAccounts"] == []


def test_a_structured_reference_appears_as_kenmerk(client, world):
    transaction_id = body_of(
        register(
            client,
            world,
            remittanceInfo=None,
            structuredRemittanceInfo={"issuer": "CUR", "reference": "5000056789012345"},
        )
    )["transactionId"]
    client.put(f"/v1/payments/{transaction_id}", headers=_consented(client, world, transaction_id))

    assert "Kenmerk: 5000056789012345" in bookings(client, world.rich)[0]["descriptionLines"]


def test_executing_twice_is_refused_and_books_once(client, bank, world):
    transaction_id = body_of(register(client, world))["transactionId"]
    consented = _consented(client, world, transaction_id)
    client.put(f"/v1/payments/{transaction_id}", headers=consented)

    again = client.put(f"/v1/payments/{transaction_id}", headers=consented)

    assert_bank_error(again, 400, "MESSAGE_BAI561_0068")
    assert balance(bank, world.rich) == 50_000 + 14_999


def test_a_token_for_another_payment_cannot_touch_this_one(client, world):
    first = body_of(register(client, world))["transactionId"]
    second = body_of(register(client, world))["transactionId"]
    consented_first = _consented(client, world, first)

    response = client.put(f"/v1/payments/{second}", headers=consented_first)

    assert_bank_error(response, 400, "MESSAGE_BAI561_0067")


def test_reading_the_status_needs_the_read_scope_and_executing_the_write_scope(client, world):
    transaction_id = body_of(register(client, world))["transactionId"]
    write_only = headers(
        world,
        consent_token(
            client, world, iban=world.creditor, scope="psd2:payment:sepa:write", transaction_id=transaction_id
        ),
    )

    response = client.get(f"/v1/payments/{transaction_id}", headers=write_only)

    assert_bank_error(response, 403, "MESSAGE_BAI561_0046")
    cc = headers(world, client_credentials(client, world))
    assert_bank_error(client.put(f"/v1/payments/{transaction_id}", headers=cc), 403, "MESSAGE_BAI561_0048")


def test_without_funds_the_payment_is_rejected_and_nothing_is_booked(client, bank, world):
    transaction_id = body_of(
        register(
            client,
            world,
            initiatingpartyAccountNumber=None,
            counterpartyAccountNumber=world.creditor,
            counterpartyName="Bakkerij De Vries",
        )
    )["transactionId"]
    poor_user = bank.bank.create_user(customer_id=bank.bank.account(world.poor).customer_id, name="P. de Boer")
    assert poor_user.id
    consented = _consented(client, world, transaction_id, iban=world.poor)

    response = client.put(f"/v1/payments/{transaction_id}", headers=consented)

    assert response.get_json()["status"] == "REJECTED"
    assert balance(bank, world.poor) == 500
    assert len(bookings(client, world.poor)) == 1


def test_a_future_date_is_scheduled_booked_on_that_date_and_then_executed(client, bank, world, clock):
    transaction_id = body_of(register(client, world, requestedExecutionDate="2026-01-09"))["transactionId"]
    consented = _consented(client, world, transaction_id)

    scheduled = client.put(f"/v1/payments/{transaction_id}", headers=consented).get_json()

    assert scheduled["status"] == "SCHEDULED"
    clock.advance_to("2026-01-09T03:59:00+01:00")
    assert balance(bank, world.rich) == 50_000
    clock.advance(dt.timedelta(minutes=2))
    assert balance(bank, world.rich) == 50_000 + 14_999
    assert bookings(client, world.rich)[0]["bookDate"] == "2026-01-09"
    # The holder's access token (2 h) has run out by now: the sandbox shows the status.
    assert client.get("/sandbox/payments").get_json()["payments"][0]["status"] == "EXECUTED"


def test_a_date_without_clearing_is_booked_on_the_first_bookdate_after_it(client, bank, world, clock):
    # Good Friday 3 April 2026 and Easter Monday 6 April have no TARGET2: the first bookdate is Tuesday 7 April.
    transaction_id = body_of(register(client, world, requestedExecutionDate="2026-04-03"))["transactionId"]
    client.put(f"/v1/payments/{transaction_id}", headers=_consented(client, world, transaction_id))

    clock.advance_to("2026-04-06T23:00:00+02:00")
    assert balance(bank, world.rich) == 50_000
    clock.advance_to("2026-04-07T05:00:00+02:00")
    assert balance(bank, world.rich) == 50_000 + 14_999


def test_a_scheduled_payment_can_be_deleted_and_then_never_books(client, bank, world, clock):
    transaction_id = body_of(register(client, world, requestedExecutionDate="2026-01-09"))["transactionId"]
    consented = _consented(client, world, transaction_id)
    client.put(f"/v1/payments/{transaction_id}", headers=consented)

    deleted = client.delete(f"/v1/payments/{transaction_id}", headers=consented)

    assert deleted.status_code == 204 and deleted.get_data() == b""
    assert_bank_error(client.get(f"/v1/payments/{transaction_id}", headers=consented), 404, "MESSAGE_BAI561_0030")
    clock.advance(dt.timedelta(days=7))
    assert balance(bank, world.rich) == 50_000


def test_only_a_scheduled_payment_can_be_deleted(client, world):
    transaction_id = body_of(register(client, world))["transactionId"]
    consented = _consented(client, world, transaction_id)
    client.put(f"/v1/payments/{transaction_id}", headers=consented)

    response = client.delete(f"/v1/payments/{transaction_id}", headers=consented)

    assert_bank_error(response, 400, "MESSAGE_BAI561_0068")


def test_on_a_weekend_a_payment_to_another_bank_waits_in_progress_for_the_next_bookdate(client, bank, world, clock):
    clock.advance_to("2026-01-10T11:00:00+01:00")  # a Saturday
    outside = body_of(register(client, world, counterpartyAccountNumber=OUTSIDE_IBAN))["transactionId"]
    inside = body_of(register(client, world))["transactionId"]

    held = client.put(f"/v1/payments/{outside}", headers=_consented(client, world, outside)).get_json()
    booked = client.put(f"/v1/payments/{inside}", headers=_consented(client, world, inside)).get_json()

    assert held["status"] == "INPROGRESS"
    assert booked["status"] == "EXECUTED"  # within the bank no clearing is needed
    assert balance(bank, world.creditor) == 100_000 - 14_999
    clock.advance_to("2026-01-12T05:00:00+01:00")
    assert balance(bank, world.creditor) == 100_000 - 2 * 14_999


def test_a_payment_consent_needs_the_transaction_id_of_a_stored_payment_of_the_client(client, world, bank):
    other = bank.consents.register_client(name="Another TPP", redirect_uris=["https://localhost/auth"])
    foreign_id = body_of(register(client, world))["transactionId"]

    def authorize(client_id, transaction_id):
        query = {
            "scope": PAYMENT_SCOPE,
            "client_id": client_id,
            "response_type": "code",
            "redirect_uri": "https://localhost/auth",
            "state": "s",
        }
        if transaction_id:
            query["transactionId"] = transaction_id
        return client.get("/as/authorization.oauth2", query_string=query).headers["Location"]

    assert "error=invalid_request" in authorize(world.client_id, None)
    assert "error=invalid_request" in authorize(world.client_id, "0000X0000000000S0XX")
    assert "error=invalid_request" in authorize(other.client_id, foreign_id)
    assert "/inloggen?req=" in authorize(world.client_id, foreign_id)


def test_cancelling_the_consent_rejects_the_payment(client, world):
    transaction_id = body_of(register(client, world))["transactionId"]
    client.post("/sandbox/decisions", json={"clientId": world.client_id, "decision": "refuse", "error": "server_error"})
    client.get(
        "/as/authorization.oauth2",
        query_string={
            "scope": PAYMENT_SCOPE,
            "client_id": world.client_id,
            "response_type": "code",
            "redirect_uri": "https://localhost/auth",
            "transactionId": transaction_id,
        },
    )

    (payment,) = client.get("/sandbox/payments").get_json()["payments"]
    assert payment["status"] == "REJECTED"


def test_the_consent_screen_shows_the_payment_and_the_holder_may_pay_from_another_account(client, world):
    from tests.oauth.helpers import Browser
    from tests.oauth.helpers import redirect_params

    transaction_id = body_of(register(client, world))["transactionId"]
    browser = Browser(client)
    browser.get(
        "/as/authorization.oauth2?"
        + "&".join(
            f"{k}={v}"
            for k, v in {
                "scope": PAYMENT_SCOPE.replace(" ", "+"),
                "client_id": world.client_id,
                "response_type": "code",
                "redirect_uri": "https://localhost/auth",
                "transactionId": transaction_id,
                "state": "s",
            }.items()
        )
    )
    browser.follow()
    browser.click("login-edentifier")
    means = next(m for m in world.user.login_means if m.kind == "edentifier")
    browser.submit(
        "form-edentifier",
        {
            "account_number": means.account_number,
            "card_number": means.card_number,
            "response_code": means.response_code,
        },
    )

    assert "consent-payment" in browser.page_ids()
    assert "€ 149,99" in browser.html and "J. Jansen" in browser.html and "Factuur 2026-0001" in browser.html
    assert browser.form("form-consent")["fields"]["account"] == world.creditor  # the proposed account comes first
    answer = browser.submit("form-consent", {"account": world.creditor_other, "decision": "approve"})

    code = redirect_params(answer)["code"]
    assert code
    (payment,) = client.get("/sandbox/payments").get_json()["payments"]
    assert (payment["status"], payment["accountNumber"]) == ("AUTHORIZED", world.creditor_other)
