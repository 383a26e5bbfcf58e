"""Malformed requests of issue 13 ("Bad input"): each is a 4xx in the API's own envelope, and nothing is stored."""

from __future__ import annotations

import hashlib
import hmac
import re
from urllib.parse import urlencode

import pytest
from sqlalchemy import update
from werkzeug.routing import IntegerConverter

from consent_server import create_app as create_portal
from mockbank import create_app as create_bank
from mockbank import models
from tests.bank.helpers import Tpp
from tests.bank.helpers import make_firm
from tests.bank.helpers import mint

from .envelopes import bank_error
from .envelopes import in_envelope
from .envelopes import oauth_error
from .envelopes import portal_error

JSON = {"Content-Type": "application/json"}
TOO_LARGE_IDS = [2**63, 10**20]
LARGEST_ID = 2**63 - 1


def _int_rules(app):
    """Every route of ``app`` with an integer path id, as (rule, method)."""
    for rule in app.url_map.iter_rules():
        if any(isinstance(conv, IntegerConverter) for conv in rule._converters.values()):
            method = sorted(rule.methods - {"HEAD", "OPTIONS"})[0]
            yield rule, method


def _path(rule, id_value) -> str:
    """The rule's path with ``id_value`` for every integer id and ``x`` for any other part."""
    return re.sub(
        r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>", lambda m: str(id_value) if m.group(1) == "int" else "x", rule.rule
    )


def _is_api(app_name: str, path: str) -> bool:
    prefixes = ("/v1", "/sandbox", "/as/") if app_name == "bank" else ("/v2", "/sandbox", "/api/", "/bank/")
    return path.startswith(prefixes)


# --- integers of 64 bits and more ---------------------------------------------------------------------


@pytest.mark.parametrize("app_name", ["bank", "portal"])
@pytest.mark.parametrize("id_value", TOO_LARGE_IDS, ids=["2^63", "10^20"])
def test_a_path_id_past_64_bits_is_a_404_on_every_route_never_a_database_error(make_app, app_name, id_value):
    app = make_app(app_name)
    client = app.test_client()
    rules = list(_int_rules(app))
    assert rules, "no route with an integer id: the test would prove nothing"
    for rule, method in rules:
        path = _path(rule, id_value)
        response = client.open(
            path, method=method, headers={"Accept": "application/json"} if _is_api(app_name, path) else {}
        )
        assert response.status_code == 404 or (response.status_code == 400 and b"CSRF" in response.data), (
            path,
            response.status_code,
        )
        if _is_api(app_name, path):
            in_envelope(app_name, path, response)


def test_the_largest_64_bit_id_still_reaches_the_view(client):
    # The bound is 2^63 - 1, not lower: that id is looked up and simply not there.
    assert bank_error(client.delete(f"/sandbox/faults/{LARGEST_ID}"), 404)["code"] == "SANDBOX_404"
    assert bank_error(client.post(f"/sandbox/login-means/{LARGEST_ID}/unblock"), 404)["code"] == "SANDBOX_404"


def test_the_portal_billing_filter_takes_only_plain_numbers_that_fit(portal_app):
    client = portal_app.test_client()
    for value in ["99999999999999999999999", "²", "1" * 5000, "-1"]:
        response = client.get("/sandbox/billing", query_string={"administrationId": value})
        assert portal_error(response, 400)["ErrorCode"] == 4000, value
    assert client.get("/sandbox/billing", query_string={"administrationId": "7"}).get_json() == {"lines": []}


# --- NUL, which PostgreSQL cannot even compare --------------------------------------------------------


def test_nul_in_a_bank_url_header_or_form_is_a_400_in_the_bank_s_envelopes(storage_url, clock):
    app = create_bank({"TESTING": True, "DATABASE_URL": storage_url}, clock=clock)
    try:
        client = app.test_client()
        tpp = app.extensions["mockbank"].consents.register_client(name="NUL BV", redirect_uris=["https://localhost/a"])
        assert bank_error(client.get("/sandbox/accounts/NL%00/bookings"), 400)["code"] == "SANDBOX_400"
        assert bank_error(client.get("/sandbox/consents?clientId=%00"), 400)["code"] == "SANDBOX_400"
        assert bank_error(client.get("/sandbox/jobs?status=a%00"), 400)
        headers = {"API-Key": tpp.api_key + "\x00", "Authorization": "Bearer x"}
        assert bank_error(client.get("/v1/consentinfo", headers=headers), 400)["code"] == "ERR_1100_004"
        form = {"grant_type": "refresh_token", "client_id": tpp.client_id, "refresh_token": "x\x00"}
        assert oauth_error(client.post("/as/token.oauth2", data=form), 400)["error"] == "invalid_request"
        assert oauth_error(client.post("/as/revoke_token.oauth2", data={"token": "\x00", "client_id": "x"}), 400)
        # The screens answer a page, not a server error.
        assert client.get("/inloggen?req=%00").status_code == 400
        assert client.get("/toestemming/%00").status_code == 400
        assert client.get("/sandbox/ledger").get_json() == {"inconsistentAccounts": []}
    finally:
        app.extensions["mockbank"].close()


