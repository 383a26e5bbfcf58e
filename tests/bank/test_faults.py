"""Fault injection at the bank (``/sandbox/faults``): validation, answers per kind of path, counting, scoping.

The first part drives one bank app with Flask's test client; the SDK part runs through both front
doors (in-process routing and a live server) with the plugin's fixtures.
"""

from __future__ import annotations

import base64
import threading

import pytest
from sqlalchemy import func
from sqlalchemy import select

import client_sdk
from client_sdk.http import NO_RETRIES
from client_sdk.http import RetryPolicy
from mockbank.services.authflow import AuthorizationRequest

from .helpers import Tpp
from .helpers import assert_bank_error
from .helpers import mint

TRANSACTIONS = "/v1/accounts/*/transactions"


def add_fault(client, **fields) -> dict:
    """POST a fault and return the stored one."""
    response = client.post("/sandbox/faults", json=fields)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def listed(client) -> list[dict]:
    """The faults as ``GET /sandbox/faults`` lists them."""
    response = client.get("/sandbox/faults")
    assert response.status_code == 200
    return response.get_json()["faults"]


def other_tpp(bank) -> Tpp:
    """A second registered third party."""
    registered = bank.consents.register_client(name="Andere App B.V.", redirect_uris=["https://localhost/auth"])
    return Tpp(client_id=registered.client_id, api_key=registered.api_key)


# --- the control API ----------------------------------------------------------------------------------


def test_a_fault_is_stored_and_answered_with_every_field(client, tpp):
    fault = add_fault(
        client,
        path=TRANSACTIONS,
        method="get",
        status=503,
        code="MY_CODE",
        message="down for maintenance",
        count=2,
        clientId=tpp.client_id,
        retryAfter=30,
    )
    assert fault["id"]
    assert {k: fault[k] for k in fault if k not in ("id", "createdAt")} == {
        "path": TRANSACTIONS,
        "method": "GET",
        "status": 503,
        "code": "MY_CODE",
        "message": "down for maintenance",
        "count": 2,
        "clientId": tpp.client_id,
        "retryAfter": 30,
        "remaining": 2,
        "hits": 0,
        "lastHitAt": None,
    }
    assert listed(client) == [fault]


def test_a_minimal_fault_fails_every_request_until_removed(client):
    fault = add_fault(client, path="/v1/consentinfo", status=500)
    assert (fault["method"], fault["count"], fault["remaining"], fault["clientId"]) == (None, None, None, None)
    for _ in range(3):
        assert client.get("/v1/consentinfo").status_code == 500
    assert listed(client)[0]["hits"] == 3
    assert listed(client)[0]["remaining"] is None


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"status": 503}, "'path' is required"),
        ({"path": "/v1/*"}, "'status' is required"),
        ({"path": "/v1/*", "status": 399}, "400 to 599"),
        ({"path": "/v1/*", "status": 600}, "400 to 599"),
        ({"path": "/v1/*", "status": "503"}, "'status' must be an integer"),
        ({"path": "/v1/*", "status": True}, "'status' must be an integer"),
        ({"path": "/v1/*", "status": 503.0}, "'status' must be an integer"),
        ({"path": 5, "status": 503}, "'path' must be a string"),
        ({"path": "v1/accounts", "status": 503}, "must start with '/'"),
        ({"path": "/sandbox/*", "status": 503}, "never faulted"),
        ({"path": "/sandbox", "status": 503}, "never faulted"),
        ({"path": "/.well-known/*", "status": 503}, "never faulted"),
        ({"path": "/v1/*", "status": 503, "method": "FETCH"}, "'method' must be one of"),
        ({"path": "/v1/*", "status": 503, "method": 1}, "'method' must be one of"),
        ({"path": "/v1/*", "status": 503, "count": 0}, "'count' must be at least 1"),
        ({"path": "/v1/*", "status": 503, "count": -1}, "'count' must be at least 1"),
        ({"path": "/v1/*", "status": 503, "count": "2"}, "'count' must be an integer"),
        ({"path": "/v1/*", "status": 503, "count": False}, "'count' must be an integer"),
        ({"path": "/v1/*", "status": 429, "retryAfter": -1}, "'retryAfter' must be from 0"),
        ({"path": "/v1/*", "status": 429, "retryAfter": 1.5}, "'retryAfter' must be an integer"),
        ({"path": "/v1/*", "status": 503, "code": "X" * 65}, "'code' is longer than 64"),
        ({"path": "/v1/*", "status": 503, "message": ["a"]}, "'message' must be a string"),
        ({"path": "/v1/*", "status": 503, "clientId": 7}, "'clientId' must be a string"),
        ({"path": "/v1/*", "status": 503, "stauts": 500}, "unknown field(s) stauts"),
    ],
)
def test_a_bad_fault_is_refused_with_a_clear_sandbox_error(client, fields, problem):
    error = assert_bank_error(client.post("/sandbox/faults", json=fields), 400, "SANDBOX_400")
    assert problem in error["message"]
    assert listed(client) == []


