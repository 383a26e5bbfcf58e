"""Run a catalogue scenario against a world: in-process (a ``World``, routed) or a server (its URL).

A scenario talks to the world only over HTTP, through ``client_sdk`` and the sandbox APIs, so the
same function runs through both front doors. Before it starts, the runner brings the world to a
known state for the seed: both servers emptied, the clock moved on to the next Monday 09:00
(Amsterdam), the bank re-seeded with the seed, the portal registered at the bank again. Its Faker
data come from the same seed, so one seed and one start day give one world and one timeline, byte for
byte, in both front doors. (The bank's demo history ends on the day it is seeded, and its ids come
from the same seeded sequence as the history, so a run that starts in another week gets other IBANs
and codes.) A fresh world's clock starts on Monday 5 January 2026 09:00, so fresh worlds agree.

The timeline's times are the scenario's own simulated time: what it asked the clock for, so a running
server's wall-clock drift never reaches the result. Nothing in a result names a host or port: links
are stored as ``{portal}/...`` (a base URL's name from ``/.well-known/mockbank``) and expanded again
by :meth:`ScenarioResult.absolute`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field

import requests
from faker import Faker

from client_sdk.eaccounting import EAccountingClient
from client_sdk.errors import InvalidRequestError
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
from scenarios.world import PORTAL_CLIENT_ID
from scenarios.world import PORTAL_CLIENT_NAME
from scenarios.world import Urls
from scenarios.world import kvk_companies

WELL_KNOWN = "/.well-known/mockbank"
FAKER_LOCALE = "nl_NL"
DEFAULT_SEED = 7
SANDBOX = "Sandbox"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Every scenario starts on a Monday at 09:00 in Amsterdam, so working-day arithmetic reads the same in every run.
ANCHOR_TIME = dt.time(9, 0)
# A running clock moves while the runner talks to it: the anchor must lie a little ahead of "now".
RUNNING_CLOCK_MARGIN = dt.timedelta(seconds=5)
# The names of the base URLs a link may start with (``Urls`` fields), longest match first when scrubbing.
URL_NAMES = ("bank_api", "bank_auth", "bank_token", "eaccounting_api", "eaccounting", "portal", "kvk")


class ExpectationFailed(AssertionError):
    """A scenario's expectation did not hold; the runner names the step it failed in."""


class ScenarioError(RuntimeError):
    """The scenario cannot run against this target (no portal, not a mockbank server)."""


class ReporterError(RuntimeError):
    """The reporter failed (not the scenario): ``run_scenario`` lets it through, with the reporter's error as cause."""


