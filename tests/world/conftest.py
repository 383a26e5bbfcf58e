"""Fixtures for the world's tests: the same behaviour through both front doors."""

from __future__ import annotations

import pytest

FRONT_DOORS = ["inprocess", "server"]


@pytest.fixture(params=FRONT_DOORS)
def front_door(request):
    """Each test using it runs once in-process and once against a live server."""
    request.applymarker(pytest.mark.mockbank(front_door=request.param))
    return request.param


@pytest.fixture
def world(front_door, mockbank_world):
    """The plugin's world, served through ``front_door``."""
    assert mockbank_world.front_door == front_door
    return mockbank_world


@pytest.fixture
def summary(world):
    """What the world's seed built."""
    return world.bank_backend.last_seed_summary


@pytest.fixture
def account(summary):
    """The first seeded business account with bookings, and an e.dentifier user who may see it."""
    for user in summary["users"]:
        for means in user["loginMeans"]:
            if means["kind"] == "edentifier":
                return {"iban": means["accountNumber"], "means": means, "user": user}
    raise AssertionError("the seed made no e.dentifier user")