def test_a_fault_for_an_unknown_client_is_refused(client):
    error = assert_bank_error(
        client.post("/sandbox/faults", json={"path": "/v1/*", "status": 503, "clientId": "TPP_nobody"}),
        404,
        "SANDBOX_404",
    )
    assert "TPP_nobody" in error["message"]


@pytest.mark.parametrize(
    ("data", "content_type", "problem"),
    [
        ('["/v1/*", 503]', "application/json", "must be a JSON object"),
        ("{not json", "application/json", "not valid JSON"),
    ],
)
def test_a_body_that_is_no_json_object_is_refused(client, data, content_type, problem):
    response = client.post("/sandbox/faults", data=data, content_type=content_type)
    assert problem in assert_bank_error(response, 400, "SANDBOX_400")["message"]


def test_faults_are_removed_one_by_one_or_all_at_once(client):
    first = add_fault(client, path="/v1/consentinfo", status=500)
    second = add_fault(client, path=TRANSACTIONS, status=503)
    third = add_fault(client, path="/as/token.oauth2", status=503)
    assert [f["id"] for f in listed(client)] == [first["id"], second["id"], third["id"]]

    removed = client.delete(f"/sandbox/faults/{second['id']}")
    assert removed.status_code == 200
    assert removed.get_json()["id"] == second["id"]
    assert [f["id"] for f in listed(client)] == [first["id"], third["id"]]
    assert_bank_error(client.delete(f"/sandbox/faults/{second['id']}"), 404, "SANDBOX_404")

    cleared = client.delete("/sandbox/faults")
    assert cleared.get_json() == {"cleared": 2}
    assert listed(client) == []
    assert client.get("/v1/consentinfo").status_code == 401


def test_reset_and_seed_clear_the_faults(client):
    add_fault(client, path="/v1/*", status=503)
    assert client.post("/sandbox/reset").status_code == 200
    assert listed(client) == []

    add_fault(client, path="/v1/*", status=503)
    assert client.post("/sandbox/seed", json={"seed": 3}).status_code == 201
    assert listed(client) == []
    assert client.get("/v1/consentinfo").status_code == 401


# --- what a fault answers ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "code", "category"),
    [
        (400, "ERR_1100_004", "BAD_REQUEST"),
        (401, "ERR_2002_002", "INVALID_ACCESS_TOKEN"),
        (403, "ERR_3002_003", "INSUFFICIENT_SCOPE"),
        (404, "ERR_4001_001", "NOT_FOUND"),
        (409, "HTTP_409", "CONFLICT"),
        (429, "ERR_7002_001", "TOO_MANY_REQUESTS"),
        (500, "MESSAGE_BAI560_0005", "BACKEND_ERROR"),
        (503, "MESSAGE_BAI560_0005", "BACKEND_ERROR"),
        (599, "MESSAGE_BAI560_0005", "BACKEND_ERROR"),
    ],
)
def test_an_api_fault_answers_abn_amros_envelope_with_the_code_of_its_status(api, status, code, category):
    add_fault(api.client, path="/v1/consentinfo", status=status)
    response = api.get("/v1/consentinfo")
    error = assert_bank_error(response, status, code)
    assert error["category"] == category
    if status == 429:
        assert response.headers["Retry-After"] == "1"
    else:
        assert "Retry-After" not in response.headers


