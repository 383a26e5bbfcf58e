"""Several workers on one database keep one clock: what one moves the others see, advances queue instead of
interleaving, every due job runs once, and a running clock shows the same time everywhere.

Each "worker" here is a backend with a clock of its own on the same database, as a forked server worker is.
"""

from __future__ import annotations

import datetime as dt
import socket
import subprocess
import sys
import threading

from sqlalchemy import update
from sqlalchemy.orm import DeclarativeBase

from mockbank.sim.backend import SimBackend
from mockbank.sim.calendar import next_local_time
from mockbank.sim.clock import FROZEN
from mockbank.sim.clock import RUNNING
from mockbank.sim.clock import SimClock
from mockbank.sim.ids import id_sequence_model
from mockbank.sim.jobs import JOB_LEASE
from mockbank.sim.jobs import clock_state_model
from mockbank.sim.jobs import due_job_model
from mockbank.sim.jobs import process_name

START = "2026-01-05T09:00:00+01:00"


class Base(DeclarativeBase):
    """A test app's tables."""


ClockState = clock_state_model(Base)
DueJob = due_job_model(Base)
IdSequence = id_sequence_model(Base)


def worker(url: str, runs: list, *, wall=None, mode: str = FROZEN) -> SimBackend:
    """A backend whose clock is shared through the database, with a ``daily`` job that records its runs."""
    clock = SimClock(start=START, mode=mode, **({"wall": wall} if wall else {}))
    app = SimBackend(
        database_url=url,
        id_seed=0,
        clock=clock,
        base=Base,
        job_model=DueJob,
        state_model=ClockState,
        sequence_model=IdSequence,
    )
    app.jobs.register("daily", lambda payload, now: runs.append((payload["n"], now)))
    app.attach_to_clock()
    clock.share(app.clock_store)
    return app


def test_what_one_worker_does_to_the_clock_the_others_see_at_their_next_request(storage_url):
    one, two = worker(storage_url, []), worker(storage_url, [])

    one.clock.advance(dt.timedelta(days=3))
    two.clock.sync()
    assert two.clock.now() == one.clock.now() == dt.datetime(2026, 1, 8, 8, tzinfo=dt.UTC)

    two.clock.set_mode(RUNNING)
    one.clock.sync()
    assert one.clock.mode == RUNNING
    one.close()
    two.close()


def test_a_worker_that_does_not_sync_would_show_an_old_time(storage_url):
    # The claim above can fail: without the shared row a worker keeps its own time.
    one = worker(storage_url, [])
    alone = SimClock(start=START)
    one.clock.advance(dt.timedelta(days=3))
    alone.sync()
    assert alone.now() != one.clock.now()
    one.close()


def test_an_advance_starts_from_the_time_another_worker_left(storage_url):
    one, two = worker(storage_url, []), worker(storage_url, [])
    one.clock.advance(dt.timedelta(days=1))
    # No sync in between: the advance itself takes the shared row first.
    two.clock.advance(dt.timedelta(days=1))
    assert two.clock.now() == dt.datetime(2026, 1, 7, 8, tzinfo=dt.UTC)
    one.close()
    two.close()


def test_concurrent_advances_queue_and_each_due_job_runs_once_in_order(storage_url):
    runs: list = []
    workers = [worker(storage_url, runs) for _ in range(3)]
    first = workers[0]
    due = next_local_time(first.clock.now(), 6)
    # Every six hours from the first 06:00 on: nine of them fall within the twelve advances below.
    for n in range(9):
        first.jobs.schedule("daily", due + dt.timedelta(hours=6 * n), {"n": n})
    errors = []

    def advance(app):
        try:
            for _ in range(4):
                app.clock.advance(dt.timedelta(hours=6))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=advance, args=(app,)) for app in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    for app in workers:
        app.clock.sync()
    # Twelve advances of six hours, one after another, from wherever the last one left the clock.
    assert {app.clock.now() for app in workers} == {dt.datetime(2026, 1, 8, 8, tzinfo=dt.UTC)}
    assert [n for n, _ in runs] == list(range(9))
    assert [now for _, now in runs] == [due + dt.timedelta(hours=6 * n) for n in range(9)]
    assert {(j.status, j.attempts) for j in first.jobs.jobs()} == {("done", 1)}
    for app in workers:
        app.close()


