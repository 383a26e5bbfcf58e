"""Retries: the policy alone (a pure function), then end to end through ``responses`` with a fake sleep."""

from __future__ import annotations

import pytest
import requests
import responses

from client_sdk import AbnAmroClient
from client_sdk import APIConnectionError
from client_sdk import BankSandbox
from client_sdk import OAuthServerError
from client_sdk import RateLimitError
from client_sdk import RetryPolicy
from client_sdk import ServerError
from client_sdk.http import parse_retry_after

API = "https://api-sandbox.abnamro.com"
TOKEN_URL = "https://auth-sandbox.connect.abnamro.com:8443/as/token.oauth2"
IBAN = "NL12ABNA9999876523"
BALANCE = {"accountNumber": IBAN, "currency": "EUR", "balanceType": "BOOKBALANCE", "amount": 16.03}


# --- the policy alone ---------------------------------------------------------------------------


def test_backoff_doubles_and_is_capped():
    policy = RetryPolicy(initial_delay=0.5, max_delay=3.0, jitter=None)
    assert [policy.backoff(n) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"repeatable": True, "connection_error": True}, 0.5),
        ({"repeatable": False, "connection_error": True}, None),
        ({"repeatable": True, "status": 503}, 0.5),
        ({"repeatable": False, "status": 503}, None),
        ({"repeatable": False, "status": 429}, 0.5),
        ({"repeatable": False, "status": 429, "retry_after": 3.0}, 3.0),
        ({"repeatable": True, "status": 429, "retry_after": 600.0}, None),
        ({"repeatable": True, "status": 400}, None),
        ({"repeatable": True, "status": 401}, None),
        ({"repeatable": True, "status": 404}, None),
    ],
)
def test_which_outcomes_are_retried(kwargs, expected):
    assert RetryPolicy(jitter=None).next_delay(0, **kwargs) == expected


def test_no_retry_once_the_budget_is_spent():
    policy = RetryPolicy(max_retries=2, jitter=None)
    assert policy.next_delay(1, repeatable=True, status=500) == 1.0
    assert policy.next_delay(2, repeatable=True, status=500) is None
    assert RetryPolicy(max_retries=0).next_delay(0, repeatable=True, status=500) is None


def test_jitter_is_applied_to_backoff_but_not_to_retry_after():
    policy = RetryPolicy(jitter=lambda delay: delay / 10)
    assert policy.next_delay(1, repeatable=True, status=502) == pytest.approx(0.1)
    assert policy.next_delay(1, repeatable=True, status=429, retry_after=2.0) == 2.0


def test_default_jitter_stays_between_half_and_all_of_the_delay():
    policy = RetryPolicy()
    delays = {policy.next_delay(0, repeatable=True, status=500) for _ in range(50)}
    assert all(0.25 <= d <= 0.5 for d in delays)
    assert len(delays) > 1


@pytest.mark.parametrize(
    ("headers", "expected"),
    [
        ({"Retry-After": "7"}, 7.0),
        ({"Retry-After": "0.5"}, 0.5),
        ({"Retry-After": "-3"}, 0.0),
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:30 GMT", "Date": "Wed, 21 Oct 2026 07:28:00 GMT"}, 30.0),
        ({"Retry-After": "Wed, 21 Oct 2026 07:28:30 GMT"}, None),
        ({"Retry-After": "soon"}, None),
        ({}, None),
    ],
)
def test_retry_after_in_seconds_or_as_a_date(headers, expected):
    assert parse_retry_after(headers) == expected


# --- end to end ----------------------------------------------------------------------------------


def _client(retry: RetryPolicy, **kwargs) -> AbnAmroClient:
    return AbnAmroClient(
        client_id="TPP_test",
        api_key="key",
        tokens={"access_token": "at", "refresh_token": "rt", "expires_in": 7200},
        retry=retry,
        **kwargs,
    )


def _envelope(status: int, code: str = "MESSAGE_BAI560_0005", category: str = "BACKEND_ERROR") -> dict:
    return {"errors": [{"code": code, "message": "m", "traceId": "t", "status": status, "category": category}]}


@responses.activate
def test_503_then_200_is_retried_with_the_same_request_id(no_sleep, fast_retry):
    url = f"{API}/v1/accounts/{IBAN}/balances"
    responses.get(url, status=503, json=_envelope(503))
    responses.get(url, json=BALANCE)

    balance = _client(fast_retry).balance(IBAN)

    assert str(balance.amount) == "16.03"
    assert no_sleep == [0.5]
    ids = [call.request.headers["X-Request-ID"] for call in responses.calls]
    assert len(ids) == 2 and ids[0] == ids[1]


