"""ABN AMRO's own Account Information tutorial, request by request, against the bank on a real socket.

Every request carries the headers, query and form body of the tutorial's curl commands
(developer.abnamro.com, account-information-v1/tutorials); the answers are compared with its sample
responses. Only the host differs, and the certificate options (``--cert/--key``, ``-k``): the mock
has no mutual TLS.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from urllib.parse import parse_qs
from urllib.parse import urlparse

import pytest
import requests
import simplejson
from werkzeug.serving import make_server

from mockbank import create_app
from mockbank.sim.calendar import UTC
from mockbank.sim.clock import SimClock

IBAN = "NL12ABNA9999876523"
API_KEY = "X1QTWZre0fnW72l263yrhAWB2FDwx3tg"
AUTHORIZE = (
    "/as/authorization.oauth2?scope=psd2:account:balance:read+psd2:account:transaction:read"
    "+psd2:account:details:read&client_id=TPP_test&response_type=code&flow=code"
    "&redirect_uri=https://localhost/auth&bank=NLAA01&state=SilverAdministration-123"
)
TOKEN_HEADERS = {"Cache-Control": "no-cache", "Content-Type": "application/x-www-form-urlencoded"}


def _history() -> list[dict]:
    """The tutorial's two sample transactions, then 58 card payments that bring the balance to -3.02."""
    rows = [
        {
            "booked_at": dt.datetime(2019, 2, 22, 9, 0, tzinfo=UTC),
            "amount_cents": 500_000,
            "mutation_code": "432",
            "description_lines": ["Initial cash deposit", "made at Shanghai branch", "employee: Nick. L."],
            "transaction_id": "TRXIDC000",
        },
        {
            "booked_at": dt.datetime(2019, 2, 23, 9, 0, tzinfo=UTC),
            "amount_cents": -1_500,
            "mutation_code": "333",
            "description_lines": ["Payment from Greece", "for grapes"],
            "counterparty_iban": "GR000230201201",
            "counterparty_name": "Greasy Grapes Inc",
            "transaction_id": "TRXID001",
        },
    ]
    for n in range(58):
        rows.append(
            {
                "booked_at": dt.datetime(2019, 2, 24 + n % 4, 10, n, tzinfo=UTC),
                "amount_cents": -8_602 if n == 57 else -8_600,
                "mutation_code": "426",
                "description_lines": ["BEA, Betaalpas", f"Winkel {n}"],
                "transaction_id": f"TRX{n:03d}",
            }
        )
    return sorted(rows, key=lambda row: row["booked_at"])


@pytest.fixture
def bank_url():
    """The bank served by werkzeug on a free port, with the tutorial's client and account."""
    clock = SimClock(start="2019-02-28T12:00:00+01:00")
    app = create_app({"TESTING": True}, clock=clock)
    backend = app.extensions["mockbank"]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        with requests.Session() as http:
            http.post(
                f"{base}/sandbox/clients", json={"name": "TPP Test", "clientId": "TPP_test", "apiKey": API_KEY}
            ).raise_for_status()
            customer = http.post(f"{base}/sandbox/customers", json={"name": "E.P.G. Doe"}).json()
            http.post(
                f"{base}/sandbox/accounts", json={"customerId": customer["id"], "iban": IBAN, "currency": "USD"}
            ).raise_for_status()
        backend.bank.bulk_history(backend.bank.account(IBAN).id, _history())
        yield base
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
        backend.close()


def decimal_json(response: requests.Response) -> dict:
    return simplejson.loads(response.text, use_decimal=True)


