"""The bank's sandbox API (docs/contracts.md): every call, its validation errors, and failures changing nothing."""

from __future__ import annotations

import datetime as dt

import pytest

from mockbank import create_app
from mockbank.services.bank import Bank

from .helpers import OUTSIDE_IBAN
from .helpers import Api
from .helpers import assert_bank_error
from .helpers import body_of
from .test_ledger import snapshot


def sandbox_error(response, status: int = 400, code: str = "SANDBOX_400") -> str:
    """The envelope of a refused sandbox call; returns its message."""
    return assert_bank_error(response, status, code)["message"]


@pytest.fixture
def world(client):
    """A business customer with a funded account, made through the sandbox API only."""
    customer = client.post(
        "/sandbox/customers",
        json={"kind": "business", "name": "Jansen Installatie B.V.", "tradeName": "Jansen", "kvkNumber": "69599084"},
    ).get_json()
    funded = client.post("/sandbox/accounts", json={"customerId": customer["id"], "balance": "250.00"}).get_json()
    empty = client.post("/sandbox/accounts", json={"customerId": customer["id"]}).get_json()
    return {"customer": customer, "funded": funded["iban"], "empty": empty["iban"]}


# --- customers and users ----------------------------------------------------------------------------


def test_customers_are_created_and_listed(client):
    response = client.post(
        "/sandbox/customers",
        json={"kind": "business", "name": "Jansen Installatie B.V.", "tradeName": "Jansen", "kvkNumber": "69599084"},
    )

    assert response.status_code == 201
    assert response.headers["Trace-Id"]
    created = response.get_json()
    assert created == {
        "id": created["id"],
        "kind": "business",
        "name": "Jansen Installatie B.V.",
        "tradeName": "Jansen",
        "kvkNumber": "69599084",
        "accounts": [],
        "users": [],
    }
    retail = client.post("/sandbox/customers", json={"name": "Piet Pietersen"}).get_json()
    assert retail["kind"] == "retail" and retail["kvkNumber"] is None
    listed = client.get("/sandbox/customers").get_json()["customers"]
    assert [c["name"] for c in listed] == ["Jansen Installatie B.V.", "Piet Pietersen"]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": ""},
        {"name": 5},
        {"kind": "company", "name": "X"},
        {"kind": "business", "name": "X"},
        {"kind": "business", "name": "X", "kvkNumber": "1234567"},
        {"kind": "business", "name": "X", "kvkNumber": "1234567a"},
        {"kind": "business", "name": "X", "kvkNumber": 12345678},
        {"kind": "business", "name": "X", "kvkNumber": "12345678", "tradeName": 5},
    ],
)
def test_a_bad_customer_is_refused_and_nothing_is_made(client, body):
    sandbox_error(client.post("/sandbox/customers", json=body))

    assert client.get("/sandbox/customers").get_json() == {"customers": []}


def test_the_body_must_be_a_json_object(client):
    message = sandbox_error(client.post("/sandbox/customers", data="{not json", content_type="application/json"))
    assert "JSON" in message
    message = sandbox_error(client.post("/sandbox/customers", json=["Piet"]))
    assert "object" in message


def test_users_get_login_means_with_their_secrets(client, world):
    response = client.post(
        "/sandbox/users",
        json={
            "customerId": world["customer"]["id"],
            "name": "Anna Jansen",
            "email": "anna@jansen.nl",
            "loginMeans": ["edentifier", "app", "access_online"],
        },
    )

    assert response.status_code == 201
    user = response.get_json()
    kinds = {m["kind"]: m for m in user["loginMeans"]}
    assert set(kinds) == {"edentifier", "app", "access_online"}
    assert kinds["edentifier"]["accountNumber"] == world["funded"]  # the customer's first account
    assert len(kinds["edentifier"]["responseCode"]) == 8 and kinds["edentifier"]["cardNumber"]
    assert kinds["access_online"]["userId"].startswith("AO")
    assert kinds["app"]["device"]
    assert client.get("/sandbox/users").get_json()["users"] == [user]
    customer = client.get("/sandbox/customers").get_json()["customers"][0]
    assert customer["users"] == [user["id"]]