def expect(condition: object, message: str) -> None:
    """Fail the run with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ExpectationFailed(message)


# --- the timeline -------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    """One step of a run: when (simulated, Amsterdam; ``day`` 1 is the start), who, what, and how it turned out."""

    number: int
    at: dt.datetime
    day: int
    actor: str
    action: str
    outcome: str
    status: str = "ok"

    @property
    def when(self) -> str:
        """The simulated time as printed: ``Mon 2026-01-05 09:00:05`` (Europe/Amsterdam)."""
        local = self.at.astimezone(AMSTERDAM)
        return f"{WEEKDAYS[local.weekday()]} {local:%Y-%m-%d %H:%M:%S}"

    def to_json(self) -> dict:
        """The entry as JSON (``at`` in ISO 8601 with the Amsterdam offset)."""
        return {
            "step": self.number,
            "at": self.at.astimezone(AMSTERDAM).isoformat(),
            "day": self.day,
            "actor": self.actor,
            "action": self.action,
            "outcome": self.outcome,
            "status": self.status,
        }

    def line(self) -> str:
        """The entry as one printed line (step, simulated time, actor, step, outcome)."""
        outcome = f"FAILED: {self.outcome}" if self.status == "failed" else self.outcome
        text = f"{self.number:>3}  {self.when}  {self.actor:<22} {self.action}"
        return f"{text} -> {outcome}" if outcome else text


@dataclass(frozen=True)
class Failure:
    """Why a run stopped: the step it failed in and the message."""

    step: int | None
    actor: str | None
    action: str | None
    message: str

    def describe(self) -> str:
        """``step 7 (Rekeningbeheerder: Bankconsent -> Volgende): <message>``."""
        if self.step is None:
            return self.message
        return f"step {self.step} ({self.actor}: {self.action}): {self.message}"

    def to_json(self) -> dict:
        """The failure as JSON."""
        return {"step": self.step, "actor": self.actor, "action": self.action, "message": self.message}


@dataclass
class ScenarioResult:
    """What a run did: the timeline, the world's ids and credentials, the links, and whether it passed.

    ``to_json()`` and ``dumps()`` hold only what one seed decides (no host, port or wall-clock value);
    ``urls``, ``started_at``, ``request_count`` and ``error`` describe this particular run.
    """

    scenario: str
    description: str
    seed: int
    timeline: list[TimelineEntry]
    world: dict
    links: dict[str, str]
    failure: Failure | None = None
    urls: Urls | None = field(default=None, repr=False)
    started_at: dt.datetime | None = None
    request_count: int = 0
    error: BaseException | None = field(default=None, repr=False)

    @property
    def passed(self) -> bool:
        """Whether every step and expectation held."""
        return self.failure is None

    def to_json(self) -> dict:
        """The result as JSON: scenario, seed, outcome, the world's ids and credentials, links, timeline."""
        return {
            "scenario": self.scenario,
            "description": self.description,
            "seed": self.seed,
            "passed": self.passed,
            "failure": self.failure.to_json() if self.failure else None,
            "world": self.world,
            "links": self.links,
            "timeline": [entry.to_json() for entry in self.timeline],
        }

    def dumps(self) -> str:
        """The JSON text (two-space indent, UTF-8 as is, a final newline): byte for byte the same per seed."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    def timeline_text(self) -> str:
        """The printable timeline, one line per step."""
        return "".join(entry.line() + "\n" for entry in self.timeline)

    def absolute(self, link: str) -> str:
        """A stored link (``{portal}/?licentienummer=...``) as a URL of the world this run used."""
        if self.urls is None:
            return link
        return expand(link, self.urls)

    def absolute_links(self) -> dict[str, str]:
        """Every link of the run as a URL of the world it ran against."""
        return {name: self.absolute(link) for name, link in self.links.items()}

    def raise_for_failure(self) -> ScenarioResult:
        """Raise ``ExpectationFailed`` naming the step when the run failed; the result otherwise."""
        if self.failure is not None:
            raise ExpectationFailed(f"scenario {self.scenario} (seed {self.seed}) failed at {self.failure.describe()}")
        return self


# --- URLs without hosts ---------------------------------------------------------------------------


def _bases(urls: Urls) -> list[tuple[str, str]]:
    """(name, base URL) pairs, longest base first, so ``{eaccounting_api}`` wins over ``{eaccounting}``."""
    pairs = [(name, getattr(urls, name).rstrip("/")) for name in URL_NAMES]
    return sorted(pairs, key=lambda pair: len(pair[1]), reverse=True)


def scrub(text: str, urls: Urls) -> str:
    """``text`` with every base URL of the world replaced by its name in braces (``{portal}``)."""
    for name, base in _bases(urls):
        text = text.replace(base, "{" + name + "}")
    return text


_PLACEHOLDER = re.compile(r"\{(" + "|".join(URL_NAMES) + r")\}")


def expand(text: str, urls: Urls) -> str:
    """The reverse of :func:`scrub`: ``{portal}`` back to the world's portal URL."""
    return _PLACEHOLDER.sub(lambda match: getattr(urls, match.group(1)).rstrip("/"), text)


def urls_from_well_known(doc: dict) -> Urls:
    """The base URLs a server's ``/.well-known/mockbank`` names."""
    bank, portal = doc.get("bank"), doc.get("portal")
    if not bank:
        raise ScenarioError("the well-known document names no bank")
    if not portal:
        raise ScenarioError("this world has no portal (World(portal=False)); scenarios need both apps")
    return Urls(
        bank_api=bank["api"],
        bank_auth=bank["auth"],
        bank_token=bank["token"],
        eaccounting_api=portal["eaccountingApi"],
        eaccounting=portal["eaccounting"],
        portal=portal["portal"],
        kvk=portal["kvk"],
    )


