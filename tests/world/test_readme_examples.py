"""Every Python example in README.md, run as written, so the README cannot drift from the product.

A block that defines ``test_`` functions is run as a user's test file through both front doors; the
portal's onboarding blocks must be exactly the code between the markers of
``tests/portal/test_readme_example.py``, which runs it; every other block runs as a script.
"""

from __future__ import annotations

import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

# Here, not in tests/world/conftest.py: pytest refuses pytest_plugins in a conftest below the rootdir.
pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PORTAL_EXAMPLE = ROOT / "tests" / "portal" / "test_readme_example.py"
FENCE = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)
MARKERS = re.compile(r"^\s*# --- README ---\n(.*?)^\s*# --- end ---$", re.S | re.M)


@dataclass(frozen=True)
class Block:
    """One fenced Python block of the README: the line its code starts on, the heading above it, the code."""

    line: int
    heading: str
    code: str

    @property
    def id(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "-", self.heading.lower()).strip("-")
        return f"{slug}-L{self.line}"


def python_blocks() -> list[Block]:
    text = README.read_text(encoding="utf-8")
    blocks = []
    for match in FENCE.finditer(text):
        before = text[: match.start()]
        headings = re.findall(r"^#+ (.+)$", before, re.M)
        blocks.append(Block(before.count("\n") + 2, headings[-1] if headings else "", match.group(1)))
    return blocks


def portal_examples() -> list[str]:
    """The code the portal's README test runs between its markers, dedented as the README shows it."""
    return [textwrap.dedent(code) for code in MARKERS.findall(PORTAL_EXAMPLE.read_text(encoding="utf-8"))]


def is_test_file(block: Block) -> bool:
    return re.search(r"^def test_", block.code, re.M) is not None


SCRIPTS = [b for b in python_blocks() if not is_test_file(b) and b.code not in portal_examples()]
TEST_FILES = [b for b in python_blocks() if is_test_file(b)]


def test_the_readme_has_its_examples():
    headings = {b.heading for b in python_blocks()}
    for expected in (
        "Registering a client",
        "Logging in as a test user",
        "Scripting decisions: the decision queue",
        "Tests in your own process: `mock_world` and `World`",
        "CI against a server: `mockbank serve`",
        "The Python SDK",
        "The pytest plugin",
        "The eAccounting side and the portal",
    ):
        assert expected in headings
    assert len(TEST_FILES) == 1


def test_the_portal_examples_are_the_code_their_test_runs():
    examples = portal_examples()
    assert len(examples) == 2
    for example in examples:
        assert example in [b.code for b in python_blocks()]


@pytest.mark.parametrize("block", SCRIPTS, ids=[b.id for b in SCRIPTS])
def test_the_example_runs_as_written(block):
    from scenarios import catalogue

    known = set(catalogue.names())
    # Padded so a traceback names the README's own line numbers.
    code = compile("\n" * (block.line - 1) + block.code, str(README), "exec")
    try:
        exec(code, {"__name__": "readme_example"})
    finally:
        # A scenario an example registers is the example's, not the catalogue's.
        for name in set(catalogue.names()) - known:
            catalogue.unregister(name)


@pytest.fixture(scope="module")
def _project_modules_imported():
    """Import every lazily imported module once out here: pytester drops modules first imported by an inner run,
    and re-importing a module of SQLAlchemy models declares its classes twice on the shared base."""
    from scenarios.world import World

    World(seed=1).close()


@pytest.mark.parametrize("front_door", ["inprocess", "server"])
@pytest.mark.parametrize("block", TEST_FILES, ids=[b.id for b in TEST_FILES])
def test_the_plugin_example_passes_through_both_front_doors(_project_modules_imported, pytester, block, front_door):
    pytester.makepyfile(test_readme_plugin_example=block.code)
    result = pytester.runpytest("-p", "no:cacheprovider", f"--mockbank-front-door={front_door}")
    result.assert_outcomes(passed=len(re.findall(r"^def test_", block.code, re.M)))
