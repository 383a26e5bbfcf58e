"""Authentication and the error envelope across ``/v1``: API-Key, bearer token, unknown paths, Trace-Id."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from mockbank import models

from .helpers import Api
from .helpers import assert_bank_error
from .helpers import mint

ENDPOINTS = ["consentinfo", "details", "balances", "transactions", "funds"]


def path_of(endpoint: str, iban: str) -> str:
    if endpoint == "consentinfo":
        return "/v1/consentinfo"
    if endpoint == "funds":
        return f"/v1/accounts/{iban}/funds?amount=1"
    return f"/v1/accounts/{iban}/{endpoint}"


def call(api: Api, endpoint: str, iban: str):
    return api.client.get(path_of(endpoint, iban), headers=api.headers())


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_endpoint_answers_with_a_trace_id(api, firm, endpoint):
    response = call(api, endpoint, firm.iban)

    assert response.status_code == 200
    assert response.headers["Trace-Id"]


def test_trace_ids_differ_per_request(api, firm):
    traces = {api.get("/v1/consentinfo").headers["Trace-Id"] for _ in range(5)}

    assert len(traces) == 5


def test_a_request_id_is_echoed_next_to_the_trace_id(api):
    api.extra["X-Request-ID"] = "req-42"

    response = api.get("/v1/consentinfo")

    assert response.headers["X-Request-ID"] == "req-42"
    assert response.headers["Trace-Id"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_without_api_key_every_endpoint_refuses(api, firm, endpoint):
    api.api_key = None

    error = assert_bank_error(call(api, endpoint, firm.iban), 401, "ERR_2001_001")
    assert "API-Key" in error["message"]


def test_an_unknown_api_key_is_refused(api, firm):
    api.api_key = "not-a-registered-key"

    assert_bank_error(api.get(f"/v1/accounts/{firm.iban}/balances"), 401, "ERR_2001_001")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_without_a_token_every_endpoint_refuses(api, firm, endpoint):
    api.token = None

    assert_bank_error(call(api, endpoint, firm.iban), 401, "ERR_2002_002")


@pytest.mark.parametrize("authorization", ["Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer", "nonsense"])
def test_an_invalid_token_is_refused(api, firm, authorization):
    response = api.client.get(
        f"/v1/accounts/{firm.iban}/balances", headers={"API-Key": api.api_key, "Authorization": authorization}
    )

    assert_bank_error(response, 401, "ERR_2002_002")


def test_the_bearer_scheme_is_case_insensitive(api, firm):
    response = api.client.get(
        f"/v1/accounts/{firm.iban}/balances", headers={"API-Key": api.api_key, "Authorization": f"bearer {api.token}"}
    )

    assert response.status_code == 200


def test_an_access_token_expires_after_two_hours(api, firm, clock):
    clock.advance(dt.timedelta(hours=2) - dt.timedelta(seconds=1))
    assert api.get(f"/v1/accounts/{firm.iban}/balances").status_code == 200

    clock.advance(dt.timedelta(seconds=1))

    assert_bank_error(api.get(f"/v1/accounts/{firm.iban}/balances"), 401, "ERR_2002_002")


def test_a_token_only_works_with_its_own_clients_api_key(api, bank, firm):
    other = bank.consents.register_client(name="Andere App", redirect_uris=["https://localhost/auth"])
    api.api_key = other.api_key

    assert_bank_error(api.get(f"/v1/accounts/{firm.iban}/balances"), 401, "ERR_2002_002")


def test_a_revoked_token_is_refused(api, bank, firm, clock):
    with bank.db.transaction() as session:
        session.execute(
            update(models.Token).where(models.Token.access_token == api.token).values(access_revoked_at=clock.now())
        )

    assert_bank_error(api.get(f"/v1/accounts/{firm.iban}/balances"), 401, "ERR_2002_002")


def test_a_token_of_a_consent_that_is_no_longer_valid_is_refused(api, bank, firm):
    with bank.db.transaction() as session:
        session.execute(update(models.Consent).values(status="revokedByPsu"))

    assert_bank_error(api.get(f"/v1/accounts/{firm.iban}/balances"), 401, "ERR_2002_002")


def test_the_token_is_checked_before_the_iban(api):
    api.token = "nonsense"

    assert_bank_error(api.get("/v1/accounts/garbage/details"), 401, "ERR_2002_002")


def test_a_token_without_consent_has_no_consentinfo(api, bank, tpp):
    with bank.db.transaction() as session:
        token = bank.consents.issue_token(
            session, client_id=tpp.client_id, consent_id=None, scope="psd2:payment:sepa:write"
        )
        api.token = token.access_token

    assert_bank_error(api.get("/v1/consentinfo"), 403, "ERR_3002_003")


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/v1/accounts"),
        ("GET", "/v1/accounts/{iban}"),
        ("GET", "/v1/accounts/{iban}/statements"),
        ("GET", "/v1/nothing/here"),
        ("POST", "/v1/consentinfo"),
        ("DELETE", "/v1/accounts/{iban}/details"),
        ("PUT", "/v1/accounts/{iban}/transactions"),
    ],
)
def test_unknown_paths_and_methods_are_not_found(api, firm, method, path):
    response = api.client.open(path.format(iban=firm.iban), method=method, headers=api.headers())

    assert_bank_error(response, 404, "ERR_4001_001")


def test_the_error_envelope_matches_abn_amros_published_401(api, firm):
    api.token = "expired"

    error = api.get(f"/v1/accounts/{firm.iban}/balances").get_json()["errors"][0]

    assert error["message"] == "The presented access token is not valid or expired"
    assert error["reference"] == "https://developer.abnamro.com/get-started#authentication"
    assert error["category"] == "INVALID_ACCESS_TOKEN"


def test_another_consent_of_the_same_client_does_not_open_this_account(client, bank, tpp, firm):
    token = mint(bank, tpp, firm.other_iban)
    api = Api(client=client, api_key=tpp.api_key, token=token)

    for endpoint in ("details", "balances", "transactions", "funds"):
        assert_bank_error(call(api, endpoint, firm.iban), 403, "MESSAGE_RST560_0016")
