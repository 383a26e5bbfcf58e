"""Start-up: the seeded world is built fast, and exactly the same world as before it was made fast."""

from __future__ import annotations

import hashlib
import json
import time

import pytest
import requests
from sqlalchemy import text

from mockbank import create_app
from mockbank.sim.clock import SimClock
from scenarios.server import SERVING_LINE
from scenarios.server import start_server_process

TABLES = (
    "customers",
    "online_users",
    "login_means",
    "accounts",
    "bookings",
    "oauth_clients",
    "living_profiles",
    "sdd_contracts",
)
# Every row of the seeded demo tables and the seed summary, as main built them before start-up was made fast
# (217c03a, and again at ed04822 once merged): bulk inserts and fewer imports change no byte of a seed's world.
# A deliberate change of the demo world updates these, in its own commit.
WORLDS = {
    (42, None): "0ce696aa62ea1dd9a431a6b7b7c1811a4599a50c2f1db67a9a8b5039fdfd4245",
    (7, "2026-03-02T09:00:00+01:00"): "f6000ec8c6bb7f01927fa8d3a1370f18afb9cdd9cab30de4f9c3390c764ef276",
}


def world_digest(seed: int, start: str | None) -> str:
    """SHA-256 over every row of the demo tables (in id order, as the database returns them) and the summary."""
    app = create_app({"SEED": seed}, clock=SimClock(start=start))
    backend = app.extensions["mockbank"]
    digest = hashlib.sha256()
    try:
        with backend.db.engine.connect() as conn:
            for table in TABLES:
                for row in conn.execute(text(f"SELECT * FROM {table} ORDER BY id")):
                    digest.update(repr(tuple(row)).encode())
        digest.update(json.dumps(backend.last_seed_summary, sort_keys=True).encode())
    finally:
        backend.close()
    return digest.hexdigest()


@pytest.mark.parametrize(("seed", "start"), list(WORLDS))
def test_one_seed_still_gives_exactly_the_same_world(seed, start):
    assert world_digest(seed, start) == WORLDS[(seed, start)]


def test_a_fresh_seeded_server_answers_its_well_known_document_quickly(tmp_path):
    # About a second on a quiet machine (docs/serving.md); the bound leaves room for a CI machine under load.
    began = time.monotonic()
    server = start_server_process(seed=42, data_dir=tmp_path / "data", quiet=True)
    try:
        answered = time.monotonic() - began
        document = requests.get(server.url + "/.well-known/mockbank", timeout=5).json()
        assert SERVING_LINE.match(f"mockbank serving on {server.url}")
        assert document["seed"] == 42
        assert len(requests.get(document["bank"]["sandbox"] + "/seed", timeout=5).json()["accounts"]) == 11
        assert answered < 30
    finally:
        server.stop()