def test_nul_in_a_portal_url_or_header_is_a_400_in_the_portal_s_envelope(storage_url, clock):
    app = create_portal({"TESTING": True, "DATABASE_URL": storage_url}, clock=clock)
    try:
        client = app.test_client()
        token = client.post("/sandbox/administrations", json={"companyName": "Nul BV"}).get_json()["accessToken"]
        bearer = {"Authorization": f"Bearer {token}"}
        assert portal_error(client.get("/sandbox/outbox?to=%00"), 400)
        assert portal_error(client.get("/sandbox/timeline?serial=%00"), 400)
        assert portal_error(client.get("/v2/bankaccounts/%00", headers=bearer), 400)
        assert portal_error(client.get("/v2/bankaccounts", headers={"Authorization": "Bearer \x00"}), 400)
        assert portal_error(client.get("/api/v2/zoeken?kvkNummer=%00"), 400)
        assert client.get("/v2/bankaccounts", headers=bearer).status_code == 200
    finally:
        app.extensions["consent_server"].close()


# --- amounts ----------------------------------------------------------------------------------------------


ABSURD_AMOUNTS = ["1e30", "-1e30", "1e999999999", "1e-999999999", "92233720368547758.07", "1000000000000", 10**20]


@pytest.mark.parametrize("amount", ABSURD_AMOUNTS, ids=str)
def test_an_absurd_amount_is_refused_and_nothing_is_booked(bank, client, amount):
    firm = make_firm(bank.bank)
    attempts = [
        ("/sandbox/transfers", {"debtorIban": firm.iban, "creditorIban": firm.other_iban, "amount": amount}),
        (
            "/sandbox/transfers",
            {**{"debtorIban": firm.iban, "creditorIban": firm.other_iban}, "amount": amount, "allowOverdraft": True},
        ),
        ("/sandbox/bookings", {"iban": firm.iban, "amount": amount}),
        ("/sandbox/accounts", {"customerId": firm.customer_id, "balance": amount}),
        ("/sandbox/accounts", {"customerId": firm.customer_id, "creditLimit": amount}),
    ]
    accounts_before = len(bank.bank.accounts_of_customer(firm.customer_id))
    for path, body in attempts:
        assert bank_error(client.post(path, json=body), 400)["code"] == "SANDBOX_400", (path, body)
    assert len(bank.bank.accounts_of_customer(firm.customer_id)) == accounts_before
    assert [b["amount"] for b in client.get(f"/sandbox/accounts/{firm.iban}/bookings").get_json()["bookings"]] == [1000]
    assert client.get("/sandbox/ledger").get_json() == {"inconsistentAccounts": []}


def test_the_largest_amount_is_booked_and_a_balance_stops_short_of_64_bits(bank, client):
    firm = make_firm(bank.bank)
    booked = client.post("/sandbox/bookings", json={"iban": firm.iban, "amount": "999999999999.99"})
    assert booked.status_code == 201, booked.get_data(as_text=True)
    # A balance at its bound: one more cent would leave the range, and nothing is booked.
    with bank.db.transaction() as session:
        session.execute(update(models.Account).where(models.Account.iban == firm.iban).values(balance_cents=10**17))
    refused = client.post("/sandbox/bookings", json={"iban": firm.iban, "amount": "0.01"})
    assert "balance" in bank_error(refused, 400)["message"]
    assert bank.bank.account(firm.iban).balance_cents == 10**17
    assert len(client.get(f"/sandbox/accounts/{firm.iban}/bookings").get_json()["bookings"]) == 2


def test_an_absurd_funds_amount_on_v1_is_abn_amros_bad_parameter(bank, client):
    firm = make_firm(bank.bank)
    registered = bank.consents.register_client(name="Funds BV", redirect_uris=["https://localhost/auth"])
    tpp = Tpp(registered.client_id, registered.api_key)
    token = mint(bank, tpp, firm.iban, "psd2:account:funds:read")
    headers = {"API-Key": tpp.api_key, "Authorization": f"Bearer {token}"}
    for amount in ["1e30", "1e999999999", "NaN", "-1", "0.0001"]:
        response = client.get(f"/v1/accounts/{firm.iban}/funds", query_string={"amount": amount}, headers=headers)
        assert bank_error(response, 400)["code"] == "ERR_1100_004", amount


# --- strings: lone surrogates, non-ASCII, types -----------------------------------------------------------


def test_a_transfer_with_a_lone_surrogate_is_refused_and_the_account_reads_on_everywhere(bank, client):
    firm = make_firm(bank.bank)
    registered = bank.consents.register_client(name="Reader BV", redirect_uris=["https://localhost/auth"])
    tpp = Tpp(registered.client_id, registered.api_key)
    headers = {"API-Key": tpp.api_key, "Authorization": f"Bearer {mint(bank, tpp, firm.iban)}"}
    body = (
        f'{{"debtorIban": "{firm.iban}", "creditorIban": "{firm.other_iban}", "amount": "0.01", '
        '"description": "caf\\udc00", "reference": "x\\ud800"}'
    ).encode()
    assert bank_error(client.post("/sandbox/transfers", data=body, headers=JSON), 400)["code"] == "SANDBOX_400"
    for iban in (firm.iban, firm.other_iban):
        assert client.get(f"/sandbox/accounts/{iban}/bookings").status_code == 200
    page = client.get(f"/v1/accounts/{firm.iban}/transactions", headers=headers)
    assert page.status_code == 200
    assert len(page.get_json()["transactions"]) == 1
    assert client.get("/sandbox/ledger").get_json() == {"inconsistentAccounts": []}