def test_while_a_job_runs_the_other_workers_see_its_due_time(storage_url):
    # A portal job calls the bank, and another worker may answer: it must see the job's moment, not the old one.
    one, two = worker(storage_url, []), worker(storage_url, [])
    seen = []

    def ask_the_other_worker(payload, now):
        two.clock.sync()
        seen.append((now, two.clock.now()))

    one.jobs.register("ask", ask_the_other_worker)
    due = one.clock.now() + dt.timedelta(days=2)
    one.jobs.schedule("ask", due)
    one.clock.advance(dt.timedelta(days=3))
    assert seen == [(due, due)]
    one.close()
    two.close()


def test_a_running_clock_shows_the_same_time_in_every_worker(storage_url):
    wall = [1_000_000.0]
    one = worker(storage_url, [], wall=lambda: wall[0], mode=RUNNING)
    two = worker(storage_url, [], wall=lambda: wall[0], mode=RUNNING)
    one.clock.advance(dt.timedelta(hours=5))
    wall[0] += 90
    two.clock.sync()
    assert two.clock.now() == one.clock.now()
    assert two.clock.now() - dt.datetime(2026, 1, 5, 8, tzinfo=dt.UTC) >= dt.timedelta(hours=5, seconds=90)
    one.close()
    two.close()


def test_a_worker_killed_while_advancing_does_not_block_the_clock(storage_url):
    one = worker(storage_url, [])
    dead = _dead_pid()
    with one.db.transaction() as session:
        session.execute(
            update(ClockState).values(holder=f"{socket.gethostname()}/{dead}/0", held_until=_far(one))
        )
    one.clock.advance(dt.timedelta(hours=1))
    assert one.clock.now() == dt.datetime(2026, 1, 5, 9, tzinfo=dt.UTC)
    one.close()


def test_recover_gives_back_only_the_jobs_of_dead_workers(storage_url):
    runs: list = []
    app = worker(storage_url, runs)
    host = socket.gethostname()
    live_elsewhere = f"{host}/{_live_pid()}/0"
    claims = {
        "live worker": (live_elsewhere, _far(app)),
        "dead worker": (f"{host}/{_dead_pid()}/0", _far(app)),
        "lease ran out": (live_elsewhere, app.clock.wall_now() - dt.timedelta(seconds=1)),
        "other machine": ("elsewhere.example/1/0", _far(app)),
        "crashed in this process": (process_name(app.jobs), _far(app)),
    }
    ids = {}
    for n, name in enumerate(claims):
        ids[name] = app.jobs.schedule("daily", app.clock.now(), {"n": n})
    with app.db.transaction() as session:
        for name, (by, until) in claims.items():
            session.execute(
                update(DueJob).where(DueJob.id == ids[name]).values(status="running", claimed_by=by, lease_until=until)
            )

    assert app.jobs.recover() == 3
    status = {job.id: job.status for job in app.jobs.jobs()}
    assert {name: status[ids[name]] for name in claims} == {
        "live worker": "running",
        "dead worker": "pending",
        "lease ran out": "pending",
        "other machine": "running",
        "crashed in this process": "pending",
    }
    app.close()


def _far(app) -> dt.datetime:
    """A lease that holds for the whole test (leases are wall time)."""
    return app.clock.wall_now() + JOB_LEASE


_LIVE: list = []


def _live_pid() -> int:
    """A process that runs for the length of the test session."""
    if not _LIVE:
        _LIVE.append(subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE))
    return _LIVE[0].pid


def _dead_pid() -> int:
    """The id of a process that has ended."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def teardown_module() -> None:
    for process in _LIVE:
        process.stdin.close()
        process.wait(timeout=10)
