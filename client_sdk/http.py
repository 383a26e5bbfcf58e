"""Sending requests: the retry policy (pure, tested alone) and the transport that applies it.

A request is retried after a connection error or a 5xx only when repeating it cannot do
anything twice: safe methods (GET, HEAD, OPTIONS) and requests the caller marks idempotent. A 429
means the server did nothing, so any request is retried, after ``Retry-After`` when the server
gives one. Every logical call gets one ``X-Request-ID`` before the first attempt and keeps it on
every retry, so the server (ABN AMRO echoes it) and logs can tie the attempts together.
"""

from __future__ import annotations

import json
import random
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

import requests

from client_sdk import errors
from client_sdk.headers import parse_retry_after

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
REQUEST_ID_HEADER = "X-Request-ID"
DEFAULT_USER_AGENT = "mockbank-client-sdk/0.1 (+requests)"

_jitter_random = random.Random()


def half_jitter(delay: float) -> float:
    """A delay between half and all of ``delay``, so many clients do not retry in step."""
    return delay * (0.5 + _jitter_random.random() / 2)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to wait before retrying; ``sleep`` and ``jitter`` are injectable for tests."""

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    sleep: Callable[[float], None] = field(default=time.sleep, repr=False, compare=False)
    jitter: Callable[[float], float] | None = field(default=half_jitter, repr=False, compare=False)
    # A server asking for a longer pause than this is not waited for: the error goes to the caller.
    max_retry_after: float = 60.0

    def backoff(self, retry_number: int) -> float:
        """The delay before retry ``retry_number`` (1-based): doubling from ``initial_delay``, capped."""
        return min(self.initial_delay * 2 ** (retry_number - 1), self.max_delay)

    def next_delay(
        self,
        retries_done: int,
        *,
        repeatable: bool,
        status: int | None = None,
        connection_error: bool = False,
        retry_after: float | None = None,
    ) -> float | None:
        """Seconds to wait before the next attempt, or None when the outcome should go to the caller.

        ``repeatable`` says whether sending the request twice is harmless (safe method or
        idempotency key); ``status`` is the failed answer, ``connection_error`` means there was none.
        """
        if retries_done >= self.max_retries:
            return None
        if connection_error:
            retry = repeatable
        elif status == 429:
            retry = True
        elif status is not None and status >= 500:
            retry = repeatable
        else:
            retry = False
        if not retry:
            return None
        if status == 429 and retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        delay = self.backoff(retries_done + 1)
        return self.jitter(delay) if self.jitter else delay


NO_RETRIES = RetryPolicy(max_retries=0)


def new_request_id() -> str:
    """A fresh idempotency / correlation key."""
    return str(uuid.uuid4())


def parse_json(response: requests.Response):
    """The JSON body with numbers that have a fraction as ``Decimal``; None for a blank body."""
    if not response.content or not response.content.strip():
        return None
    try:
        return json.loads(response.content, parse_float=Decimal)
    except ValueError as exc:
        raise errors.BankApiError(
            f"expected JSON, got {response.headers.get('Content-Type', 'no content type')}",
            status=response.status_code,
            body=response.content,
            headers=dict(response.headers),
        ) from exc


class Transport:
    """A ``requests`` session plus the retry policy; raises ``client_sdk.errors`` for every failure."""

    def __init__(
        self,
        *,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        timeout: float | tuple[float, float] | None = 30.0,
        user_agent: str = DEFAULT_USER_AGENT,
    ):
        self.session = session if session is not None else requests.Session()
        self.retry = retry if retry is not None else RetryPolicy()
        self.timeout = timeout
        self.user_agent = user_agent

    def request(
        self,
        method: str,
        url: str,
        *,
        params=None,
        data=None,
        json_body=None,
        headers: dict | None = None,
        auth=None,
        idempotent: bool = False,
        request_id: str | None = None,
    ) -> requests.Response:
        """Send one logical call (retrying as the policy says) and return the successful response."""
        method = method.upper()
        sent_headers = {"User-Agent": self.user_agent, "Accept": "application/json", **(headers or {})}
        # One key per logical call, generated before the loop so every attempt carries the same one.
        sent_headers.setdefault(REQUEST_ID_HEADER, request_id or new_request_id())
        repeatable = method in SAFE_METHODS or idempotent
        retries_done = 0
        while True:
            try:
                response = self.session.request(
                    method,
                    url,
                    params=params,
                    data=data,
                    json=json_body,
                    headers=sent_headers,
                    auth=auth,
                    timeout=self.timeout,
                )
            except (requests.ConnectionError, requests.Timeout) as exc:
                delay = self.retry.next_delay(retries_done, repeatable=repeatable, connection_error=True)
                if delay is None:
                    raise errors.APIConnectionError(
                        f"{method} {url} failed without a response: {exc}",
                        should_retry=repeatable,
                        headers={REQUEST_ID_HEADER: sent_headers[REQUEST_ID_HEADER]},
                    ) from exc
            else:
                if response.status_code < 400:
                    return response
                delay = self.retry.next_delay(
                    retries_done,
                    repeatable=repeatable,
                    status=response.status_code,
                    retry_after=parse_retry_after(response.headers),
                )
                if delay is None:
                    raise errors.error_from_response(response)
            retries_done += 1
            self.retry.sleep(delay)
