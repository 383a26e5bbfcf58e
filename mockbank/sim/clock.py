"""The simulated clock of a world: frozen or running, never backwards, running due jobs in time order.

In one process the clock is this object. Server workers that share a database share the clock through a
``ClockCoordinator`` (the bank's clock-state row): each request adopts the row when its version moved, and an
advance holds the row, so two workers' advances queue instead of interleaving and no due job runs twice.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from typing import Protocol

from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import UTC
from mockbank.sim.calendar import business_days_later
from mockbank.sim.calendar import parse_moment
from mockbank.sim.errors import ClockError

FROZEN = "frozen"
RUNNING = "running"
DEFAULT_START = dt.datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
# The clock stays inside these bounds, so every date it can reach has calendars, and a wild request cannot
# park it where every later step overflows.
EARLIEST = dt.datetime(1970, 1, 1, tzinfo=UTC)
LATEST = dt.datetime(2199, 12, 31, 23, 59, 59, tzinfo=UTC)

__all__ = [
    "FROZEN",
    "RUNNING",
    "DEFAULT_START",
    "ClockCoordinator",
    "ClockError",
    "ClockStore",
    "JobSource",
    "SimClock",
]
# How long an advance waits for another worker's advance to finish before giving up (wall seconds).
HOLD_WAIT = 120.0
HOLD_LEASE = dt.timedelta(seconds=60)


class JobSource(Protocol):
    """Something with due work: each app's job queue registers itself on the clock."""

    def next_due(self) -> dt.datetime | None: ...

    def run_one_due(self, now: dt.datetime) -> bool: ...


class ClockStore(Protocol):
    """Where an app keeps the clock's state, so a restart resumes at the same simulated time."""

    def load_clock_state(self) -> dict | None: ...

    def save_clock_state(self, state: dict) -> None: ...