def test_a_user_made_before_the_first_account_gets_it_on_the_edentifier(client):
    customer = client.post("/sandbox/customers", json={"name": "Piet"}).get_json()
    client.post("/sandbox/users", json={"customerId": customer["id"], "name": "Piet", "loginMeans": ["edentifier"]})

    account = client.post("/sandbox/accounts", json={"customerId": customer["id"]}).get_json()

    means = client.get("/sandbox/users").get_json()["users"][0]["loginMeans"][0]
    assert means["accountNumber"] == account["iban"]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"name": "X"}, 400, "SANDBOX_400"),
        ({"customerId": "1", "name": "X"}, 400, "SANDBOX_400"),
        ({"customerId": True, "name": "X"}, 400, "SANDBOX_400"),
        ({"customerId": 999, "name": "X"}, 404, "SANDBOX_404"),
        ({"customerId": 1, "name": "X", "loginMeans": "app"}, 400, "SANDBOX_400"),
        ({"customerId": 1, "name": "X", "loginMeans": ["app", "telepathy"]}, 400, "SANDBOX_400"),
        ({"customerId": 1, "name": "X", "email": 5}, 400, "SANDBOX_400"),
    ],
)
def test_a_bad_user_is_refused_and_nothing_is_made(client, world, body, status, code):
    sandbox_error(client.post("/sandbox/users", json=body), status, code)

    assert client.get("/sandbox/users").get_json() == {"users": []}


def test_access_online_is_for_business_customers_only(client):
    person = client.post("/sandbox/customers", json={"name": "Piet"}).get_json()

    response = client.post(
        "/sandbox/users", json={"customerId": person["id"], "name": "Piet", "loginMeans": ["access_online"]}
    )

    assert "business" in sandbox_error(response)
    assert client.get("/sandbox/users").get_json() == {"users": []}


# --- accounts, transfers, bookings ------------------------------------------------------------------


def test_accounts_open_with_an_opening_deposit(client, world):
    account = client.get(f"/sandbox/accounts/{world['funded']}").get_json()

    assert account == {
        "iban": world["funded"],
        "customerId": world["customer"]["id"],
        "product": "current",
        "currency": "EUR",
        "holderName": "Jansen",
        "hasOwnIban": True,
        "balance": "250.00",
        "bookings": 1,
    }
    assert client.get(f"/sandbox/accounts/{world['empty']}").get_json()["balance"] == "0.00"


def test_an_account_with_a_chosen_iban_and_product(client, world):
    response = client.post(
        "/sandbox/accounts",
        json={
            "customerId": world["customer"]["id"],
            "product": "savings",
            "hasOwnIban": False,
            "iban": "nl12 abna 9999 8765 23",
            "currency": "usd",
            "holderName": "E.P.G. Doe",
            "creditLimit": "100.00",
        },
    )

    assert response.status_code == 201
    account = response.get_json()
    assert account["iban"] == "NL12ABNA9999876523"
    assert (account["product"], account["hasOwnIban"], account["currency"]) == ("savings", False, "USD")
    assert account["holderName"] == "E.P.G. Doe"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"balance": 10.5}, 400, "SANDBOX_400"),
        ({"balance": 0.0}, 400, "SANDBOX_400"),
        ({"balance": "ten"}, 400, "SANDBOX_400"),
        ({"balance": "1.001"}, 400, "SANDBOX_400"),
        ({"creditLimit": 100.0}, 400, "SANDBOX_400"),
        ({"creditLimit": "-1.00"}, 400, "SANDBOX_400"),
        ({"product": "crypto"}, 400, "SANDBOX_400"),
        ({"product": "current", "hasOwnIban": False}, 400, "SANDBOX_400"),
        ({"hasOwnIban": "no"}, 400, "SANDBOX_400"),
        ({"currency": "EURO"}, 400, "SANDBOX_400"),
        ({"currency": 978}, 400, "SANDBOX_400"),
        ({"iban": "NL00ABNA0000000000"}, 400, "SANDBOX_400"),
        ({"iban": 5}, 400, "SANDBOX_400"),
        ({"iban": "EXISTING"}, 400, "SANDBOX_400"),
        ({"holderName": 5}, 400, "SANDBOX_400"),
        ({"customerId": 999}, 404, "SANDBOX_404"),
        ({"customerId": None}, 400, "SANDBOX_400"),
    ],
)
def test_a_bad_account_is_refused_and_nothing_is_made(client, bank, world, body, status, code):
    body = {"customerId": world["customer"]["id"], **body}
    if body.get("iban") == "EXISTING":
        body["iban"] = world["funded"]
    before = snapshot(bank.bank)

    sandbox_error(client.post("/sandbox/accounts", json=body), status, code)

    assert snapshot(bank.bank) == before


