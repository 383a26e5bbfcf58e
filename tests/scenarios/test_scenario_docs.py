"""docs/scenarios.md stays true: its table is the registry. (Its examples run in tests/world/test_doc_examples.py.)"""

from __future__ import annotations

import re
from pathlib import Path

from scenarios import catalogue

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenarios.md"


def test_the_table_lists_every_scenario_with_its_description():
    text = DOC.read_text(encoding="utf-8")
    table = dict(re.findall(r"^\| `([a-z_]+)` \| (.+) \|$", text, re.M))

    assert table == {item.name: item.description for item in catalogue.all_scenarios()}
