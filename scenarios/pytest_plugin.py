"""The mockbank pytest plugin (registered through the ``pytest11`` entry point).

Fixtures: ``mockbank_world`` (a fresh, seeded world per test, reachable through the chosen front
door), ``mockbank_clock``, ``mockbank_session``, ``bank_sandbox``, ``portal_sandbox``,
``abnamro_client`` (an SDK client already registered at the bank), ``headless_user``, and
``mockbank_scenario`` / ``run_mockbank_scenario`` (the world brought to a catalogue scenario's end)::

    @pytest.mark.mockbank_scenario("happy_path_consented", seed=7)
    def test_after_consent(mockbank_scenario, portal_sandbox):
        serial = mockbank_scenario.world["serialNumber"]
Options per test come from the marker::

    @pytest.mark.mockbank(seed=7, start="2026-03-02T09:00", consent_days=180, front_door="server")

and the front door of the whole run from ``--mockbank-front-door=server`` or ``MOCKBANK_FRONT_DOOR``
(like moto's ``TEST_SERVER_MODE``): ``inprocess`` routes ``requests`` into the apps, ``server``
serves the same world on a local port. Either way, a request to any other host raises
``requests.ConnectionError``.
"""

from __future__ import annotations

import os

import pytest

INPROCESS = "inprocess"
SERVER = "server"
FRONT_DOORS = (INPROCESS, SERVER)
MARKER_OPTIONS = (
    "seed",
    "start",
    "consent_days",
    "front_door",
    "clock_mode",
    "config",
    "bank_config",
    "portal_config",
    "portal",
)
DEFAULTS = {"seed": 42, "start": None, "consent_days": None, "clock_mode": "frozen"}


def pytest_addoption(parser: pytest.Parser) -> None:
    """``--mockbank-front-door``: run every test that uses the fixtures in-process or against a server."""
    group = parser.getgroup("mockbank", "mockbank: a simulated ABN AMRO bank and eAccounting portal")
    group.addoption(
        "--mockbank-front-door",
        choices=FRONT_DOORS,
        default=None,
        dest="mockbank_front_door",
        help="serve the mockbank world in-process (default) or on a local port ('server'); also MOCKBANK_FRONT_DOOR",
    )


def pytest_configure(config: pytest.Config) -> None:
    """Declare the ``mockbank`` and ``mockbank_scenario`` markers."""
    config.addinivalue_line(
        "markers",
        "mockbank(seed=42, start=None, consent_days=None, front_door=None, clock_mode='frozen', config=None, "
        "bank_config=None, portal_config=None, portal=True): options of the test's mockbank world",
    )
    config.addinivalue_line(
        "markers",
        "mockbank_scenario(name, seed=7): the mockbank_scenario fixture brings the world to this scenario's end",
    )


def mockbank_options(request: pytest.FixtureRequest) -> dict:
    """The world options of a test: defaults, then markers from the outermost (module, class) to the test's own."""
    options = dict(DEFAULTS)
    for marker in reversed(list(request.node.iter_markers("mockbank"))):
        if marker.args:
            raise pytest.UsageError("@pytest.mark.mockbank takes keyword options only")
        unknown = sorted(set(marker.kwargs) - set(MARKER_OPTIONS))
        if unknown:
            raise pytest.UsageError(
                f"@pytest.mark.mockbank: unknown option(s) {', '.join(unknown)}; use {', '.join(MARKER_OPTIONS)}"
            )
        options.update(marker.kwargs)
    front_door = (
        options.get("front_door")
        or request.config.getoption("mockbank_front_door", default=None)
        or os.environ.get("MOCKBANK_FRONT_DOOR")
        or INPROCESS
    )
    if front_door not in FRONT_DOORS:
        raise pytest.UsageError(f"mockbank front door {front_door!r}: use one of {', '.join(FRONT_DOORS)}")
    options["front_door"] = front_door
    return options


@pytest.fixture
def mockbank_world(request: pytest.FixtureRequest):
    """A fresh, seeded ``scenarios.World`` for this test, reachable through the chosen front door.

    In-process its hosts are the real-looking ones (``world.urls.bank_api`` is
    ``https://api-sandbox.abnamro.com``); in server mode they are prefixes of a local port. Either
    way ``world.urls`` holds the right base URLs and other hosts raise ``ConnectionError``.
    """
    from scenarios.routing import only_allow
    from scenarios.server import start_server
    from scenarios.world import World

    options = mockbank_options(request)
    front_door = options.pop("front_door")
    if front_door == SERVER:
        # The world is built once the port is known, so every app learns its real URLs up front.
        with start_server(**options) as server, only_allow(server.url + "/"):
            yield server.world
        return
    world = World(**options)
    try:
        with world.activate():
            yield world
    finally:
        world.close()


