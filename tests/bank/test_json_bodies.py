"""Request bodies that cannot be stored or answered are a 400 in the app's own envelope, and nothing is stored."""

from __future__ import annotations

import pytest

from consent_server import create_app as create_portal
from mockbank import create_app as create_bank
from mockbank.sim.clock import SimClock

from .helpers import make_firm

DEEP = b"[" * 100_000 + b"]" * 100_000
BAD_BODIES = {
    "lone-surrogate": b'{"debtorIban": "X", "description": "caf\\ud800"}',
    "nul": b'{"description": "a\\u0000b"}',
    "huge-integer": b'{"seed": 99999999999999999999999}',
    "nan": b'{"seed": NaN}',
    "deep": DEEP,
    "not-utf8": b'{"description": "\xff"}',
}


@pytest.fixture
def bank_app():
    app = create_bank({"TESTING": True}, clock=SimClock(start="2026-01-05T09:00:00+01:00"))
    yield app
    app.extensions["mockbank"].close()


@pytest.mark.parametrize("name", BAD_BODIES)
def test_the_bank_sandbox_answers_its_own_400(bank_app, name):
    response = bank_app.test_client().post(
        "/sandbox/seed", data=BAD_BODIES[name], headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["errors"][0]["code"] == "SANDBOX_400"


def test_a_transfer_with_a_lone_surrogate_is_refused_and_books_nothing(bank_app):
    backend = bank_app.extensions["mockbank"]
    firm = make_firm(backend.bank)
    ibans = f'"debtorIban": "{firm.iban}", "creditorIban": "{firm.other_iban}"'
    body = ("{" + ibans + ', "amount": "0.01", "description": "caf\\udc00"}').encode()
    client = bank_app.test_client()
    response = client.post("/sandbox/transfers", data=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 400
    assert "surrogate" in response.get_json()["errors"][0]["message"]
    bookings = client.get(f"/sandbox/accounts/{firm.iban}/bookings")
    assert bookings.status_code == 200
    assert len(bookings.get_json()["bookings"]) == 1  # the opening deposit only


@pytest.mark.parametrize("name", BAD_BODIES)
def test_the_portal_sandbox_answers_its_own_400(name):
    app = create_portal({"TESTING": True}, clock=SimClock(start="2026-01-05T09:00:00+01:00"))
    response = app.test_client().post(
        "/sandbox/administrations", data=BAD_BODIES[name], headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert response.get_json()["ErrorCode"] == 4000
    assert app.test_client().get("/sandbox/administrations").get_json()["administrations"] == []
    app.extensions["consent_server"].close()
