"""Fixtures of the server-mode tests: ``mockbank serve --workers`` on a SQLite data folder or on PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine
from sqlalchemy import text

from tests.conftest import POSTGRES_URL
from tests.conftest import STORAGE_BACKENDS


def postgres_schemas(*names: str) -> dict[str, str]:
    """Fresh PostgreSQL schemas, each as a URL whose connections search it first."""
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as conn:
        for name in names:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {name}"))
    engine.dispose()
    separator = "&" if "?" in POSTGRES_URL else "?"
    return {name: f"{POSTGRES_URL}{separator}options=-csearch_path%3D{name}" for name in names}


@pytest.fixture(params=STORAGE_BACKENDS)
def shared_storage(request, tmp_path):
    """Where a served world keeps its data: ``{"data_dir": ..., "env": {...}}`` for ``start_server_process``.

    SQLite: the data folder (bank.db and portal.db in WAL mode). PostgreSQL: one schema for the bank and one
    for the portal (their tables share names), by ``MOCKBANK_DATABASE_URL`` and ``MOCKBANK_PORTAL_DATABASE_URL``.
    """
    if request.param == "sqlite":
        return {"kind": "sqlite", "data_dir": tmp_path / "data", "env": {}}
    urls = postgres_schemas("serve_bank", "serve_portal")
    env = {"MOCKBANK_DATABASE_URL": urls["serve_bank"], "MOCKBANK_PORTAL_DATABASE_URL": urls["serve_portal"]}
    return {"kind": "postgresql", "data_dir": tmp_path / "data", "env": env}
