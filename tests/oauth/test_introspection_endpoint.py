"""RFC 7662 introspection of a client's own tokens, on the simulated clock."""

from __future__ import annotations

import datetime as dt

from .helpers import exchange
from .helpers import get_code


def _introspect(client, world, token, client_id=None):
    return client.post(
        "/as/introspect.oauth2", data={"token": token, "client_id": client_id or world["client"].client_id}
    ).get_json()


def test_an_access_token_is_active_with_its_scope_expiry_and_account(browser, client, world, clock):
    tokens = exchange(client, get_code(browser, world), world["client"].client_id).get_json()

    info = _introspect(client, world, tokens["access_token"])

    assert info["active"] is True
    assert info["client_id"] == world["client"].client_id
    assert info["scope"] == tokens["scope"]
    assert info["exp"] == int((clock.now() + dt.timedelta(hours=2)).timestamp())
    assert info["iban"] == world["current"].iban


def test_an_access_token_is_inactive_once_the_clock_passes_two_hours(browser, client, world, clock):
    tokens = exchange(client, get_code(browser, world), world["client"].client_id).get_json()
    clock.advance(dt.timedelta(hours=2, seconds=1))

    assert _introspect(client, world, tokens["access_token"]) == {"active": False}
    assert _introspect(client, world, tokens["refresh_token"])["active"] is True


def test_a_rotated_refresh_token_is_inactive(browser, client, world):
    tokens = exchange(client, get_code(browser, world), world["client"].client_id).get_json()
    client.post(
        "/as/token.oauth2",
        data={
            "grant_type": "refresh_token",
            "client_id": world["client"].client_id,
            "refresh_token": tokens["refresh_token"],
        },
    )

    assert _introspect(client, world, tokens["refresh_token"]) == {"active": False}


def test_unknown_tokens_and_other_clients_tokens_are_inactive(browser, client, world, bank):
    other = bank.consents.register_client(name="Ander BV", redirect_uris=["https://localhost/auth"])
    tokens = exchange(client, get_code(browser, world), world["client"].client_id).get_json()

    assert _introspect(client, world, "nope") == {"active": False}
    assert _introspect(client, world, tokens["access_token"], client_id=other.client_id) == {"active": False}


def test_an_unknown_token_type_hint_is_ignored(browser, client, world):
    tokens = exchange(client, get_code(browser, world), world["client"].client_id).get_json()

    for token in (tokens["access_token"], tokens["refresh_token"]):
        answer = client.post(
            "/as/introspect.oauth2",
            data={"token": token, "token_type_hint": "id_token", "client_id": world["client"].client_id},
        )
        assert answer.status_code == 200
        assert answer.get_json()["active"] is True
