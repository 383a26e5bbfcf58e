"""Due jobs and the clock's saved state, each in an app's own database.

Each app declares the two tables on its own declarative base (``due_job_model``, ``clock_state_model``);
the queue runs them when the world's clock passes their due moment.

Several server workers may share one database. A job is claimed by a conditional update, so exactly one
worker runs it, and the claim names its process (``claimed_by``) with a lease in wall time (``lease_until``):
``recover`` at start-up only takes back jobs whose process is gone or whose lease ran out, never one another
live worker is running. The clock's row carries a ``version`` bumped on every save (a worker whose copy is
older adopts the row) and a ``holder`` with a lease (``held_until``), so advances of several workers queue
instead of interleaving.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import event
from sqlalchemy import func
from sqlalchemy import or_
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from mockbank.sim.clock import SimClock
from mockbank.sim.db import UTCDateTime

PENDING = "pending"
RUNNING = "running"
DONE = "done"
FAILED = "failed"
CANCELLED = "cancelled"
# How long a claim or a clock hold counts as alive without its process being checked: longer than any job runs
# (a portal job's bank calls time out well before), short enough that a worker on a vanished host is not waited
# for forever.
JOB_LEASE = dt.timedelta(minutes=10)
CLOCK_LEASE = dt.timedelta(seconds=60)

# Jobs this process is running now, by claim: a claim of this process that is not here was left by a run that
# died (a crash inside this very process, or a world built again on the same database).
_running_here: set[tuple[str, int]] = set()
_running_lock = threading.Lock()


def process_name(instance: object) -> str:
    """Who holds a claim: host, process id and the claiming object, so liveness can be checked."""
    return f"{socket.gethostname()}/{os.getpid()}/{id(instance):x}"


def _process_alive(holder: str | None, until: dt.datetime | None, wall_now: dt.datetime, *, mine: Callable) -> bool:
    """Whether the process named in a claim or a hold may still be at work (``mine`` decides for this process)."""
    if not holder or until is None or until <= wall_now:
        return False
    host, _, rest = holder.partition("/")
    pid_text = rest.partition("/")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return True  # another machine: only its lease tells
    pid = int(pid_text)
    if pid == os.getpid():
        return mine()
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _claim_alive(claimed_by: str | None, job_id: int, lease_until: dt.datetime | None, wall_now: dt.datetime) -> bool:
    """Whether the process that claimed a job may still be running it."""

    def running_here() -> bool:
        with _running_lock:
            return (claimed_by, job_id) in _running_here

    return _process_alive(claimed_by, lease_until, wall_now, mine=running_here)


def clock_state_model(base: type) -> type:
    """The table that keeps the clock's state in an app's database."""

    class ClockState(base):
        __tablename__ = "clock_state"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        state: Mapped[dict] = mapped_column(JSON)
        # Bumped on every save: a worker whose copy is older adopts the row (server mode, several workers).
        version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
        # The worker advancing the clock now, until when (wall time): advances of several workers queue.
        holder: Mapped[str | None] = mapped_column(String(200), nullable=True)
        held_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    return ClockState


def due_job_model(base: type) -> type:
    """The table of work scheduled for a simulated moment, in an app's database."""

    class DueJob(base):
        __tablename__ = "due_jobs"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        kind: Mapped[str] = mapped_column(String(64), index=True)
        due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
        payload: Mapped[dict] = mapped_column(JSON, default=dict)
        status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
        attempts: Mapped[int] = mapped_column(Integer, default=0)
        created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
        finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
        last_error: Mapped[str | None] = mapped_column(Text, nullable=True)
        # Which process runs (or ran) the job, and until when its claim holds without a check (wall time).
        claimed_by: Mapped[str | None] = mapped_column(String(200), nullable=True)
        lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    return DueJob


@dataclass(frozen=True)
class JobView:
    """A due job as the sandbox API shows it."""

    id: int
    kind: str
    due_at: dt.datetime
    status: str
    payload: dict
    attempts: int
    last_error: str | None

    def to_json(self) -> dict:
        """The JSON shape of the sandbox API."""
        return {
            "id": self.id,
            "kind": self.kind,
            "dueAt": self.due_at.isoformat(),
            "status": self.status,
            "payload": self.payload,
            "attempts": self.attempts,
            "lastError": self.last_error,
        }


