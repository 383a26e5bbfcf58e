"""Refresh token grant: rotation (the used refresh token dies), scope narrowing, and the consent's end."""

from __future__ import annotations

import datetime as dt

from .helpers import exchange
from .helpers import get_code


def _tokens(browser, client, world):
    return exchange(client, get_code(browser, world), world["client"].client_id).get_json()


def _refresh(client, world, refresh_token, **extra):
    data = {"grant_type": "refresh_token", "client_id": world["client"].client_id, "refresh_token": refresh_token}
    data.update(extra)
    return client.post("/as/token.oauth2", data=data)


def _consentinfo(client, world, access_token):
    return client.get(
        "/v1/consentinfo", headers={"API-Key": world["client"].api_key, "Authorization": f"Bearer {access_token}"}
    )


def test_a_refresh_gives_a_new_access_token_and_a_new_refresh_token(browser, client, world):
    first = _tokens(browser, client, world)

    response = _refresh(client, world, first["refresh_token"])

    assert response.status_code == 200
    second = response.get_json()
    assert second["access_token"] != first["access_token"]
    assert second["refresh_token"] and second["refresh_token"] != first["refresh_token"]
    assert second["expires_in"] == 7200
    assert second["scope"] == first["scope"]
    assert _consentinfo(client, world, second["access_token"]).get_json()["iban"] == world["current"].iban


def test_the_used_refresh_token_dies(browser, client, world):
    first = _tokens(browser, client, world)
    second = _refresh(client, world, first["refresh_token"]).get_json()

    again = _refresh(client, world, first["refresh_token"])

    assert again.status_code == 400
    assert again.get_json()["error"] == "invalid_grant"
    # The replay revoked the whole family (tests/oauth/test_token_families.py): the successor died too.
    assert _refresh(client, world, second["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_a_refresh_may_narrow_the_scope_but_not_widen_it(browser, client, world):
    first = _tokens(browser, client, world)

    wider = _refresh(client, world, first["refresh_token"], scope="psd2:account:funds:read")
    assert wider.get_json()["error"] == "invalid_scope"

    narrower = _refresh(client, world, first["refresh_token"], scope="psd2:account:balance:read")
    assert narrower.status_code == 200
    assert narrower.get_json()["scope"] == "psd2:account:balance:read"


def test_an_access_token_expires_after_two_simulated_hours_and_a_refresh_renews_it(browser, client, world, clock):
    first = _tokens(browser, client, world)
    clock.advance(dt.timedelta(hours=2))

    expired = _consentinfo(client, world, first["access_token"])
    assert expired.status_code == 401
    assert expired.get_json()["errors"][0]["code"] == "ERR_2002_002"

    second = _refresh(client, world, first["refresh_token"]).get_json()
    assert _consentinfo(client, world, second["access_token"]).status_code == 200


def test_after_90_days_the_consent_expires_and_nothing_works_any_more(browser, client, world, clock, bank):
    first = _tokens(browser, client, world)
    clock.advance(dt.timedelta(days=89, hours=23))
    second = _refresh(client, world, first["refresh_token"]).get_json()
    assert _consentinfo(client, world, second["access_token"]).status_code == 200

    clock.advance(dt.timedelta(hours=1))

    assert _consentinfo(client, world, second["access_token"]).status_code == 401
    assert _refresh(client, world, second["refresh_token"]).get_json()["error"] == "invalid_grant"
    (consent,) = bank.consents.consents(client_id=world["client"].client_id)
    assert [e.status for e in consent.events] == ["received", "valid", "expired"]
    assert consent.events[-1].at == consent.valid_until


def test_a_refresh_token_of_another_client_is_refused(browser, client, world, bank):
    other = bank.consents.register_client(name="Ander BV", redirect_uris=["https://localhost/auth"])
    first = _tokens(browser, client, world)

    response = client.post(
        "/as/token.oauth2",
        data={"grant_type": "refresh_token", "client_id": other.client_id, "refresh_token": first["refresh_token"]},
    )

    assert response.get_json()["error"] == "invalid_grant"