@responses.activate
def test_each_logical_call_gets_its_own_request_id(fast_retry):
    url = f"{API}/v1/accounts/{IBAN}/balances"
    responses.get(url, json=BALANCE)
    client = _client(fast_retry)
    client.balance(IBAN)
    client.balance(IBAN)
    first, second = (call.request.headers["X-Request-ID"] for call in responses.calls)
    assert first != second


@responses.activate
def test_connection_errors_are_retried_then_reported(no_sleep, fast_retry):
    url = f"{API}/v1/accounts/{IBAN}/balances"
    responses.get(url, body=requests.ConnectionError("connection refused"))

    with pytest.raises(APIConnectionError) as failure:
        _client(fast_retry).balance(IBAN)

    assert len(responses.calls) == 3
    assert no_sleep == [0.5, 1.0]
    assert failure.value.should_retry is True
    assert "connection refused" in str(failure.value)
    assert failure.value.request_id == responses.calls[0].request.headers["X-Request-ID"]


@responses.activate
def test_a_connection_error_then_success(no_sleep, fast_retry):
    url = f"{API}/v1/accounts/{IBAN}/balances"
    responses.get(url, body=requests.ConnectionError("reset by peer"))
    responses.get(url, json=BALANCE)
    assert _client(fast_retry).balance(IBAN).account_number == IBAN
    assert no_sleep == [0.5]


@responses.activate
def test_429_waits_as_long_as_retry_after_says(no_sleep, fast_retry):
    url = f"{API}/v1/consentinfo"
    responses.get(
        url, status=429, json=_envelope(429, "ERR_7002_001", "TOO_MANY_REQUESTS"), headers={"Retry-After": "4"}
    )
    responses.get(url, json={"iban": IBAN, "transactionId": None, "valid": 1566497626, "scopes": "a b"})

    info = _client(fast_retry).consent_info()

    assert info.iban == IBAN
    assert no_sleep == [4.0]


@responses.activate
def test_429_that_persists_is_a_rate_limit_error(no_sleep, fast_retry):
    url = f"{API}/v1/consentinfo"
    responses.get(url, status=429, json=_envelope(429, "ERR_7002_001", "TOO_MANY_REQUESTS"))
    with pytest.raises(RateLimitError):
        _client(fast_retry).consent_info()
    assert len(responses.calls) == 3
    assert no_sleep == [0.5, 1.0]


@responses.activate
def test_token_post_is_not_retried_on_5xx(no_sleep, fast_retry):
    responses.post(TOKEN_URL, status=500, json={"error": "server_error", "error_description": "boom"})
    with pytest.raises(OAuthServerError):
        _client(fast_retry).exchange_code("code-1")
    assert len(responses.calls) == 1
    assert no_sleep == []


@responses.activate
def test_token_post_is_not_retried_after_a_lost_connection(no_sleep, fast_retry):
    responses.post(TOKEN_URL, body=requests.ConnectionError("reset"))
    with pytest.raises(APIConnectionError) as failure:
        _client(fast_retry).refresh()
    assert len(responses.calls) == 1
    assert failure.value.should_retry is False


@responses.activate
def test_token_post_is_retried_on_429(no_sleep, fast_retry):
    responses.post(TOKEN_URL, status=429, json={"error": "temporarily_unavailable"}, headers={"Retry-After": "1"})
    responses.post(TOKEN_URL, json={"access_token": "new", "refresh_token": "rt2", "expires_in": 7200})
    assert _client(fast_retry).refresh().access_token == "new"
    assert no_sleep == [1.0]


@responses.activate
def test_sandbox_posts_that_change_things_are_not_retried_but_idempotent_ones_are(no_sleep, fast_retry):
    sandbox = BankSandbox(retry=fast_retry)
    responses.post(f"{API}/sandbox/transfers", status=503, json=_envelope(503))
    with pytest.raises(ServerError):
        sandbox.transfer(debtor_iban=IBAN, creditor_iban="NL91ABNA0417164300", amount="1.00")
    assert len(responses.calls) == 1

    responses.post(f"{API}/sandbox/seed", status=503, json=_envelope(503))
    responses.post(f"{API}/sandbox/seed", status=201, json={"seed": 7})
    assert sandbox.seed(7) == {"seed": 7}
    seed_calls = [c for c in responses.calls if c.request.url.endswith("/sandbox/seed")]
    assert len(seed_calls) == 2
    assert seed_calls[0].request.headers["X-Request-ID"] == seed_calls[1].request.headers["X-Request-ID"]
    assert no_sleep == [0.5]


@responses.activate
def test_retries_can_be_switched_off(no_sleep):
    url = f"{API}/v1/accounts/{IBAN}/balances"
    responses.get(url, status=503, json=_envelope(503))
    with pytest.raises(ServerError):
        _client(RetryPolicy(max_retries=0, sleep=no_sleep.append)).balance(IBAN)
    assert len(responses.calls) == 1