def test_code_message_and_retry_after_override_the_defaults(api):
    add_fault(api.client, path="/v1/consentinfo", status=503, code="ERR_9999_001", message="Onderhoud", retryAfter=7)
    response = api.get("/v1/consentinfo")
    error = assert_bank_error(response, 503, "ERR_9999_001")
    assert error["message"] == "Onderhoud"
    assert response.headers["Retry-After"] == "7"


def test_a_count_limited_fault_fails_that_many_requests_then_the_bank_answers(api, firm):
    fault = add_fault(api.client, path=TRANSACTIONS, method="GET", status=503, count=2)
    path = f"/v1/accounts/{firm.iban}/transactions"
    assert_bank_error(api.get(path), 503, "MESSAGE_BAI560_0005")
    assert api.get(f"/v1/accounts/{firm.iban}/balances").status_code == 200, "another path is not faulted"
    assert_bank_error(api.get(path), 503, "MESSAGE_BAI560_0005")
    answer = api.get(path)
    assert answer.status_code == 200
    assert answer.get_json()["accountNumber"] == firm.iban
    [after] = listed(api.client)
    assert (after["id"], after["remaining"], after["hits"]) == (fault["id"], 0, 2)
    assert after["lastHitAt"] is not None


def test_a_fault_with_a_method_leaves_other_methods_alone(api):
    add_fault(api.client, path="/v1/consentinfo", method="POST", status=500)
    assert api.get("/v1/consentinfo").status_code == 200
    assert api.client.post("/v1/consentinfo", headers=api.headers()).status_code == 500


def test_the_oldest_matching_fault_answers_and_only_one_is_spent(api):
    first = add_fault(api.client, path="/v1/*", status=500, count=1)
    second = add_fault(api.client, path="/v1/consentinfo", status=429, count=1)
    assert api.get("/v1/consentinfo").status_code == 500
    assert api.get("/v1/consentinfo").status_code == 429
    assert api.get("/v1/consentinfo").status_code == 200
    assert [(f["id"], f["hits"]) for f in listed(api.client)] == [(first["id"], 1), (second["id"], 1)]


def test_sandbox_and_well_known_paths_are_never_faulted(api):
    add_fault(api.client, path="*", status=500)
    assert api.client.get("/sandbox/clock").status_code == 200
    assert api.client.get("/.well-known/oauth-authorization-server").status_code == 200
    assert api.client.get("/sandbox/faults").status_code == 200
    assert api.get("/v1/consentinfo").status_code == 500
    assert listed(api.client)[0]["hits"] == 1


