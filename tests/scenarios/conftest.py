"""Fixtures of the scenario tests: one in-process world and one live server, shared by the whole folder.

Every run brings its world to the known state of its seed through the sandbox APIs, so sharing is
safe; a test that compares the two front doors first moves both clocks to the same moment, because
one seed gives one world per start day (the bank's demo history ends on the day it is seeded).
"""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def inprocess_world():
    """An empty in-process world on a frozen clock (the runner seeds it per run)."""
    from scenarios.world import World

    world = World(seed=None)
    yield world
    world.close()


@pytest.fixture(scope="session")
def server():
    """A live ``mockbank serve`` world (in a thread, frozen clock) on a free port."""
    from scenarios.server import start_server

    with start_server(seed=None, clock_mode="frozen") as running:
        yield running


def align(*worlds) -> None:
    """Move every world's clock to the latest of their times, so their runs start on the same day."""
    moment = max(world.now() for world in worlds)
    for world in worlds:
        world.advance(to=moment)


@pytest.fixture
def aligned(inprocess_world, server):
    """The in-process world and the server, their clocks at the same moment."""
    align(inprocess_world, server.world)
    return inprocess_world, server
