"""The portal's sandbox API: reset, clock, bank client, errors in Visma's shape."""

from __future__ import annotations


def test_reset_forgets_the_world_but_keeps_time_kvk_test_numbers_and_the_bank_client(api, clock):
    api.post("/sandbox/bank-client", json={"clientId": "TPP_visma", "apiKey": "key", "callbackSecret": "s3cret"})
    api.post("/sandbox/kvk", json={"kvkNummer": "87654321", "naam": "Tijdelijk B.V."})
    api.post("/sandbox/administrations", json={"companyName": "Test BV Donald"})
    clock.advance(3600)
    answer = api.post("/sandbox/reset")
    assert answer.json["clock"]["now"] == "2026-01-05T09:00:00+00:00"
    assert api.get("/sandbox/administrations").json == {"administrations": []}
    numbers = {c["kvkNummer"] for c in api.get("/sandbox/kvk").json["companies"]}
    assert "68750110" in numbers and "87654321" not in numbers
    client = api.get("/sandbox/bank-client").json
    assert (client["configured"], client["clientId"], client["hasCallbackSecret"]) == (True, "TPP_visma", True)
    assert client["callbackUrl"] == "https://register.ebanking.vismasoftware.nl/bank/registraties"


def test_clock_moves_only_forwards(api):
    assert api.post("/sandbox/clock/advance", json={"workingDays": 5}).json["now"] == "2026-01-12T08:00:00+00:00"
    backwards = api.post("/sandbox/clock/advance", json={"to": "2026-01-01T00:00:00Z"})
    assert backwards.status_code == 400 and "never moves backwards" in backwards.json["DeveloperErrorMessage"]
    assert api.post("/sandbox/clock/advance", json={}).status_code == 400


def test_sandbox_errors_are_in_vismas_shape(api):
    missing = api.post("/sandbox/bank-client", json={"clientId": "x"})
    assert missing.status_code == 400 and missing.json["DeveloperErrorMessage"] == "'apiKey' is required"
    assert api.get("/sandbox/timeline").status_code == 400
    unknown = api.get("/sandbox/timeline?serial=1234567")
    assert unknown.status_code == 404 and unknown.json["ErrorCode"] == 4004
    assert api.post("/sandbox/administrations", data="nope", content_type="application/json").status_code == 400
    assert api.get("/sandbox/nothing").json["ErrorCode"] == 4040
    assert api.post("/sandbox/kvk", json={"kvkNummer": "123", "naam": "X"}).status_code == 400
