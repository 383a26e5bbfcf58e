"""Schemathesis against ABN AMRO's published account-information OpenAPI, run in-process on the bank's WSGI app.

The spec is read from ``../shared/reference`` beside the checkout (CI lays ``shared/`` there too). Its server
is ``https://api-sandbox.abnamro.com/v1``, so every path is under ``/v1`` as the bank serves it. Cases carry the
``API-Key`` and a bearer token of a consent with every AIS scope, and half of them the consented IBAN, so the
authenticated paths are reached; negative cases (values the spec does not allow) are drawn as well. Checked:
no server error. Bounded and derandomized, so a run is short and repeatable.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode

from mockbank import create_app
from mockbank.sim.clock import SimClock
from tests.bank.helpers import make_firm

REPO = Path(__file__).resolve().parents[2]
SPEC = REPO.parent / "shared" / "reference" / "abnamro-ais-openapi.yaml"
ALL_SCOPES = "psd2:account:details:read psd2:account:balance:read psd2:account:transaction:read psd2:account:funds:read"
EXAMPLES = 25


def _schema():
    if not SPEC.exists():
        raise FileNotFoundError(f"ABN AMRO's OpenAPI is expected at {SPEC} (../shared/reference beside the checkout)")
    return schemathesis.openapi.from_path(SPEC)


SCHEMA = _schema()
OPERATIONS = [(op.method.upper(), op.path) for op in (result.ok() for result in SCHEMA.get_all_operations())]


@pytest.fixture(scope="module")
def bank():
    """A bank with a firm's account, a third party and a token with every AIS scope for that account."""
    app = create_app({"TESTING": True}, clock=SimClock(start="2026-03-02T09:00:00+01:00"))
    backend = app.extensions["mockbank"]
    firm = make_firm(backend.bank)
    for n in range(60):  # more than one page of transactions, so nextPageKey is real
        backend.bank.book(iban=firm.iban, amount_cents=-(n + 1), mutation_code="426", description_lines=[f"BEA {n}"])
    client = backend.consents.register_client(name="Schemathesis BV", redirect_uris=["https://localhost/auth"])
    token = backend.consents.mint_token(client_id=client.client_id, iban=firm.iban, scopes=ALL_SCOPES).access_token
    yield app, {"API-Key": client.api_key, "Authorization": f"Bearer {token}"}, firm.iban
    backend.close()


def test_the_spec_has_the_five_operations_the_bank_serves():
    assert sorted(OPERATIONS) == [
        ("GET", "/accounts/{accountNumber}/balances"),
        ("GET", "/accounts/{accountNumber}/details"),
        ("GET", "/accounts/{accountNumber}/funds"),
        ("GET", "/accounts/{accountNumber}/transactions"),
        ("GET", "/consentinfo"),
    ]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_no_case_of_the_published_spec_gets_a_server_error(bank, method, path):
    app, credentials, iban = bank
    operation = SCHEMA[path][method]
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE, headers=credentials),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )
    statuses = set()

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
    )
    @given(case=cases, consented=st.booleans())
    def call(case, consented):
        if consented and "accountNumber" in (case.path_parameters or {}):
            case.path_parameters["accountNumber"] = iban
        response = case.call(app=app)
        statuses.add(response.status_code)
        case.validate_response(response, checks=[not_a_server_error])

    call()
    # The authenticated path was reached, not only the credential checks.
    assert 200 in statuses, statuses
