"""The living bank: as simulated days pass, the seeded accounts get the bookings their owners would have.

One seed and one start give one history, whatever the clock's steps and across restarts; nothing overdraws;
a world that wants silence (the default of ``create_app`` and the test worlds) gets none of it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
from sqlalchemy import select

from mockbank import create_app
from mockbank import models
from mockbank import wire
from mockbank.services.living import LIVING_JOB
from mockbank.services.living import LivingEvent
from mockbank.services.living import LivingProfile
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import is_target2_day
from mockbank.sim.clock import SimClock

START = "2026-01-05T09:00:00+01:00"
MONTH = dt.timedelta(days=31)


def living_app(clock=None, **config):
    """A bank seeded with 42 whose accounts live."""
    return create_app(
        {"TESTING": True, "SEED": 42, "LIVING_BANK": True, **config}, clock=clock or SimClock(start=START)
    )


@pytest.fixture
def living():
    app = living_app()
    yield app.extensions["mockbank"]
    app.extensions["mockbank"].close()


def life(backend, after: str = START) -> list[dict]:
    """Every booking made after ``after`` in the order the bank made them, as the API shows it, with its IBAN."""
    moment = dt.datetime.fromisoformat(after)
    with backend.db.reading() as session:
        ibans = dict(session.execute(select(models.Account.id, models.Account.iban)).all())
        rows = session.scalars(
            select(models.Booking).where(models.Booking.booked_at > moment).order_by(models.Booking.id)
        ).all()
        return [{"iban": ibans[r.account_id], "transferId": r.transfer_id, **wire.booking(r)} for r in rows]


def profiles(backend) -> dict[str, dict]:
    """IBAN -> the living profile the demo left it."""
    with backend.db.reading() as session:
        return dict(
            session.execute(
                select(models.Account.iban, LivingProfile.profile).join(
                    LivingProfile, LivingProfile.account_id == models.Account.id
                )
            ).all()
        )


def test_a_bank_that_does_not_live_books_nothing_as_days_pass(bank, clock):
    bank.seed(42)

    clock.advance(MONTH)

    assert life(bank) == []
    assert [j for j in bank.jobs.jobs() if j.kind == LIVING_JOB] == []


def test_a_month_of_life_books_what_each_owner_would_have(living):
    living.clock.advance(MONTH)
    rows = life(living)
    kinds = profiles(living)
    by_iban = defaultdict(list)
    for row in rows:
        by_iban[row["iban"]].append(row)

    businesses = [iban for iban, p in kinds.items() if p["kind"] == "business"]
    households = [iban for iban, p in kinds.items() if p["kind"] == "household"]
    savings = [iban for iban, p in kinds.items() if p["kind"] == "savings"]
    assert len(businesses) == 4 and len(households) == 2 and len(savings) == 5
    for iban in businesses + households:
        cards = [r for r in by_iban[iban] if r["mutationCode"] == "426"]
        assert cards, f"no card payment on {iban} in a month"
        assert all(r["transactionId"] == "" and r["descriptionLines"][0].startswith("BEA ") for r in cards)
        assert all(r["counterPartyAccountNumber"] == "" and r["amount"] < 0 for r in cards)
        debits = [r for r in by_iban[iban] if r["mutationCode"] == "247"]
        assert len(debits) == len(kinds[iban]["collectors"])  # each signed direct debit once a month
        for debit in debits:
            labels = {line.split(":")[0] for line in debit["descriptionLines"]}
            assert {"Incassant", "Machtiging", "Kenmerk"} <= labels and debit["amount"] < 0
    for iban in businesses:
        invoices = [
            r
            for r in by_iban[iban]
            if r["mutationCode"] == "654" and any("Factuur" in x for x in r["descriptionLines"])
        ]
        assert invoices and all(r["amount"] > 0 and r["transactionId"] for r in invoices)
        assert all(is_target2_day(dt.date.fromisoformat(r["bookDate"])) for r in invoices)
    for iban in households:
        employer = kinds[iban]["employer"]["iban"]
        [salary] = [r for r in by_iban[iban] if "Omschrijving: Salaris januari 2026" in "".join(r["descriptionLines"])]
        assert salary["bookDate"] == "2026-01-23"  # the 24th is a Saturday: the Friday before
        [paid] = [r for r in by_iban[employer] if r["transferId"] == salary["transferId"]]
        assert paid["amount"] == -salary["amount"] and paid["counterPartyAccountNumber"] == iban
    for iban in savings:
        [interest] = [r for r in by_iban[iban] if r["mutationCode"] == "593"]
        assert interest["bookDate"] == "2026-02-02" and interest["descriptionLines"][0] == "RENTEAFSLUITING PER 31.01"
    assert living.bank.ledger_check() == []
    # None of the seeded accounts has a credit line: none goes below zero.
    assert all(r["balanceAfterMutation"] >= 0 for r in rows)


def test_every_booking_happened_before_the_evening_run_that_booked_it(living):
    living.clock.advance(MONTH)

    for row in life(living):
        stamp = dt.datetime.strptime(row["transactionTimestamp"][:19], "%Y-%m-%d-%H:%M:%S")
        assert stamp.hour < 22 and stamp.date().isoformat() == row["bookDate"]
    runs = [j for j in living.jobs.jobs() if j.kind == LIVING_JOB]
    assert {j.due_at.astimezone(AMSTERDAM).time() for j in runs} == {dt.time(22, 0)}
    assert [j.status for j in runs].count("pending") == 1


def test_one_seed_and_one_start_give_one_history_whatever_the_steps(living):
    living.clock.advance(MONTH)
    other = living_app()
    try:
        for _ in range(31 * 3):
            other.extensions["mockbank"].clock.advance(dt.timedelta(hours=8))
        assert wire.dumps(life(other.extensions["mockbank"])) == wire.dumps(life(living))
    finally:
        other.extensions["mockbank"].close()


def test_another_seed_lives_another_life(living):
    living.clock.advance(dt.timedelta(days=7))
    other = living_app(SEED=7)
    try:
        other.extensions["mockbank"].clock.advance(dt.timedelta(days=7))
        assert life(other.extensions["mockbank"]) != life(living) != []
    finally:
        other.extensions["mockbank"].close()


def test_a_restart_resumes_the_same_history(living, file_app_factory):
    living.clock.advance(MONTH)
    first = file_app_factory(SimClock(start=START), SEED=42, LIVING_BANK=True)
    first.extensions["mockbank"].clock.advance(dt.timedelta(days=12, hours=5))
    first.extensions["mockbank"].close()

    again = file_app_factory(SimClock(start=START), SEED=42, LIVING_BANK=True)
    backend = again.extensions["mockbank"]
    backend.clock.advance_to(living.clock.now())

    assert wire.dumps(life(backend)) == wire.dumps(life(living))


def test_a_restart_with_the_bank_switched_off_falls_silent(file_app_factory):
    first = file_app_factory(SimClock(start=START), SEED=42, LIVING_BANK=True)
    first.extensions["mockbank"].clock.advance(dt.timedelta(days=3))
    lived = len(life(first.extensions["mockbank"]))
    first.extensions["mockbank"].close()

    again = file_app_factory(SimClock(start=START), SEED=42)
    backend = again.extensions["mockbank"]
    backend.clock.advance(MONTH)

    assert lived > 0 and len(life(backend)) == lived
    assert [j for j in backend.jobs.jobs(status="pending") if j.kind == LIVING_JOB] == []


def test_a_run_repeated_or_killed_half_way_books_nothing_twice(living):
    living.clock.advance(dt.timedelta(days=5))
    before = life(living)

    # As if the run had died before its last step: the window starts over, the events' keys say what is done.
    living.bank.set_setting("living_bank_until", START)
    assert living.living.run() == {"booked": 0, "skipped": 0, "elsewhere": 0}
    assert life(living) == before

    # Two workers' runs that both saw an event as new: the second finds its key taken and books nothing.
    first = living.living.events(dt.datetime.fromisoformat(START), living.clock.now())[0]
    assert living.living.book(first) == "elsewhere"
    assert life(living) == before


def test_life_never_overdraws_an_account(living):
    household = next(iban for iban, p in profiles(living).items() if p["kind"] == "household")
    account = living.bank.account(household)
    living.bank.transfer(
        debtor_iban=household, creditor_iban="NL86INGB0002445588", amount_cents=account.balance_cents - 500
    )

    living.clock.advance(dt.timedelta(days=20))  # payday is the 23rd: until then nothing comes in

    rows = [r for r in life(living) if r["iban"] == household]
    assert rows and all(r["balanceAfterMutation"] >= 0 for r in rows)
    assert living.bank.account(household).balance_cents >= 500
    with living.db.reading() as session:
        skipped = session.scalars(select(LivingEvent).where(LivingEvent.status == "skipped")).all()
    assert any(e.key.startswith(household) for e in skipped)


def test_seeding_through_the_sandbox_starts_the_evening_run():
    app = living_app(SEED=None)
    try:
        sandbox = app.test_client()
        assert [j for j in sandbox.get("/sandbox/jobs").get_json()["jobs"] if j["kind"] == LIVING_JOB] == []
        assert sandbox.post("/sandbox/seed", json={"seed": 42}).status_code == 201
        [job] = [j for j in sandbox.get("/sandbox/jobs").get_json()["jobs"] if j["kind"] == LIVING_JOB]
        assert (job["status"], job["dueAt"]) == ("pending", "2026-01-05T21:00:00+00:00")
    finally:
        app.extensions["mockbank"].close()


def test_mockbank_serve_lives_unless_told_otherwise():
    from scenarios import cli

    assert cli.app_configs({})[0]["LIVING_BANK"] is True
    assert cli.app_configs({"MOCKBANK_LIVING_BANK": "false"})[0]["LIVING_BANK"] is False
