"""The context a scenario runs in: clients bound to the world, simulated time, and the steps it records.

Before a scenario starts, :meth:`ScenarioContext.prepare` brings the world to the known state of the
seed (the run's first step): both servers emptied, the clock on the next Monday 09:00 (Amsterdam), the
bank re-seeded, the portal registered at the bank again.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator

import requests
from faker import Faker

from client_sdk.eaccounting import EAccountingClient
from client_sdk.headless import HeadlessUser
from client_sdk.http import NO_RETRIES
from client_sdk.portal import KvkClient
from client_sdk.portal import PortalSandbox
from client_sdk.portal import PortalWizard
from client_sdk.sandbox import BankSandbox
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import UTC
from mockbank.sim.calendar import business_days_later
from mockbank.sim.calendar import is_werkdag
from mockbank.sim.calendar import parse_moment
from mockbank.sim.clock import FROZEN
from scenarios.outcome import ExpectationFailed
from scenarios.outcome import Reporter
from scenarios.outcome import ReporterError
from scenarios.outcome import ScenarioError
from scenarios.outcome import TimelineEntry
from scenarios.outcome import expect
from scenarios.portal_setup import connect_portal
from scenarios.portal_setup import register_companies
from scenarios.urls import Urls
from scenarios.urls import scrub
from scenarios.urls import scrub_value

SANDBOX = "Sandbox"
# Every scenario starts on a Monday at 09:00 in Amsterdam, so working-day arithmetic reads the same in every run.
ANCHOR_TIME = dt.time(9, 0)
# A running clock moves while the runner talks to it: the anchor must lie a little ahead of "now".
RUNNING_CLOCK_MARGIN = dt.timedelta(seconds=5)


class RequestCounter:
    """How many HTTP requests the sessions of one run sent (every attempt, every redirect hop)."""

    def __init__(self):
        self.count = 0


class CountingSession(requests.Session):
    """A ``requests.Session`` that counts its requests on a shared counter."""

    def __init__(self, counter: RequestCounter):
        super().__init__()
        self.counter = counter

    def request(self, method, url, *args, **kwargs):
        """Count, then send as ``requests`` does."""
        self.counter.count += 1
        return super().request(method, url, *args, **kwargs)


class _Step:
    """An open step: set ``outcome`` before it ends."""

    def __init__(self, number: int, actor: str, action: str, started: dt.datetime):
        self.number = number
        self.actor = actor
        self.action = action
        self.started = started
        self.outcome = ""


class ScenarioContext:
    """What a scenario works with: clients bound to the world, its simulated time, the timeline and the facts.

    ``bank`` (``BankSandbox``), ``portal`` (``PortalSandbox``) and ``kvk`` (``KvkClient``) share one
    session; ``browser(name)`` and ``wizard(name)`` give each person a browser of their own;
    ``eaccounting(token)`` is one administration's API. Steps keep what later steps need as
    attributes of the context (``ctx.company``, ``ctx.serial_number``...).
    """

    def __init__(
        self,
        *,
        urls: Urls,
        seed: int,
        fake: Faker,
        front_door: str,
        reporter: Reporter | None = None,
        sandbox_token: str | None = None,
    ):
        self.urls = urls
        self.seed = seed
        self.fake = fake
        self.front_door = front_door
        self.counter = RequestCounter()
        self.session = self.new_session()
        # A shared host's sandboxes ask for their token (SANDBOX_TOKEN); an open one ignores it.
        self.bank = BankSandbox(base_url=urls.bank_api, session=self.session, retry=NO_RETRIES, token=sandbox_token)
        self.portal = PortalSandbox(base_url=urls.portal, session=self.session, retry=NO_RETRIES, token=sandbox_token)
        self.kvk = KvkClient(base_url=urls.kvk, session=self.session)
        self.timeline: list[TimelineEntry] = []
        self.world: dict = {}
        self.links: dict[str, str] = {}
        self.clock_mode = FROZEN
        self._reporter = reporter
        self._browsers: dict[str, HeadlessUser] = {}
        self._wizards: dict[str, PortalWizard] = {}
        self._sessions: list[requests.Session] = [self.session]
        self._anchor: dt.datetime | None = None
        self._now: dt.datetime | None = None
        self._current: _Step | None = None

    def __getattr__(self, name: str):
        # Only called for attributes no step has set yet: say so instead of a bare AttributeError.
        if name.startswith("_"):
            raise AttributeError(name)
        raise AttributeError(f"the scenario has no ctx.{name} yet: an earlier step sets it")

    # --- sessions and clients -------------------------------------------------------------------

    def new_session(self) -> CountingSession:
        """A fresh ``requests`` session (its own cookies) whose requests are counted."""
        session = CountingSession(self.counter)
        if self.front_door == "inprocess":
            # Routed into the apps: no proxy or .netrc can apply, and reading them from the environment and the
            # disk cost a third of every in-process request.
            session.trust_env = False
        if hasattr(self, "_sessions"):
            self._sessions.append(session)
        return session

    def browser(self, name: str) -> HeadlessUser:
        """The browser of the person or device ``name`` (made on first use; each has its own cookies)."""
        if name not in self._browsers:
            self._browsers[name] = HeadlessUser(session=self.new_session())
        return self._browsers[name]

    def wizard(self, name: str) -> PortalWizard:
        """The ``PortalWizard`` of ``name``, in that person's browser (made on first use)."""
        if name not in self._wizards:
            self._wizards[name] = PortalWizard(
                portal_base=self.urls.portal, bank_auth_base=self.urls.bank_auth, user=self.browser(name)
            )
        return self._wizards[name]

    def eaccounting(self, access_token: str) -> EAccountingClient:
        """The eAccounting API of the administration this token belongs to."""
        return EAccountingClient(
            access_token=access_token, base_url=self.urls.eaccounting_api, session=self.session, retry=NO_RETRIES
        )

    def close(self) -> None:
        """Close every session of the run."""
        for session in self._sessions:
            session.close()

    # --- time -----------------------------------------------------------------------------------

    @property
    def now(self) -> dt.datetime:
        """The scenario's simulated time (UTC)."""
        if self._now is None:
            raise ScenarioError("the world has not been prepared yet")
        return self._now

    def advance(
        self,
        *,
        seconds: float | None = None,
        minutes: float | None = None,
        hours: float | None = None,
        days: float | None = None,
        working_days: int | None = None,
        to: dt.datetime | str | None = None,
    ) -> dt.datetime:
        """Move the world's clock through the sandbox API (due jobs of both servers run); returns the new time.

        The scenario's time follows what it asked for, so a running server's wall-clock drift never
        reaches the timeline; a frozen clock answers exactly that time.
        """
        if working_days is not None:
            target = business_days_later(self.now, working_days)
            answer = self.bank.advance(working_days=working_days)
        elif to is not None:
            target = max(self.now, parse_moment(to))
            answer = self.bank.advance(to=target)
        else:
            delta = dt.timedelta(seconds=seconds or 0, minutes=minutes or 0, hours=hours or 0, days=days or 0)
            target = self.now + delta
            answer = self.bank.advance(seconds=seconds, minutes=minutes, hours=hours, days=days)
        # With a frozen clock the bank's answer is the truth (another client may have moved a shared server).
        self._now = parse_moment(answer["now"]) if self.clock_mode == FROZEN else target
        return self._now

    def day(self, moment: dt.datetime | None = None) -> int:
        """The scenario's day of ``moment`` (default: now): 1 on the Monday it started, in Amsterdam."""
        local = (moment or self.now).astimezone(AMSTERDAM)
        return (local.date() - self._anchor.astimezone(AMSTERDAM).date()).days + 1

    # --- the timeline ---------------------------------------------------------------------------

    @contextlib.contextmanager
    def step(self, actor: str, action: str) -> Iterator[_Step]:
        """One step of the timeline, timed when it ends: ``with ctx.step("Rekeningbeheerder", "...") as step:``.

        Set ``step.outcome``; an expectation that fails (or any error) inside ends the run at this step.
        """
        if self._current is not None:
            raise ScenarioError(f"step {action!r} started inside step {self._current.action!r}")
        opened = _Step(len(self.timeline) + 1, actor, action, self.now)
        self._current = opened
        self._report("step_started", opened.number, actor, action)
        try:
            yield opened
        except Exception as exc:
            # Exceptions end the run at this step; KeyboardInterrupt and friends still stop everything.
            self._record(opened, message_of(exc), "failed")
            raise StepFailed(opened, exc) from exc
        finally:
            self._current = None
        self._record(opened, opened.outcome, "ok")

    def note(self, actor: str, action: str, outcome: str = "") -> None:
        """A step with nothing to do but to be recorded (a message passed on, a state observed)."""
        with self.step(actor, action) as step:
            step.outcome = outcome

    def _record(self, opened: _Step, outcome: str, status: str) -> None:
        # Timed at the end: a step that waits (the serial number's preparation) is shown when its outcome came.
        entry = TimelineEntry(
            opened.number,
            self.now,
            self.day(),
            opened.actor,
            scrub(opened.action, self.urls),
            scrub(str(outcome), self.urls),
            status,
        )
        self.timeline.append(entry)
        self._report("step_finished", entry)

    def _report(self, event: str, *args) -> None:
        if self._reporter is None:
            return
        try:
            getattr(self._reporter, event)(*args)
        except Exception as exc:
            raise ReporterError(f"the reporter failed in {event}: {exc}") from exc

    def expect(self, condition: object, message: str) -> None:
        """Fail the run with ``message`` (naming the current step) unless ``condition`` holds."""
        expect(condition, message)

    # --- what the result holds ------------------------------------------------------------------

    def remember(self, key: str, value) -> None:
        """Keep ``value`` (ids, credentials: JSON-ready) in the result's ``world`` under ``key``."""
        self.world[key] = scrub_value(value, self.urls)

    def link(self, name: str, url: str) -> str:
        """Keep a link a person would open (``{portal}/...`` in the result); returns it as given."""
        self.links[name] = scrub(url, self.urls)
        return url

    # --- the known state ------------------------------------------------------------------------

    def prepare(self) -> None:
        """Bring the world to the known state of the seed (the run's first step, actor ``Sandbox``)."""
        clock = self.bank.clock()
        self.clock_mode = clock["mode"]
        now = parse_moment(clock["now"])
        self._anchor = self._now = anchor_after(now, margin=RUNNING_CLOCK_MARGIN if self.clock_mode != FROZEN else None)
        with self.step(SANDBOX, f"bring the world to the known state of seed {self.seed}") as step:
            # Empty both first, so moving the clock to the start runs none of the old world's due jobs.
            self.portal.reset()
            self.bank.reset()
            self.advance(to=self._anchor)
            self._anchor = self._now
            summary = self.bank.seed(self.seed)
            client = connect_portal(self.bank, self.portal)
            companies = register_companies(self.portal, summary["customers"])
            step.outcome = (
                f"bank seeded ({len(summary['customers'])} customers, {len(summary['accounts'])} accounts), "
                f"portal empty with {companies} of its businesses in the KvK register, "
                f"registered at the bank as {client['clientId']}"
            )


class StepFailed(Exception):
    """Carries the failed step out of the scenario function."""

    def __init__(self, step: _Step, error: BaseException):
        super().__init__(str(error))
        self.step = step
        self.error = error


def message_of(exc: BaseException) -> str:
    """What a failure says: an expectation's message, or the error's type and text."""
    if isinstance(exc, ExpectationFailed):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def anchor_after(moment: dt.datetime, *, margin: dt.timedelta | None = None) -> dt.datetime:
    """The first Monday 09:00 (Amsterdam) at or after ``moment`` (plus ``margin``) that is a werkdag."""
    earliest = (moment + (margin or dt.timedelta())).astimezone(AMSTERDAM)
    day = earliest.date()
    while True:
        candidate = dt.datetime.combine(day, ANCHOR_TIME, AMSTERDAM)
        if day.weekday() == 0 and is_werkdag(day) and candidate >= earliest:
            return candidate.astimezone(UTC)
        day += dt.timedelta(days=1)