def consent(http: requests.Session, base: str, authorize: str = AUTHORIZE) -> dict:
    """Steps 1 and 2: the account holder consents (answered by the sandbox), the code becomes tokens."""
    http.post(
        f"{base}/sandbox/decisions", json={"clientId": "TPP_test", "decision": "approve", "iban": IBAN}
    ).raise_for_status()
    redirect = http.get(f"{base}{authorize}", allow_redirects=False)
    assert redirect.status_code in (302, 303)
    location = urlparse(redirect.headers["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == "https://localhost/auth"
    query = parse_qs(location.query)
    assert query["state"] == ["SilverAdministration-123"]
    code = query["code"][0]

    token = http.post(
        f"{base}/as/token.oauth2",
        headers=TOKEN_HEADERS,
        data=f"grant_type=authorization_code&client_id=TPP_test&code={code}&redirect_uri=https://localhost/auth",
    )

    assert token.status_code == 200, token.text
    return token.json()


def test_the_tutorial_from_consent_to_transactions(bank_url):
    with requests.Session() as http:
        # 2. Exchange oauth code
        tokens = consent(http, bank_url)
        assert {"access_token", "refresh_token", "token_type", "expires_in"} <= set(tokens)
        assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 7200
        bearer = {"Authorization": f"Bearer {tokens['access_token']}", "API-Key": API_KEY}

        # 3. Check Access using Consent Info
        info = http.get(
            f"{bank_url}/v1/consentinfo",
            headers={
                "Accept": "application/json",
                "API-Key": API_KEY,
                "Authorization": f"Bearer {tokens['access_token']}",
            },
        )
        assert info.status_code == 200 and info.headers["Trace-Id"]
        assert set(info.json()) == {"iban", "transactionId", "scopes", "valid"}
        assert info.json()["iban"] == IBAN and info.json()["transactionId"] is None
        assert set(info.json()["scopes"].split()) == {
            "psd2:account:balance:read",
            "psd2:account:transaction:read",
            "psd2:account:details:read",
        }
        assert isinstance(info.json()["valid"], int)

        # 4. Get details
        details = http.get(f"{bank_url}/v1/accounts/{IBAN}/details", headers=bearer)
        assert details.json() == {"accountNumber": IBAN, "currency": "USD", "accountHolderName": "E.P.G. Doe"}

        # GET balances
        balances = http.get(f"{bank_url}/v1/accounts/{IBAN}/balances", headers=bearer)
        assert decimal_json(balances) == {
            "accountNumber": IBAN,
            "balanceType": "BOOKBALANCE",
            "amount": Decimal("-3.02"),
            "currency": "USD",
        }

        # GET transactions
        page = http.get(
            f"{bank_url}/v1/accounts/{IBAN}/transactions?bookDateFrom=2019-02-22&bookDateTo=2019-02-28", headers=bearer
        )
        assert page.status_code == 200 and page.headers["Trace-Id"]
        first = decimal_json(page)
        assert set(first) == {"transactions", "accountNumber", "nextPageKey"}
        assert first["accountNumber"] == IBAN and len(first["transactions"]) == 50

        # GET transactions using next page key (the tutorial's URL lacks "/accounts"; the key is used as shown)
        rest = http.get(
            f"{bank_url}/v1/accounts/{IBAN}/transactions",
            params={"bookDateFrom": "2019-02-22", "bookDateTo": "2019-02-28", "nextPageKey": first["nextPageKey"]},
            headers=bearer,
        )
        second = decimal_json(rest)
        assert set(second) == {"transactions", "accountNumber"}
        oldest_two = second["transactions"][-2:]
        sample_fields = {
            "mutationCode",
            "descriptionLines",
            "bookDate",
            "balanceAfterMutation",
            "counterPartyAccountNumber",
            "counterPartyName",
            "amount",
            "currency",
            "transactionId",
        }
        for transaction in oldest_two:
            assert sample_fields <= set(transaction)
            assert set(transaction) - sample_fields == {"transactionTimestamp"}
        grapes, deposit = oldest_two
        assert {k: grapes[k] for k in sample_fields} == {
            "mutationCode": "333",
            "descriptionLines": ["Payment from Greece", "for grapes"],
            "bookDate": "2019-02-23",
            "balanceAfterMutation": Decimal("4985"),
            "counterPartyAccountNumber": "GR000230201201",
            "counterPartyName": "Greasy Grapes Inc",
            "amount": Decimal("-15"),
            "currency": "USD",
            "transactionId": "TRXID001",
        }
        assert (deposit["amount"], deposit["balanceAfterMutation"], deposit["counterPartyName"]) == (
            Decimal("5000"),
            Decimal("5000"),
            "",
        )
        assert deposit["descriptionLines"] == ["Initial cash deposit", "made at Shanghai branch", "employee: Nick. L."]
        all_ids = [t["transactionId"] for t in first["transactions"] + second["transactions"]]
        assert len(all_ids) == len(set(all_ids)) == 60

        # GET funds: the tutorial's token was never given the funds scope, so ABN AMRO refuses it.
        refused = http.get(f"{bank_url}/v1/accounts/{IBAN}/funds?amount=123.45&currency=EUR", headers=bearer)
        assert refused.status_code == 403
        assert refused.json()["errors"][0]["code"] == "ERR_3002_003"
        assert refused.json()["errors"][0]["traceId"] == refused.headers["Trace-Id"]


def test_the_tutorial_funds_check_with_a_funds_consent(bank_url):
    with requests.Session() as http:
        tokens = consent(
            http,
            bank_url,
            "/as/authorization.oauth2?scope=psd2:account:funds:read&client_id=TPP_test&response_type=code"
            "&flow=code&redirect_uri=https://localhost/auth&bank=NLAA01&state=SilverAdministration-123",
        )
        funds = http.get(
            f"{bank_url}/v1/accounts/{IBAN}/funds?amount=123.45&currency=EUR",
            headers={"Authorization": f"Bearer {tokens['access_token']}", "API-Key": API_KEY},
        )

    assert funds.status_code == 200
    assert decimal_json(funds) == {
        "accountNumber": IBAN,
        "amount": Decimal("123.45"),
        "currency": "EUR",
        "available": False,
    }


def test_the_tutorial_refresh_rotates_the_refresh_token(bank_url):
    with requests.Session() as http:
        tokens = consent(http, bank_url)
        body = (
            "grant_type=refresh_token&client_id=TPP_test&refresh_token="
            f"{tokens['refresh_token']}&scope=psd2:account:balance:read&psd2:account:transaction:read"
        )

        # 5. Refresh Access Token (the tutorial's body, with its stray "&" before the second scope)
        renewed = http.post(f"{bank_url}/as/token.oauth2", headers=TOKEN_HEADERS, data=body)
        headers = {"Authorization": f"Bearer {renewed.json()['access_token']}", "API-Key": API_KEY}
        balances = http.get(f"{bank_url}/v1/accounts/{IBAN}/balances", headers=headers)
        transactions = http.get(f"{bank_url}/v1/accounts/{IBAN}/transactions", headers=headers)
        # The used refresh token again: a replay, which revokes every token of the consent (RFC 9700 §4.14.2).
        again = http.post(f"{bank_url}/as/token.oauth2", headers=TOKEN_HEADERS, data=body)
        after_replay = http.get(f"{bank_url}/v1/accounts/{IBAN}/balances", headers=headers)

    assert renewed.status_code == 200
    assert {"access_token", "refresh_token", "token_type", "expires_in"} <= set(renewed.json())
    assert renewed.json()["refresh_token"] != tokens["refresh_token"]
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert balances.status_code == 200
    # Only the balance scope survived the "&": the renewed token reads no transactions.
    assert transactions.status_code == 403
    assert transactions.json()["errors"][0]["code"] == "ERR_3002_003"
    assert after_replay.status_code == 401


def test_every_answer_over_the_socket_carries_a_trace_id(bank_url):
    with requests.Session() as http:
        answers = [
            http.get(f"{bank_url}/v1/consentinfo", headers={"Accept": "application/json", "API-Key": API_KEY}),
            http.get(f"{bank_url}/v1/accounts/{IBAN}/details"),
            http.get(f"{bank_url}/v1/nothing"),
            http.get(f"{bank_url}/sandbox/clock"),
        ]

    assert [a.status_code for a in answers] == [401, 401, 404, 200]
    assert all(a.headers.get("Trace-Id") for a in answers)
    for answer in answers[:3]:
        assert answer.json()["errors"][0]["traceId"] == answer.headers["Trace-Id"]
