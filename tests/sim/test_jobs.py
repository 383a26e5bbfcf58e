"""Due jobs survive crashes: interrupted jobs run again, a recurring series never ends by a dying run, and of
several workers that see a job due exactly one runs it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy.orm import DeclarativeBase

from mockbank.sim.backend import SimBackend
from mockbank.sim.calendar import next_local_time
from mockbank.sim.clock import SimClock
from mockbank.sim.ids import id_sequence_model
from mockbank.sim.jobs import clock_state_model
from mockbank.sim.jobs import due_job_model

START = "2026-01-05T09:00:00+01:00"


class Base(DeclarativeBase):
    """A test app's tables."""


ClockState = clock_state_model(Base)
DueJob = due_job_model(Base)
IdSequence = id_sequence_model(Base)


class Crash(BaseException):
    """Stands in for kill -9: nothing after it runs, not even ``except Exception``."""


def backend(url: str, clock: SimClock, runs: list, *, crash_on: set | None = None) -> SimBackend:
    app = SimBackend(
        database_url=url,
        id_seed=0,
        clock=clock,
        base=Base,
        job_model=DueJob,
        state_model=ClockState,
        sequence_model=IdSequence,
    )

    def daily(payload: dict, now: dt.datetime) -> None:
        if crash_on and now.date() in crash_on:
            raise Crash
        runs.append(now)

    app.jobs.register("daily", daily, every=lambda due: next_local_time(due, 6))
    app.attach_to_clock()
    return app


def test_a_recurring_job_goes_on_when_its_run_fails(storage_url):
    runs = []
    app = backend(storage_url, SimClock(start=START), runs)
    app.jobs.register("daily", lambda payload, now: 1 / 0, every=lambda due: next_local_time(due, 6))
    app.jobs.schedule("daily", next_local_time(app.clock.now(), 6))
    app.clock.advance(dt.timedelta(days=3))
    statuses = [j.status for j in app.jobs.jobs()]
    assert statuses == ["failed", "failed", "failed", "pending"]
    app.close()


def test_a_job_killed_mid_run_runs_again_after_the_restart_and_its_series_goes_on(storage_url):
    runs = []
    clock = SimClock(start=START)
    crash_day = dt.date(2026, 1, 7)
    first = backend(storage_url, clock, runs, crash_on={crash_day})
    first.jobs.schedule("daily", next_local_time(clock.now(), 6))
    with pytest.raises(Crash):
        first.clock.advance(dt.timedelta(days=3))
    assert [j.status for j in first.jobs.jobs()] == ["done", "running", "pending"]
    first.db.dispose()  # no close(): a killed process saves nothing more

    second = backend(storage_url, SimClock(start=START), runs)
    second.clock.advance(dt.timedelta(days=2))
    days = [r.date() for r in runs]
    assert days == [dt.date(2026, 1, 6), crash_day, dt.date(2026, 1, 8), dt.date(2026, 1, 9)]
    assert [j.status for j in second.jobs.jobs()][-1] == "pending"
    second.close()


def test_the_clock_resumes_no_earlier_than_the_last_finished_job(storage_url):
    runs = []
    first = backend(storage_url, SimClock(start=START), runs)
    first.jobs.schedule("daily", next_local_time(first.clock.now(), 6))
    first.clock.advance(dt.timedelta(days=1, hours=2))
    finished = first.jobs.jobs()[0]
    assert finished.status == "done"
    # A crash between the job's commit and the clock's save: the saved time lags the job's record.
    first.clock_store.save_clock_state({"mode": "frozen", "now": START, "offset": 0})
    first.db.dispose()

    second = backend(storage_url, SimClock(start=START), runs)
    assert second.clock.now() == dt.datetime(2026, 1, 6, 5, tzinfo=dt.UTC) == finished.due_at
    second.close()


def test_of_two_workers_that_see_a_job_due_exactly_one_runs_it(storage_url):
    runs = []
    one = backend(storage_url, SimClock(start=START), runs)
    two = backend(storage_url, SimClock(start=START), runs)
    one.jobs.schedule("daily", next_local_time(one.clock.now(), 6))
    due = next_local_time(one.clock.now(), 6)
    assert one.jobs.next_due() == two.jobs.next_due() == due
    assert one.jobs.run_one_due(due) is True
    assert two.jobs.run_one_due(due) is False
    assert len(runs) == 1
    one.close()
    two.close()
