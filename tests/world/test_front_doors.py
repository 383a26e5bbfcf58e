"""The same world through both front doors: in-process routing and a live server on a local port."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import requests

import client_sdk
from scenarios.world import World


def test_the_seed_builds_the_same_world_through_either_door(world, bank_sandbox):
    summary = bank_sandbox.seed_summary()
    reference = World(seed=42)
    try:
        expected = reference.bank_backend.last_seed_summary
    finally:
        reference.close()
    assert summary["seed"] == 42
    assert [a["iban"] for a in summary["accounts"]] == [a["iban"] for a in expected["accounts"]]
    assert [c["name"] for c in summary["customers"]] == [c["name"] for c in expected["customers"]]


@pytest.mark.mockbank(seed=7)
def test_the_marker_seed_is_the_world_seed(world, bank_sandbox):
    assert world.seed == 7
    assert bank_sandbox.seed_summary()["seed"] == 7


def _minted_client(world, abnamro_client, bank_sandbox, iban, **kwargs):
    """The registered SDK client holding a minted token for ``iban``."""
    scopes = [
        "psd2:account:details:read",
        "psd2:account:balance:read",
        "psd2:account:transaction:read",
        "psd2:account:funds:read",
    ]
    minted = bank_sandbox.mint_token(client_id=abnamro_client.client_id, iban=iban, scopes=scopes)
    return world.abnamro_client(
        client_id=abnamro_client.client_id,
        api_key=abnamro_client.api_key,
        client_secret=abnamro_client.client_secret,
        tokens=minted,
        session=abnamro_client.session,
        **kwargs,
    )


def test_every_account_endpoint_answers_through_either_door(world, abnamro_client, bank_sandbox, account):
    iban = account["iban"]
    client = _minted_client(world, abnamro_client, bank_sandbox, iban)

    info = client.consent_info()
    assert info.iban == iban

    details = client.account_details(iban)
    assert details.account_number == iban
    assert details.currency == "EUR"

    sandbox_account = bank_sandbox.account(iban)
    assert client.balance(iban).amount == Decimal(sandbox_account["balance"])

    pages = list(client.transaction_pages(iban))
    assert len(pages) > 1, "the seeded account should need more than one page"
    assert all(len(page.transactions) == 50 for page in pages[:-1])
    seen = [t for page in pages for t in page.transactions]
    assert len(seen) == sandbox_account["bookings"]
    newest = bank_sandbox.bookings(iban, limit=1)[0]
    assert seen[0].description_lines == tuple(newest["descriptionLines"])

    assert client.funds(iban, "0.01").available is True
    assert client.funds(iban, Decimal(sandbox_account["balance"]) * 1000).available is False


def test_advancing_the_clock_expires_the_access_token(world, abnamro_client, bank_sandbox, account):
    iban = account["iban"]
    client = _minted_client(world, abnamro_client, bank_sandbox, iban, auto_refresh=False)
    expired_token = client.tokens.access_token
    assert client.consent_info().iban == iban

    world.advance(hours=2, seconds=1)

    with pytest.raises(client_sdk.AuthenticationError) as caught:
        client.consent_info()
    assert caught.value.status == 401
    assert caught.value.token_expired

    fresh = client.refresh()
    assert fresh.access_token != expired_token
    assert client.consent_info().iban == iban


def test_advancing_through_the_sandbox_moves_the_world_clock(world, bank_sandbox):
    before = world.now()
    answer = bank_sandbox.advance(working_days=1)
    assert dt.datetime.fromisoformat(answer["now"]) == world.now() > before


def test_an_unknown_host_raises_connection_error(world):
    with pytest.raises(requests.ConnectionError):
        requests.get("https://api.example.com/v1/anything", timeout=5)


def test_an_unknown_path_on_a_bank_host_is_the_banks_own_404(world):
    response = requests.get(world.urls.bank_api + "/v1/nowhere", timeout=5)
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "ERR_4001_001"
    assert response.headers["Trace-Id"]


def test_the_app_decides_on_methods_it_does_not_allow(world):
    response = requests.put(world.urls.bank_api + "/sandbox/clock", json={}, timeout=5)
    assert response.status_code in (404, 405)
    assert response.json()["errors"][0]["status"] == response.status_code


def test_the_token_url_is_served_by_the_bank(world):
    response = requests.post(world.urls.bank_token, data={"grant_type": "authorization_code"}, timeout=5)
    assert response.status_code in (400, 401)
    assert "error" in response.json()


def test_the_well_known_document_lists_every_host(world):
    document = world.describe()
    assert document["bank"]["api"] == world.urls.bank_api
    assert document["bank"]["token"] == world.urls.bank_token
    assert document["bank"]["sandbox"] == world.urls.bank_api + "/sandbox"
    assert set(document["portal"]) == {"eaccountingApi", "eaccounting", "portal", "kvk", "sandbox", "outbox"}
    assert document["clock"] == {"now": world.now().isoformat(), "mode": "frozen"}
    clock = requests.get(document["bank"]["sandbox"] + "/clock", timeout=5).json()
    assert clock["now"] == document["clock"]["now"]
