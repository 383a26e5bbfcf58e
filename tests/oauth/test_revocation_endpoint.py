"""RFC 7009 revocation: an access token alone, or a refresh token which ends the consent (terminatedByTpp)."""

from __future__ import annotations

from .helpers import exchange
from .helpers import get_code


def _tokens(browser, client, world):
    return exchange(client, get_code(browser, world), world["client"].client_id).get_json()


def _revoke(client, world, token, hint=None, client_id=None):
    data = {"token": token, "client_id": client_id or world["client"].client_id}
    if hint:
        data["token_type_hint"] = hint
    return client.post("/as/revoke_token.oauth2", data=data)


def _consentinfo(client, world, access_token):
    return client.get(
        "/v1/consentinfo", headers={"API-Key": world["client"].api_key, "Authorization": f"Bearer {access_token}"}
    )


def test_revoking_the_refresh_token_terminates_the_consent_and_all_its_tokens(browser, client, world, bank):
    tokens = _tokens(browser, client, world)

    response = _revoke(client, world, tokens["refresh_token"], hint="refresh_token")

    assert response.status_code == 200
    assert _consentinfo(client, world, tokens["access_token"]).status_code == 401
    refresh = client.post(
        "/as/token.oauth2",
        data={
            "grant_type": "refresh_token",
            "client_id": world["client"].client_id,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert refresh.get_json()["error"] == "invalid_grant"
    (consent,) = bank.consents.consents(client_id=world["client"].client_id)
    assert consent.status == "terminatedByTpp"
    assert [e.status for e in consent.events] == ["received", "valid", "terminatedByTpp"]
    listed = client.get("/sandbox/consents").get_json()["consents"][0]
    assert listed["status"] == "terminatedByTpp"


def test_revoking_without_hint_finds_the_refresh_token(browser, client, world, bank):
    tokens = _tokens(browser, client, world)

    assert _revoke(client, world, tokens["refresh_token"]).status_code == 200

    assert bank.consents.consents(client_id=world["client"].client_id)[0].status == "terminatedByTpp"


def test_revoking_the_access_token_leaves_the_consent_and_the_refresh_token(browser, client, world, bank):
    tokens = _tokens(browser, client, world)

    assert _revoke(client, world, tokens["access_token"], hint="access_token").status_code == 200

    assert _consentinfo(client, world, tokens["access_token"]).status_code == 401
    assert bank.consents.consents(client_id=world["client"].client_id)[0].status == "valid"
    fresh = client.post(
        "/as/token.oauth2",
        data={
            "grant_type": "refresh_token",
            "client_id": world["client"].client_id,
            "refresh_token": tokens["refresh_token"],
        },
    ).get_json()
    assert _consentinfo(client, world, fresh["access_token"]).status_code == 200


def test_an_unknown_token_answers_200_as_rfc_7009_says(client, world):
    assert _revoke(client, world, "no-such-token").status_code == 200


def test_another_clients_token_is_not_revoked(browser, client, world, bank):
    other = bank.consents.register_client(name="Ander BV", redirect_uris=["https://localhost/auth"])
    tokens = _tokens(browser, client, world)

    response = _revoke(client, world, tokens["refresh_token"], client_id=other.client_id)

    assert response.status_code == 400
    assert bank.consents.consents(client_id=world["client"].client_id)[0].status == "valid"


def test_a_request_without_token_is_invalid(client, world):
    response = client.post("/as/revoke_token.oauth2", data={"client_id": world["client"].client_id})

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_request"


def test_an_unknown_token_type_hint_is_ignored_and_the_token_still_found(browser, client, world, bank):
    # RFC 7009 §2.1: the server searches across all its token types whatever the hint says.
    tokens = _tokens(browser, client, world)

    response = _revoke(client, world, tokens["refresh_token"], hint="id_token")

    assert response.status_code == 200
    assert bank.consents.consents(client_id=world["client"].client_id)[0].status == "terminatedByTpp"
    assert _revoke(client, world, "no-such-token", hint="saml2").status_code == 200
