"""Refresh tokens under attack: single use under concurrency, and a replayed one revokes its whole family.

RFC 9700 §4.14.2: a rotated-out refresh token presented again means it leaked; the bank then revokes every
access and refresh token descended from the same authorization. Several workers on one database
(SQLite file and PostgreSQL) must agree on which of N simultaneous refreshes won: exactly one.
"""

from __future__ import annotations

import threading

import pytest

from mockbank import create_app
from mockbank import models

from .helpers import REDIRECT_URI
from .helpers import exchange
from .helpers import get_code

PARALLEL = 10


def _refresh(client, client_id: str, refresh_token: str):
    return client.post(
        "/as/token.oauth2",
        data={"grant_type": "refresh_token", "client_id": client_id, "refresh_token": refresh_token},
    )


def _consentinfo(client, api_key: str, access_token: str) -> int:
    headers = {"API-Key": api_key, "Authorization": f"Bearer {access_token}"}
    return client.get("/v1/consentinfo", headers=headers).status_code


def _introspect(client, client_id: str, token: str) -> bool:
    answer = client.post("/as/introspect.oauth2", data={"client_id": client_id, "token": token})
    return answer.get_json()["active"]


@pytest.fixture
def two_workers(clock, storage_url):
    """Two bank apps on one database, as two server processes would be, with a client and a minted token."""
    apps = [create_app({"TESTING": True, "DATABASE_URL": storage_url}, clock=clock) for _ in range(2)]
    bank = apps[0].extensions["mockbank"].bank
    customer = bank.create_customer(kind=models.RETAIL, name="J. de Vries")
    account = bank.open_account(customer_id=customer.id, product=models.CURRENT)
    client = apps[0].extensions["mockbank"].consents.register_client(name="TPP", redirect_uris=[REDIRECT_URI])
    minted = apps[1].test_client().post("/sandbox/tokens", json={"clientId": client.client_id, "iban": account.iban})
    assert minted.status_code == 201
    yield apps, client, minted.get_json()
    for app in apps:
        app.extensions["mockbank"].close()


def test_one_refresh_token_used_by_ten_requests_at_once_succeeds_exactly_once(two_workers):
    apps, client, tokens = two_workers
    start = threading.Barrier(PARALLEL)
    answers = []
    lock = threading.Lock()

    def use_it(app):
        http = app.test_client()
        start.wait()
        answer = _refresh(http, client.client_id, tokens["refresh_token"])
        with lock:
            answers.append((answer.status_code, answer.get_json()))

    threads = [threading.Thread(target=use_it, args=(apps[i % 2],)) for i in range(PARALLEL)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    winners = [body for status, body in answers if status == 200]
    losers = [body for status, body in answers if status != 200]
    assert len(winners) == 1, [status for status, _ in answers]
    assert [(body["error"]) for body in losers] == ["invalid_grant"] * (PARALLEL - 1)
    # The losers replayed a rotated-out token: the family is revoked, the winner's tokens too.
    http = apps[0].test_client()
    assert not _introspect(http, client.client_id, winners[0]["refresh_token"])
    assert _consentinfo(http, client.api_key, winners[0]["access_token"]) == 401
    assert _refresh(http, client.client_id, winners[0]["refresh_token"]).get_json()["error"] == "invalid_grant"


def test_replaying_a_rotated_out_refresh_token_revokes_every_token_of_the_authorization(browser, client, world, bank):
    tpp = world["client"]
    first = exchange(client, get_code(browser, world), tpp.client_id).get_json()
    second = _refresh(client, tpp.client_id, first["refresh_token"]).get_json()
    third = _refresh(client, tpp.client_id, second["refresh_token"]).get_json()
    # Another authorization of the same client is another family: it must survive.
    other = exchange(client, get_code(browser, world, iban=world["savings_own"].iban), tpp.client_id).get_json()
    assert _consentinfo(client, tpp.api_key, third["access_token"]) == 200

    replay = _refresh(client, tpp.client_id, first["refresh_token"])

    assert replay.status_code == 400
    assert replay.get_json()["error"] == "invalid_grant"
    for family_member in (first, second, third):
        assert _consentinfo(client, tpp.api_key, family_member["access_token"]) == 401
    assert not _introspect(client, tpp.client_id, third["refresh_token"])
    assert _refresh(client, tpp.client_id, third["refresh_token"]).get_json()["error"] == "invalid_grant"
    assert _consentinfo(client, tpp.api_key, other["access_token"]) == 200
    assert _refresh(client, tpp.client_id, other["refresh_token"]).status_code == 200
