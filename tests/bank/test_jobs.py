"""Due jobs: run in time order at their own due time when the clock passes them, whatever the step size."""

from __future__ import annotations

import datetime as dt

import pytest

from mockbank import create_app
from mockbank import models
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import next_local_time
from mockbank.sim.clock import SimClock

START = "2026-01-05T09:00:00+01:00"


def at(clock: SimClock, **delta) -> dt.datetime:
    return clock.now() + dt.timedelta(**delta)


@pytest.fixture
def log(bank, clock):
    """Register a ``note`` job kind whose runs are recorded as (name, the clock's time while it ran)."""
    runs: list[tuple[str, dt.datetime]] = []

    def note(payload, now):
        assert now == clock.now()  # a job sees the simulated time of its own due moment
        runs.append((payload["name"], now))

    bank.jobs.register("note", note)
    return runs


def test_jobs_run_in_time_order_each_at_its_own_due_time(bank, clock, log):
    start = clock.now()
    bank.jobs.schedule("note", at(clock, hours=3), {"name": "c"})
    bank.jobs.schedule("note", at(clock, hours=1), {"name": "a"})
    bank.jobs.schedule("note", at(clock, hours=2), {"name": "b"})

    clock.advance(dt.timedelta(days=1))

    assert log == [
        ("a", start + dt.timedelta(hours=1)),
        ("b", start + dt.timedelta(hours=2)),
        ("c", start + dt.timedelta(hours=3)),
    ]
    assert clock.now() == start + dt.timedelta(days=1)
    assert [j.status for j in bank.jobs.jobs()] == ["done", "done", "done"]


def test_jobs_due_at_the_same_moment_run_in_the_order_they_were_scheduled(bank, clock, log):
    moment = at(clock, hours=1)
    for name in ("first", "second", "third"):
        bank.jobs.schedule("note", moment, {"name": name})

    clock.advance(dt.timedelta(hours=1))

    assert [name for name, _ in log] == ["first", "second", "third"]


def test_a_job_runs_when_the_clock_reaches_its_due_time_not_before(bank, clock, log):
    due = at(clock, hours=1)
    bank.jobs.schedule("note", due, {"name": "x"})

    clock.advance_to(due - dt.timedelta(microseconds=1))
    assert log == []
    assert bank.jobs.next_due() == due

    clock.advance_to(due)
    assert log == [("x", due)]
    assert bank.jobs.next_due() is None


def test_a_job_scheduled_by_a_job_inside_the_window_also_runs(bank, clock, log):
    def chain(payload, now):
        log.append(("chain", now))
        if payload["left"]:
            bank.jobs.schedule("chain", now + dt.timedelta(minutes=30), {"left": payload["left"] - 1})

    bank.jobs.register("chain", chain)
    start = clock.now()
    bank.jobs.schedule("chain", at(clock, minutes=30), {"left": 3})
    bank.jobs.schedule("note", at(clock, minutes=75), {"name": "between"})

    clock.advance(dt.timedelta(hours=3))

    assert log == [
        ("chain", start + dt.timedelta(minutes=30)),
        ("chain", start + dt.timedelta(minutes=60)),
        ("between", start + dt.timedelta(minutes=75)),
        ("chain", start + dt.timedelta(minutes=90)),
        ("chain", start + dt.timedelta(minutes=120)),
    ]


def test_a_job_scheduled_in_the_past_runs_at_the_next_advance_at_the_current_time(bank, clock, log):
    bank.jobs.schedule("note", at(clock, hours=-1), {"name": "late"})

    clock.advance(1)

    assert log == [("late", clock.now() - dt.timedelta(seconds=1))]


