"""Storage: everything the bank knows survives a restart, on a SQLite file and on PostgreSQL (when configured)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import select

from mockbank import models
from mockbank.sim.calendar import UTC
from mockbank.sim.clock import SimClock

from .helpers import Api
from .helpers import Tpp
from .helpers import balance_chains_intact
from .helpers import body_of
from .helpers import make_firm
from .helpers import mint

START = "2026-01-05T09:00:00+01:00"


def test_the_world_survives_a_restart_and_old_tokens_still_work(storage_url, file_app_factory):
    first = file_app_factory(SimClock(start=START), storage_url)
    backend = first.extensions["mockbank"]
    firm = make_firm(backend.bank)
    backend.bank.transfer(debtor_iban=firm.iban, creditor_iban=firm.other_iban, amount_cents=12_345)
    registered = backend.consents.register_client(name="TPP", redirect_uris=["https://localhost/auth"])
    tpp = Tpp(registered.client_id, registered.api_key)
    token = mint(backend, tpp, firm.iban)
    backend.clock.advance(dt.timedelta(minutes=30))
    backend.close()

    second = file_app_factory(SimClock(start=START), storage_url)
    api = Api(client=second.test_client(), api_key=tpp.api_key, token=token)

    assert body_of(api.get(f"/v1/accounts/{firm.iban}/balances"))["amount"] == Decimal("876.55")
    transactions = api.get(f"/v1/accounts/{firm.iban}/transactions").get_json()["transactions"]
    assert [t["amount"] for t in transactions] == [-123.45, 1000]
    assert api.get("/v1/consentinfo").get_json()["iban"] == firm.iban
    restarted = second.extensions["mockbank"]
    assert restarted.bank.ledger_check() == []
    assert balance_chains_intact(restarted.bank) == []
    # New work on the restarted bank continues the same ledger.
    restarted.bank.transfer(debtor_iban=firm.other_iban, creditor_iban=firm.iban, amount_cents=45)
    assert restarted.bank.account(firm.iban).balance_cents == 87_700


def test_times_come_back_aware_and_in_utc(storage_url, file_app_factory):
    app = file_app_factory(SimClock(start=START), storage_url)
    backend = app.extensions["mockbank"]
    firm = make_firm(backend.bank)

    with backend.db.reading() as session:
        booking = session.scalars(select(models.Booking)).one()
        customer = session.get(models.Customer, firm.customer_id)

    assert booking.booked_at == dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    assert booking.booked_at.tzinfo is not None and customer.created_at.utcoffset() == dt.timedelta(0)
    assert booking.book_date == dt.date(2026, 1, 5)


def test_a_naive_time_is_never_stored(storage_url, file_app_factory):
    app = file_app_factory(SimClock(start=START), storage_url)
    backend = app.extensions["mockbank"]

    with pytest.raises(Exception, match="naive"):
        with backend.db.transaction() as session:
            session.add(models.Customer(kind="retail", name="Naive", created_at=dt.datetime(2026, 1, 5, 9, 0)))

    assert backend.bank.customers() == []


def test_large_amounts_and_dutch_text_round_trip_exactly(storage_url, file_app_factory):
    app = file_app_factory(SimClock(start=START), storage_url)
    backend = app.extensions["mockbank"]
    firm = make_firm(backend.bank)
    backend.bank.book(
        iban=firm.other_iban,
        amount_cents=999_999_999_999,  # € 9.999.999.999,99: more than 32 bits of cents
        mutation_code="654",
        description_lines=["Café ’t Hoekje", "Crème brûlée € 4,50"],
    )

    row = backend.bank.bookings_page(
        backend.bank.account(firm.other_iban).id, date_from=None, date_to=None, after=None, size=1
    )[0][0]

    assert row.balance_after_cents == 999_999_999_999
    assert row.description_lines == ["Café ’t Hoekje", "Crème brûlée € 4,50"]


def test_the_clock_resumes_after_a_restart(storage_url, file_app_factory):
    first = file_app_factory(SimClock(start=START), storage_url)
    first.extensions["mockbank"].clock.advance_working_days(5)
    first.extensions["mockbank"].close()

    second = file_app_factory(SimClock(start=START), storage_url)

    assert second.extensions["mockbank"].clock.today() == dt.date(2026, 1, 12)


def test_due_jobs_survive_a_restart(storage_url, file_app_factory):
    first = file_app_factory(SimClock(start=START), storage_url)
    backend = first.extensions["mockbank"]
    backend.jobs.register("note", lambda payload, now: None)
    due = backend.clock.now() + dt.timedelta(hours=5)
    backend.jobs.schedule("note", due, {"text": "héllo"})
    backend.close()

    second = file_app_factory(SimClock(start=START), storage_url)
    restarted = second.extensions["mockbank"]
    seen = []
    restarted.jobs.register("note", lambda payload, now: seen.append((payload, now)))
    restarted.clock.advance(dt.timedelta(hours=6))

    assert seen == [({"text": "héllo"}, due)]


def test_reset_empties_the_bank_but_keeps_the_time(storage_url, file_app_factory):
    app = file_app_factory(SimClock(start=START), storage_url)
    backend = app.extensions["mockbank"]
    make_firm(backend.bank)
    backend.clock.advance(dt.timedelta(days=3))

    backend.reset()

    assert backend.bank.customers() == []
    assert backend.consents.clients() == []
    assert backend.clock.today() == dt.date(2026, 1, 8)
    # The emptied bank works, and a restart after the reset still knows the time.
    make_firm(backend.bank)
    backend.close()
    again = file_app_factory(SimClock(start=START), storage_url)
    assert again.extensions["mockbank"].clock.today() == dt.date(2026, 1, 8)
    assert len(again.extensions["mockbank"].bank.customers()) == 1


def test_one_id_seed_gives_the_same_ibans_keys_and_tokens(storage_url, file_app_factory, tmp_path):
    def build(url):
        app = file_app_factory(SimClock(start=START), url)
        backend = app.extensions["mockbank"]
        firm = make_firm(backend.bank)
        client = backend.consents.register_client(name="TPP", redirect_uris=["https://localhost/auth"])
        token = mint(backend, Tpp(client.client_id, client.api_key), firm.iban)
        backend.close()
        return firm.iban, firm.other_iban, client.client_id, client.api_key, token

    first = build(storage_url)
    second = build(f"sqlite:///{tmp_path / 'twin.db'}")

    assert first == second


def test_reading_the_api_does_not_change_what_is_made_next(clock):
    """Trace ids must not draw from the world's seeded ids: a GET may not shift the next IBAN or token."""
    from mockbank import create_app

    made = []
    for reads in (0, 5):
        app = create_app({"TESTING": True}, clock=clock)
        client = app.test_client()
        for _ in range(reads):
            client.get("/sandbox/clock")
        customer = client.post("/sandbox/customers", json={"name": "Piet"}).get_json()
        made.append(client.post("/sandbox/accounts", json={"customerId": customer["id"]}).get_json()["iban"])
        app.extensions["mockbank"].close()

    assert made[0] == made[1]


def test_a_job_scheduled_in_an_open_transaction_is_seen_once_committed(storage_url, file_app_factory):
    """The next-due cache must not keep what it read while the scheduling transaction was still open."""
    if not storage_url.startswith("postgresql"):
        pytest.skip("SQLite serializes readers behind the open writer; the race needs PostgreSQL")
    app = file_app_factory(SimClock(start=START), storage_url)
    backend = app.extensions["mockbank"]
    backend.jobs.register("note", lambda payload, now: None)
    due = backend.clock.now() + dt.timedelta(hours=1)

    with backend.db.transaction() as session:
        backend.jobs.schedule("note", due, session=session)
        assert backend.jobs.next_due() is None  # another reader (the ticker) looks before the commit

    assert backend.jobs.next_due() == due
