"""Fixtures of the dashboard tests: a world, the server's root app on it, and a browser-like client with CSRF."""

from __future__ import annotations

import re

import pytest

from scenarios.server import create_root_app
from scenarios.world import World

START = "2026-01-05T09:00:00"  # a Monday morning in Amsterdam
CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


class Dashboard:
    """The root app's test client, used as a person would: read a page, post its form with the page's token."""

    def __init__(self, world: World):
        self.world = world
        self.client = create_root_app(world).test_client()

    def get(self, path: str):
        """A page."""
        return self.client.get(path)

    def html(self, path: str) -> str:
        """A page's HTML (it must answer 200)."""
        response = self.get(path)
        assert response.status_code == 200, response.status_code
        return response.get_data(as_text=True)

    def post(self, path: str, data: dict, *, form_page: str | None = None, csrf: bool = True):
        """Post ``data`` to ``path`` with the CSRF token of ``form_page`` (default: ``path``, else the start page)."""
        if csrf:
            page = self.html(form_page or (path if self.get(path).status_code == 200 else "/"))
            data = {**data, "csrf_token": CSRF.search(page).group(1)}
        return self.client.post(path, data=data)


@pytest.fixture
def world():
    """An empty world on a frozen clock (its start page, served, would be the dashboard)."""
    made = World(seed=None, start=START)
    yield made
    made.close()


@pytest.fixture
def seeded_world():
    """The demo world of seed 42 on a frozen clock."""
    made = World(seed=42, start=START)
    yield made
    made.close()


@pytest.fixture
def dashboard(world):
    """The dashboard of ``world``."""
    return Dashboard(world)


@pytest.fixture
def seeded_dashboard(seeded_world):
    """The dashboard of the seed-42 world."""
    return Dashboard(seeded_world)
