"""The pytest plugin, run the way a user's suite runs it (pytest's own ``pytester``)."""

from __future__ import annotations

import pytest

# Here, not in tests/world/conftest.py: pytest refuses pytest_plugins in a conftest below the rootdir.
pytest_plugins = ["pytester"]

USER_TESTS = """
import datetime as dt

import pytest
import requests


def test_the_world_is_seeded_and_reachable(mockbank_world, bank_sandbox):
    assert bank_sandbox.seed_summary()["seed"] == mockbank_world.seed == 42
    assert mockbank_world.front_door == EXPECTED_DOOR


def test_the_clock_fixture_is_the_worlds_clock(mockbank_world, mockbank_clock, bank_sandbox):
    before = mockbank_clock.now()
    mockbank_clock.advance(dt.timedelta(days=1))
    assert dt.datetime.fromisoformat(bank_sandbox.clock()["now"]) == before + dt.timedelta(days=1)


def test_the_registered_client_reads_an_account(mockbank_world, abnamro_client, bank_sandbox):
    iban = bank_sandbox.seed_summary()["accounts"][0]["iban"]
    minted = bank_sandbox.mint_token(client_id=abnamro_client.client_id, iban=iban)
    abnamro_client.tokens = None
    client = mockbank_world.abnamro_client(
        client_id=abnamro_client.client_id, api_key=abnamro_client.api_key, tokens=minted
    )
    assert client.consent_info().iban == iban


def test_the_portal_sandbox_fixture_reaches_the_portal(mockbank_world, portal_sandbox):
    made = portal_sandbox.create_administration(company_name="Plugin BV")
    assert made["companyName"] == "Plugin BV"


def test_nothing_leaks_out(mockbank_world):
    with pytest.raises(requests.ConnectionError):
        requests.get("https://www.example.org/", timeout=2)


@pytest.mark.mockbank(seed=7, start="2026-03-02T09:00", consent_days=180)
def test_the_marker_sets_seed_start_and_consent_days(mockbank_world, bank_sandbox):
    assert bank_sandbox.seed_summary()["seed"] == 7
    assert mockbank_world.now() == dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)
    assert mockbank_world.bank_app.config["CONSENT_DAYS"] == 180


def test_each_test_gets_a_fresh_world_part_one(mockbank_world, bank_sandbox):
    bank_sandbox.register_client(name="Eenmalig BV", client_id="TPP_once")


def test_each_test_gets_a_fresh_world_part_two(mockbank_world, bank_sandbox):
    assert "TPP_once" not in [c["clientId"] for c in bank_sandbox.clients()]
"""


@pytest.fixture(autouse=True, scope="module")
def _project_modules_imported():
    """Import every lazily imported module once out here: pytester drops modules first imported by an inner run,
    and re-importing a module of SQLAlchemy models declares its classes twice on the shared base."""
    from scenarios.world import World

    World(seed=1).close()


def _write_suite(pytester: pytest.Pytester, door: str) -> None:
    pytester.makepyfile(test_user_suite=f"EXPECTED_DOOR = {door!r}\n" + USER_TESTS)


def test_the_fixtures_work_in_process_by_default(pytester: pytest.Pytester):
    _write_suite(pytester, "inprocess")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=8)


def test_the_option_runs_the_same_suite_against_a_server(pytester: pytest.Pytester):
    _write_suite(pytester, "server")
    result = pytester.runpytest("-p", "no:cacheprovider", "--mockbank-front-door=server")
    result.assert_outcomes(passed=8)


def test_the_environment_variable_chooses_the_server_too(pytester: pytest.Pytester, monkeypatch):
    monkeypatch.setenv("MOCKBANK_FRONT_DOOR", "server")
    _write_suite(pytester, "server")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=8)


def test_a_marker_on_a_class_chooses_the_front_door_for_its_tests(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mockbank(front_door="server", seed=3)
        class TestServed:
            def test_served(self, mockbank_world):
                assert mockbank_world.front_door == "server"
                assert mockbank_world.urls.bank_api.startswith("http://127.0.0.1:")

            @pytest.mark.mockbank(seed=5)
            def test_the_closest_marker_wins(self, mockbank_world):
                assert mockbank_world.seed == 5
                assert mockbank_world.front_door == "server"
        """
    )
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=2)


def test_the_marker_is_declared_and_wrong_options_are_refused(pytester: pytest.Pytester):
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.mockbank(colour="blue")
        def test_wrong(mockbank_world):
            pass
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "--strict-markers")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*unknown option(s) colour*"])
    markers = pytester.runpytest("--markers")
    markers.stdout.fnmatch_lines(["@pytest.mark.mockbank(*"])
    options = pytester.runpytest("--help")
    options.stdout.fnmatch_lines(["*--mockbank-front-door*"])
