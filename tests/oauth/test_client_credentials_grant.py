"""Client credentials grant: for payment registration only, no refresh token."""

from __future__ import annotations

import pytest


def _cc(client, client_id, scope, **extra):
    data = {"grant_type": "client_credentials", "client_id": client_id, "scope": scope}
    data.update(extra)
    return client.post("/as/token.oauth2", data=data)


def test_client_credentials_with_a_payment_write_scope_give_a_token_without_refresh_token(client, world):
    response = _cc(client, world["client"].client_id, "psd2:payment:sepa:write")

    assert response.status_code == 200
    token = response.get_json()
    assert token["token_type"] == "Bearer"
    assert token["expires_in"] == 7200
    assert token["scope"] == "psd2:payment:sepa:write"
    assert "refresh_token" not in token
    assert response.headers["Cache-Control"] == "no-store"


def test_basic_authentication_with_the_secret_works_too(client, world):
    response = client.post(
        "/as/token.oauth2",
        data={"grant_type": "client_credentials", "scope": "psd2:payment:batchsdd:write"},
        auth=(world["client"].client_id, world["client"].client_secret),
    )

    assert response.status_code == 200


@pytest.mark.parametrize(
    "scope",
    ["psd2:account:balance:read", "psd2:payment:sepa:read", "psd2:payment:sepa:write psd2:payment:sepa:read", ""],
)
def test_other_scopes_are_refused(client, world, scope):
    response = _cc(client, world["client"].client_id, scope)

    assert response.status_code == 400
    assert response.get_json()["error"] == "invalid_scope"


def test_a_public_client_may_not_use_client_credentials(client, world):
    response = _cc(client, world["public"].client_id, "psd2:payment:sepa:write")

    assert response.status_code == 400
    assert response.get_json()["error"] == "unauthorized_client"


def test_an_unknown_client_is_invalid_client(client):
    response = _cc(client, "TPP_nobody", "psd2:payment:sepa:write")

    assert response.status_code in (400, 401)
    assert response.get_json()["error"] == "invalid_client"


def test_an_unknown_grant_type_is_unsupported(client, world):
    response = client.post("/as/token.oauth2", data={"grant_type": "password", "client_id": world["client"].client_id})

    assert response.status_code == 400
    assert response.get_json()["error"] == "unsupported_grant_type"
