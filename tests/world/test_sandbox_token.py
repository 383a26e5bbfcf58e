"""A shared host puts both sandbox APIs behind a token (``SANDBOX_TOKEN``); on a laptop they stay open.

Without the token nobody can register a redirect URI (the authorization host would be an open redirector)
or move the clock; with it the SDK, the scenarios and the pytest plugin still script the world.
"""

from __future__ import annotations

import pytest

import consent_server
from client_sdk import errors
from mockbank import create_app
from scenarios.cli import app_configs
from scenarios.cli import main
from scenarios.runner import run_scenario
from scenarios.server import start_server

TOKEN = "shared-host-sandbox-token-0123456789"
EVIL = {"name": "Evil", "redirectUris": ["https://evil.example/steal"]}


@pytest.fixture
def guarded_bank(clock):
    app = create_app({"TESTING": True, "SANDBOX_TOKEN": TOKEN}, clock=clock)
    yield app
    app.extensions["mockbank"].close()


def test_without_the_token_the_banks_sandbox_answers_401_in_its_envelope_and_stores_nothing(guarded_bank):
    http = guarded_bank.test_client()

    for headers in ({}, {"Authorization": "Bearer wrong"}, {"X-Sandbox-Token": TOKEN[:-1]}, {"Authorization": TOKEN}):
        refused = http.post("/sandbox/clients", json=EVIL, headers=headers)
        assert refused.status_code == 401, headers
        assert refused.get_json()["errors"][0]["code"] == "SANDBOX_401"
        assert refused.headers["WWW-Authenticate"].startswith("Bearer")
        assert http.post("/sandbox/clock/advance", json={"days": 1}, headers=headers).status_code == 401

    listed = http.get("/sandbox/clients", headers={"Authorization": f"Bearer {TOKEN}"})
    assert listed.status_code == 200
    assert all(c["name"] != "Evil" for c in listed.get_json()["clients"])
    # So the authorization host redirects nowhere it was not told to by the token's holder.
    page = http.get(
        "/as/authorization.oauth2",
        query_string={"client_id": "Evil", "redirect_uri": EVIL["redirectUris"][0], "response_type": "code"},
    )
    assert page.status_code == 400
    assert "Location" not in page.headers


def test_with_the_token_as_bearer_or_header_the_banks_sandbox_works(guarded_bank):
    http = guarded_bank.test_client()

    assert http.post("/sandbox/clients", json=EVIL, headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 201
    assert http.get("/sandbox/clock", headers={"X-Sandbox-Token": TOKEN}).status_code == 200
    # The rest of the bank does not ask for it.
    assert http.get("/.well-known/oauth-authorization-server").status_code == 200
    assert http.get("/inloggen").status_code == 200


def test_by_default_the_sandbox_is_open(client):
    assert client.get("/sandbox/clock").status_code == 200


def test_the_portals_sandbox_asks_for_the_token_in_its_envelope(clock):
    portal = consent_server.create_app({"TESTING": True, "SANDBOX_TOKEN": TOKEN}, clock=clock)
    try:
        http = portal.test_client()
        refused = http.post("/sandbox/administrations", json={"companyName": "Bol"})
        assert refused.status_code == 401
        assert refused.get_json()["ErrorCode"] == 4010
        assert http.get("/sandbox/administrations", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
        made = http.post("/sandbox/administrations", json={"companyName": "Bol"}, headers={"X-Sandbox-Token": TOKEN})
        assert made.status_code == 201
        assert http.get("/instellingen/kas-en-bankrekeningen").status_code == 302, "pages do not ask for it"
    finally:
        portal.extensions["consent_server"].close()


def test_mockbank_serve_reads_the_token_for_both_apps_from_the_environment():
    bank, portal = app_configs({"MOCKBANK_SANDBOX_TOKEN": TOKEN})

    assert bank["SANDBOX_TOKEN"] == portal["SANDBOX_TOKEN"] == TOKEN


@pytest.mark.mockbank(config={"SANDBOX_TOKEN": TOKEN}, front_door="server")
def test_the_plugins_sandbox_clients_carry_the_worlds_token(mockbank_world, bank_sandbox, portal_sandbox):
    assert mockbank_world.sandbox_token == TOKEN
    assert bank_sandbox.register_client(name="TPP", redirect_uris=["https://localhost/auth"])["clientId"]
    assert portal_sandbox.clock()["now"]
    stranger = mockbank_world.bank_sandbox()
    stranger.token = None
    with pytest.raises(errors.BankApiError) as refused:
        stranger.clock()
    assert refused.value.status == 401


def test_a_scenario_runs_against_a_shared_server_with_the_token_and_not_without(monkeypatch, capsys):
    with start_server(seed=None, config={"SANDBOX_TOKEN": TOKEN}) as server:
        refused = run_scenario(server.url, "kasrekening_refused", sandbox_token="not-it")
        assert not refused.passed
        assert "401" in refused.failure.message

        assert run_scenario(server.url, "kasrekening_refused", sandbox_token=TOKEN).passed
        # The command line takes the token from MOCKBANK_SANDBOX_TOKEN (or --sandbox-token).
        monkeypatch.setenv("MOCKBANK_SANDBOX_TOKEN", TOKEN)
        assert main(["scenario", "run", "kasrekening_refused", "--server", server.url, "--quiet", "--replace"]) == 0
        assert main(["scenario", "run", "kasrekening_refused", "--server", server.url, "--sandbox-token", "x"]) == 1
    # A wrong token is refused before anything is replaced: reading what the world holds already needs it.
    assert "needs its token" in capsys.readouterr().err
