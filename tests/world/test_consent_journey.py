"""The whole consent journey with the SDK on the real-looking host names (in-process) and on a server."""

from __future__ import annotations

from decimal import Decimal

import pytest

import client_sdk

AIS = ["psd2:account:details:read", "psd2:account:balance:read", "psd2:account:transaction:read"]


def test_register_authorize_exchange_read_refresh_revoke(world, abnamro_client, headless_user, bank_sandbox, account):
    if world.front_door == "inprocess":
        # The SDK's own defaults are ABN AMRO's real sandbox hosts: nothing but routing changes.
        assert abnamro_client.api_base == "https://api-sandbox.abnamro.com"
        assert abnamro_client.token_url == "https://auth-sandbox.connect.abnamro.com:8443/as/token.oauth2"
    means, iban = account["means"], account["iban"]
    verifier = client_sdk.pkce.make_verifier()

    url = abnamro_client.authorization_url(AIS, state="journey-1", code_verifier=verifier)
    result = headless_user.authorize(
        url,
        redirect_uri=abnamro_client.redirect_uri,
        account_number=means["accountNumber"],
        card_number=means["cardNumber"],
        response_code=means["responseCode"],
        choose_iban=iban,
    )
    # The login and consent pages kept their session in the user's cookies across every redirect.
    assert headless_user.session.cookies.get("abnamro_session")
    code = abnamro_client.code_from_redirect(result.url, state="journey-1")
    abnamro_client.exchange_code(code, code_verifier=verifier)

    assert abnamro_client.consent_info().iban == iban
    transactions = list(abnamro_client.transactions(iban))
    assert len(transactions) == bank_sandbox.account(iban)["bookings"] > 50
    assert abnamro_client.balance(iban).amount == Decimal(bank_sandbox.account(iban)["balance"])

    first = abnamro_client.tokens
    abnamro_client.refresh()
    assert abnamro_client.tokens.refresh_token != first.refresh_token
    with pytest.raises(client_sdk.InvalidGrantError):
        world.abnamro_client(
            client_id=abnamro_client.client_id,
            api_key=abnamro_client.api_key,
            client_secret=abnamro_client.client_secret,
            tokens=first,
        ).refresh()

    abnamro_client.revoke()
    statuses = [c["status"] for c in bank_sandbox.consents(client_id=abnamro_client.client_id)]
    assert statuses == ["terminatedByTpp"]


def test_a_cancelled_consent_sends_the_user_back_with_abn_amros_error(world, abnamro_client, headless_user, account):
    means = account["means"]
    result = headless_user.authorize(
        abnamro_client.authorization_url(AIS, state="nee"),
        redirect_uri=abnamro_client.redirect_uri,
        account_number=means["accountNumber"],
        card_number=means["cardNumber"],
        response_code=means["responseCode"],
        decision="cancel",
    )
    assert result.error == "server_error"
    assert result.state == "nee"