def test_an_unknown_account_is_not_found(client):
    sandbox_error(client.get(f"/sandbox/accounts/{OUTSIDE_IBAN}"), 404, "SANDBOX_404")
    sandbox_error(client.get(f"/sandbox/accounts/{OUTSIDE_IBAN}/bookings"), 404, "SANDBOX_404")


def test_a_transfer_books_both_sides_and_answers_the_bookings(client, world):
    response = client.post(
        "/sandbox/transfers",
        json={
            "debtorIban": world["funded"],
            "creditorIban": world["empty"],
            "amount": "0.01",
            "description": "Eurocent-tip",
            "reference": "TIP-1",
        },
    )

    assert response.status_code == 201
    debit, credit = body_of(response)["bookings"]
    assert (debit["iban"], str(debit["amount"]), str(debit["balanceAfterMutation"])) == (
        world["funded"],
        "-0.01",
        "249.99",
    )
    assert (credit["iban"], str(credit["amount"])) == (world["empty"], "0.01")
    assert "Omschrijving: Eurocent-tip" in credit["descriptionLines"]
    assert client.get(f"/sandbox/accounts/{world['empty']}").get_json()["balance"] == "0.01"


def test_a_transfer_to_another_bank_and_an_overdraft_on_request(client, world):
    response = client.post(
        "/sandbox/transfers",
        json={"debtorIban": world["funded"], "creditorIban": OUTSIDE_IBAN, "amount": "300", "allowOverdraft": True},
    )

    assert response.status_code == 201
    assert [b["iban"] for b in response.get_json()["bookings"]] == [world["funded"]]
    assert client.get(f"/sandbox/accounts/{world['funded']}").get_json()["balance"] == "-50.00"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": 0.01}, 400, "SANDBOX_400"),
        ({"amount": "0.001"}, 400, "SANDBOX_400"),
        ({"amount": "0"}, 400, "SANDBOX_400"),
        ({"amount": "-1.00"}, 400, "SANDBOX_400"),
        ({"amount": None}, 400, "SANDBOX_400"),
        ({"amount": "250.01"}, 422, "SANDBOX_422"),
        ({"debtorIban": None}, 400, "SANDBOX_400"),
        ({"creditorIban": "NL00ABNA0000000000"}, 400, "SANDBOX_400"),
        ({"debtorIban": OUTSIDE_IBAN, "creditorIban": "NL91ABNA0417164300"}, 404, "SANDBOX_404"),
        ({"description": ["a"]}, 400, "SANDBOX_400"),
        ({"allowOverdraft": "yes"}, 400, "SANDBOX_400"),
    ],
)
def test_a_refused_transfer_changes_nothing(client, bank, world, body, status, code):
    request = {"debtorIban": world["funded"], "creditorIban": world["empty"], "amount": "1.00", **body}
    request = {k: v for k, v in request.items() if v is not None}
    before = snapshot(bank.bank)

    sandbox_error(client.post("/sandbox/transfers", json=request), status, code)

    assert snapshot(bank.bank) == before