def _daily_fetch_world(clock: SimClock):
    """An app with a daily 06:00 job (like the portal's fetch) that books what it saw, and a record of runs."""
    app = create_app({"TESTING": True}, clock=clock)
    backend = app.extensions["mockbank"]
    runs: list[str] = []

    def fetch(payload, now):
        runs.append(now.astimezone(AMSTERDAM).isoformat())
        backend.jobs.schedule("fetch", next_local_time(now, 6), {})

    backend.jobs.register("fetch", fetch)
    backend.jobs.schedule("fetch", next_local_time(clock.now(), 6), {})
    return app, runs


def test_the_outcome_does_not_depend_on_the_step_size():
    one_step_clock = SimClock(start=START)
    small_steps_clock = SimClock(start=START)
    app_a, one_step = _daily_fetch_world(one_step_clock)
    app_b, small_steps = _daily_fetch_world(small_steps_clock)
    try:
        one_step_clock.advance(dt.timedelta(days=10))
        for _ in range(10 * 24 * 4):
            small_steps_clock.advance(dt.timedelta(minutes=15))

        assert one_step == small_steps
        assert len(one_step) == 10
        assert one_step[0] == "2026-01-06T06:00:00+01:00"
        assert one_step_clock.now() == small_steps_clock.now()
    finally:
        app_a.extensions["mockbank"].close()
        app_b.extensions["mockbank"].close()


def test_a_failing_job_is_recorded_and_does_not_block_later_jobs(bank, clock, log):
    def broken(payload, now):
        raise RuntimeError("the mail server is on fire")

    bank.jobs.register("broken", broken)
    bank.jobs.schedule("broken", at(clock, hours=1), {"n": 1})
    bank.jobs.schedule("note", at(clock, hours=2), {"name": "after"})

    clock.advance(dt.timedelta(hours=3))

    assert [name for name, _ in log] == ["after"]
    failed, done = bank.jobs.jobs()
    assert (failed.kind, failed.status, failed.attempts) == ("broken", "failed", 1)
    assert failed.last_error == "RuntimeError: the mail server is on fire"
    assert done.status == "done" and done.last_error is None
    # A failed job is not retried by later advances.
    clock.advance(dt.timedelta(days=1))
    assert bank.jobs.jobs(status="failed")[0].attempts == 1


def test_a_failing_job_leaves_nothing_of_its_own_writes(bank, clock):
    def half_done(payload, now):
        with bank.db.transaction() as session:
            session.add(models.Customer(kind="retail", name="Half Written", created_at=now))
            session.flush()
            raise RuntimeError("crash after the first write")

    bank.jobs.register("half", half_done)
    bank.jobs.schedule("half", at(clock, minutes=1))

    clock.advance(dt.timedelta(minutes=1))

    assert bank.jobs.jobs()[0].status == "failed"
    assert bank.bank.customers() == []


def test_scheduling_an_unknown_kind_is_refused(bank, clock):
    with pytest.raises(KeyError):
        bank.jobs.schedule("nobody.handles.this", at(clock, hours=1))

    assert bank.jobs.jobs() == []


def test_cancelled_jobs_do_not_run(bank, clock, log):
    bank.jobs.schedule("note", at(clock, hours=1), {"name": "keep"})
    bank.jobs.schedule("note", at(clock, hours=1), {"name": "drop"})

    assert bank.jobs.cancel("note", lambda payload: payload["name"] == "drop") == 1
    clock.advance(dt.timedelta(hours=2))

    assert [name for name, _ in log] == ["keep"]
    assert sorted(j.status for j in bank.jobs.jobs()) == ["cancelled", "done"]


