"""The two commands and CI: ``make run`` serves the seeded bank, ``make test`` lints and runs the suite, and
``.ci/run`` runs ``make test`` with PostgreSQL when one answers and with the tests marked ``second_seed``,
which ``make test`` leaves out. (A real clean-clone run is CI's own job.)"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import pytest
import requests

from scenarios.server import SERVING_LINE

ROOT = Path(__file__).resolve().parents[2]
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def dry_run(target: str) -> str:
    """What ``make <target>`` would run, without running it."""
    return subprocess.run(
        ["make", "-n", "-C", str(ROOT), target], capture_output=True, text=True, check=True, timeout=60
    ).stdout


def test_make_run_serves_the_seeded_world_and_make_test_lints_and_runs_the_suite():
    assert ".venv/bin/mockbank serve --seed 42" in dry_run("run")
    commands = dry_run("test")
    assert ".venv/bin/ruff check ." in commands and ".venv/bin/python -m pytest -q" in commands


def test_the_mockbank_console_script_serves_the_bank_with_seeded_data():
    (script,) = entry_points(group="console_scripts", name="mockbank")
    assert script.value == "scenarios.cli:main"
    executable = Path(sys.executable).parent / "mockbank"
    process = subprocess.Popen(
        [str(executable), "serve", "--port", "0", "--memory", "--seed", "42", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    try:
        first = process.stdout.readline()
        match = SERVING_LINE.match(first.strip())
        assert match, first
        summary = requests.get(match.group("url") + "/abnamro-api/sandbox/seed", timeout=10).json()
        assert summary["seed"] == 42 and summary["accounts"] and summary["users"]
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def _ci_run(tmp_path: Path, environ: dict) -> str:
    """Run ``.ci/run`` with a stand-in ``make`` that prints its arguments, database URL and second-seed switch."""
    fake = tmp_path / "bin"
    fake.mkdir(exist_ok=True)
    make = fake / "make"
    make.write_text('#!/bin/sh\necho "$* ${MOCKBANK_TEST_DATABASE_URL:-none} ${MOCKBANK_SECOND_SEED:-unset}"\n')
    make.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("MOCKBANK_TEST_DATABASE_URL", "MOCKBANK_SECOND_SEED")}
    # A Chromium is named, so the run never installs one with apt-get (tests/browser/test_setup.py tests that part).
    env.update({"MOCKBANK_CHROMIUM": "/bin/true"}, **environ, PATH=f"{fake}{os.pathsep}{env['PATH']}")
    result = subprocess.run(
        [str(ROOT / ".ci" / "run")], capture_output=True, text=True, env=env, check=True, timeout=60
    )
    return result.stdout.strip()


def _postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def test_ci_runs_make_test_with_postgresql_when_one_answers(tmp_path):
    expected = POSTGRES if _postgres_answers() else "none"
    assert _ci_run(tmp_path, {}) == f"test {expected} 1"


def test_ci_keeps_a_database_url_it_was_given(tmp_path):
    chosen = "postgresql+psycopg://ci@db.example:5432/other"
    assert _ci_run(tmp_path, {"MOCKBANK_TEST_DATABASE_URL": chosen}) == f"test {chosen} 1"


PARITY = "tests/scenarios/test_scenario_catalogue.py"


def _collected_seeds(args: list[str], environ: dict) -> set[str]:
    """The seeds of the catalogue's parity test that a pytest run with ``args`` and ``environ`` would run."""
    env = {k: v for k, v in os.environ.items() if k != "MOCKBANK_SECOND_SEED"} | environ
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", *args, PARITY],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=True,
        timeout=120,
    )
    return set(re.findall(r"in_process_and_on_a_server\[.*-(\d+)\]", result.stdout))


@pytest.mark.parametrize(
    ("args", "environ", "seeds"),
    [
        ([], {}, {"7"}),
        ([], {"MOCKBANK_SECOND_SEED": "1"}, {"7", "11"}),
    ],
    ids=["make-test", "ci-variable"],
)
def test_make_test_runs_the_parity_on_one_seed_and_ci_on_both(args, environ, seeds):
    assert _collected_seeds(args, environ) == seeds