def test_a_booking_against_the_outside_world(client, world):
    response = client.post(
        "/sandbox/bookings",
        json={
            "iban": world["funded"],
            "amount": "-12.50",
            "mutationCode": "247",
            "descriptionLines": ["SEPA Incasso algemeen doorlopend", "Incassant: NL91ZZZ110231360000"],
            "counterPartyAccountNumber": "NL91ABNA0417164300",
            "counterPartyName": "High Five Health Promotion B.V.",
        },
    )

    assert response.status_code == 201
    booking = body_of(response)
    assert booking["iban"] == world["funded"]
    assert (booking["mutationCode"], str(booking["amount"]), str(booking["balanceAfterMutation"])) == (
        "247",
        "-12.50",
        "237.50",
    )
    assert booking["counterPartyName"] == "High Five Health Promoti"
    newest = client.get(f"/sandbox/accounts/{world['funded']}/bookings?limit=1").get_json()["bookings"]
    assert [b["transactionId"] for b in newest] == [booking["transactionId"]]


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"amount": "--5"}, 400, "SANDBOX_400"),
        ({"amount": "-0"}, 400, "SANDBOX_400"),
        ({"amount": -5.0}, 400, "SANDBOX_400"),
        ({"amount": "-12.505"}, 400, "SANDBOX_400"),
        ({"descriptionLines": "SEPA"}, 400, "SANDBOX_400"),
        ({"descriptionLines": ["ok", 5]}, 400, "SANDBOX_400"),
        ({"mutationCode": ["247"]}, 400, "SANDBOX_400"),
        ({"counterPartyName": 5}, 400, "SANDBOX_400"),
        ({"iban": None}, 400, "SANDBOX_400"),
        ({"iban": OUTSIDE_IBAN}, 404, "SANDBOX_404"),
        ({"amount": "-250.01", "allowOverdraft": False}, 422, "SANDBOX_422"),
    ],
)
def test_a_refused_booking_changes_nothing(client, bank, world, body, status, code):
    request = {"iban": world["funded"], "amount": "-1.00", **body}
    request = {k: v for k, v in request.items() if v is not None}
    before = snapshot(bank.bank)

    sandbox_error(client.post("/sandbox/bookings", json=request), status, code)

    assert snapshot(bank.bank) == before


def test_bookings_list_newest_first_with_a_limit(client, world):
    for amount in ("-1.00", "-2.00", "-3.00"):
        client.post("/sandbox/bookings", json={"iban": world["funded"], "amount": amount})

    listed = client.get(f"/sandbox/accounts/{world['funded']}/bookings?limit=2").get_json()

    assert [b["amount"] for b in listed["bookings"]] == [-3, -2]
    assert len(client.get(f"/sandbox/accounts/{world['funded']}/bookings").get_json()["bookings"]) == 4
    sandbox_error(client.get(f"/sandbox/accounts/{world['funded']}/bookings?limit=many"))


def test_the_ledger_check_is_empty(client, world):
    client.post(
        "/sandbox/transfers", json={"debtorIban": world["funded"], "creditorIban": world["empty"], "amount": "5"}
    )

    assert client.get("/sandbox/ledger").get_json() == {"inconsistentAccounts": []}


# --- clients, tokens, consents ---------------------------------------------------------------------


def test_clients_register_with_credentials_and_are_listed(client):
    response = client.post(
        "/sandbox/clients",
        json={"name": "Visma eAccounting", "clientId": "TPP_test", "apiKey": "X1QTWZre0fnW72l263yrhAWB2FDwx3tg"},
    )

    assert response.status_code == 201
    registered = response.get_json()
    assert registered["clientId"] == "TPP_test"
    assert registered["apiKey"] == "X1QTWZre0fnW72l263yrhAWB2FDwx3tg"
    assert registered["clientSecret"] and registered["redirectUris"] == ["https://localhost/auth"]
    public = client.post("/sandbox/clients", json={"name": "SPA", "public": True}).get_json()
    assert public["clientSecret"] is None and public["clientId"].startswith("TPP_")
    assert [c["clientId"] for c in client.get("/sandbox/clients").get_json()["clients"]] == [
        "TPP_test",
        public["clientId"],
    ]


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"name": "X", "redirectUris": "https://localhost/auth"},
        {"name": "X", "redirectUris": ["ftp://localhost/auth"]},
        {"name": "X", "redirectUris": [""]},
        {"name": "X", "clientId": 5},
        {"name": "X", "public": "false"},
        {"name": "X", "clientId": "TAKEN"},
        {"name": "X", "apiKey": "TAKEN-KEY"},
    ],
)
def test_a_bad_client_is_refused_and_nothing_is_registered(client, body):
    client.post("/sandbox/clients", json={"name": "First", "clientId": "TAKEN", "apiKey": "TAKEN-KEY"})

    sandbox_error(client.post("/sandbox/clients", json=body))

    assert [c["clientId"] for c in client.get("/sandbox/clients").get_json()["clients"]] == ["TAKEN"]