class DueJobQueue:
    """Due jobs of one app: stored in its database, run by the clock in time order.

    ``transaction`` and ``reading`` are context-manager factories yielding a SQLAlchemy session
    (committed on success for ``transaction``), so each app keeps its own database handling.

    Handlers are registered by kind; a handler gets the payload and the simulated moment and may
    schedule further jobs. A handler that raises marks its job ``failed`` (with the error kept) and
    never blocks the queue.
    """

    def __init__(self, *, transaction: Callable, reading: Callable, job_model: type, clock: SimClock):
        self._transaction = transaction
        self._reading = reading
        self._job = job_model
        self._clock = clock
        self._handlers: dict[str, Callable[[dict, dt.datetime], Any]] = {}
        self._next_due: dict[str, Callable[[dt.datetime], dt.datetime]] = {}
        self._next_due_cache: dt.datetime | None = None
        self._cache_valid = False

    def handler(self, kind: str) -> Callable:
        """Decorator registering the handler for one job kind."""

        def register(func: Callable[[dict, dt.datetime], Any]) -> Callable:
            self._handlers[kind] = func
            return func

        return register

    def register(
        self,
        kind: str,
        func: Callable[[dict, dt.datetime], Any],
        *,
        every: Callable[[dt.datetime], dt.datetime] | None = None,
    ) -> None:
        """Register the handler for one job kind; ``every`` makes it recurring (the next due moment after a due one).

        A recurring job's successor is stored when the job is claimed, never by its handler, and only while no
        job of its kind is pending; ``cancel`` ends a series.
        """
        self._handlers[kind] = func
        if every is not None:
            self._next_due[kind] = every

    def kinds(self) -> list[str]:
        """The job kinds that have a handler, sorted."""
        return sorted(self._handlers)

    def schedule(self, kind: str, due_at: dt.datetime, payload: dict | None = None, *, session=None) -> int:
        """Store a job due at ``due_at``; inside ``session`` when given, so it commits with the caller."""
        if kind not in self._handlers:
            raise KeyError(f"no handler registered for job kind {kind!r}")
        job = self._job(
            kind=kind,
            due_at=due_at,
            payload=payload or {},
            status=PENDING,
            attempts=0,
            created_at=self._clock.now(),
        )
        if session is not None:
            session.add(job)
            session.flush()
            self._cache_valid = False
            # A reader between this flush and the caller's commit caches a time without this job.
            event.listen(session, "after_commit", lambda _session: self.invalidate(), once=True)
            return job.id
        with self._transaction() as own:
            own.add(job)
            own.flush()
            job_id = job.id
        self._cache_valid = False
        return job_id

    def cancel(self, kind: str, match: Callable[[dict], bool]) -> int:
        """Cancel pending jobs of a kind whose payload matches; returns how many."""
        count = 0
        with self._transaction() as session:
            for job in session.scalars(select(self._job).where(self._job.kind == kind, self._job.status == PENDING)):
                if match(job.payload):
                    job.status = CANCELLED
                    count += 1
        self._cache_valid = False
        return count

    def next_due(self) -> dt.datetime | None:
        """The due time of the earliest pending job."""
        if self._cache_valid:
            return self._next_due_cache
        with self._reading() as session:
            due = session.scalar(
                select(self._job.due_at).where(self._job.status == PENDING).order_by(self._job.due_at, self._job.id)
            )
        self._next_due_cache = due
        self._cache_valid = True
        return due

    def run_one_due(self, now: dt.datetime) -> bool:
        """Run the earliest pending job due at or before ``now``; False when there is none.

        The job is claimed with a conditional update, so of several workers that see it due exactly one runs
        it. A recurring job's successor is stored in the same transaction as the claim: a run that dies (even
        by kill -9) never ends the series.
        """
        while True:
            with self._transaction() as session:
                job = session.scalars(
                    select(self._job)
                    .where(self._job.status == PENDING, self._job.due_at <= now)
                    .order_by(self._job.due_at, self._job.id)
                    .limit(1)
                ).first()
                if job is None:
                    return False
                job_id, kind, due_at, payload = job.id, job.kind, job.due_at, dict(job.payload or {})
                claim = process_name(self)
                claimed = session.execute(
                    update(self._job)
                    .where(self._job.id == job_id, self._job.status == PENDING)
                    .values(
                        status=RUNNING,
                        attempts=self._job.attempts + 1,
                        claimed_by=claim,
                        lease_until=self._clock.wall_now() + JOB_LEASE,
                    )
                    .execution_options(synchronize_session=False)
                ).rowcount
                if claimed and kind in self._next_due:
                    self.ensure_scheduled(kind, self._next_due[kind](due_at), payload, session=session)
            self._cache_valid = False
            if claimed:
                break
        error = None
        with _running_lock:
            _running_here.add((claim, job_id))
        try:
            self._handlers[kind](payload, now)
        except Exception as exc:  # a failing job is recorded, never lost, and never blocks the queue
            error = f"{type(exc).__name__}: {exc}"
        finally:
            with _running_lock:
                _running_here.discard((claim, job_id))
        with self._transaction() as session:
            session.execute(
                update(self._job)
                .where(self._job.id == job_id)
                .values(status=FAILED if error else DONE, last_error=error, finished_at=now)
                .execution_options(synchronize_session=False)
            )
        self._cache_valid = False
        return True

    def ensure_scheduled(self, kind: str, due_at: dt.datetime, payload: dict | None = None, *, session) -> None:
        """Store a job of ``kind`` due at ``due_at`` unless one is pending already (one pending per series)."""
        pending = session.scalar(select(self._job.id).where(self._job.kind == kind, self._job.status == PENDING))
        if pending is None:
            self.schedule(kind, due_at, payload, session=session)

    def recover(self) -> int:
        """Jobs left ``running`` by a process that died (or whose lease ran out) are pending again.

        A job another live worker is running keeps its claim: its process still exists and its lease holds.
        """
        wall_now = self._clock.wall_now()
        with self._transaction() as session:
            claims = session.execute(
                select(self._job.id, self._job.claimed_by, self._job.lease_until).where(self._job.status == RUNNING)
            ).all()
            dead = [job_id for job_id, by, until in claims if not _claim_alive(by, job_id, until, wall_now)]
            count = 0
            if dead:
                count = session.execute(
                    update(self._job)
                    .where(self._job.id.in_(dead), self._job.status == RUNNING)
                    .values(
                        status=PENDING,
                        claimed_by=None,
                        lease_until=None,
                        last_error="interrupted: the server stopped while this job ran",
                    )
                    .execution_options(synchronize_session=False)
                ).rowcount
        self._cache_valid = False
        return count

    def last_run_at(self) -> dt.datetime | None:
        """The latest moment a job finished at (the clock resumes no earlier after a crash)."""
        with self._reading() as session:
            return session.scalar(select(func.max(self._job.finished_at)))

    def jobs(self, *, status: str | None = None, kinds: Iterable[str] | None = None) -> list[JobView]:
        """Every job (optionally of a status or kinds), in due order."""
        query = select(self._job).order_by(self._job.due_at, self._job.id)
        if status:
            query = query.where(self._job.status == status)
        if kinds:
            query = query.where(self._job.kind.in_(list(kinds)))
        with self._reading() as session:
            return [
                JobView(j.id, j.kind, j.due_at, j.status, dict(j.payload or {}), j.attempts, j.last_error)
                for j in session.scalars(query)
            ]

    def invalidate(self) -> None:
        """Forget the cached next due time (after the database was changed behind the queue's back)."""
        self._cache_valid = False


