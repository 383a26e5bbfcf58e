"""The lean ``/v1`` read path: at most two SQL statements a read, and caches that never answer from old state.

Grants, faults, accounts and pages are kept between requests (``mockbank.sim.versions``); every test here
changes something a TPP would notice and reads again at once: the very next request must see it.
"""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager

import pytest
from sqlalchemy import event

from mockbank import create_app
from mockbank import models
from mockbank.services.bank import Party
from mockbank.sim.clock import SimClock

from .helpers import ALL_AIS
from .helpers import OUTSIDE_IBAN
from .helpers import Api
from .helpers import Tpp
from .helpers import assert_bank_error
from .helpers import body_of
from .helpers import make_firm
from .helpers import mint

READS = ("balances", "details", "transactions", "funds?amount=1.00")


@contextmanager
def statements(backend):
    """Every SQL statement the backend's engine runs inside the block (BEGIN and the like included)."""
    seen: list[str] = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(backend.db.engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(backend.db.engine, "before_cursor_execute", record)


def read(api: Api, iban: str, what: str):
    path = "/v1/consentinfo" if what == "consentinfo" else f"/v1/accounts/{iban}/{what}"
    return api.client.get(path, headers=api.headers())


# --- at most two statements ---------------------------------------------------------------------------------


@pytest.mark.parametrize("what", [*READS, "consentinfo"])
def test_an_authenticated_read_runs_at_most_two_statements_the_first_time_and_the_next(api, bank, firm, what):
    with statements(bank) as first:
        assert read(api, firm.iban, what).status_code == 200
    with statements(bank) as again:
        assert read(api, firm.iban, what).status_code == 200

    assert len(first) <= 2, first
    assert len(again) <= 2, again


def test_a_new_token_is_resolved_with_its_client_consent_and_account_in_one_statement(api, bank, firm, tpp):
    read(api, firm.iban, "balances")  # the account is known now; only the token is new
    fresh = Api(client=api.client, api_key=tpp.api_key, token=mint(bank, tpp, firm.iban))

    with statements(bank) as seen:
        assert read(fresh, firm.iban, "balances").status_code == 200

    assert len(seen) == 1, seen


def test_a_paging_walk_runs_one_statement_a_page(client, bank, tpp):
    firm = make_firm(bank.bank)
    for number in range(120):
        bank.bank.book(
            iban=firm.iban, amount_cents=-(100 + number), mutation_code="426", description_lines=[f"Winkel {number}"]
        )
    api = Api(client=client, api_key=tpp.api_key, token=mint(bank, tpp, firm.iban))
    read(api, firm.iban, "balances")

    counts, key, seen = [], None, 0
    while True:
        with statements(bank) as page_statements:
            page = api.get(f"/v1/accounts/{firm.iban}/transactions", **({"nextPageKey": key} if key else {}))
        counts.append(len(page_statements))
        seen += len(page.get_json()["transactions"])
        key = page.get_json().get("nextPageKey")
        if not key:
            break

    assert seen == 121
    assert counts == [1, 1, 1]


# --- the next request sees every change -----------------------------------------------------------------


def test_a_revoked_access_token_is_refused_on_the_next_request(api, client, firm, tpp):
    assert read(api, firm.iban, "balances").status_code == 200

    revoked = client.post("/as/revoke_token.oauth2", data={"token": api.token, "client_id": tpp.client_id})

    assert revoked.status_code == 200
    assert_bank_error(read(api, firm.iban, "balances"), 401, "ERR_2002_002")


def test_a_withdrawn_consent_stops_its_token_on_the_next_request(api, bank, firm, tpp):
    assert read(api, firm.iban, "transactions").status_code == 200
    (consent,) = bank.consents.consents(client_id=tpp.client_id)

    bank.consents.withdraw(consent.id, firm.customer_id)

    assert_bank_error(read(api, firm.iban, "transactions"), 401, "ERR_2002_002")


def test_a_token_that_the_simulated_clock_has_passed_is_refused(api, bank, firm):
    assert read(api, firm.iban, "balances").status_code == 200

    bank.clock.advance(dt.timedelta(hours=2))

    assert_bank_error(read(api, firm.iban, "balances"), 401, "ERR_2002_002")


def test_a_consent_that_the_simulated_clock_has_ended_stops_a_long_lived_token(bank_app, bank, client, firm, tpp):
    # A token outliving its consent: only the consent's end can stop it.
    token = bank.consents.mint_token(client_id=tpp.client_id, iban=firm.iban, scopes=ALL_AIS)
    with bank.db.transaction() as session:
        session.get(models.Token, token.id).expires_at = bank.clock.now() + dt.timedelta(days=400)
    api = Api(client=client, api_key=tpp.api_key, token=token.access_token)
    assert read(api, firm.iban, "balances").status_code == 200

    # Past the 90 days, but the expiry job not run (the clock was moved without running jobs, as a restart does).
    bank.clock.restore(bank.clock.now() + dt.timedelta(days=90, seconds=1))

    assert_bank_error(read(api, firm.iban, "balances"), 401, "ERR_2002_002")


def test_a_new_fault_answers_the_next_request_and_removing_it_restores_the_read(api, client, firm):
    assert read(api, firm.iban, "balances").status_code == 200

    added = client.post("/sandbox/faults", json={"path": "/v1/accounts/*/balances", "status": 503})

    assert added.status_code == 201
    assert_bank_error(read(api, firm.iban, "balances"), 503, "MESSAGE_BAI560_0005")
    assert client.delete(f"/sandbox/faults/{added.get_json()['id']}").status_code == 200
    assert read(api, firm.iban, "balances").status_code == 200


def test_a_fault_with_a_count_stops_answering_once_spent(api, client, firm):
    read(api, firm.iban, "details")
    client.post("/sandbox/faults", json={"path": "/v1/*", "status": 429, "count": 1})

    assert read(api, firm.iban, "details").status_code == 429
    assert read(api, firm.iban, "details").status_code == 200


def test_a_booking_shows_in_the_next_balance_and_page(api, bank, firm):
    assert body_of(read(api, firm.iban, "balances"))["amount"] == 1000
    first_page = read(api, firm.iban, "transactions").get_json()["transactions"]

    bank.bank.transfer(debtor_iban=firm.iban, creditor_iban=OUTSIDE_IBAN, amount_cents=1234, description="Huur")

    assert str(body_of(read(api, firm.iban, "balances"))["amount"]) == "987.66"
    page = read(api, firm.iban, "transactions").get_json()["transactions"]
    assert len(page) == len(first_page) + 1
    assert page[0]["amount"] == -12.34 and page[0]["counterPartyAccountNumber"] == OUTSIDE_IBAN


def test_funds_follow_the_balance(api, bank, firm):
    assert read(api, firm.iban, "funds?amount=1000.00").get_json()["available"] is True

    bank.bank.book(iban=firm.iban, amount_cents=-1, mutation_code="426", description_lines=["Pinautomaat"])

    assert read(api, firm.iban, "funds?amount=1000.00").get_json()["available"] is False


def test_after_a_reset_the_old_token_and_key_are_unknown(api, client, firm):
    assert read(api, firm.iban, "balances").status_code == 200

    assert client.post("/sandbox/reset").status_code == 200

    assert_bank_error(read(api, firm.iban, "balances"), 401, "ERR_2001_001")


# --- two servers on one database --------------------------------------------------------------------------


@pytest.fixture
def two_workers(storage_url):
    """Two bank apps on one database, as two server workers, each with its own clock (no setting needed)."""
    start = "2026-01-05T09:00:00+01:00"
    config = {"TESTING": True, "DATABASE_URL": storage_url}
    first = create_app(config, clock=SimClock(start=start))
    second = create_app(config, clock=SimClock(start=start))
    yield first, second
    for app in (first, second):
        app.extensions["mockbank"].close()


@pytest.fixture
def shared(two_workers):
    """A firm, a TPP and its token made through the first worker; a client of each worker."""
    first, second = two_workers
    backend = first.extensions["mockbank"]
    firm = make_firm(backend.bank)
    registered = backend.consents.register_client(name="Boekhoud App B.V.", redirect_uris=["https://localhost/auth"])
    tpp = Tpp(client_id=registered.client_id, api_key=registered.api_key)
    token = mint(backend, tpp, firm.iban)
    return {
        "firm": firm,
        "tpp": tpp,
        "one": Api(client=first.test_client(), api_key=tpp.api_key, token=token),
        "two": Api(client=second.test_client(), api_key=tpp.api_key, token=token),
        "backends": (backend, second.extensions["mockbank"]),
    }


def test_a_token_revoked_at_one_worker_is_refused_by_the_other_at_once(shared):
    iban, one, two = shared["firm"].iban, shared["one"], shared["two"]
    assert read(two, iban, "balances").status_code == 200

    form = {"token": one.token, "client_id": shared["tpp"].client_id}
    revoked = one.client.post("/as/revoke_token.oauth2", data=form)

    assert revoked.status_code == 200
    assert_bank_error(read(two, iban, "balances"), 401, "ERR_2002_002")


def test_a_fault_added_at_one_worker_answers_at_the_other_and_its_count_is_shared(shared):
    iban, one, two = shared["firm"].iban, shared["one"], shared["two"]
    assert read(two, iban, "details").status_code == 200

    one.client.post("/sandbox/faults", json={"path": "/v1/*", "status": 503, "count": 1})

    assert read(two, iban, "details").status_code == 503
    assert read(one, iban, "details").status_code == 200


def test_a_booking_at_one_worker_shows_in_the_others_next_balance_and_page(shared):
    iban, two = shared["firm"].iban, shared["two"]
    first_backend, _ = shared["backends"]
    assert body_of(read(two, iban, "balances"))["amount"] == 1000
    before = len(read(two, iban, "transactions").get_json()["transactions"])

    first_backend.bank.book(
        iban=iban, amount_cents=-250, mutation_code="426", description_lines=["Bakker"], counterparty=Party()
    )

    assert str(body_of(read(two, iban, "balances"))["amount"]) == "997.50"
    assert len(read(two, iban, "transactions").get_json()["transactions"]) == before + 1


def test_with_a_shared_database_a_known_token_reads_in_two_statements(shared):
    iban, two = shared["firm"].iban, shared["two"]
    _, second_backend = shared["backends"]
    for what in READS:
        read(two, iban, what)

    for what in READS:
        with statements(second_backend) as seen:
            assert read(two, iban, what).status_code == 200
        # The stored world versions, then the read itself (a page: the same page again needs no second one).
        assert len(seen) <= 2, (what, seen)


def test_only_a_database_in_memory_is_taken_as_this_process_alone(bank, file_app_factory, clock):
    assert bank.versions.shared is False
    assert file_app_factory(clock).extensions["mockbank"].versions.shared is True
    alone = file_app_factory(clock, url=None, SHARED_DATABASE=False)
    assert alone.extensions["mockbank"].versions.shared is False