def test_a_minted_token_works_on_the_account_api(client, world):
    tpp = client.post("/sandbox/clients", json={"name": "TPP"}).get_json()

    response = client.post(
        "/sandbox/tokens",
        json={"clientId": tpp["clientId"], "iban": world["funded"], "scopes": ["psd2:account:balance:read"]},
    )

    assert response.status_code == 201
    token = response.get_json()
    assert set(token) == {"access_token", "refresh_token", "token_type", "expires_in", "scope", "consentId"}
    assert (token["token_type"], token["expires_in"], token["scope"]) == ("Bearer", 7200, "psd2:account:balance:read")
    api = Api(client=client, api_key=tpp["apiKey"], token=token["access_token"])
    assert str(body_of(api.get(f"/v1/accounts/{world['funded']}/balances"))["amount"]) == "250"
    consents = client.get("/sandbox/consents").get_json()["consents"]
    assert [(c["id"], c["iban"], c["status"]) for c in consents] == [(token["consentId"], world["funded"], "valid")]
    assert [e["status"] for e in consents[0]["events"]] == ["received", "valid"]
    assert client.get(f"/sandbox/consents?clientId={tpp['clientId']}").get_json()["consents"] == consents
    assert client.get("/sandbox/consents?clientId=nobody").get_json()["consents"] == []


def test_minted_tokens_default_to_the_three_read_scopes(client, world):
    tpp = client.post("/sandbox/clients", json={"name": "TPP"}).get_json()

    token = client.post("/sandbox/tokens", json={"clientId": tpp["clientId"], "iban": world["funded"]}).get_json()

    assert token["scope"] == "psd2:account:details:read psd2:account:balance:read psd2:account:transaction:read"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"clientId": "nobody"}, 404, "SANDBOX_404"),
        ({"iban": OUTSIDE_IBAN}, 404, "SANDBOX_404"),
        ({"iban": None}, 400, "SANDBOX_400"),
        ({"scopes": "psd2:account:everything"}, 400, "SANDBOX_400"),
        ({"scopes": "psd2:account:balance:read psd2:payment:sepa:write"}, 400, "SANDBOX_400"),
        ({"scopes": ""}, 400, "SANDBOX_400"),
        ({"scopes": 5}, 400, "SANDBOX_400"),
    ],
)
def test_a_refused_token_makes_no_consent(client, world, body, status, code):
    tpp = client.post("/sandbox/clients", json={"name": "TPP"}).get_json()
    request = {"clientId": tpp["clientId"], "iban": world["funded"], **body}
    request = {k: v for k, v in request.items() if v is not None}

    sandbox_error(client.post("/sandbox/tokens", json=request), status, code)

    assert client.get("/sandbox/consents").get_json() == {"consents": []}
    assert client.get("/sandbox/jobs").get_json() == {"jobs": []}


# --- time and jobs ---------------------------------------------------------------------------------


def test_the_clock_reads_and_advances_in_every_unit(client):
    assert client.get("/sandbox/clock").get_json() == {
        "now": "2026-01-05T08:00:00+00:00",
        "mode": "frozen",
        "today": "2026-01-05",
    }

    after = client.post("/sandbox/clock/advance", json={"days": 1, "hours": 2, "minutes": 3, "seconds": 4}).get_json()
    assert after["now"] == "2026-01-06T10:03:04+00:00"
    after = client.post("/sandbox/clock/advance", json={"workingDays": 5}).get_json()
    assert after["now"] == "2026-01-13T10:03:04+00:00"
    after = client.post("/sandbox/clock/advance", json={"to": "2026-04-24T12:00:00+02:00"}).get_json()
    assert after["today"] == "2026-04-24"
    after = client.post("/sandbox/clock/advance", json={"workingDays": 1, "calendar": "target2"}).get_json()
    assert after["today"] == "2026-04-27"  # Koningsdag settles in TARGET2
    assert client.get("/sandbox/clock").get_json() == after


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"days": 0},
        {"days": -1},
        {"days": "1"},
        {"days": True},
        {"days": 10**9},
        {"days": 1e300},
        {"workingDays": -1},
        {"workingDays": 1.5},
        {"workingDays": 1, "calendar": "bankdagen"},
        {"workingDays": 1, "calendar": ["target2"]},
        {"to": "2026-01-04T09:00:00+01:00"},
        {"to": "next monday"},
        {"to": 1767600000},
    ],
)
def test_a_bad_advance_is_refused_and_the_clock_stays(client, body):
    before = client.get("/sandbox/clock").get_json()

    sandbox_error(client.post("/sandbox/clock/advance", json=body))

    assert client.get("/sandbox/clock").get_json() == before