@pytest.mark.parametrize("path", ["/as/token.oauth2", "/as/revoke_token.oauth2", "/as/introspect.oauth2"])
@pytest.mark.parametrize(
    ("status", "error"),
    [
        (503, "temporarily_unavailable"),
        (429, "temporarily_unavailable"),
        (500, "server_error"),
        (502, "server_error"),
        (400, "invalid_grant"),
        (401, "invalid_client"),
        (403, "unauthorized_client"),
        (422, "invalid_request"),
    ],
)
def test_an_oauth_endpoint_fault_answers_rfc_6749_json(client, tpp, path, status, error):
    add_fault(client, path=path, status=status)
    response = client.post(path, data={"client_id": tpp.client_id, "grant_type": "refresh_token", "token": "x"})
    assert response.status_code == status
    assert response.mimetype == "application/json"
    payload = response.get_json()
    assert set(payload) == {"error", "error_description"}
    assert payload["error"] == error
    assert payload["error_description"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Trace-Id"]
    assert ("Retry-After" in response.headers) == (status == 429)


def test_an_oauth_fault_takes_code_and_message_as_error_and_description(client):
    add_fault(client, path="/as/token.oauth2", status=400, code="invalid_request", message="Kapot")
    response = client.post("/as/token.oauth2", data={"grant_type": "authorization_code"})
    assert response.get_json() == {"error": "invalid_request", "error_description": "Kapot"}


def test_a_screen_fault_answers_a_plain_html_page(client):
    add_fault(client, path="/inloggen*", status=503, message="<Onderhoud>")
    response = client.get("/inloggen/edentifier")
    assert response.status_code == 503
    assert response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    assert 'id="fault"' in page
    assert "&lt;Onderhoud&gt;" in page
    assert "<Onderhoud>" not in page
    assert response.headers["Trace-Id"]
    assert client.get("/internetbankieren").status_code != 503


def test_the_authorization_endpoint_fault_is_a_page_and_starts_no_journey(client, bank, tpp):
    add_fault(client, path="/as/authorization.oauth2", status=500, count=1)
    params = {
        "client_id": tpp.client_id,
        "response_type": "code",
        "flow": "code",
        "scope": "psd2:account:balance:read",
        "redirect_uri": "https://localhost/auth",
        "state": "s1",
    }
    faulted = client.get("/as/authorization.oauth2", query_string=params)
    assert faulted.status_code == 500
    assert faulted.mimetype == "text/html"
    assert "Location" not in faulted.headers
    assert _journeys(bank) == 0
    answered = client.get("/as/authorization.oauth2", query_string=params)
    assert answered.status_code == 302
    assert "/inloggen?req=" in answered.headers["Location"]
    assert _journeys(bank) == 1


def _journeys(bank) -> int:
    with bank.db.reading() as session:
        return session.scalar(select(func.count()).select_from(AuthorizationRequest))


# --- scoping by client --------------------------------------------------------------------------------


def test_a_client_scoped_fault_leaves_other_clients_alone_on_the_api(api, bank, firm, tpp):
    other = other_tpp(bank)
    other_token = mint(bank, other, firm.iban)
    add_fault(api.client, path="/v1/*", status=503, clientId=tpp.client_id)

    assert_bank_error(api.get("/v1/consentinfo"), 503, "MESSAGE_BAI560_0005")
    headers = {"API-Key": other.api_key, "Authorization": f"Bearer {other_token}"}
    assert api.client.get("/v1/consentinfo", headers=headers).status_code == 200
    # No API-Key means no client: the bank's own answer, not the fault.
    assert_bank_error(api.client.get("/v1/consentinfo"), 401, "ERR_2001_001")
    assert listed(api.client)[0]["hits"] == 1


def test_a_client_scoped_token_fault_knows_the_client_by_form_field_and_basic_auth(client, bank, tpp):
    other = other_tpp(bank)
    add_fault(client, path="/as/token.oauth2", status=503, clientId=tpp.client_id)
    form = {"grant_type": "refresh_token", "refresh_token": "nope"}

    assert client.post("/as/token.oauth2", data={**form, "client_id": tpp.client_id}).status_code == 503
    basic = base64.b64encode(f"{tpp.client_id}:wrong-secret".encode()).decode()
    by_basic = client.post("/as/token.oauth2", data=form, headers={"Authorization": f"Basic {basic}"})
    assert by_basic.status_code == 503

    for answer in (
        client.post("/as/token.oauth2", data={**form, "client_id": other.client_id}),
        client.post("/as/token.oauth2", data=form),
    ):
        assert answer.status_code in (400, 401)
        assert answer.get_json()["error"] != "temporarily_unavailable"
    assert listed(client)[0]["hits"] == 2


# --- several workers on one database ---------------------------------------------------------------


def test_workers_on_one_database_share_faults_and_spend_each_count_once(file_app_factory, clock, storage_url):
    first = file_app_factory(clock, storage_url)
    second = file_app_factory(clock, storage_url)
    add_fault(first.test_client(), path="/v1/consentinfo", status=503, count=7)

    statuses: list[int] = []
    lock = threading.Lock()

    def worker(app):
        client = app.test_client()
        for _ in range(5):
            status = client.get("/v1/consentinfo").status_code
            with lock:
                statuses.append(status)

    threads = [threading.Thread(target=worker, args=(app,)) for app in (first, second, first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(statuses) == 20
    assert statuses.count(503) == 7
    assert statuses.count(401) == 13, "the rest reach the bank (no API-Key: its own 401)"
    [fault] = listed(second.test_client())
    assert (fault["remaining"], fault["hits"]) == (0, 7)


# --- through the SDK, through both front doors ---------------------------------------------------------

both_doors = pytest.mark.parametrize(
    "door", [pytest.param(door, marks=pytest.mark.mockbank(front_door=door)) for door in ("inprocess", "server")]
)


@pytest.fixture
def world(door, mockbank_world):
    """The plugin's world, served through the door of the test's parameter."""
    assert mockbank_world.front_door == door
    return mockbank_world


AIS = ["psd2:account:details:read", "psd2:account:balance:read", "psd2:account:transaction:read"]


class Sleeps(list):
    """An injectable ``sleep`` that only records how long the SDK would have waited."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def _iban(bank_sandbox) -> str:
    """A seeded current account with bookings."""
    accounts = bank_sandbox.seed_summary()["accounts"]
    return next(a["iban"] for a in accounts if a["product"] == "current" and a["bookings"])


def _client(world, bank_sandbox, registered: dict, iban: str, session, retry: RetryPolicy | None = None):
    """An SDK client of a registered third party, holding a minted token for ``iban``."""
    tokens = bank_sandbox.mint_token(client_id=registered["clientId"], iban=iban, scopes=AIS)
    return world.abnamro_client(
        client_id=registered["clientId"],
        api_key=registered["apiKey"],
        client_secret=registered["clientSecret"],
        tokens=tokens,
        session=session,
        retry=retry or NO_RETRIES,
    )


def _registered(abnamro_client) -> dict:
    return {
        "clientId": abnamro_client.client_id,
        "apiKey": abnamro_client.api_key,
        "clientSecret": abnamro_client.client_secret,
    }


@both_doors
def test_sdk_a_count_limited_503_on_transactions_fails_then_the_import_succeeds(
    world, bank_sandbox, abnamro_client, mockbank_session
):
    iban = _iban(bank_sandbox)
    sleeps = Sleeps()
    client = _client(
        world,
        bank_sandbox,
        _registered(abnamro_client),
        iban,
        mockbank_session,
        RetryPolicy(max_retries=2, sleep=sleeps, jitter=None),
    )
    fault = bank_sandbox.inject_fault(path=TRANSACTIONS, method="GET", status=503, count=3)
    assert (fault["remaining"], fault["hits"]) == (3, 0)

    with pytest.raises(client_sdk.ServerError) as caught:
        list(client.transactions(iban))
    assert caught.value.status == 503
    assert caught.value.code == "MESSAGE_BAI560_0005"
    assert caught.value.trace_id
    assert sleeps == [0.5, 1.0], "a GET is retried twice with backoff, and each retry met the fault"

    transactions = list(client.transactions(iban))
    assert len(transactions) == bank_sandbox.account(iban)["bookings"]
    [after] = bank_sandbox.faults()
    assert (after["id"], after["remaining"], after["hits"]) == (fault["id"], 0, 3)


@both_doors
def test_sdk_a_429_with_retry_after_is_waited_for_then_retried(world, bank_sandbox, abnamro_client, mockbank_session):
    iban = _iban(bank_sandbox)
    sleeps = Sleeps()
    registered = _registered(abnamro_client)
    client = _client(world, bank_sandbox, registered, iban, mockbank_session, RetryPolicy(sleep=sleeps, jitter=None))
    bank_sandbox.inject_fault(path="/v1/accounts/*/balances", status=429, retry_after=30, count=1)

    assert client.balance(iban).account_number == iban
    assert sleeps == [30.0]
    assert bank_sandbox.faults()[0]["hits"] == 1

    bank_sandbox.inject_fault(path="/v1/accounts/*/balances", status=429, count=1)
    impatient = _client(world, bank_sandbox, registered, iban, mockbank_session)
    with pytest.raises(client_sdk.RateLimitError) as caught:
        impatient.balance(iban)
    assert caught.value.code == "ERR_7002_001"
    assert caught.value.retry_after == 1.0


@both_doors
def test_sdk_a_faulted_token_refresh_is_oauth_json_and_leaves_the_refresh_token_usable(
    world, bank_sandbox, abnamro_client, mockbank_session
):
    iban = _iban(bank_sandbox)
    sleeps = Sleeps()
    client = _client(
        world,
        bank_sandbox,
        _registered(abnamro_client),
        iban,
        mockbank_session,
        RetryPolicy(sleep=sleeps, jitter=None),
    )
    before = client.tokens
    bank_sandbox.inject_fault(path="/as/token.oauth2", method="POST", status=503, count=1)

    with pytest.raises(client_sdk.OAuthServerError) as caught:
        client.refresh()
    assert caught.value.status == 503
    assert caught.value.error == "temporarily_unavailable"
    assert caught.value.description
    assert sleeps == [], "a token POST is never repeated after a 5xx"
    assert client.tokens == before

    fresh = client.refresh()
    assert fresh.refresh_token != before.refresh_token
    assert client.consent_info().iban == iban
    assert bank_sandbox.faults()[0]["hits"] == 1


@both_doors
def test_sdk_a_token_fault_with_400_is_an_invalid_grant(world, bank_sandbox, abnamro_client, mockbank_session):
    client = _client(world, bank_sandbox, _registered(abnamro_client), _iban(bank_sandbox), mockbank_session)
    bank_sandbox.inject_fault(path="/as/token.oauth2", status=400, count=1)
    with pytest.raises(client_sdk.InvalidGrantError):
        client.refresh()
    client.refresh()


@both_doors
def test_sdk_a_client_scoped_fault_leaves_another_client_unaffected(
    world, bank_sandbox, abnamro_client, mockbank_session
):
    iban = _iban(bank_sandbox)
    mine = _client(world, bank_sandbox, _registered(abnamro_client), iban, mockbank_session)
    theirs_registered = bank_sandbox.register_client(name="Andere TPP")
    theirs = _client(world, bank_sandbox, theirs_registered, iban, mockbank_session)
    bank_sandbox.inject_fault(path="/v1/*", status=503, client_id=abnamro_client.client_id)
    bank_sandbox.inject_fault(path="/as/token.oauth2", status=503, client_id=abnamro_client.client_id)

    with pytest.raises(client_sdk.ServerError):
        mine.balance(iban)
    with pytest.raises(client_sdk.OAuthServerError):
        mine.refresh()
    assert theirs.balance(iban).account_number == iban
    theirs.refresh()
    assert [f["hits"] for f in bank_sandbox.faults()] == [1, 1]


@both_doors
def test_sdk_faults_are_listed_removed_cleared_and_gone_after_a_reset(world, bank_sandbox):
    first = bank_sandbox.inject_fault(path="/v1/consentinfo", status=500)
    second = bank_sandbox.inject_fault(path=TRANSACTIONS, status=503, count=2, retry_after=5, code="X", message="Y")
    assert [f["id"] for f in bank_sandbox.faults()] == [first["id"], second["id"]]
    assert (second["count"], second["retryAfter"], second["code"], second["message"]) == (2, 5, "X", "Y")

    assert bank_sandbox.remove_fault(first["id"])["id"] == first["id"]
    assert [f["id"] for f in bank_sandbox.faults()] == [second["id"]]
    with pytest.raises(client_sdk.NotFoundError):
        bank_sandbox.remove_fault(first["id"])
    assert bank_sandbox.clear_faults() == 1
    assert bank_sandbox.faults() == []

    with pytest.raises(client_sdk.InvalidRequestError) as caught:
        bank_sandbox.inject_fault(path="/v1/*", status=200)
    assert "400 to 599" in caught.value.message

    bank_sandbox.inject_fault(path="/v1/*", status=503)
    bank_sandbox.reset()
    assert bank_sandbox.faults() == []