class DatabaseClockStore:
    """Keeps the clock's state in one row of an app's ``clock_state`` table, with a version and a holder.

    Besides ``ClockStore`` it is the clock's ``ClockCoordinator`` when several workers share the database:
    ``versioned_state`` is the one cheap read per request, ``try_hold``/``release`` queue the advances.
    """

    def __init__(
        self, *, transaction: Callable, reading: Callable, state_model: type, lean_read: Callable | None = None
    ):
        self._transaction = transaction
        self._reading = reading
        self._model = state_model
        # The per-request read of the version: one SELECT on a bare connection when the database offers one.
        self._lean_read = lean_read

    @property
    def table(self):
        """The ``clock_state`` table."""
        return self._model.__table__

    def load_clock_state(self) -> dict | None:
        """The saved state, or None on a new database."""
        with self._reading() as session:
            state = session.scalar(select(self._model.state).where(self._model.id == 1))
            return dict(state) if state else None

    def save_clock_state(self, state: dict) -> None:
        """Save the current state (and bump the version other workers compare theirs with)."""
        with self._transaction() as session:
            saved = session.execute(
                update(self._model)
                .where(self._model.id == 1)
                .values(state=state, version=self._model.version + 1)
                .execution_options(synchronize_session=False)
            ).rowcount
            if not saved:
                session.add(self._model(id=1, state=state, version=1))

    def versioned_state(self) -> tuple[int, dict | None]:
        """The version and the state of the row (0 and None on a new database): one primary-key read."""
        query = select(self._model.version, self._model.state).where(self._model.id == 1)
        if self._lean_read is not None:
            with self._lean_read() as connection:
                row = connection.execute(query).first()
        else:
            with self._reading() as session:
                row = session.execute(query).first()
        if row is None:
            return 0, None
        return row[0] or 0, dict(row[1]) if row[1] else None

    def try_hold(self, holder: str, until: dt.datetime, wall_now: dt.datetime) -> bool:
        """Hold the clock for ``holder`` until ``until`` (wall time) unless someone else holds it; True when held."""
        model = self._model
        with self._transaction() as session:
            held = session.execute(
                update(model)
                .where(
                    model.id == 1,
                    or_(model.holder.is_(None), model.holder == holder, model.held_until < wall_now),
                )
                .values(holder=holder, held_until=until)
                .execution_options(synchronize_session=False)
            ).rowcount
            if held:
                return True
            # A worker that died while advancing (kill -9) released nothing: take over when its process is gone.
            row = session.execute(select(model.holder, model.held_until).where(model.id == 1)).first()
            if row is None or _process_alive(row[0], row[1], wall_now, mine=lambda: True):
                return False
            return bool(
                session.execute(
                    update(model)
                    .where(model.id == 1, model.holder == row[0])
                    .values(holder=holder, held_until=until)
                    .execution_options(synchronize_session=False)
                ).rowcount
            )

    def release(self, holder: str) -> None:
        """Let go of the clock (only when ``holder`` holds it)."""
        model = self._model
        with self._transaction() as session:
            session.execute(
                update(model)
                .where(model.id == 1, model.holder == holder)
                .values(holder=None, held_until=None)
                .execution_options(synchronize_session=False)
            )
