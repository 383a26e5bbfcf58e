"""The simulated clock of a world: frozen or running, never backwards, running due jobs in time order."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
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

__all__ = ["FROZEN", "RUNNING", "DEFAULT_START", "ClockError", "SimClock", "JobSource", "ClockStore"]


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
        with self._lock:
            if delta > LATEST - self.now():
                raise ClockError(f"that goes past {LATEST.isoformat()}, the latest moment the clock can show")
            return self.advance_to(self.now() + delta)

    def advance_working_days(self, count: int, calendar: str = "werkdagen") -> dt.datetime:
        """Move to the same Amsterdam wall time ``count`` business days later."""
        with self._lock:
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
