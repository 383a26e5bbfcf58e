"""Every Python example in README.md and docs/*.md, run as written, so the docs cannot drift from the product.

A block that defines ``test_`` functions is run as a user's test file through both front doors; a block
that is exactly the code between the markers of ``tests/portal/test_readme_example.py`` is run there;
every other block runs as a script. Every relative link of those pages points at a file of the repository.
"""

from __future__ import annotations

import importlib
import re
import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

# Here, not in tests/world/conftest.py: pytest refuses pytest_plugins in a conftest below the rootdir.
pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
# The pages whose topic is shown in code: each must keep at least one example.
PAGES_WITH_EXAMPLES = [
    "README.md",
    "docs/bank-api.md",
    "docs/oauth.md",
    "docs/payments.md",
    "docs/sdk.md",
    "docs/pytest-plugin.md",
    "docs/faults.md",
    "docs/portal.md",
    "docs/scenarios.md",
    "docs/security.md",
]
PORTAL_EXAMPLE = ROOT / "tests" / "portal" / "test_readme_example.py"
FENCE = re.compile(r"^```python\n(.*?)^```$", re.S | re.M)
ANY_FENCE = re.compile(r"^```.*?^```$", re.S | re.M)
CODE_SPAN = re.compile(r"`[^`\n]*`")
MARKERS = re.compile(r"^\s*# --- README ---\n(.*?)^\s*# --- end ---$", re.S | re.M)
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


@dataclass(frozen=True)
class Block:
    """One fenced Python block of a page: the page, the line its code starts on, the code."""

    page: Path
    line: int
    code: str

    @property
    def name(self) -> str:
        return self.page.relative_to(ROOT).as_posix()

    @property
    def id(self) -> str:
        return f"{self.name}:{self.line}"


def python_blocks(page: Path) -> list[Block]:
    text = page.read_text(encoding="utf-8")
    return [Block(page, text.count("\n", 0, match.start()) + 2, match.group(1)) for match in FENCE.finditer(text)]


BLOCKS = [block for page in PAGES for block in python_blocks(page)]


def portal_examples() -> list[str]:
    """The code the portal's README test runs between its markers, dedented as the docs show it."""
    return [textwrap.dedent(code) for code in MARKERS.findall(PORTAL_EXAMPLE.read_text(encoding="utf-8"))]


def is_test_file(block: Block) -> bool:
    return re.search(r"^def test_", block.code, re.M) is not None


SCRIPTS = [b for b in BLOCKS if not is_test_file(b) and b.code not in portal_examples()]
TEST_FILES = [b for b in BLOCKS if is_test_file(b)]


@pytest.mark.parametrize("name", PAGES_WITH_EXAMPLES)
def test_the_page_has_its_examples(name):
    assert [b for b in BLOCKS if b.name == name], f"{name} has no python example"


def test_the_portal_examples_are_the_code_their_test_runs():
    examples = portal_examples()
    assert len(examples) == 2
    for example in examples:
        assert example in [b.code for b in BLOCKS]


def _anchors(page: Path) -> set[str]:
    """GitHub's anchors of a page's headings."""
    anchors = set()
    for heading in re.findall(r"^#+ (.+)$", ANY_FENCE.sub("", page.read_text(encoding="utf-8")), re.M):
        anchors.add(re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-"))
    return anchors


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(ROOT).as_posix() for p in PAGES])
def test_every_link_is_a_place_in_the_repository(page):
    prose = CODE_SPAN.sub("", ANY_FENCE.sub("", page.read_text(encoding="utf-8")))
    for target in LINK.findall(prose):
        path, _, anchor = target.partition("#")
        assert "://" not in path and not path.startswith("/"), f"{target}: not a relative link"
        file = (page.parent / path).resolve() if path else page
        assert file.is_relative_to(ROOT) and file.exists(), f"{target}: no such file in the repository"
        if anchor:
            assert anchor in _anchors(file), f"{target}: no such heading"


@pytest.mark.parametrize("block", SCRIPTS, ids=[b.id for b in SCRIPTS])
def test_the_example_runs_as_written(block):
    from scenarios import catalogue

    known = set(catalogue.names())
    # Padded so a traceback names the page's own line numbers.
    code = compile("\n" * (block.line - 1) + block.code, str(block.page), "exec")
    try:
        exec(code, {"__name__": "doc_example"})
    finally:
        # A scenario an example registers is the example's, not the catalogue's.
        for name in set(catalogue.names()) - known:
            catalogue.unregister(name)


@pytest.fixture(scope="module")
def _project_modules_imported():
    """Import every lazily imported module once out here: pytester drops modules first imported by an inner run,
    and re-importing a module of SQLAlchemy models declares its classes twice on the shared base. The
    scenario runner, the catalogue, the server and the SDK too: an inner run that imports them afresh mixes its copies
    with the first ones (a scenario run through the server front door then fails)."""
    from scenarios.world import World

    for module in ("client_sdk", "scenarios.catalogue", "scenarios.runner", "scenarios.server"):
        importlib.import_module(module)
    World(seed=1).close()


@pytest.mark.parametrize("front_door", ["inprocess", "server"])
@pytest.mark.parametrize("block", TEST_FILES, ids=[b.id for b in TEST_FILES])
def test_the_test_file_example_passes_through_both_front_doors(_project_modules_imported, pytester, block, front_door):
    pytester.makepyfile(test_doc_example=block.code)
    result = pytester.runpytest("-p", "no:cacheprovider", f"--mockbank-front-door={front_door}")
    result.assert_outcomes(passed=len(re.findall(r"^def test_", block.code, re.M)))
