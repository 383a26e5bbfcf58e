"""Authorization code grant: the whole round trip, code lifetime, single use, redirect URI and PKCE rules."""

from __future__ import annotations

import datetime as dt

from .helpers import AIS_SCOPE
from .helpers import REDIRECT_URI
from .helpers import authorize_url
from .helpers import exchange
from .helpers import get_code
from .helpers import login_with_edentifier
from .helpers import pkce_pair
from .helpers import redirect_params


def _api(client, world, token):
    return {"API-Key": world["client"].api_key, "Authorization": f"Bearer {token}"}


def test_edentifier_login_consent_and_code_exchange_give_access_to_the_chosen_account(browser, client, world):
    login_with_edentifier(browser, world, authorize_url(world["client"].client_id))
    assert browser.response.status_code == 200
    assert "Boekhouden Online BV" in browser.html
    assert "Het saldo van uw rekening bekijken" in browser.html
    assert "psd2:account" not in browser.html  # words, not scope strings
    assert "90 dagen, tot en met 5 april 2026" in browser.html
    offered = browser.form("form-consent")["radios"]
    assert offered == [world["current"].iban, world["savings_own"].iban]  # no sub-savings, no other customer's

    response = browser.submit("form-consent", {"account": world["savings_own"].iban, "decision": "approve"})

    assert response.status_code == 302
    assert response.headers["Location"].startswith(REDIRECT_URI + "?")
    params = redirect_params(response)
    assert params["state"] == "SilverAdministration-123"
    token_response = exchange(client, params["code"], world["client"].client_id)
    assert token_response.status_code == 200
    token = token_response.get_json()
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 7200
    assert token["scope"] == AIS_SCOPE
    assert token["refresh_token"]
    info = client.get("/v1/consentinfo", headers=_api(client, world, token["access_token"]))
    assert info.status_code == 200
    assert info.get_json()["iban"] == world["savings_own"].iban
    balance = client.get(
        f"/v1/accounts/{world['savings_own'].iban}/balances", headers=_api(client, world, token["access_token"])
    )
    assert balance.status_code == 200


def test_a_code_expires_after_60_simulated_seconds(browser, client, world, clock):
    code = get_code(browser, world)
    clock.advance(dt.timedelta(seconds=61))

    response = exchange(client, code, world["client"].client_id)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_a_code_is_still_good_at_59_seconds(browser, client, world, clock):
    code = get_code(browser, world)
    clock.advance(dt.timedelta(seconds=59))

    assert exchange(client, code, world["client"].client_id).status_code == 200


def test_a_replayed_code_is_refused_and_revokes_the_tokens_it_issued(browser, client, world):
    code = get_code(browser, world)
    first = exchange(client, code, world["client"].client_id).get_json()

    replay = exchange(client, code, world["client"].client_id)

    assert replay.status_code == 400
    assert replay.get_json()["error"] == "invalid_grant"
    api = client.get("/v1/consentinfo", headers=_api(client, world, first["access_token"]))
    assert api.status_code == 401
    assert api.get_json()["errors"][0]["code"] == "ERR_2002_002"
    refresh = client.post(
        "/as/token.oauth2",
        data={
            "grant_type": "refresh_token",
            "client_id": world["client"].client_id,
            "refresh_token": first["refresh_token"],
        },
    )
    assert refresh.get_json()["error"] == "invalid_grant"


def test_the_redirect_uri_of_the_exchange_must_be_the_one_of_the_request(browser, client, world):
    code = get_code(browser, world)

    response = exchange(client, code, world["client"].client_id, redirect_uri="https://localhost/other")

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_grant"


def test_a_code_of_another_client_is_refused(browser, client, world, bank):
    other = bank.consents.register_client(name="Ander BV", redirect_uris=[REDIRECT_URI])
    code = get_code(browser, world)

    response = exchange(client, code, other.client_id)

    assert response.get_json()["error"] == "invalid_grant"


def test_a_confidential_client_may_add_its_secret_but_not_a_wrong_one(browser, client, world):
    code = get_code(browser, world)
    wrong = exchange(client, code, world["client"].client_id, client_secret="not-the-secret")
    assert wrong.status_code in (400, 401)
    assert wrong.get_json()["error"] == "invalid_client"

    code = get_code(browser, world)
    right = exchange(client, code, world["client"].client_id, client_secret=world["client"].client_secret)
    assert right.status_code == 200


def test_pkce_is_honoured_for_a_confidential_client_when_sent(browser, client, world):
    verifier, challenge = pkce_pair()
    code = get_code(browser, world, code_challenge=challenge, code_challenge_method="S256")

    assert exchange(client, code, world["client"].client_id).get_json()["error"] == "invalid_request"
    code = get_code(browser, world, code_challenge=challenge, code_challenge_method="S256")
    wrong = exchange(client, code, world["client"].client_id, code_verifier=pkce_pair()[0])
    assert wrong.get_json()["error"] == "invalid_grant"
    code = get_code(browser, world, code_challenge=challenge, code_challenge_method="S256")
    assert exchange(client, code, world["client"].client_id, code_verifier=verifier).status_code == 200


def test_a_public_client_must_use_pkce(browser, client, world):
    public = world["public"]
    browser.get(authorize_url(public.client_id, redirect_uri="https://app.example/callback"))

    assert browser.response.status_code == 302
    params = redirect_params(browser.response)
    assert browser.response.headers["Location"].startswith("https://app.example/callback?")
    assert params["error"] == "invalid_request"
    assert "PKCE" in params["error_description"]


def test_a_public_client_with_pkce_gets_tokens_with_its_client_id_alone(browser, client, world):
    public = world["public"]
    verifier, challenge = pkce_pair()
    url = authorize_url(
        public.client_id,
        redirect_uri="https://app.example/callback",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    login_with_edentifier(browser, world, url)
    response = browser.submit("form-consent", {"account": world["current"].iban, "decision": "approve"})
    code = redirect_params(response)["code"]

    missing = exchange(client, code, public.client_id, redirect_uri="https://app.example/callback")
    assert missing.get_json()["error"] == "invalid_request"

    login_with_edentifier(browser, world, url)
    response = browser.submit("form-consent", {"account": world["current"].iban, "decision": "approve"})
    code = redirect_params(response)["code"]
    ok = exchange(client, code, public.client_id, redirect_uri="https://app.example/callback", code_verifier=verifier)
    assert ok.status_code == 200
    assert ok.get_json()["refresh_token"]


def test_pkce_is_s256_only_plain_and_a_challenge_without_method_are_refused(browser, client, world):
    verifier, challenge = pkce_pair()
    for client_id, redirect_uri in (
        (world["client"].client_id, REDIRECT_URI),
        (world["public"].client_id, "https://app.example/callback"),
    ):
        for method in ("plain", None, "S512"):
            browser.get(
                authorize_url(
                    client_id, redirect_uri=redirect_uri, code_challenge=verifier, code_challenge_method=method
                )
            )

            assert browser.response.status_code == 302, method
            assert browser.response.headers["Location"].startswith(redirect_uri + "?")
            params = redirect_params(browser.response)
            assert params["error"] == "invalid_request", method
            assert "S256" in params["error_description"]
            assert params["state"] == "SilverAdministration-123"
    metadata = client.get("/.well-known/oauth-authorization-server").get_json()
    assert metadata["code_challenge_methods_supported"] == ["S256"]
