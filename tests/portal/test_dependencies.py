"""The dependency rules of architecture.md, checked on the source: the portal reaches the bank only over HTTP."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import consent_server

ALLOWED_FROM_BANK = {"mockbank.clock"}


def imported_modules(package_dir: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in package_dir.rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[path.name] = names
    return found


def test_the_portal_imports_nothing_of_the_bank_but_its_clock():
    for module, names in imported_modules(Path(consent_server.__file__).parent).items():
        bank = {n for n in names if n.split(".")[0] == "mockbank"}
        assert bank <= ALLOWED_FROM_BANK, f"{module} imports {bank - ALLOWED_FROM_BANK}"
        assert not {n for n in names if n.split(".")[0] in ("scenarios", "client_sdk")}, module


def test_the_sdk_portal_clients_import_neither_server():
    script = (
        "import sys\n"
        "import client_sdk.eaccounting, client_sdk.portal\n"
        "servers = ('mockbank', 'consent_server', 'scenarios')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in servers)))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == ""
