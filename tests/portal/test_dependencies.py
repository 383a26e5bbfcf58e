"""The dependency rules of architecture.md, checked on the source: the portal reaches the bank only over HTTP.

The portal imports the simulation kernel (``mockbank.sim``) and the SDK, nothing else of the bank.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import consent_server


def imported_modules(package_dir: Path) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in package_dir.rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
        found[str(path.relative_to(package_dir))] = names
    return found


def is_kernel(name: str) -> bool:
    return name == "mockbank.sim" or name.startswith("mockbank.sim.")


def test_the_portal_imports_of_the_bank_only_its_simulation_kernel():
    for module, names in imported_modules(Path(consent_server.__file__).parent).items():
        bank = {n for n in names if n.split(".")[0] == "mockbank" and not is_kernel(n)}
        assert not bank, f"{module} imports {bank}"
        assert not {n for n in names if n.split(".")[0] == "scenarios"}, module


def test_the_kernel_imports_nothing_else_of_the_project():
    import mockbank.sim

    for module, names in imported_modules(Path(mockbank.sim.__file__).parent).items():
        project = {n for n in names if n.split(".")[0] in ("mockbank", "consent_server", "client_sdk", "scenarios")}
        assert {n for n in project if not is_kernel(n)} == set(), module


def test_the_sdk_imports_neither_server():
    script = (
        "import sys, pkgutil, importlib, client_sdk\n"
        "for info in pkgutil.walk_packages(client_sdk.__path__, 'client_sdk.'):\n"
        "    importlib.import_module(info.name)\n"
        "servers = ('mockbank', 'consent_server', 'scenarios')\n"
        "print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in servers)))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60)
    assert result.stdout.strip() == ""
