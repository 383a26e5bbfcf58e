"""A generic OAuth 2 client (Authlib's ``OAuth2Session``) runs the whole authorization-code flow against a live
``mockbank serve`` (a subprocess, hosts under their prefixes) with nothing but HTTP and the decision queue."""

from __future__ import annotations

import pytest
import requests
from authlib.integrations.requests_client import OAuth2Session

from scenarios import start_server_process

REDIRECT_URI = "https://localhost/auth"


@pytest.fixture(scope="module")
def served():
    """``mockbank serve --seed 42 --memory`` on a free port, and its ``/.well-known/mockbank`` document."""
    with start_server_process(seed=42, clock_mode="frozen") as server:
        yield server.well_known()


def test_discovery_decision_code_token_account_refresh_revoke(served):
    sandbox = served["bank"]["sandbox"]
    summary = requests.get(sandbox + "/seed", timeout=10).json()
    tpp, iban = summary["clients"][0], summary["accounts"][0]["iban"]
    metadata = requests.get(served["bank"]["auth"] + "/.well-known/oauth-authorization-server", timeout=10).json()
    assert metadata["token_endpoint"] == served["bank"]["token"]
    queued = requests.post(
        sandbox + "/decisions", json={"clientId": tpp["clientId"], "decision": "approve", "iban": iban}, timeout=10
    )
    assert queued.status_code == 201

    oauth = OAuth2Session(
        tpp["clientId"],
        tpp["clientSecret"],
        redirect_uri=REDIRECT_URI,
        scope="psd2:account:details:read psd2:account:transaction:read",
        code_challenge_method="S256",
    )
    verifier = "v" * 64
    url, state = oauth.create_authorization_url(
        metadata["authorization_endpoint"], code_verifier=verifier, bank="NLAA01", flow="code"
    )
    back = requests.get(url, allow_redirects=False, timeout=10)
    assert back.status_code == 302 and back.headers["Location"].startswith(REDIRECT_URI + "?code=")
    token = oauth.fetch_token(
        metadata["token_endpoint"], authorization_response=back.headers["Location"], code_verifier=verifier
    )
    assert (token["token_type"], token["expires_in"]) == ("Bearer", 7200)

    api, headers = served["bank"]["api"], {"API-Key": tpp["apiKey"]}
    assert oauth.get(api + "/v1/consentinfo", headers=headers, timeout=10).json()["iban"] == iban
    page = oauth.get(f"{api}/v1/accounts/{iban}/transactions", headers=headers, timeout=10).json()
    assert len(page["transactions"]) == 50 and page["nextPageKey"]

    renewed = oauth.refresh_token(metadata["token_endpoint"])
    assert renewed["refresh_token"] != token["refresh_token"]
    oauth.revoke_token(metadata["revocation_endpoint"], renewed["refresh_token"], token_type_hint="refresh_token")
    assert oauth.get(api + "/v1/consentinfo", headers=headers, timeout=10).status_code == 401
    statuses = [c["status"] for c in requests.get(sandbox + "/consents", timeout=10).json()["consents"]]
    assert statuses == ["terminatedByTpp"]
