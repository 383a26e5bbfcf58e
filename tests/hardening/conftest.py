"""Fixtures of the hardening tests: a bank and a portal on one clock, in memory unless a test asks for storage."""

from __future__ import annotations

import pytest

from consent_server import create_app as create_portal
from mockbank import create_app as create_bank


@pytest.fixture
def portal_app(clock):
    """A portal app on in-memory SQLite."""
    app = create_portal({"TESTING": True}, clock=clock)
    yield app
    app.extensions["consent_server"].close()


@pytest.fixture
def make_app(clock):
    """Builds ``bank`` or ``portal`` apps with extra config; closes them all afterwards."""
    apps = []

    def build(name: str, **config):
        factory = create_bank if name == "bank" else create_portal
        app = factory({"TESTING": True, **config}, clock=clock)
        apps.append((name, app))
        return app

    yield build
    for name, app in apps:
        app.extensions["mockbank" if name == "bank" else "consent_server"].close()
