"""In-process ``/v1`` reads and the token endpoint against a bare Flask test-client request, in the same run."""

from __future__ import annotations

import pytest
from flask import Flask
from flask import jsonify

from mockbank import create_app
from mockbank.sim.clock import SimClock

from .conftest import START
from .conftest import figure
from .measure import versus

READS = {
    "balances": "/v1/accounts/{iban}/balances",
    "details": "/v1/accounts/{iban}/details",
    "transactions page": "/v1/accounts/{iban}/transactions",
}
# The goal: an authenticated read costs at most twice a bare Flask request.
GOAL = 2.0


@pytest.fixture(scope="module")
def seeded():
    """The demo world of seed 42 in memory, its first account and a token of the sandbox's TPP for it."""
    app = create_app({"TESTING": True, "SEED": 42}, clock=SimClock(start=START))
    backend = app.extensions["mockbank"]
    summary = backend.last_seed_summary
    iban = summary["accounts"][0]["iban"]
    tpp = next(c for c in summary["clients"] if c["clientId"] == "TPP_test")
    token = backend.consents.mint_token(
        client_id=tpp["clientId"],
        iban=iban,
        scopes="psd2:account:details:read psd2:account:balance:read psd2:account:transaction:read",
    )
    headers = {"API-Key": tpp["apiKey"], "Authorization": f"Bearer {token.access_token}"}
    yield {"app": app, "client": app.test_client(), "iban": iban, "headers": headers, "tpp": tpp}
    backend.close()


@pytest.fixture(scope="module")
def bare():
    """A bare Flask app: one view returning a small ``jsonify``, and one returning a page-sized ``jsonify``."""
    app = Flask("bare")
    page: dict = {}

    @app.get("/ping")
    def ping():
        return jsonify(pong=True)

    @app.get("/page")
    def same_page():
        return jsonify(page)

    return app.test_client(), page


@pytest.mark.parametrize("name", list(READS))
def test_an_authenticated_read_against_a_bare_flask_request(benchmark, seeded, bare, name):
    benchmark.group = "in-process /v1 read vs bare Flask"
    client, headers = seeded["client"], seeded["headers"]
    path = READS[name].format(iban=seeded["iban"])
    bare_client, _ = bare

    def read():
        response = client.get(path, headers=headers)
        assert response.status_code == 200

    result = benchmark.pedantic(lambda: versus(read, lambda: bare_client.get("/ping")), rounds=1, iterations=1)

    figure(f"/v1 {name} (in-process)", result.row(), yardstick="bare Flask test-client request", goal=GOAL)


def test_a_transactions_page_not_kept_against_a_bare_flask_request(benchmark, seeded, bare):
    """The page read from the database and written again on every request (the kept pages forgotten)."""
    benchmark.group = "in-process /v1 read vs bare Flask"
    client, headers = seeded["client"], seeded["headers"]
    reads = seeded["app"].extensions["mockbank"].reads
    path = READS["transactions page"].format(iban=seeded["iban"])
    bare_client, page = bare
    page.update(client.get(path, headers=headers).get_json())

    def read():
        reads.forget()
        response = client.get(path, headers=headers)
        assert response.status_code == 200

    trivial = benchmark.pedantic(lambda: versus(read, lambda: bare_client.get("/ping")), rounds=1, iterations=1)
    same = versus(read, lambda: bare_client.get("/page"))

    figure("/v1 transactions page, not kept (in-process)", trivial.row(), yardstick="bare Flask test-client request")
    figure(
        "/v1 transactions page, not kept (in-process)",
        same.row(),
        yardstick="bare Flask jsonify of the same page",
        goal=GOAL,
    )


def test_the_token_endpoint_against_a_bare_flask_request(benchmark, seeded, bare):
    benchmark.group = "in-process /v1 read vs bare Flask"
    client, tpp = seeded["client"], seeded["tpp"]
    form = {
        "grant_type": "client_credentials",
        "client_id": tpp["clientId"],
        "client_secret": tpp["clientSecret"],
        "scope": "psd2:payment:sepa:write",
    }
    bare_client, _ = bare

    def token():
        response = client.post("/as/token.oauth2", data=form)
        assert response.status_code == 200

    result = benchmark.pedantic(
        lambda: versus(token, lambda: bare_client.get("/ping"), rounds=15), rounds=1, iterations=1
    )

    figure("POST /as/token.oauth2 client credentials (in-process)", result.row(), yardstick="bare Flask request")

