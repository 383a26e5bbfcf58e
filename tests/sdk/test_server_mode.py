"""The same SDK code against a live ``mockbank serve`` over real sockets: only the base URLs change."""

from __future__ import annotations

from decimal import Decimal

import pytest
import requests

from client_sdk import AbnAmroClient
from client_sdk import AuthenticationError
from client_sdk import BankSandbox
from client_sdk import HeadlessUser
from scenarios.server import start_server

REDIRECT_URI = "https://localhost/auth"


@pytest.fixture(scope="module")
def server():
    """One bank server on a free port with a frozen clock."""
    with start_server(seed=None, clock_mode="frozen", start="2026-03-02T09:00") as running:
        yield running


def test_consent_journey_and_account_reads_over_http(server):
    urls = server.well_known()["bank"]
    session = requests.Session()
    sandbox = BankSandbox(base_url=urls["api"], session=session)
    sandbox.reset()
    customer = sandbox.create_customer(name="Kees Bakker")
    account = sandbox.open_account(customer_id=customer["id"], balance="12.34")
    user = sandbox.create_user(customer_id=customer["id"], name="Kees Bakker", login_means=["edentifier"])
    (edentifier,) = user["loginMeans"]
    registered = sandbox.register_client(name="Server BV", redirect_uris=[REDIRECT_URI])
    client = AbnAmroClient(
        client_id=registered["clientId"],
        api_key=registered["apiKey"],
        client_secret=registered["clientSecret"],
        api_base=urls["api"],
        auth_base=urls["auth"],
        token_url=urls["token"],
        session=session,
    )

    result = HeadlessUser(session=session).authorize(
        client.authorization_url(["psd2:account:balance:read", "psd2:account:transaction:read"], state="srv"),
        redirect_uri=REDIRECT_URI,
        account_number=edentifier["accountNumber"],
        card_number=edentifier["cardNumber"],
        response_code=edentifier["responseCode"],
    )
    client.exchange_code(client.code_from_redirect(result.url, state="srv"))

    assert client.consent_info().iban == account["iban"]
    assert client.balance(account["iban"]).amount == Decimal("12.34")
    assert [t.amount for t in client.transactions(account["iban"])] == [Decimal("12.34")]
    old = client.tokens
    client.refresh()
    assert client.tokens.refresh_token != old.refresh_token
    current = client.tokens.access_token
    assert client.balance(account["iban"]).amount == Decimal("12.34")
    client.revoke()
    # Revoking the refresh token ends the consent, so the newest access token stops working too.
    gone = AbnAmroClient(
        client_id=registered["clientId"],
        api_key=registered["apiKey"],
        api_base=urls["api"],
        tokens={"access_token": current},
    )
    with pytest.raises(AuthenticationError):
        gone.balance(account["iban"])
