"""SDK test helpers: a ``responses`` bridge that sends the bank's real host names into the real bank app.

The tests may import ``mockbank``; the SDK itself may not (see ``test_imports.py``).
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
import requests
import responses

from client_sdk import RetryPolicy

BANK_HOSTS = (
    "https://api-sandbox.abnamro.com",
    "https://auth-sandbox.connect.abnamro.com",
    "https://auth-sandbox.connect.abnamro.com:8443",
)
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# Hop-by-hop or recomputed headers that must not be copied from the WSGI answer.
_SKIP_HEADERS = {"content-length", "transfer-encoding", "connection"}


class Recorder:
    """Counts every request that reached the app, so tests can assert what went over the wire."""

    def __init__(self):
        self.requests: list[requests.PreparedRequest] = []


def forward_to_app(mock: responses.RequestsMock, app, base_url: str, recorder: Recorder | None = None) -> None:
    """Route every method on ``base_url`` into ``app``'s test client; cookies stay in the caller's session."""
    client = app.test_client(use_cookies=False)
    parts = urlsplit(base_url)
    # Only this exact host[:port]: "auth-sandbox...com" must not also catch "auth-sandbox...com:8443".
    pattern = re.compile(re.escape(base_url) + r"(?:[/?#].*)?$")

    def callback(request: requests.PreparedRequest):
        if recorder is not None:
            recorder.requests.append(request)
        url = urlsplit(request.url)
        body = request.body.encode() if isinstance(request.body, str) else (request.body or b"")
        answer = client.open(
            url.path or "/",
            base_url=f"{parts.scheme}://{parts.netloc}",
            query_string=url.query,
            method=request.method,
            headers=[(k, v) for k, v in request.headers.items() if k.lower() != "content-length"],
            data=body,
        )
        headers = [(k, v) for k, v in answer.headers.items() if k.lower() not in _SKIP_HEADERS]
        return answer.status_code, headers, answer.get_data()

    for method in METHODS:
        mock.add(responses.CallbackResponse(method=method, url=pattern, callback=callback))


@pytest.fixture
def bank_world(bank_app):
    """The real bank app behind its real host names, via ``responses``; yields the request recorder."""
    recorder = Recorder()
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        for host in BANK_HOSTS:
            forward_to_app(mock, bank_app, host, recorder)
        yield recorder


@pytest.fixture
def no_sleep():
    """A fake sleep that records the delays it was asked for."""
    delays: list[float] = []
    return delays


@pytest.fixture
def fast_retry(no_sleep):
    """A retry policy without jitter whose sleeps are only recorded."""
    return RetryPolicy(sleep=no_sleep.append, jitter=None)


@pytest.fixture
def fixed_now():
    """The client's own clock for dating received tokens."""
    moment = dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC)
    return lambda: moment
