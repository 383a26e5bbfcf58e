"""The runner: failures name their step, results hold no host, the clock starts on a Monday, both clock modes."""

from __future__ import annotations

import datetime as dt

import pytest

from scenarios import catalogue
from scenarios import expect
from scenarios import run_scenario
from scenarios.catalogue import scenario
from scenarios.runner import ExpectationFailed
from scenarios.runner import Reporter
from scenarios.runner import ReporterError
from scenarios.runner import ScenarioError
from scenarios.runner import anchor_after
from scenarios.runner import expand
from scenarios.runner import scrub
from scenarios.runner import urls_from_well_known
from scenarios.world import Urls
from scenarios.world import World


@pytest.fixture
def tiny_scenarios():
    """Scenarios that exist only in these tests: one fails an expectation, one breaks between steps, one uses
    a wrong token, one asks for state no step set."""

    @scenario("tiny_failing", "A test's own scenario whose second step expects the wrong answer")
    def tiny_failing(ctx, fake):
        with ctx.step("Tester", "ask the bank's clock") as step:
            step.outcome = ctx.bank.clock()["mode"]
        with ctx.step("Tester", "check the answer"):
            expect(41 == 42, "the answer is 41, not 42")

    @scenario("tiny_broken", "A test's own scenario that raises between its steps")
    def tiny_broken(ctx, fake):
        ctx.note("Tester", "say hello", "hello")
        raise RuntimeError(f"broken after calling {ctx.urls.portal}/sandbox")

    @scenario("tiny_wrong_token", "A test's own scenario that calls eAccounting with a token nobody issued")
    def tiny_wrong_token(ctx, fake):
        with ctx.step("eAccounting-gebruiker", "list the bank accounts"):
            ctx.eaccounting("not-a-token").list_bank_accounts()

    @scenario("tiny_missing_state", "A test's own scenario that reads a serial number no step issued")
    def tiny_missing_state(ctx, fake):
        with ctx.step("Rekeningbeheerder", "read the serial number") as step:
            step.outcome = ctx.serial_number

    yield
    for name in ("tiny_failing", "tiny_broken", "tiny_wrong_token", "tiny_missing_state"):
        catalogue.unregister(name)


def test_a_failed_expectation_names_its_step_and_stops_the_run(inprocess_world, tiny_scenarios):
    result = run_scenario(inprocess_world, "tiny_failing", seed=7)

    assert not result.passed
    assert (result.failure.step, result.failure.actor, result.failure.action) == (3, "Tester", "check the answer")
    assert result.failure.message == "the answer is 41, not 42"
    assert [e.status for e in result.timeline] == ["ok", "ok", "failed"]
    assert result.timeline[1].outcome == "frozen"
    assert "FAILED: the answer is 41, not 42" in result.timeline_text().splitlines()[2]
    assert result.to_json()["failure"] == {
        "step": 3,
        "actor": "Tester",
        "action": "check the answer",
        "message": "the answer is 41, not 42",
    }
    with pytest.raises(ExpectationFailed, match=r"failed at step 3 \(Tester: check the answer\): the answer is 41"):
        result.raise_for_failure()


def test_an_error_between_steps_names_the_last_step_done_and_no_host(inprocess_world, tiny_scenarios):
    result = run_scenario(inprocess_world, "tiny_broken", seed=7)

    assert result.failure.step is None
    assert result.failure.message == "after step 2: RuntimeError: broken after calling {portal}/sandbox"
    assert isinstance(result.error, RuntimeError)


def test_an_sdk_error_in_a_step_fails_that_step(inprocess_world, tiny_scenarios):
    result = run_scenario(inprocess_world, "tiny_wrong_token", seed=7)

    assert result.failure.step == 2
    assert result.failure.message.startswith("AuthenticationError: ")
    assert "vismaonline" not in result.dumps()


def test_state_no_step_set_says_so(inprocess_world, tiny_scenarios):
    result = run_scenario(inprocess_world, "tiny_missing_state", seed=7)

    assert result.failure.message == (
        "AttributeError: the scenario has no ctx.serial_number yet: an earlier step sets it"
    )