def well_known(url: str) -> dict:
    """A server's ``/.well-known/mockbank`` document; ``ScenarioError`` when it is not a mockbank server."""
    target = url.rstrip("/") + WELL_KNOWN
    try:
        response = requests.get(target, timeout=10)
    except requests.RequestException as exc:
        raise ScenarioError(f"no mockbank server at {url}: {exc}") from exc
    if not response.ok:
        raise ScenarioError(f"{target} answered HTTP {response.status_code}: is this a mockbank server?")
    try:
        return response.json()
    except ValueError as exc:
        raise ScenarioError(f"{target} did not answer JSON: is this a mockbank server?") from exc


# --- the context --------------------------------------------------------------------------------


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
    ):
        self.urls = urls
        self.seed = seed
        self.fake = fake
        self.front_door = front_door
        self.counter = RequestCounter()
        self.session = self.new_session()
        self.bank = BankSandbox(base_url=urls.bank_api, session=self.session, retry=NO_RETRIES)
        self.portal = PortalSandbox(base_url=urls.portal, session=self.session, retry=NO_RETRIES)
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
            self._record(opened, _message(exc), "failed")
            raise _StepFailed(opened, exc) from exc
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
        self.world[key] = _scrubbed(value, self.urls)

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


class _StepFailed(Exception):
    """Carries the failed step out of the scenario function."""

    def __init__(self, step: _Step, error: BaseException):
        super().__init__(str(error))
        self.step = step
        self.error = error


def _message(exc: BaseException) -> str:
    if isinstance(exc, ExpectationFailed):
        return str(exc)
    return f"{type(exc).__name__}: {exc}"


def _scrubbed(value, urls: Urls):
    if isinstance(value, str):
        return scrub(value, urls)
    if isinstance(value, dict):
        return {key: _scrubbed(item, urls) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(item, urls) for item in value]
    return value


def anchor_after(moment: dt.datetime, *, margin: dt.timedelta | None = None) -> dt.datetime:
    """The first Monday 09:00 (Amsterdam) at or after ``moment`` (plus ``margin``) that is a werkdag."""
    earliest = (moment + (margin or dt.timedelta())).astimezone(AMSTERDAM)
    day = earliest.date()
    while True:
        candidate = dt.datetime.combine(day, ANCHOR_TIME, AMSTERDAM)
        if day.weekday() == 0 and is_werkdag(day) and candidate >= earliest:
            return candidate.astimezone(UTC)
        day += dt.timedelta(days=1)


def connect_portal(bank: BankSandbox, portal: PortalSandbox) -> dict:
    """Register the portal at the bank again (a re-seed forgets every client) and hand it the credentials."""
    wanted = portal.bank_client()
    client_id = wanted.get("clientId") or PORTAL_CLIENT_ID
    registered = next((c for c in bank.clients() if c["clientId"] == client_id), None)
    if registered is None:
        registered = bank.register_client(
            name=PORTAL_CLIENT_NAME,
            redirect_uris=[wanted["redirectUri"]],
            client_id=client_id,
            software_name=PORTAL_CLIENT_NAME,
            callback_url=wanted["callbackUrl"],
        )
    portal.configure_bank_client(
        client_id=registered["clientId"],
        api_key=registered["apiKey"],
        client_secret=registered["clientSecret"],
        callback_secret=registered["callbackSecret"],
    )
    return registered


def register_companies(portal: PortalSandbox, customers: list[dict]) -> int:
    """Put the bank's business customers in the portal's KvK register, as a new ``World`` does; returns how many."""
    added = 0
    for kvk_number, name in kvk_companies(customers):
        try:
            portal.add_kvk_company(kvk_number=kvk_number, name=name)
        except InvalidRequestError:
            # One of KvK's error-case test numbers keeps its test behaviour, as in the World.
            continue
        added += 1
    return added


