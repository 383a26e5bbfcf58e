"""The dependency rules of the architecture, checked in fresh interpreters."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest


def _modules_after(statement: str) -> set[str]:
    code = f"import json, sys\n{statement}\nprint(json.dumps(sorted(sys.modules)))"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return set(json.loads(output))


@pytest.mark.parametrize(
    "statement",
    [
        "import mockbank; mockbank.create_app()",
        "import consent_server; consent_server.create_app()",
        "import client_sdk",
    ],
)
def test_nothing_imports_scenarios(statement):
    loaded = _modules_after(statement)
    assert not {m for m in loaded if m == "scenarios" or m.startswith("scenarios.")}


def test_the_pytest_plugin_loads_without_building_anything():
    loaded = _modules_after("import scenarios.pytest_plugin")
    assert not {"flask", "sqlalchemy", "mockbank", "consent_server", "scenarios.world"} & loaded


def test_the_lazy_exports_resolve():
    loaded = _modules_after("from scenarios import World, start_server, mock_world, Urls, Routing")
    assert {"scenarios.world", "scenarios.server", "scenarios.routing"} <= loaded