def test_the_reporter_hears_every_step_as_it_goes(inprocess_world, tiny_scenarios):
    heard = []

    class Recorder(Reporter):
        def step_started(self, number, actor, action):
            heard.append(("start", number, action))

        def step_finished(self, entry):
            heard.append(("end", entry.number, entry.status))

    run_scenario(inprocess_world, "tiny_failing", seed=7, reporter=Recorder())

    assert heard == [
        ("start", 1, "bring the world to the known state of seed 7"),
        ("end", 1, "ok"),
        ("start", 2, "ask the bank's clock"),
        ("end", 2, "ok"),
        ("start", 3, "check the answer"),
        ("end", 3, "failed"),
    ]


def test_a_broken_reporter_is_not_the_scenarios_failure(inprocess_world, tiny_scenarios):
    class Broken(Reporter):
        def step_finished(self, entry):
            raise OSError("the terminal went away")

    with pytest.raises(ReporterError, match="step_finished: the terminal went away"):
        run_scenario(inprocess_world, "tiny_failing", seed=7, reporter=Broken())


def test_unknown_scenarios_and_worlds_without_a_portal_are_refused(inprocess_world):
    with pytest.raises(catalogue.UnknownScenario, match="known scenarios: happy_path, "):
        run_scenario(inprocess_world, "no_such_scenario")
    with World(seed=None, portal=False) as bank_only, pytest.raises(ScenarioError, match="no portal"):
        run_scenario(bank_only, "happy_path_consented")
    with pytest.raises(ScenarioError, match="no portal"):
        urls_from_well_known({"bank": {"api": "x"}, "portal": None})
    with pytest.raises(TypeError, match="a World, a RunningServer or a server URL"):
        run_scenario(42, "happy_path_consented")


def test_the_timeline_follows_the_scenario_not_a_running_clocks_wall_time():
    # A running clock starting at 09:00 cannot be caught at 09:00 again: the run starts the next Monday.
    with World(seed=None, clock_mode="running", start="2026-01-05T09:00") as running:
        moving = run_scenario(running, "happy_path_consented", seed=7)
        ahead = running.now()
    with World(seed=None, start="2026-01-12T09:00") as frozen:
        still = run_scenario(frozen, "happy_path_consented", seed=7)
        ended = frozen.now()

    assert moving.passed and still.passed
    assert moving.started_at == still.started_at == dt.datetime(2026, 1, 12, 8, 0, tzinfo=dt.UTC)
    assert moving.dumps() == still.dumps()
    assert ended == still.timeline[-1].at
    assert ahead >= ended


@pytest.mark.parametrize(
    ("now", "start"),
    [
        ("2026-01-05T09:00:00+01:00", "2026-01-05T09:00:00+01:00"),  # a Monday at 09:00: right away
        ("2026-01-05T09:00:01+01:00", "2026-01-12T09:00:00+01:00"),  # a second late: next week
        ("2026-01-08T15:00:00+01:00", "2026-01-12T09:00:00+01:00"),  # a Thursday
        ("2026-03-31T10:00:00+02:00", "2026-04-13T09:00:00+02:00"),  # Easter Monday (6 April) is no werkdag
    ],
)
def test_a_run_starts_on_the_next_monday_at_nine_that_is_a_werkdag(now, start):
    assert anchor_after(dt.datetime.fromisoformat(now)) == dt.datetime.fromisoformat(start)


def test_links_are_kept_without_their_host_and_expanded_again():
    urls = Urls.server("http://127.0.0.1:8123")
    text = "see http://127.0.0.1:8123/eaccounting-api/v2/bankaccounts and http://127.0.0.1:8123/eaccounting/x"

    scrubbed = scrub(text, urls)

    assert scrubbed == "see {eaccounting_api}/v2/bankaccounts and {eaccounting}/x"
    assert expand(scrubbed, urls) == text
    assert scrub(Urls.inprocess().bank_token, Urls.inprocess()) == "{bank_token}"
    assert expand("{portal}/?licentienummer=1", Urls.inprocess()) == (
        "https://register.ebanking.vismasoftware.nl/?licentienummer=1"
    )
