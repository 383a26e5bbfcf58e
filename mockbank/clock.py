"""The simulated clock, the calendars, and the due-job engine.

This is the one module of ``mockbank`` that ``consent_server`` may import: both servers of a
world share one clock, and each keeps its own due jobs in its own database.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from typing import Protocol
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import JSON
from sqlalchemy import DateTime
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import TypeDecorator
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
UTC = dt.UTC

FROZEN = "frozen"
RUNNING = "running"
DEFAULT_START = dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


class ClockError(ValueError):
    """An impossible clock operation, such as moving backwards."""


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime column that reads back aware on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use aware UTC times")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def parse_moment(value: str | dt.datetime) -> dt.datetime:
    """An aware datetime from an ISO 8601 string; naive input is read as Europe/Amsterdam."""
    if isinstance(value, dt.datetime):
        moment = value
    else:
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        moment = dt.datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=AMSTERDAM)
    return moment.astimezone(UTC)


# --- calendars -------------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _nl_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("NL", years=year)


@lru_cache(maxsize=64)
def _target2_holidays(year: int) -> holidays.HolidayBase:
    return holidays.financial_holidays("ECB", years=year)


def is_werkdag(day: dt.date) -> bool:
    """Monday to Friday and not a Dutch public holiday: the portal's working day."""
    return day.weekday() < 5 and day not in _nl_holidays(day.year)


def is_target2_day(day: dt.date) -> bool:
    """A TARGET2 settlement day: the bank's day for SEPA processing."""
    return day.weekday() < 5 and day not in _target2_holidays(day.year)


CALENDARS: dict[str, Callable[[dt.date], bool]] = {"werkdagen": is_werkdag, "target2": is_target2_day}


def _calendar(name: str) -> Callable[[dt.date], bool]:
    if not isinstance(name, str) or name not in CALENDARS:
        raise ClockError(f"unknown calendar {name!r}; use {' or '.join(map(repr, CALENDARS))}")
    return CALENDARS[name]


def add_business_days(day: dt.date, count: int, calendar: str = "werkdagen") -> dt.date:
    """The date ``count`` business days after ``day`` in the named calendar."""
    if count < 0:
        raise ClockError("business days are only counted forwards")
    is_open = _calendar(calendar)
    while count:
        day += dt.timedelta(days=1)
        if is_open(day):
            count -= 1
    return day


def next_business_day(day: dt.date, calendar: str = "werkdagen") -> dt.date:
    """``day`` itself when it is a business day, otherwise the next one."""
    is_open = _calendar(calendar)
    while not is_open(day):
        day += dt.timedelta(days=1)
    return day


def business_days_later(moment: dt.datetime, count: int, calendar: str = "werkdagen") -> dt.datetime:
    """The same Amsterdam wall time ``count`` business days after ``moment``."""
    local = moment.astimezone(AMSTERDAM)
    day = add_business_days(local.date(), count, calendar)
    return dt.datetime.combine(day, local.timetz().replace(tzinfo=None), AMSTERDAM).astimezone(UTC)


