"""The world around the bank and the portal: composition root, front doors, CLI and pytest plugin.

>>> from scenarios import World
>>> with World(seed=42) as world, world.activate():
...     ...  # requests to https://api-sandbox.abnamro.com now reach the mock bank
>>> with World(seed=None) as world:  # a catalogue scenario, in-process (docs/scenarios.md)
...     result = run_scenario(world, "happy_path_consented", seed=7)

Names are loaded on first use, so the pytest plugin (``scenarios.pytest_plugin``, loaded by every
pytest run where mockbank is installed) does not import Flask and SQLAlchemy until a test needs a world.
"""

from __future__ import annotations

import importlib

_EXPORTS = {
    "Routing": "scenarios.routing",
    "RunningServer": "scenarios.server",
    "ScenarioContext": "scenarios.context",
    "ScenarioResult": "scenarios.outcome",
    "expect": "scenarios.outcome",
    "run_scenario": "scenarios.runner",
    "scenario": "scenarios.catalogue",
    "start_server": "scenarios.server",
    "start_server_process": "scenarios.server",
    "Urls": "scenarios.urls",
    "World": "scenarios.world",
    "mock_world": "scenarios.world",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    """Import an exported name from its module on first use."""
    if name not in _EXPORTS:
        raise AttributeError(f"module 'scenarios' has no attribute {name!r}")
    value = getattr(importlib.import_module(_EXPORTS[name]), name)
    globals()[name] = value
    return value