class ClockCoordinator(Protocol):
    """The shared row several workers keep one clock in (``jobs.DatabaseClockStore``)."""

    def versioned_state(self) -> tuple[int, dict | None]: ...

    def save_clock_state(self, state: dict) -> None: ...

    def try_hold(self, holder: str, until: dt.datetime, wall_now: dt.datetime) -> bool: ...

    def release(self, holder: str) -> None: ...


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
        if not EARLIEST <= start_at <= LATEST:
            raise ClockError(f"the clock runs from {EARLIEST.isoformat()} to {LATEST.isoformat()}")
        self._frozen_at = start_at
        self._offset = start_at.timestamp() - wall()
        self._lock = threading.RLock()
        self._pinned: dt.datetime | None = None
        self._sources: list[JobSource] = []
        self._stores: list[ClockStore] = []
        self._ticker: threading.Thread | None = None
        self._ticker_stop = threading.Event()
        self._coordinator: ClockCoordinator | None = None
        self._seen_version = -1
        self._hold_depth = 0
        self._held_until: dt.datetime | None = None

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

    def wall_now(self) -> dt.datetime:
        """The wall-clock time: only for leases that tell whether a worker is alive, never for the simulation."""
        return dt.datetime.fromtimestamp(self._wall(), UTC)

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

    def restore(self, moment: dt.datetime) -> None:
        """Move forward to a moment an app's own records have seen, without running jobs (after a crash)."""
        with self._lock:
            if moment > self.now():
                self._set_now(moment)

    def remove_store(self, store: ClockStore) -> None:
        """Stop saving into this store (its app is being closed)."""
        with self._lock:
            if store in self._stores:
                self._stores.remove(store)

    # sharing between server workers

    @property
    def shared(self) -> bool:
        """Whether the clock is shared with other processes through a coordinator."""
        return self._coordinator is not None

    def share(self, coordinator: ClockCoordinator) -> None:
        """Keep this clock in ``coordinator``'s row with every other worker's: adopt it now and on each ``sync``."""
        with self._lock:
            self._coordinator = coordinator
            self._seen_version = -1
            self._sync_locked()

    def sync(self) -> None:
        """Adopt the shared row when another worker changed it (once per request in server mode).

        Never waits: while this process advances the clock, its own copy is the newest.
        """
        if self._coordinator is None or not self._lock.acquire(blocking=False):
            return
        try:
            if self._hold_depth == 0:
                self._sync_locked()
        finally:
            self._lock.release()

    def _sync_locked(self) -> None:
        version, state = self._coordinator.versioned_state()
        if version == self._seen_version or not state:
            return
        self._seen_version = version
        self._adopt(state)

    def _adopt(self, state: dict) -> None:
        """Take over another worker's state as it is (mode, time, and a running clock's offset to wall time)."""
        mode = state.get("mode", self._mode)
        moment = parse_moment(state["now"])
        self._mode = mode if mode in (FROZEN, RUNNING) else self._mode
        self._frozen_at = moment
        offset = state.get("offset")
        self._offset = offset if self._mode == RUNNING and offset is not None else moment.timestamp() - self._wall()

    @contextmanager
    def _exclusive(self, *, wait: bool = True):
        """This process's lock and, when shared, the clock's row: one advance at a time across every worker.

        Yields False (and holds nothing) when ``wait`` is off and another worker holds the clock.
        """
        with self._lock:
            if self._coordinator is None or self._hold_depth:
                self._hold_depth += 1
                try:
                    yield True
                finally:
                    self._hold_depth -= 1
                return
            holder = self._holder()
            if not self._hold(holder, wait=wait):
                yield False
                return
            self._hold_depth = 1
            try:
                # Another worker may have moved the clock or stored jobs since this process last looked.
                self._seen_version = -1
                self._sync_locked()
                self._invalidate_sources()
                yield True
            finally:
                self._hold_depth = 0
                self._held_until = None
                self._coordinator.release(holder)

    def _invalidate_sources(self) -> None:
        for source in list(self._sources):
            invalidate = getattr(source, "invalidate", None)
            if invalidate is not None:
                invalidate()

    def _holder(self) -> str:
        return f"{socket.gethostname()}/{os.getpid()}/{id(self):x}"

    def _hold(self, holder: str, *, wait: bool) -> bool:
        deadline = time.monotonic() + HOLD_WAIT
        pause = 0.002
        while True:
            wall_now = self.wall_now()
            if self._coordinator.try_hold(holder, wall_now + HOLD_LEASE, wall_now):
                self._held_until = wall_now + HOLD_LEASE
                return True
            if not wait:
                return False
            if time.monotonic() > deadline:
                raise ClockError("another server worker has been advancing the clock for too long; try again")
            # Waiting for another worker's advance is real time, not simulated time.
            time.sleep(pause)
            pause = min(pause * 2, 0.05)

    def _renew_hold(self) -> None:
        """Extend the hold during a long advance, so other workers do not take the clock as abandoned."""
        if self._coordinator is None or self._held_until is None:
            return
        wall_now = self.wall_now()
        if self._held_until - wall_now < HOLD_LEASE / 2:
            self._held_until = wall_now + HOLD_LEASE
            self._coordinator.try_hold(self._holder(), self._held_until, wall_now)

    # moving

    def advance(self, delta: dt.timedelta | float | int) -> dt.datetime:
        """Move forward by a duration (a timedelta or seconds), running due jobs on the way."""
        if not isinstance(delta, dt.timedelta):
            try:
                delta = dt.timedelta(seconds=delta)
            except OverflowError:
                raise ClockError(f"that goes past {LATEST.isoformat()}, the latest moment the clock can show") from None
        if delta < dt.timedelta(0):
            raise ClockError("the clock never moves backwards")
        with self._exclusive():
            if delta > LATEST - self.now():
                raise ClockError(f"that goes past {LATEST.isoformat()}, the latest moment the clock can show")
            return self.advance_to(self.now() + delta)

    def advance_working_days(self, count: int, calendar: str = "werkdagen") -> dt.datetime:
        """Move to the same Amsterdam wall time ``count`` business days later."""
        with self._exclusive():
            if isinstance(count, bool) or not isinstance(count, int) or count < 0:
                raise ClockError("working days are a whole number, counted forwards")
            # Never more business days than calendar days: refuse before counting days that are out of bounds.
            if count > (LATEST - self.now()).days:
                raise ClockError(f"{count} working days goes past {LATEST.date().isoformat()}, the clock's last day")
            return self.advance_to(business_days_later(self.now(), count, calendar))

    def advance_to(self, moment: dt.datetime | str) -> dt.datetime:
        """Move to ``moment``, running every due job before it in time order, each at its due time."""
        target = parse_moment(moment)
        if not EARLIEST <= target <= LATEST:
            raise ClockError(f"the clock runs from {EARLIEST.isoformat()} to {LATEST.isoformat()}")
        with self._exclusive():
            if target < self.now():
                raise ClockError(f"the clock is at {self.now().isoformat()} and never moves backwards")
            while True:
                source, due = self._earliest_due()
                if source is None or due > target:
                    break
                before = self.now()
                self._pinned = max(due, before)
                shared = self._coordinator is not None
                if shared and self._pinned != before:
                    # Other workers answer the job's own requests (the portal calls the bank): they read this time.
                    self._set_now(self._pinned, shared_only=True)
                    self._renew_hold()
                try:
                    source.run_one_due(self._pinned)
                finally:
                    # Shared: the row has this time already; every store gets the end of the advance.
                    self._set_now(self._pinned, save=not shared)
                    self._pinned = None
            self._set_now(target)
            return self.now()

    def run_due(self) -> int:
        """Run the jobs already due at the current time (the running-mode ticker calls this).

        When another worker is advancing the shared clock, this returns 0 at once: that worker runs them.
        """
        if self._coordinator is not None and not self._hold_depth:
            # Look before taking the shared row: most ticks of most workers find nothing due.
            self.sync()
            self._invalidate_sources()
            source, due = self._earliest_due()
            if source is None or due > self.now():
                return 0
        with self._exclusive(wait=False) as held:
            if not held:
                return 0
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
        with self._exclusive():
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

    def _set_now(self, moment: dt.datetime, *, shared_only: bool = False, save: bool = True) -> None:
        self._frozen_at = moment
        self._offset = moment.timestamp() - self._wall()
        if not save:
            return
        state = self.state()
        if shared_only and self._coordinator is not None:
            # Mid-advance only the shared row needs the time (other workers read it); every store gets the end.
            self._coordinator.save_clock_state(state)
            return
        for store in self._stores:
            store.save_clock_state(state)

    def _earliest_due(self) -> tuple[JobSource | None, dt.datetime]:
        best: tuple[JobSource | None, dt.datetime] = (None, dt.datetime.max.replace(tzinfo=UTC))
        for source in self._sources:
            due = source.next_due()
            if due is not None and due < best[1]:
                best = (source, due)
        return best
