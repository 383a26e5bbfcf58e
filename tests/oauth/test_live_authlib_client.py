"""A generic OAuth 2 client (Authlib's ``OAuth2Session``) with PKCE against a live server, via the decision queue."""

from __future__ import annotations

import secrets
import threading

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session
from werkzeug.serving import make_server

from mockbank import create_app

REDIRECT_URI = "https://localhost/auth"
SCOPE = "psd2:account:details:read psd2:account:balance:read psd2:account:transaction:read"


@pytest.fixture
def live_bank(clock):
    """The bank on a random local port, in a thread; yields its base URL."""
    app = create_app({"TESTING": True}, clock=clock)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()
    app.extensions["mockbank"].close()


def _setup(base: str) -> dict:
    """A customer with an account and a public client, through the sandbox API only."""
    customer = requests.post(f"{base}/sandbox/customers", json={"name": "L. Live"}, timeout=10).json()
    account = requests.post(
        f"{base}/sandbox/accounts", json={"customerId": customer["id"], "balance": "123.45"}, timeout=10
    ).json()
    client = requests.post(
        f"{base}/sandbox/clients", json={"name": "Live App", "redirectUris": [REDIRECT_URI], "public": True}, timeout=10
    ).json()
    return {"iban": account["iban"], "client": client}


def test_oauth2session_with_pkce_runs_the_whole_flow_and_reads_the_account(live_bank):
    world = _setup(live_bank)
    metadata = requests.get(f"{live_bank}/.well-known/oauth-authorization-server", timeout=10).json()
    queued = requests.post(
        f"{live_bank}/sandbox/decisions",
        json={"clientId": world["client"]["clientId"], "decision": "approve", "iban": world["iban"]},
        timeout=10,
    )
    assert queued.status_code == 201
    session = OAuth2Session(
        client_id=world["client"]["clientId"],
        redirect_uri=REDIRECT_URI,
        scope=SCOPE,
        code_challenge_method="S256",
        token_endpoint_auth_method="none",
    )
    verifier = secrets.token_urlsafe(48)
    url, state = session.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, bank="NLAA01", flow="code"
    )

    answer = requests.get(url, allow_redirects=False, timeout=10)

    assert answer.status_code == 302
    callback = answer.headers["Location"]
    assert callback.startswith(REDIRECT_URI + "?")
    token = session.fetch_token(
        metadata["token_endpoint"], authorization_response=callback, state=state, code_verifier=verifier
    )
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 7200
    assert token["refresh_token"]

    api_key = {"API-Key": world["client"]["apiKey"]}
    info = session.get(f"{live_bank}/v1/consentinfo", headers=api_key, timeout=10)
    assert info.status_code == 200
    assert info.json()["iban"] == world["iban"]
    balance = session.get(f"{live_bank}/v1/accounts/{world['iban']}/balances", headers=api_key, timeout=10)
    assert balance.json()["amount"] == 123.45  # ABN AMRO sends a JSON number

    renewed = session.refresh_token(metadata["token_endpoint"])
    assert renewed["refresh_token"] != token["refresh_token"]
    assert session.get(f"{live_bank}/v1/consentinfo", headers=api_key, timeout=10).status_code == 200

    session.revoke_token(metadata["revocation_endpoint"], renewed["refresh_token"], token_type_hint="refresh_token")
    assert session.get(f"{live_bank}/v1/consentinfo", headers=api_key, timeout=10).status_code == 401
    consents = requests.get(f"{live_bank}/sandbox/consents", timeout=10).json()["consents"]
    assert consents[0]["status"] == "terminatedByTpp"


def test_without_a_queued_decision_the_live_server_sends_the_browser_to_the_login(live_bank):
    world = _setup(live_bank)
    session = OAuth2Session(
        client_id=world["client"]["clientId"], redirect_uri=REDIRECT_URI, scope=SCOPE, code_challenge_method="S256"
    )
    url, _ = session.create_authorization_url(f"{live_bank}/as/authorization.oauth2", code_verifier="v" * 50)

    answer = requests.get(url, allow_redirects=False, timeout=10)

    assert answer.status_code == 302
    assert "/inloggen?req=" in answer.headers["Location"]
