"""Real-browser fixtures: Debian's Chromium driven by Playwright, one live world per test, a fresh context per test."""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect
from playwright.sync_api import sync_playwright

from client_sdk import BankSandbox
from client_sdk.portal import PortalSandbox
from scenarios.server import start_server

CHROMIUM = os.environ.get("MOCKBANK_CHROMIUM", "/usr/bin/chromium")
# CI sets this: there a missing browser is a broken setup, not a reason to skip.
REQUIRE_BROWSER = os.environ.get("MOCKBANK_REQUIRE_BROWSER", "") not in ("", "0")
# Playwright adds --headless and --no-sandbox itself; they are listed too so the set this machine needs is in one place.
# The rest keep Chromium off the network (only the registries are reachable here) and quiet on a shared 2-core box.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
KVK_NUMBER = "68750110"  # KvK's public test number of a BV ("Test BV Donald")
COMPANY = "Test BV Donald"
START = "2026-03-02T10:00:00"  # a Monday: five werkdagen later is the next Monday
# Pages answer in milliseconds; the margin is for a loaded machine and the pages' own 2-second timers.
TIMEOUT_MS = 10_000

expect.set_options(timeout=TIMEOUT_MS)


def require_chromium(path: str = CHROMIUM, *, required: bool = REQUIRE_BROWSER) -> None:
    """Skip the test when ``path`` is no executable Chromium; fail it instead when the browser is ``required``."""
    if Path(path).is_file() and os.access(path, os.X_OK):
        return
    reason = (
        f"no Chromium at {path}: run `make browser` (installs Debian's chromium; `playwright install` cannot "
        "download here) or set MOCKBANK_CHROMIUM to a Chromium binary"
    )
    if required:
        pytest.fail(reason + " (MOCKBANK_REQUIRE_BROWSER is set)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="package")
def browser():
    """One Chromium for every test of this folder; skipped (failed under MOCKBANK_REQUIRE_BROWSER) without one.

    Package scope, which is the session when only tests/browser runs: Playwright's sync API keeps an asyncio loop
    running in the main thread, and that must not outlive these tests (``asyncio.run`` elsewhere would refuse).
    """
    require_chromium()
    with sync_playwright() as playwright:
        # launch() gives every run a fresh, temporary user-data dir (it refuses --user-data-dir) and removes it.
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def context(browser):
    """A fresh browser context per test: its own cookies and storage, as a new person."""
    fresh = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")
    fresh.set_default_timeout(TIMEOUT_MS)
    yield fresh
    fresh.close()


@pytest.fixture
def page(context, tmp_path):
    """A tab in the test's context (``tmp_path`` is where a failure's screenshot goes)."""
    return context.new_page()


@pytest.fixture
def screenshots(request, tmp_path):
    """``shoot(page, name)``: a full-page screenshot per step, numbered, kept as the test's artifact.

    In ``$MOCKBANK_SCREENSHOTS/<test name>/`` when that variable is set (CI uploads the folder), else in the
    test's ``tmp_path``.
    """
    base = os.environ.get("MOCKBANK_SCREENSHOTS")
    folder = (Path(base) / request.node.name) if base else tmp_path / "screenshots"
    folder.mkdir(parents=True, exist_ok=True)
    numbers = itertools.count(1)

    def shoot(page, name: str, *, element=None) -> Path:
        """The whole page (or only ``element``, a locator) as the next numbered PNG."""
        path = folder / f"{next(numbers):02d}-{name}.png"
        if element is not None:
            element.screenshot(path=path)
        else:
            page.screenshot(path=path, full_page=True)
        return path

    shoot.folder = folder
    return shoot


@pytest.fixture
def server():
    """A live, empty world on a local port, its clock frozen on a Monday morning."""
    running = start_server(seed=None, clock_mode="frozen", start=START)
    yield running
    running.stop()


@pytest.fixture
def bank(server):
    """The bank's sandbox API of ``server``."""
    return BankSandbox(base_url=server.urls.bank_api)


@pytest.fixture
def portal(server):
    """The portal's sandbox API of ``server`` (its clock is the world's)."""
    return PortalSandbox(base_url=server.urls.portal)


@pytest.fixture
def company(bank):
    """A business customer at the bank: a current and a savings account, a user with an e.dentifier and the app."""
    customer = bank.create_customer(name="Donald B.V.", kind="business", trade_name=COMPANY, kvk_number=KVK_NUMBER)
    current = bank.open_account(customer_id=customer["id"], product="current", balance="1500.00")
    savings = bank.open_account(customer_id=customer["id"], product="savings", balance="16760.69")
    user = bank.create_user(customer_id=customer["id"], name="Donald Duck", login_means=["edentifier", "app"])
    edentifier = next(m for m in user["loginMeans"] if m["kind"] == "edentifier")
    return {
        "current": current["iban"],
        "savings": savings["iban"],
        "edentifier": {
            "account_number": edentifier["accountNumber"],
            "card_number": edentifier["cardNumber"],
            "response_code": edentifier["responseCode"],
        },
    }


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """On a failed test, save a screenshot of its page to its ``tmp_path`` and name the file in the report."""
    report = yield
    if report.when == "call" and report.failed and "page" in item.funcargs:
        path = item.funcargs["tmp_path"] / "failure.png"
        try:
            item.funcargs["page"].screenshot(path=path, full_page=True)
            note = f"screenshot of {item.funcargs['page'].url}: {path}"
        except PlaywrightError as error:
            note = f"no screenshot: {error}"
        report.sections.append(("browser", note))
    return report
