"""What a run gives: the timeline, the failure, the result; the errors of a run and the reporter it tells."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from dataclasses import field

from mockbank.sim.calendar import AMSTERDAM
from scenarios.urls import Urls
from scenarios.urls import expand

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


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

    def line(self, urls: Urls | None = None) -> str:
        """The entry as one printed line (step, simulated time, actor, step, outcome); ``urls`` gives real addresses."""
        action, outcome = self.action, self.outcome
        if urls is not None:
            action, outcome = expand(action, urls), expand(outcome, urls)
        outcome = f"FAILED: {outcome}" if self.status == "failed" else outcome
        text = f"{self.number:>3}  {self.when}  {self.actor:<22} {action}"
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
    # The world the run left: every registration with its state and its account links' states.
    end_state: dict | None = None

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
            "endState": self.end_state,
        }

    def dumps(self) -> str:
        """The JSON text (two-space indent, UTF-8 as is, a final newline): byte for byte the same per seed."""
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False) + "\n"

    def timeline_text(self, *, addresses: bool = True) -> str:
        """The printable timeline, one line per step, with the real addresses of the world the run used.

        ``addresses=False`` keeps the placeholders (``{portal}``): the same text through both front doors.
        """
        urls = self.urls if addresses else None
        return "".join(entry.line(urls) + "\n" for entry in self.timeline)

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


class Reporter:
    """Told about every step as the run goes (the CLI prints the timeline and a progress line)."""

    def step_started(self, number: int, actor: str, action: str) -> None:
        """A step begins."""

    def step_finished(self, entry: TimelineEntry) -> None:
        """A step ended (``entry.status`` is ``ok`` or ``failed``)."""

    def world_found(self, urls: Urls) -> None:
        """The run's base URLs are known (before its first step): printed steps can show real addresses."""
