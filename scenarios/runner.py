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

import traceback

from faker import Faker

from scenarios.context import ScenarioContext
from scenarios.context import StepFailed
from scenarios.context import anchor_after
from scenarios.context import message_of
from scenarios.discovery import front_door
from scenarios.discovery import urls_from_well_known
from scenarios.discovery import well_known
from scenarios.outcome import ExpectationFailed
from scenarios.outcome import Failure
from scenarios.outcome import Reporter
from scenarios.outcome import ReporterError
from scenarios.outcome import ScenarioError
from scenarios.outcome import ScenarioResult
from scenarios.outcome import TimelineEntry
from scenarios.outcome import expect
from scenarios.portal_setup import connect_portal
from scenarios.portal_setup import register_companies
from scenarios.urls import Urls
from scenarios.urls import expand
from scenarios.urls import scrub

FAKER_LOCALE = "nl_NL"
DEFAULT_SEED = 7


def new_faker(seed: int) -> Faker:
    """The run's Faker: ``nl_NL``, seeded per instance, so one seed gives one set of people and companies."""
    fake = Faker(FAKER_LOCALE)
    fake.seed_instance(seed)
    return fake


def run_scenario(
    target,
    name: str,
    *,
    seed: int = DEFAULT_SEED,
    reporter: Reporter | None = None,
    sandbox_token: str | None = None,
) -> ScenarioResult:
    """Bring ``target``'s world to the known state of ``seed``, play scenario ``name`` on it, and return the result.

    ``target`` is a ``World`` (in-process when it has no base URL), a ``RunningServer`` or the URL of a
    ``mockbank serve``. A failed expectation does not raise: ``result.passed`` is False and
    ``result.failure`` names the step (``result.raise_for_failure()`` raises). ``sandbox_token`` opens a
    server's sandboxes when it runs with ``SANDBOX_TOKEN``; a world's own token is used when none is given.
    """
    from scenarios import catalogue

    chosen = catalogue.get(name)
    if sandbox_token is None:
        world = getattr(target, "world", target)
        sandbox_token = getattr(world, "sandbox_token", None)
    with front_door(target) as (urls, door):
        if reporter is not None and hasattr(reporter, "world_found"):
            try:
                reporter.world_found(urls)
            except Exception as exc:
                raise ReporterError(f"the reporter failed in world_found: {exc}") from exc
        ctx = ScenarioContext(
            urls=urls, seed=seed, fake=new_faker(seed), front_door=door, reporter=reporter, sandbox_token=sandbox_token
        )
        failure = error = None
        end_state = None
        try:
            ctx.prepare()
            chosen(ctx, ctx.fake)
        except ReporterError:
            raise
        except StepFailed as failed:
            error = failed.error
            failure = Failure(failed.step.number, failed.step.actor, failed.step.action, message_of(failed.error))
        except Exception as exc:
            # Outside any step (between steps, or in the scenario's own code): name the last step done.
            error = exc
            last = ctx.timeline[-1].number if ctx.timeline else None
            where = f"after step {last}: " if last else ""
            failure = Failure(None, None, None, scrub(where + message_of(exc), urls))
        finally:
            if ctx._anchor is not None:
                end_state = _end_state(ctx)
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
        end_state=end_state,
    )


def _end_state(ctx: ScenarioContext) -> dict | None:
    """Every registration the run left with its state and its links' states (None when the portal cannot say)."""
    try:
        registrations = ctx.portal.registrations()
    except Exception:
        # The run's own failure is what the result reports; a portal that cannot answer now adds nothing.
        return None
    return {
        "registrations": [
            {
                "serialNumber": r["serialNumber"],
                "state": r["state"],
                "administrationId": r["administrationId"],
                "links": [{"iban": link["iban"], "state": link["state"]} for link in r["links"]],
            }
            for r in registrations
        ]
    }


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
    "anchor_after",
    "connect_portal",
    "expand",
    "expect",
    "format_traceback",
    "front_door",
    "new_faker",
    "register_companies",
    "run_scenario",
    "scrub",
    "urls_from_well_known",
    "well_known",
]
