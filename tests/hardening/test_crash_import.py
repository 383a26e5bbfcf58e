"""kill -9 of ``mockbank serve`` in the middle of the daily import, then a restart on the same data: every booking
is imported exactly once (issue 13, "Data and time across restarts and crashes").

The import is caught running without any hook in the product: the bank's ``PAGE_SIZE`` is set to 2, so the
import of 120 new bookings takes 60 page requests over HTTP, a window of a second or more, and the test polls
the portal's ``/sandbox/jobs?status=running`` until the import shows up (bounded by a timeout). Before the
restart the test checks in the database that the crash really hit a running import that had stored nothing.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest
import requests
from sqlalchemy import create_engine
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import text

from consent_server import models as portal_models
from mockbank import models as bank_models
from scenarios.runner import run_scenario
from scenarios.server import start_server_process
from scenarios.world import World
from tests.conftest import POSTGRES_URL
from tests.conftest import STORAGE_BACKENDS

NEW_BOOKINGS = 120
SERVER_ENV = {"MOCKBANK_PAGE_SIZE": "2"}  # 60 pages: the import runs long enough to be killed mid-way
IMPORT_JOB = "import.daily"

pytestmark = pytest.mark.slow


@pytest.fixture(params=STORAGE_BACKENDS)
def storage(request, tmp_path):
    """(bank URL, portal URL) in the data folder, or in two PostgreSQL schemas of their own."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bank.db'}", f"sqlite:///{tmp_path / 'portal.db'}"
        return
    worker = "".join(ch for ch in os.environ.get("PYTEST_XDIST_WORKER", "") if ch.isalnum())
    schemas = [f"crash_bank{worker}", f"crash_portal{worker}"]
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        for schema in schemas:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    separator = "&" if "?" in POSTGRES_URL else "?"
    yield tuple(f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}" for schema in schemas)


def _prepare(tmp_path, bank_url: str, portal_url: str) -> tuple[str, set[str], set[str]]:
    """An active link with its first bookings imported, then NEW_BOOKINGS more at the bank not yet imported.

    Returns the IBAN, the bank transaction ids already imported, and the new ones.
    """
    world = World(
        seed=7,
        data_dir=tmp_path,
        clock_mode="frozen",
        bank_config={"DATABASE_URL": bank_url},
        portal_config={"DATABASE_URL": portal_url},
    )
    try:
        run_scenario(world, "happy_path", seed=7).raise_for_failure()
        [iban] = [link.iban for link in _links(world) if link.state == "active"]
        imported = _imported(portal_url, iban)
        assert imported, "the happy path ends with the first booking imported"
        bank = world.bank_backend.bank
        new = {
            bank.book(
                iban=iban, amount_cents=-(100 + n), mutation_code="426", description_lines=[f"BEA {n}"]
            ).transaction_id
            for n in range(NEW_BOOKINGS)
        }
        assert len(new) == NEW_BOOKINGS and not new & imported
    finally:
        world.close()
    return iban, imported, new


def _links(world):
    with world.portal_backend.db.reading() as session:
        return list(session.scalars(select(portal_models.AccountLink)))


def _imported(portal_url: str, iban: str) -> set[str]:
    ids = _imported_list(portal_url, iban)
    assert len(ids) == len(set(ids)), "a booking was imported twice"
    return set(ids)


def _imported_list(portal_url: str, iban: str) -> list[str]:
    engine = create_engine(portal_url)
    try:
        with engine.connect() as conn:
            query = select(portal_models.ImportedTransaction.bank_transaction_id).where(
                portal_models.ImportedTransaction.iban == iban
            )
            return list(conn.scalars(query))
    finally:
        engine.dispose()


def _import_jobs(portal_url: str) -> dict[str, int]:
    engine = create_engine(portal_url)
    try:
        with engine.connect() as conn:
            query = (
                select(portal_models.DueJob.status, func.count())
                .where(portal_models.DueJob.kind == IMPORT_JOB)
                .group_by(portal_models.DueJob.status)
            )
            return dict(conn.execute(query).all())
    finally:
        engine.dispose()


def _bank_ids(bank_url: str, iban: str) -> set[str]:
    engine = create_engine(bank_url)
    try:
        with engine.connect() as conn:
            query = (
                select(bank_models.Booking.transaction_id)
                .join(bank_models.Account, bank_models.Account.id == bank_models.Booking.account_id)
                .where(bank_models.Account.iban == iban)
            )
            return set(conn.scalars(query))
    finally:
        engine.dispose()


def _serve(tmp_path, bank_url: str, portal_url: str):
    env = {**SERVER_ENV, "MOCKBANK_DATABASE_URL": bank_url, "MOCKBANK_PORTAL_DATABASE_URL": portal_url}
    return start_server_process(seed=None, data_dir=tmp_path, clock_mode="frozen", env=env)


def _advance_in_background(url: str) -> threading.Thread:
    def advance():
        try:
            requests.post(url, json={"days": 1}, timeout=120)
        except requests.ConnectionError:
            pass  # killed while answering: expected

    thread = threading.Thread(target=advance, daemon=True)
    thread.start()
    return thread


def _wait_for_running_import(portal_sandbox: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    session = requests.Session()
    while time.monotonic() < deadline:
        jobs = session.get(portal_sandbox + "/jobs", params={"status": "running"}, timeout=10).json()["jobs"]
        if any(job["kind"] == IMPORT_JOB for job in jobs):
            return
        # Polling a real subprocess for a real state: this waits on I/O, not on simulated time.
        time.sleep(0.005)
    raise AssertionError("the daily import never showed as running")


def test_kill_9_mid_import_then_restart_imports_every_booking_exactly_once(tmp_path, storage):
    bank_url, portal_url = storage
    iban, before, new = _prepare(tmp_path, bank_url, portal_url)

    server = _serve(tmp_path, bank_url, portal_url)
    try:
        advancing = _advance_in_background(server.urls.portal_sandbox + "/clock/advance")
        _wait_for_running_import(server.urls.portal_sandbox)
        os.kill(server.process.pid, signal.SIGKILL)
        server.process.wait(timeout=30)
        advancing.join(timeout=30)
    finally:
        server.stop()
    assert server.process.returncode == -signal.SIGKILL
    # The crash hit an import that was running and had stored nothing of its run yet.
    assert _import_jobs(portal_url).get("running") == 1
    assert _imported(portal_url, iban) == before

    server = _serve(tmp_path, bank_url, portal_url)
    try:
        assert _import_jobs(portal_url).get("running") is None, "a job left running by the crash was not recovered"
        moved = requests.post(server.urls.portal_sandbox + "/clock/advance", json={"days": 1}, timeout=120)
        assert moved.status_code == 200, moved.text
        runs = requests.get(server.urls.portal_sandbox + "/imports", params={"iban": iban}, timeout=10).json()["runs"]
        assert runs[0]["outcome"] == "ok"
    finally:
        server.stop()
    imported = _imported_list(portal_url, iban)
    assert len(imported) == len(set(imported)) == len(before) + NEW_BOOKINGS
    assert set(imported) == before | new
    assert set(imported) <= _bank_ids(bank_url, iban)
