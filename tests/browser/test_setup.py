"""How the browser tests get their Chromium: ``make browser``, ``.ci/run``, and a skip that says what to do."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.browser.conftest import require_chromium

ROOT = Path(__file__).resolve().parents[2]
INSTALL = "apt-get install -y -qq --no-install-recommends chromium"


def test_make_browser_installs_debians_chromium_when_it_is_missing():
    commands = subprocess.run(
        ["make", "-n", "-C", str(ROOT), "browser"], capture_output=True, text=True, check=True, timeout=60
    ).stdout
    assert "test -x /usr/bin/chromium ||" in commands and INSTALL in commands


def test_ci_requires_the_browser_tests_and_installs_chromium_only_when_missing(tmp_path):
    fake = tmp_path / "bin"
    fake.mkdir()
    # Stand-ins: make reports what it was asked and the flag; apt-get (never real here) records its arguments.
    (fake / "make").write_text('#!/bin/sh\necho "$* ${MOCKBANK_REQUIRE_BROWSER:-unset}"\n')
    (fake / "apt-get").write_text(f'#!/bin/sh\necho "$*" >> {tmp_path / "apt.log"}\n')
    for tool in fake.iterdir():
        tool.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if k not in ("MOCKBANK_CHROMIUM", "MOCKBANK_REQUIRE_BROWSER")}
    env["PATH"] = f"{fake}{os.pathsep}{env['PATH']}"
    result = subprocess.run(
        [str(ROOT / ".ci" / "run")], capture_output=True, text=True, env=env, check=True, timeout=60
    )
    assert result.stdout.strip() == "test 1"
    apt = (tmp_path / "apt.log").read_text().splitlines() if (tmp_path / "apt.log").exists() else []
    if Path("/usr/bin/chromium").exists():
        assert apt == []
    else:
        assert apt == ["update -qq", INSTALL.removeprefix("apt-get ")]


def test_without_chromium_the_tests_skip_and_say_how_to_install_it():
    with pytest.raises(pytest.skip.Exception, match="make browser"):
        require_chromium("/nonexistent/chromium", required=False)


def test_without_chromium_they_fail_where_the_browser_is_required():
    with pytest.raises(pytest.fail.Exception, match="make browser.*MOCKBANK_REQUIRE_BROWSER"):
        require_chromium("/nonexistent/chromium", required=True)
    with pytest.raises(pytest.fail.Exception):
        require_chromium(__file__, required=True)  # a file that is no program
