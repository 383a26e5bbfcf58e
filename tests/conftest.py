"""Fixtures shared by every test folder."""

from __future__ import annotations

import os

import pytest

from mockbank import create_app
from mockbank.sim.clock import SimClock

POSTGRES_URL = os.environ.get("MOCKBANK_TEST_DATABASE_URL")
STORAGE_BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])
# Tests marked ``second_seed`` repeat a claim on another seed: CI runs them (.ci/run sets the variable).
SECOND_SEED_VARIABLE = "MOCKBANK_SECOND_SEED"


def pytest_addoption(parser):
    parser.addoption(
        "--second-seed",
        action="store_true",
        help=f"also run the tests marked second_seed (as {SECOND_SEED_VARIABLE}=1 does; CI runs them)",
    )


def second_seed_wanted(config) -> bool:
    """Whether this run includes the tests marked ``second_seed``."""
    return config.getoption("--second-seed") or os.environ.get(SECOND_SEED_VARIABLE, "") not in ("", "0")


def pytest_collection_modifyitems(config, items):
    """Leave out the tests marked ``second_seed`` unless ``--second-seed`` or MOCKBANK_SECOND_SEED=1 asks for them."""
    if second_seed_wanted(config):
        return
    kept = [item for item in items if item.get_closest_marker("second_seed") is None]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
        items[:] = kept


@pytest.fixture
def clock():
    """A frozen clock at Monday 5 January 2026, 09:00 Amsterdam."""
    return SimClock(start="2026-01-05T09:00:00+01:00")


@pytest.fixture
def bank_app(clock):
    """A bank app on in-memory SQLite."""
    app = create_app({"TESTING": True}, clock=clock)
    yield app
    app.extensions["mockbank"].close()


@pytest.fixture
def bank(bank_app):
    """The bank's backend (service objects) of ``bank_app``."""
    return bank_app.extensions["mockbank"]


@pytest.fixture
def client(bank_app):
    """A Flask test client of ``bank_app``."""
    return bank_app.test_client()


@pytest.fixture(params=STORAGE_BACKENDS)
def storage_url(request, tmp_path):
    """A database URL: SQLite in a file, and PostgreSQL when MOCKBANK_TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'bank.db'}"
        return
    from sqlalchemy import create_engine
    from sqlalchemy import text

    url, schema = postgres_for_this_worker()
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    yield url


def postgres_for_this_worker() -> tuple[str, str]:
    """(URL, schema) of this test process: ``public``, or under pytest-xdist a schema of the worker's own
    (``test_gw0``...) that its connections search first, so two workers never empty each other's tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not worker:
        return POSTGRES_URL, "public"
    schema = "test_" + "".join(ch for ch in worker if ch.isalnum())
    separator = "&" if "?" in POSTGRES_URL else "?"
    return f"{POSTGRES_URL}{separator}options=-csearch_path%3D{schema}", schema
