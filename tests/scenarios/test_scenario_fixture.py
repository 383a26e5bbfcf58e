"""The pytest plugin's scenario fixtures: a world already at a named scenario's end, in either front door."""

from __future__ import annotations

import pytest

# Here, not in a conftest: pytest refuses pytest_plugins in a conftest below the rootdir.
pytest_plugins = ["pytester"]


@pytest.mark.mockbank(seed=None)
@pytest.mark.mockbank_scenario("happy_path_consented", seed=11)
def test_the_marker_brings_the_world_to_the_scenarios_end(mockbank_scenario, portal_sandbox, bank_sandbox):
    serial = mockbank_scenario.world["serialNumber"]

    assert mockbank_scenario.scenario == "happy_path_consented" and mockbank_scenario.seed == 11
    assert portal_sandbox.timeline(serial)["registration"]["state"] == "done"
    assert bank_sandbox.seed_summary()["seed"] == 11


@pytest.mark.mockbank(seed=None, front_door="server")
def test_the_factory_runs_scenarios_on_the_tests_server_world(run_mockbank_scenario, mockbank_world, portal_sandbox):
    result = run_mockbank_scenario("unknown_kvk_number", seed=7)

    assert result.passed and mockbank_world.front_door == "server"
    assert result.absolute_links()["portal"].startswith(mockbank_world.base_url + "/portal/")
    (registration,) = portal_sandbox.registrations()
    assert registration["state"] == "contact"


USER_CONFTEST = """
from scenarios.catalogue import scenario


@scenario("user_failing", "A user's scenario whose second step expects the wrong answer")
def user_failing(ctx, fake):
    ctx.note("Tester", "say hello", "hello")
    with ctx.step("Tester", "check the answer"):
        ctx.expect(False, "the answer is 41, not 42")
"""

USER_TESTS = """
import pytest

pytestmark = pytest.mark.mockbank(seed=None)


@pytest.mark.mockbank_scenario("kasrekening_refused")
def test_uses_a_scenario(mockbank_scenario, portal_sandbox):
    assert mockbank_scenario.seed == 7 and portal_sandbox.registrations() == []


@pytest.mark.mockbank_scenario("user_failing", seed=3)
def test_a_failing_scenario_is_an_error_of_the_setup(mockbank_scenario):
    pass


def test_the_fixture_needs_the_marker(mockbank_scenario):
    pass
"""


@pytest.fixture(autouse=True, scope="module")
def _project_modules_imported():
    """Import every lazily imported module once out here: pytester drops modules first imported by an inner run,
    and re-importing a module of SQLAlchemy models declares its classes twice on the shared base."""
    import scenarios.catalogue  # noqa: F401
    import scenarios.runner  # noqa: F401
    from scenarios.world import World

    World(seed=1).close()


def test_a_users_suite_gets_declared_markers_failures_naming_the_step_and_usage_errors(pytester: pytest.Pytester):
    pytester.makeconftest(USER_CONFTEST)
    pytester.makepyfile(test_user_suite=USER_TESTS)

    result = pytester.runpytest("-p", "no:cacheprovider", "-W", "error")

    # A scenario that cannot be played is an error in the setup of the tests that need its world.
    result.assert_outcomes(passed=1, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*mockbank scenario user_failing (seed 3) failed at step 3 (Tester: check the answer): the answer is 41*",
            "*needs @pytest.mark.mockbank_scenario(name, seed=7)*",
        ]
    )
    from scenarios import catalogue

    catalogue.unregister("user_failing")
