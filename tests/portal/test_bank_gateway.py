"""The portal's use of the SDK: retries that never wait on the wall clock, SDK errors as the portal's."""

from __future__ import annotations

import time

from client_sdk import errors as sdk
from consent_server import errors
from consent_server.services.bank import UNREACHABLE
from consent_server.services.bank import retry_policy
from consent_server.services.bank import unavailable


def test_the_portal_retries_without_sleeping(monkeypatch):
    def wall_clock_sleep(seconds):
        raise AssertionError("the portal must not wait on the wall clock")

    monkeypatch.setattr(time, "sleep", wall_clock_sleep)
    policy = retry_policy(2)
    assert policy.max_retries == 2
    delay = policy.next_delay(0, repeatable=True, status=503)
    assert delay == policy.initial_delay
    policy.sleep(delay)


def test_sdk_errors_become_bank_errors_with_the_cause_the_mails_quote():
    lost = unavailable("transactions", sdk.APIConnectionError("refused"))
    assert isinstance(lost, errors.BankUnavailable) and lost.cause == UNREACHABLE
    busy = unavailable("transactions", sdk.RateLimitError("slow down", status=429))
    assert busy.cause == "te veel verzoeken"
    broken = unavailable("transactions", sdk.ServerError("boom", status=500))
    assert broken.cause == "een technische fout bij de bank"
    assert unavailable("revocation endpoint", sdk.ServerError("boom", status=500), why=False).cause == broken.cause