@pytest.fixture
def mockbank_clock(mockbank_world):
    """The world's ``SimClock`` (frozen unless the marker says ``clock_mode="running"``)."""
    return mockbank_world.clock


def _no_sleep(seconds: float) -> None:
    """Retries in tests do not wait on the wall clock."""


def _retry_policy():
    from client_sdk.http import RetryPolicy

    return RetryPolicy(sleep=_no_sleep, jitter=None)


@pytest.fixture
def mockbank_session(mockbank_world):
    """A ``requests.Session`` for the world: routed in-process, or talking to the server."""
    import requests

    with requests.Session() as session:
        yield session


@pytest.fixture
def bank_sandbox(mockbank_world, mockbank_session):
    """A ``client_sdk.BankSandbox`` bound to the world's bank (its ``/sandbox`` control API)."""
    import client_sdk

    return client_sdk.BankSandbox(
        base_url=mockbank_world.urls.bank_api,
        session=mockbank_session,
        retry=_retry_policy(),
        token=mockbank_world.sandbox_token,
    )


@pytest.fixture
def portal_sandbox(mockbank_world, mockbank_session):
    """A ``client_sdk.portal.PortalSandbox`` bound to the world's portal (its ``/sandbox`` control API)."""
    from client_sdk.portal import PortalSandbox

    return PortalSandbox(
        base_url=mockbank_world.urls.portal,
        session=mockbank_session,
        retry=_retry_policy(),
        token=mockbank_world.portal_app.config.get("SANDBOX_TOKEN") if mockbank_world.portal_app else None,
    )


ABNAMRO_CLIENT_NAME = "Pytest TPP"
ABNAMRO_REDIRECT_URI = "https://localhost/auth"


@pytest.fixture
def abnamro_client(mockbank_world, bank_sandbox, mockbank_session):
    """A ``client_sdk.AbnAmroClient`` registered at the bank (confidential, redirect ``https://localhost/auth``)."""
    registered = bank_sandbox.register_client(name=ABNAMRO_CLIENT_NAME, redirect_uris=[ABNAMRO_REDIRECT_URI])
    return mockbank_world.abnamro_client(
        client_id=registered["clientId"],
        api_key=registered["apiKey"],
        client_secret=registered["clientSecret"],
        redirect_uri=ABNAMRO_REDIRECT_URI,
        session=mockbank_session,
        retry=_retry_policy(),
    )


@pytest.fixture
def headless_user(mockbank_world, mockbank_session):
    """A ``client_sdk.HeadlessUser`` on ``mockbank_session``: a browser that fills in the bank's and portal's forms.

    Its cookies are the session's, so a test can look at them; make another ``HeadlessUser`` with a
    session of its own for a second person.
    """
    import client_sdk

    return client_sdk.HeadlessUser(session=mockbank_session)


SCENARIO_SEED = 7


def _run_or_fail(world, name: str, seed: int):
    from scenarios.runner import run_scenario

    result = run_scenario(world, name, seed=seed)
    if not result.passed:
        pytest.fail(
            f"mockbank scenario {name} (seed {seed}) failed at {result.failure.describe()}\n{result.timeline_text()}",
            pytrace=False,
        )
    return result


@pytest.fixture
def run_mockbank_scenario(mockbank_world):
    """A function ``run(name, seed=7)`` that brings ``mockbank_world`` to that scenario's end and returns the
    ``ScenarioResult`` (ids, credentials, links, timeline); a failed expectation fails the test.

    The runner re-seeds the bank itself, so ``@pytest.mark.mockbank(seed=None)`` spares building the demo twice.
    """

    def run(name: str, seed: int = SCENARIO_SEED):
        return _run_or_fail(mockbank_world, name, seed)

    return run


@pytest.fixture
def mockbank_scenario(request: pytest.FixtureRequest, mockbank_world):
    """``mockbank_world`` brought to the end of the scenario ``@pytest.mark.mockbank_scenario(name, seed=7)``
    names; the value is the ``ScenarioResult``."""
    marker = request.node.get_closest_marker("mockbank_scenario")
    if marker is None or len(marker.args) != 1 or set(marker.kwargs) - {"seed"}:
        raise pytest.UsageError(
            "the mockbank_scenario fixture needs @pytest.mark.mockbank_scenario(name, seed=7) on the test"
        )
    return _run_or_fail(mockbank_world, marker.args[0], marker.kwargs.get("seed", SCENARIO_SEED))