# --- running ------------------------------------------------------------------------------------


class Reporter:
    """Told about every step as the run goes (the CLI prints the timeline and a progress line)."""

    def step_started(self, number: int, actor: str, action: str) -> None:
        """A step begins."""

    def step_finished(self, entry: TimelineEntry) -> None:
        """A step ended (``entry.status`` is ``ok`` or ``failed``)."""


@contextlib.contextmanager
def front_door(target) -> Iterator[tuple[Urls, str]]:
    """(base URLs, front door name) of a target: a ``World`` (routed in-process while the run lasts, or
    served at its base URL), a ``RunningServer``, or a server's URL."""
    world_module = sys.modules.get("scenarios.world")
    if world_module is not None and isinstance(target, world_module.World):
        if target.portal_app is None:
            raise ScenarioError("this world has no portal (World(portal=False)); scenarios need both apps")
        if target.base_url is None:
            with target.activate():
                yield target.urls, "inprocess"
        else:
            yield target.urls, "server"
        return
    url = getattr(target, "url", target)
    if not isinstance(url, str):
        raise TypeError(f"run a scenario against a World, a RunningServer or a server URL, not {type(target).__name__}")
    yield urls_from_well_known(well_known(url)), "server"


def new_faker(seed: int) -> Faker:
    """The run's Faker: ``nl_NL``, seeded per instance, so one seed gives one set of people and companies."""
    fake = Faker(FAKER_LOCALE)
    fake.seed_instance(seed)
    return fake


def run_scenario(target, name: str, *, seed: int = DEFAULT_SEED, reporter: Reporter | None = None) -> ScenarioResult:
    """Bring ``target``'s world to the known state of ``seed``, play scenario ``name`` on it, and return the result.

    ``target`` is a ``World`` (in-process when it has no base URL), a ``RunningServer`` or the URL of a
    ``mockbank serve``. A failed expectation does not raise: ``result.passed`` is False and
    ``result.failure`` names the step (``result.raise_for_failure()`` raises).
    """
    from scenarios import catalogue

    chosen = catalogue.get(name)
    with front_door(target) as (urls, door):
        ctx = ScenarioContext(urls=urls, seed=seed, fake=new_faker(seed), front_door=door, reporter=reporter)
        failure = error = None
        try:
            ctx.prepare()
            chosen(ctx, ctx.fake)
        except ReporterError:
            raise
        except _StepFailed as failed:
            error = failed.error
            failure = Failure(failed.step.number, failed.step.actor, failed.step.action, _message(failed.error))
        except Exception as exc:
            # Outside any step (between steps, or in the scenario's own code): name the last step done.
            error = exc
            last = ctx.timeline[-1].number if ctx.timeline else None
            where = f"after step {last}: " if last else ""
            failure = Failure(None, None, None, scrub(where + _message(exc), urls))
        finally:
            ctx.close()
    return ScenarioResult(
        scenario=chosen.name,
        description=chosen.description,
        seed=seed,
        timeline=list(ctx.timeline),
        world=ctx.world,
        links=ctx.links,
        failure=_scrubbed_failure(failure, urls),
        urls=urls,
        started_at=ctx._anchor,
        request_count=ctx.counter.count,
        error=error,
    )


def _scrubbed_failure(failure: Failure | None, urls: Urls) -> Failure | None:
    if failure is None:
        return None
    action = scrub(failure.action, urls) if failure.action else None
    return Failure(failure.step, failure.actor, action, scrub(failure.message, urls))


def format_traceback(error: BaseException) -> str:
    """The error's traceback as text (the CLI prints it for errors that are not failed expectations)."""
    return "".join(traceback.format_exception(error))


__all__ = [
    "ExpectationFailed",
    "Failure",
    "Reporter",
    "ReporterError",
    "ScenarioContext",
    "ScenarioError",
    "ScenarioResult",
    "TimelineEntry",
    "expect",
    "front_door",
    "run_scenario",
]