def test_jobs_are_listed_and_run_when_the_clock_passes_them(client, world):
    tpp = client.post("/sandbox/clients", json={"name": "TPP"}).get_json()
    client.post("/sandbox/tokens", json={"clientId": tpp["clientId"], "iban": world["funded"]})

    jobs = client.get("/sandbox/jobs").get_json()["jobs"]
    assert [(j["kind"], j["status"], j["dueAt"]) for j in jobs] == [
        ("consent.expire", "pending", "2026-04-05T08:00:00+00:00")
    ]
    assert set(jobs[0]) == {"id", "kind", "dueAt", "status", "payload", "attempts", "lastError"}

    client.post("/sandbox/clock/advance", json={"days": 90})

    assert [j["status"] for j in client.get("/sandbox/jobs").get_json()["jobs"]] == ["done"]
    assert client.get("/sandbox/jobs?status=pending").get_json() == {"jobs": []}
    assert client.get("/sandbox/consents").get_json()["consents"][0]["status"] == "expired"


# --- reset and seed --------------------------------------------------------------------------------


def test_reset_empties_the_bank_and_keeps_the_time(client, world):
    client.post("/sandbox/clock/advance", json={"days": 2})

    response = client.post("/sandbox/reset")

    assert response.status_code == 200
    assert response.get_json() == {"reset": True, "clock": client.get("/sandbox/clock").get_json()}
    assert response.get_json()["clock"]["today"] == "2026-01-07"
    assert client.get("/sandbox/customers").get_json() == {"customers": []}
    assert client.get("/sandbox/clients").get_json() == {"clients": []}
    sandbox_error(client.get(f"/sandbox/accounts/{world['funded']}"), 404, "SANDBOX_404")


def test_seed_summary_before_any_seed_is_not_found(client):
    sandbox_error(client.get("/sandbox/seed"), 404, "SANDBOX_404")


@pytest.mark.parametrize("seed", ["42", 4.2, True, None])
def test_a_bad_seed_is_refused_and_the_world_stays(client, world, seed):
    sandbox_error(client.post("/sandbox/seed", json={"seed": seed}))

    assert [c["name"] for c in client.get("/sandbox/customers").get_json()["customers"]] == ["Jansen Installatie B.V."]


def test_seeding_builds_a_consistent_world_and_keeps_the_time(client, world):
    client.post("/sandbox/clock/advance", json={"hours": 1})
    clock_before = client.get("/sandbox/clock").get_json()

    response = client.post("/sandbox/seed", json={"seed": 7})

    assert response.status_code == 201
    summary = response.get_json()
    assert summary["seed"] == 7
    assert summary["customers"] and summary["accounts"] and summary["users"] and summary["clients"]
    assert client.get("/sandbox/seed").get_json() == summary
    assert world["customer"]["name"] not in [
        c["name"] for c in client.get("/sandbox/customers").get_json()["customers"]
    ]
    assert client.get("/sandbox/ledger").get_json() == {"inconsistentAccounts": []}
    assert client.get("/sandbox/clock").get_json() == clock_before


# --- the envelope ----------------------------------------------------------------------------------


def test_unknown_sandbox_paths_and_methods_answer_in_the_envelope(client):
    assert_bank_error(client.get("/sandbox/nothing"), 404, "ERR_4001_001")
    assert_bank_error(client.delete("/sandbox/clock"), 404, "ERR_4001_001")


def test_an_unexpected_failure_is_a_technical_error_in_the_envelope(clock, monkeypatch):
    app = create_app({}, clock=clock)  # not TESTING: errors are answered, not raised into the test
    try:

        def broken(self):
            raise RuntimeError("the database went away")

        monkeypatch.setattr(Bank, "ledger_check", broken)
        app.logger.disabled = True

        response = app.test_client().get("/sandbox/ledger")

        error = assert_bank_error(response, 500, "MESSAGE_BAI560_0005")
        assert error["category"] == "BACKEND_ERROR"
    finally:
        app.extensions["mockbank"].close()


def test_an_advance_by_a_day_moves_bookings_to_the_next_book_date(client, world):
    client.post("/sandbox/clock/advance", json={"days": 1})

    booking = client.post("/sandbox/bookings", json={"iban": world["funded"], "amount": "-1.00"}).get_json()

    assert booking["bookDate"] == (dt.date(2026, 1, 6)).isoformat()