def test_jobs_of_two_apps_on_one_clock_interleave_in_time_order(clock):
    apps = [create_app({"TESTING": True}, clock=clock) for _ in range(2)]
    runs: list[tuple[str, dt.datetime]] = []
    try:
        for name, app in zip(("bank", "portal"), apps, strict=True):
            jobs = app.extensions["mockbank"].jobs
            jobs.register("note", lambda payload, now, name=name: runs.append((f"{name}:{payload['n']}", now)))
        bank_jobs, portal_jobs = (app.extensions["mockbank"].jobs for app in apps)
        start = clock.now()
        for minutes in (10, 30, 50):
            bank_jobs.schedule("note", start + dt.timedelta(minutes=minutes), {"n": minutes})
        for minutes in (20, 40, 60):
            portal_jobs.schedule("note", start + dt.timedelta(minutes=minutes), {"n": minutes})

        clock.advance(dt.timedelta(hours=1))

        assert [name for name, _ in runs] == [
            "bank:10",
            "portal:20",
            "bank:30",
            "portal:40",
            "bank:50",
            "portal:60",
        ]
        assert [when for _, when in runs] == sorted(when for _, when in runs)
    finally:
        for app in apps:
            app.extensions["mockbank"].close()


def test_a_job_in_one_app_can_schedule_work_in_the_other(clock):
    bank_app, portal_app = (create_app({"TESTING": True}, clock=clock) for _ in range(2))
    bank_jobs = bank_app.extensions["mockbank"].jobs
    portal_jobs = portal_app.extensions["mockbank"].jobs
    runs = []
    try:
        portal_jobs.register("mail", lambda payload, now: runs.append(("mail", now)))
        bank_jobs.register(
            "consent", lambda payload, now: portal_jobs.schedule("mail", now + dt.timedelta(minutes=5), {})
        )
        start = clock.now()
        bank_jobs.schedule("consent", start + dt.timedelta(minutes=10), {})

        clock.advance(dt.timedelta(hours=1))

        assert runs == [("mail", start + dt.timedelta(minutes=15))]
    finally:
        bank_app.extensions["mockbank"].close()
        portal_app.extensions["mockbank"].close()


def test_a_closed_app_no_longer_takes_part(clock, log, bank):
    other = create_app({"TESTING": True}, clock=clock)
    other_runs = []
    other.extensions["mockbank"].jobs.register("note", lambda payload, now: other_runs.append(now))
    other.extensions["mockbank"].jobs.schedule("note", at(clock, minutes=5), {"name": "gone"})
    bank.jobs.schedule("note", at(clock, minutes=10), {"name": "stays"})

    other.extensions["mockbank"].close()
    clock.advance(dt.timedelta(hours=1))

    assert other_runs == []
    assert [name for name, _ in log] == ["stays"]


def test_jobs_survive_a_restart_on_the_same_database_file(file_app_factory):
    first = file_app_factory(SimClock(start=START))
    backend = first.extensions["mockbank"]
    backend.jobs.register("note", lambda payload, now: None)
    due = backend.clock.now() + dt.timedelta(days=3)
    backend.jobs.schedule("note", due, {"name": "after restart"})
    backend.clock.advance(dt.timedelta(days=1))
    backend.close()

    second = file_app_factory(SimClock(start=START))
    restarted = second.extensions["mockbank"]
    runs = []
    restarted.jobs.register("note", lambda payload, now: runs.append((payload["name"], now)))
    assert restarted.jobs.next_due() == due

    restarted.clock.advance(dt.timedelta(days=2))

    assert runs == [("after restart", due)]
    assert restarted.jobs.jobs()[0].status == "done"


def test_the_consent_expiry_job_survives_a_restart(file_app_factory):
    first = file_app_factory(SimClock(start=START))
    backend = first.extensions["mockbank"]
    customer = backend.bank.create_customer(kind="retail", name="Jan Jansen")
    account = backend.bank.open_account(customer_id=customer.id)
    client = backend.consents.register_client(name="TPP", redirect_uris=["https://localhost/auth"])
    backend.consents.mint_token(client_id=client.client_id, iban=account.iban, scopes="psd2:account:balance:read")
    backend.close()

    second = file_app_factory(SimClock(start=START))
    restarted = second.extensions["mockbank"]
    restarted.clock.advance(dt.timedelta(days=91))

    consent = restarted.consents.consents()[0]
    assert consent.status == "expired"
    assert [e.status for e in consent.events] == ["received", "valid", "expired"]
    assert consent.events[-1].at == consent.valid_until
