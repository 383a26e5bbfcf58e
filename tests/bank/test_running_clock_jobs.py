"""Running mode: due jobs run once wall time carries the clock past them (``run_due``, what the ticker calls)."""

from __future__ import annotations

import datetime as dt

import pytest

from mockbank import create_app
from mockbank.sim.clock import RUNNING
from mockbank.sim.clock import SimClock

START = "2026-01-05T09:00:00+01:00"


class FakeWall:
    """A wall clock the test moves by hand, so nothing sleeps."""

    def __init__(self, at: float = 1_000_000.0):
        self.at = at

    def __call__(self) -> float:
        return self.at


@pytest.fixture
def wall():
    return FakeWall()


@pytest.fixture
def running(wall):
    """A bank on a running clock driven by ``wall``, with a ``note`` job kind that records its runs."""
    clock = SimClock(mode=RUNNING, start=START, wall=wall)
    app = create_app({"TESTING": True}, clock=clock)
    backend = app.extensions["mockbank"]
    runs: list[tuple[str, dt.datetime]] = []
    backend.jobs.register("note", lambda payload, now: runs.append((payload["name"], now)))
    yield clock, backend, runs
    backend.close()


def test_jobs_run_when_wall_time_passes_them_in_time_order(running, wall):
    clock, backend, runs = running
    start = clock.now()
    backend.jobs.schedule("note", start + dt.timedelta(seconds=20), {"name": "later"})
    backend.jobs.schedule("note", start + dt.timedelta(seconds=10), {"name": "sooner"})

    wall.at += 9
    assert clock.run_due() == 0 and runs == []

    wall.at += 15
    assert clock.run_due() == 2
    assert [name for name, _ in runs] == ["sooner", "later"]
    # Each ran at the simulated time the ticker saw, which wall time had carried past both due moments.
    assert all(now == start + dt.timedelta(seconds=24) for _, now in runs)
    assert [job.status for job in backend.jobs.jobs()] == ["done", "done"]
    assert clock.run_due() == 0


def test_an_advance_of_a_running_clock_runs_jobs_too_and_the_clock_keeps_running(running, wall):
    clock, backend, runs = running
    start = clock.now()
    backend.jobs.schedule("note", start + dt.timedelta(hours=1), {"name": "hourly"})

    clock.advance(dt.timedelta(hours=2))
    wall.at += 5

    assert runs == [("hourly", start + dt.timedelta(hours=1))]
    assert clock.now() == start + dt.timedelta(hours=2, seconds=5)
