"""docs/scenarios.md stays true: its table is the registry, and its example scenario runs as written."""

from __future__ import annotations

import re
from pathlib import Path

from scenarios import catalogue
from scenarios import run_scenario

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"
README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_table_lists_every_scenario_with_its_description():
    text = DOC.read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `([a-z_]+)` \| (.+) \|$", text, re.M))

    assert table == {item.name: item.description for item in catalogue.all_scenarios()}


def test_the_readme_lists_the_same_catalogue():
    text = README.read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `([a-z_]+)` \| (.+) \|$", text, re.M))
    assert {name: table.get(name) for name in catalogue.names()} == {
        item.name: item.description for item in catalogue.all_scenarios()
    }


def test_the_example_scenario_runs_as_written(inprocess_world):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    (example,) = [block for block in blocks if "@scenario(" in block]
    try:
        exec(compile(example, str(DOC), "exec"), {})
        result = run_scenario(inprocess_world, "two_accounts_consented", seed=7)
    finally:
        catalogue.unregister("two_accounts_consented")

    assert result.passed, result.failure.describe()
    assert result.timeline[-1].outcome == "2 links"
