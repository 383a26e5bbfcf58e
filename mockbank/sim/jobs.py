"""Due jobs and the clock's saved state, each in an app's own database.

Each app declares the two tables on its own declarative base (``due_job_model``, ``clock_state_model``);
the queue runs them when the world's clock passes their due moment.
"""

from __future__ import annotations

import datetime as dt
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


def clock_state_model(base: type) -> type:
    """The table that keeps the clock's state in an app's database."""

    class ClockState(base):
        __tablename__ = "clock_state"
        id: Mapped[int] = mapped_column(Integer, primary_key=True)
        state: Mapped[dict] = mapped_column(JSON)

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
                claimed = session.execute(
                    update(self._job)
                    .where(self._job.id == job_id, self._job.status == PENDING)
                    .values(status=RUNNING, attempts=self._job.attempts + 1)
                    .execution_options(synchronize_session=False)
                ).rowcount
                if claimed and kind in self._next_due:
                    self.ensure_scheduled(kind, self._next_due[kind](due_at), payload, session=session)
            self._cache_valid = False
            if claimed:
                break
        error = None
        try:
            self._handlers[kind](payload, now)
        except Exception as exc:  # a failing job is recorded, never lost, and never blocks the queue
            error = f"{type(exc).__name__}: {exc}"
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
        """Jobs left ``running`` by a process that died are pending again (they run at the next chance)."""
        with self._transaction() as session:
            count = session.execute(
                update(self._job)
                .where(self._job.status == RUNNING)
                .values(status=PENDING, last_error="interrupted: the server stopped while this job ran")
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
    """Keeps the clock's state in one row of an app's ``clock_state`` table."""

    def __init__(self, *, transaction: Callable, reading: Callable, state_model: type):
        self._transaction = transaction
        self._reading = reading
        self._model = state_model

    def load_clock_state(self) -> dict | None:
        """The saved state, or None on a new database."""
        with self._reading() as session:
            row = session.get(self._model, 1)
            return dict(row.state) if row else None

    def save_clock_state(self, state: dict) -> None:
        """Save the current state."""
        with self._transaction() as session:
            row = session.get(self._model, 1)
            if row is None:
                session.add(self._model(id=1, state=state))
            else:
                row.state = state
