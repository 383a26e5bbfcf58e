"""The decision queue: the next authorization request of a client is answered without any screen."""

from __future__ import annotations

from .helpers import REDIRECT_URI
from .helpers import authorize_url
from .helpers import exchange
from .helpers import pkce_pair
from .helpers import redirect_params


def _decide(client, **body):
    return client.post("/sandbox/decisions", json=body)


def test_an_approval_answers_the_next_request_with_a_code_for_that_iban(client, world):
    queued = _decide(client, clientId=world["client"].client_id, decision="approve", iban=world["savings_own"].iban)
    assert queued.status_code == 201

    response = client.get(authorize_url(world["client"].client_id))

    assert response.status_code == 302
    assert response.headers["Location"].startswith(REDIRECT_URI + "?")
    params = redirect_params(response)
    assert params["state"] == "SilverAdministration-123"
    token = exchange(client, params["code"], world["client"].client_id).get_json()
    info = client.get(
        "/v1/consentinfo",
        headers={"API-Key": world["client"].api_key, "Authorization": f"Bearer {token['access_token']}"},
    ).get_json()
    assert info["iban"] == world["savings_own"].iban
    assert client.get("/sandbox/decisions").get_json() == {"decisions": []}


def test_a_refusal_answers_with_its_error(client, world, bank):
    _decide(client, clientId=world["client"].client_id, decision="refuse", error="access_denied")

    params = redirect_params(client.get(authorize_url(world["client"].client_id)))

    assert params["error"] == "access_denied"
    assert bank.consents.consents(client_id=world["client"].client_id)[0].status == "rejected"


def test_a_server_error_refusal_carries_abn_amros_cancel_description(client, world):
    _decide(client, clientId=world["client"].client_id, decision="refuse", error="server_error")

    params = redirect_params(client.get(authorize_url(world["client"].client_id)))

    assert params == {
        "error": "server_error",
        "error_description": "Unexpected Runtime Authn Adapter Integration Problem.",
        "state": "SilverAdministration-123",
    }


def test_decisions_are_taken_in_order_and_only_for_their_client(client, world):
    _decide(client, clientId=world["client"].client_id, decision="refuse", error="access_denied")
    _decide(client, clientId=world["client"].client_id, decision="approve", iban=world["current"].iban)
    listed = client.get("/sandbox/decisions").get_json()["decisions"]
    assert [d["decision"] for d in listed] == ["refuse", "approve"]

    verifier, challenge = pkce_pair()
    public_url = authorize_url(
        world["public"].client_id,
        redirect_uri="https://app.example/callback",
        code_challenge=challenge,
        code_challenge_method="S256",
    )
    assert "/inloggen?req=" in client.get(public_url).headers["Location"], "another client's decision is not used"
    assert redirect_params(client.get(authorize_url(world["client"].client_id)))["error"] == "access_denied"
    assert "code" in redirect_params(client.get(authorize_url(world["client"].client_id)))
    assert "/inloggen?req=" in client.get(authorize_url(world["client"].client_id)).headers["Location"]


def test_an_invalid_request_does_not_use_up_a_decision(client, world):
    _decide(client, clientId=world["client"].client_id, decision="approve", iban=world["current"].iban)

    bad = client.get(authorize_url(world["client"].client_id, scope="psd2:account:balance:read psd2:payment:sepa:read"))

    assert redirect_params(bad)["error"] == "invalid_scope"
    assert len(client.get("/sandbox/decisions").get_json()["decisions"]) == 1


def test_bad_decisions_are_refused_with_the_sandbox_envelope(client, world):
    cases = [
        ({"clientId": "TPP_nobody", "decision": "approve", "iban": world["current"].iban}, 404),
        ({"clientId": world["client"].client_id, "decision": "approve"}, 400),
        ({"clientId": world["client"].client_id, "decision": "approve", "iban": world["savings_sub"].iban}, 400),
        ({"clientId": world["client"].client_id, "decision": "maybe"}, 400),
        ({"clientId": world["client"].client_id, "decision": "refuse", "error": "nope"}, 400),
        ({"decision": "approve"}, 400),
    ]
    for body, status in cases:
        response = _decide(client, **body)
        assert response.status_code == status, body
        assert response.get_json()["errors"][0]["code"].startswith("SANDBOX_")
    assert client.get("/sandbox/decisions").get_json() == {"decisions": []}


def test_delete_and_reset_clear_waiting_decisions(client, world):
    _decide(client, clientId=world["client"].client_id, decision="refuse")
    assert client.delete("/sandbox/decisions").get_json() == {"cleared": 1}

    _decide(client, clientId=world["client"].client_id, decision="refuse")
    client.post("/sandbox/reset")
    assert client.get("/sandbox/decisions").get_json() == {"decisions": []}