@pytest.mark.parametrize("scopes", [[1, 2], [None], [["psd2:account:balance:read"]], [{"a": 1}]], ids=str)
def test_scopes_that_are_not_strings_are_a_sandbox_400_and_mint_nothing(bank, client, scopes):
    firm = make_firm(bank.bank)
    registered = bank.consents.register_client(name="Scopes BV", redirect_uris=["https://localhost/auth"])
    response = client.post(
        "/sandbox/tokens", json={"clientId": registered.client_id, "iban": firm.iban, "scopes": scopes}
    )
    assert bank_error(response, 400)["code"] == "SANDBOX_400"
    assert client.get("/sandbox/consents").get_json() == {"consents": []}


AUTHORIZATION_VALUES = ["é", '"', "\\", "ü\u2028", "\U0001f600"]


@pytest.mark.parametrize("parameter", ["response_type", "redirect_uri", "scope", "bank", "state", "client_id", "flow"])
@pytest.mark.parametrize("value", AUTHORIZATION_VALUES, ids=ascii)
def test_non_ascii_in_an_authorization_parameter_is_an_oauth_error_not_a_server_error(bank, client, parameter, value):
    registered = bank.consents.register_client(name="Unicode BV", redirect_uris=["https://localhost/auth"])
    params = {
        "client_id": registered.client_id,
        "response_type": "code",
        "redirect_uri": "https://localhost/auth",
        "scope": "psd2:account:balance:read",
        "state": "s",
        parameter: value,
    }
    response = client.get("/as/authorization.oauth2?" + urlencode(params))
    assert response.status_code in (302, 400), response.status_code
    if response.status_code == 302:
        location = response.headers["Location"]
        # Either an error sent back to the client's registered URI, or on to the login screens.
        assert location.startswith("https://localhost/auth?error=") or "/inloggen?req=" in location, location
    else:
        assert response.mimetype == "text/html"


@pytest.mark.parametrize("scope", ["é", '"', "psd2:account:balance:read \\"], ids=ascii)
def test_non_ascii_scope_at_the_token_endpoint_is_invalid_scope(bank, client, scope):
    registered = bank.consents.register_client(name="Token BV", redirect_uris=["https://localhost/auth"])
    form = {"grant_type": "client_credentials", "client_id": registered.client_id, "scope": scope}
    assert oauth_error(client.post("/as/token.oauth2", data=form), 400)["error"] == "invalid_scope"


# --- the portal's bank callback ------------------------------------------------------------------------------


CALLBACK_SECRET = "callback-secret"


@pytest.fixture
def callback_portal(portal_app):
    client = portal_app.test_client()
    configured = client.post(
        "/sandbox/bank-client", json={"clientId": "TPP", "apiKey": "key", "callbackSecret": CALLBACK_SECRET}
    )
    assert configured.status_code == 200
    return client


def _signed(body: bytes) -> dict:
    digest = hmac.new(CALLBACK_SECRET.encode(), body, hashlib.sha256).hexdigest()
    return {"X-Mockbank-Signature": f"sha256={digest}", **JSON}


@pytest.mark.parametrize("signature", ["sha256=é", "sha256=" + "ü" * 64, "ö"], ids=ascii)
def test_a_non_ascii_callback_signature_is_refused_as_a_bad_signature(callback_portal, signature):
    body = b'{"serialNumber": "1234567", "accounts": [{"iban": "NL02ABNA0123456789", "code": "c"}]}'
    response = callback_portal.post("/bank/registraties", data=body, headers={"X-Mockbank-Signature": signature})
    assert portal_error(response, 401)["Reason"] == "bad_signature"


@pytest.mark.parametrize(
    "body",
    [
        b'{"serialNumber": "12\\u0000", "accounts": [{"iban": "NL02ABNA0123456789", "code": "c"}]}',
        b'{"serialNumber": "12\\ud800", "accounts": [{"iban": "NL02ABNA0123456789", "code": "c"}]}',
        b'{"serialNumber": 99999999999999999999999, "accounts": [{"iban": "x", "code": "c"}]}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"serialNumber": NaN, "accounts": []}',
    ],
    ids=["nul", "lone-surrogate", "huge-integer", "deep", "nan"],
)
def test_a_signed_callback_with_an_unstorable_body_is_a_bad_request(callback_portal, body):
    response = callback_portal.post("/bank/registraties", data=body, headers=_signed(body))
    assert portal_error(response, 400)["Reason"] == "bad_request"
    assert callback_portal.get("/sandbox/registrations").get_json() == {"registrations": []}