def months_back(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` calendar months earlier (clamped to the month's last day)."""
    year, month = divmod(day.year * 12 + day.month - 1 - months, 12)
    month += 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


DUTCH_MONTHS = (
    "januari",
    "februari",
    "maart",
    "april",
    "mei",
    "juni",
    "juli",
    "augustus",
    "september",
    "oktober",
    "november",
    "december",
)


def dutch_date(moment: dt.datetime | dt.date | None) -> str:
    """``5 april 2026``, on the Amsterdam calendar (screens and mails of both servers)."""
    if moment is None:
        return "-"
    if isinstance(moment, dt.datetime):
        moment = moment.astimezone(AMSTERDAM).date()
    return f"{moment.day} {DUTCH_MONTHS[moment.month - 1]} {moment.year}"


def first_of_next_month(moment: dt.datetime) -> dt.datetime:
    """Midnight in Amsterdam at the start of the month after ``moment``'s (month-end work is due then)."""
    day = moment.astimezone(AMSTERDAM).date()
    year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
    return dt.datetime(year, month, 1, tzinfo=AMSTERDAM).astimezone(UTC)


def next_local_time(moment: dt.datetime, hour: int, minute: int = 0) -> dt.datetime:
    """The first moment strictly after ``moment`` whose Amsterdam wall time is ``hour:minute``."""
    local = moment.astimezone(AMSTERDAM)
    candidate = dt.datetime.combine(local.date(), dt.time(hour, minute), AMSTERDAM)
    if candidate <= local:
        candidate = dt.datetime.combine(local.date() + dt.timedelta(days=1), dt.time(hour, minute), AMSTERDAM)
    return candidate.astimezone(UTC)


# --- the clock -------------------------------------------------------------------------------------


class JobSource(Protocol):
    """Something with due work: each app's job queue registers itself on the clock."""

    def next_due(self) -> dt.datetime | None: ...

    def run_one_due(self, now: dt.datetime) -> bool: ...


class ClockStore(Protocol):
    """Where an app keeps the clock's state, so a restart resumes at the same simulated time."""

    def load_clock_state(self) -> dict | None: ...

    def save_clock_state(self, state: dict) -> None: ...


class SimClock:
    """One simulated clock for a world: frozen (moves only when advanced) or running (wall time + offset).

    The clock never moves backwards. Advancing runs the due jobs of every registered source in time
    order, each at its own due moment, so the outcome does not depend on the step size.
    """

    def __init__(
        self,
        *,
        mode: str = FROZEN,
        start: dt.datetime | str | None = None,
        wall: Callable[[], float] = time.time,
    ):
        if mode not in (FROZEN, RUNNING):
            raise ClockError(f"unknown clock mode {mode!r}; use 'frozen' or 'running'")
        self._wall = wall
        self._mode = mode
        start_at = parse_moment(start) if start is not None else DEFAULT_START
        self._frozen_at = start_at
        self._offset = start_at.timestamp() - wall()
        self._lock = threading.RLock()
        self._pinned: dt.datetime | None = None
        self._sources: list[JobSource] = []
        self._stores: list[ClockStore] = []
        self._ticker: threading.Thread | None = None
        self._ticker_stop = threading.Event()

    # reading

    @property
    def mode(self) -> str:
        """``frozen`` or ``running``."""
        return self._mode

    def now(self) -> dt.datetime:
        """The current simulated moment, timezone-aware UTC."""
        if self._pinned is not None:
            return self._pinned
        if self._mode == FROZEN:
            return self._frozen_at
        return dt.datetime.fromtimestamp(self._wall() + self._offset, UTC)

    def today(self) -> dt.date:
        """The simulated date in Amsterdam."""
        return self.now().astimezone(AMSTERDAM).date()

    def state(self) -> dict:
        """The persisted form: mode and simulated time (running mode also keeps its offset)."""
        return {"mode": self._mode, "now": self.now().isoformat(), "offset": self._offset}

    # wiring

    def add_job_source(self, source: JobSource) -> None:
        """Let advances run this source's due jobs."""
        with self._lock:
            if source not in self._sources:
                self._sources.append(source)

    def remove_job_source(self, source: JobSource) -> None:
        """Stop running this source's jobs (an app being discarded)."""
        with self._lock:
            if source in self._sources:
                self._sources.remove(source)

    def add_store(self, store: ClockStore) -> None:
        """Persist the clock in this store, and resume from it if it holds a later time."""
        with self._lock:
            saved = store.load_clock_state()
            if saved:
                saved_now = parse_moment(saved["now"])
                if saved_now > self.now():
                    self._set_now(saved_now)
            self._stores.append(store)
            store.save_clock_state(self.state())

    def remove_store(self, store: ClockStore) -> None:
        """Stop saving into this store (its app is being closed)."""
        with self._lock:
            if store in self._stores:
                self._stores.remove(store)

    # moving

    def advance(self, delta: dt.timedelta | float | int) -> dt.datetime:
        """Move forward by a duration (a timedelta or seconds), running due jobs on the way."""
        if not isinstance(delta, dt.timedelta):
            delta = dt.timedelta(seconds=delta)
        if delta < dt.timedelta(0):
            raise ClockError("the clock never moves backwards")
        with self._lock:
            return self.advance_to(self.now() + delta)

    def advance_working_days(self, count: int, calendar: str = "werkdagen") -> dt.datetime:
        """Move to the same Amsterdam wall time ``count`` business days later."""
        with self._lock:
            return self.advance_to(business_days_later(self.now(), count, calendar))

    def advance_to(self, moment: dt.datetime | str) -> dt.datetime:
        """Move to ``moment``, running every due job before it in time order, each at its due time."""
        target = parse_moment(moment)
        with self._lock:
            if target < self.now():
                raise ClockError(f"the clock is at {self.now().isoformat()} and never moves backwards")
            while True:
                source, due = self._earliest_due()
                if source is None or due > target:
                    break
                self._pinned = max(due, self.now())
                try:
                    source.run_one_due(self._pinned)
                finally:
                    self._set_now(self._pinned)
                    self._pinned = None
            self._set_now(target)
            return self.now()

    def run_due(self) -> int:
        """Run the jobs already due at the current time (the running-mode ticker calls this)."""
        with self._lock:
            count = 0
            now = self.now()
            while True:
                source, due = self._earliest_due()
                if source is None or due > now:
                    return count
                self._pinned = now
                try:
                    source.run_one_due(now)
                finally:
                    self._pinned = None
                count += 1

    def set_mode(self, mode: str) -> None:
        """Switch between frozen and running without moving the simulated time."""
        if mode not in (FROZEN, RUNNING):
            raise ClockError(f"unknown clock mode {mode!r}; use 'frozen' or 'running'")
        with self._lock:
            current = self.now()
            self._mode = mode
            self._set_now(current)

    def start_ticker(self, interval: float = 1.0) -> None:
        """In running mode, run due jobs as wall time passes them (a daemon thread)."""
        if self._ticker is not None:
            return
        self._ticker_stop.clear()

        def tick() -> None:
            while not self._ticker_stop.wait(interval):
                self.run_due()

        self._ticker = threading.Thread(target=tick, name="mockbank-clock-ticker", daemon=True)
        self._ticker.start()

    def stop_ticker(self) -> None:
        """Stop the running-mode ticker."""
        if self._ticker is not None:
            self._ticker_stop.set()
            self._ticker.join(timeout=5)
            self._ticker = None

    # internals

    def _set_now(self, moment: dt.datetime) -> None:
        self._frozen_at = moment
        self._offset = moment.timestamp() - self._wall()
        state = self.state()
        for store in self._stores:
            store.save_clock_state(state)

    def _earliest_due(self) -> tuple[JobSource | None, dt.datetime]:
        best: tuple[JobSource | None, dt.datetime] = (None, dt.datetime.max.replace(tzinfo=UTC))
        for source in self._sources:
            due = source.next_due()
            if due is not None and due < best[1]:
                best = (source, due)
        return best


# --- persistence and the due-job engine, on an app's own declarative base -----------------------


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
        self._next_due_cache: dt.datetime | None = None
        self._cache_valid = False

    def handler(self, kind: str) -> Callable:
        """Decorator registering the handler for one job kind."""

        def register(func: Callable[[dict, dt.datetime], Any]) -> Callable:
            self._handlers[kind] = func
            return func

        return register

    def register(self, kind: str, func: Callable[[dict, dt.datetime], Any]) -> None:
        """Register the handler for one job kind."""
        self._handlers[kind] = func

    def schedule(self, kind: str, due_at: dt.datetime, payload: dict | None = None, *, session=None) -> int:
        """Store a job due at ``due_at``; inside ``session`` when given, so it commits with the caller."""
        if kind not in self._handlers:
            raise KeyError(f"no handler registered for job kind {kind!r}")
        job = self._job(
            kind=kind,
            due_at=due_at,
            payload=payload or {},
            status="pending",
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
            for job in session.scalars(select(self._job).where(self._job.kind == kind, self._job.status == "pending")):
                if match(job.payload):
                    job.status = "cancelled"
                    count += 1
        self._cache_valid = False
        return count

    def next_due(self) -> dt.datetime | None:
        """The due time of the earliest pending job."""
        if self._cache_valid:
            return self._next_due_cache
        with self._reading() as session:
            due = session.scalar(
                select(self._job.due_at).where(self._job.status == "pending").order_by(self._job.due_at, self._job.id)
            )
        self._next_due_cache = due
        self._cache_valid = True
        return due

    def run_one_due(self, now: dt.datetime) -> bool:
        """Run the earliest pending job due at or before ``now``; False when there is none."""
        with self._transaction() as session:
            job = session.scalars(
                select(self._job)
                .where(self._job.status == "pending", self._job.due_at <= now)
                .order_by(self._job.due_at, self._job.id)
                .limit(1)
            ).first()
            if job is None:
                return False
            job.status = "running"
            job.attempts += 1
            job_id, kind, payload = job.id, job.kind, dict(job.payload or {})
        self._cache_valid = False
        error = None
        try:
            self._handlers[kind](payload, now)
        except Exception as exc:  # a failing job is recorded, never lost, and never blocks the queue
            error = f"{type(exc).__name__}: {exc}"
        with self._transaction() as session:
            job = session.get(self._job, job_id)
            job.status = "failed" if error else "done"
            job.last_error = error
            job.finished_at = now
        self._cache_valid = False
        return True

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
