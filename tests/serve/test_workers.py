"""What a forked worker must not share with its parent, what every worker must read from the database, and how
``mockbank serve --workers`` starts, refuses and stops."""

from __future__ import annotations

import json
import os

import requests

from mockbank import create_app
from mockbank.sim.clock import SimClock
from scenarios import cli
from scenarios.server import start_server_process

START = "2026-03-02T09:00"


def test_a_forked_worker_draws_ids_nobody_else_draws(tmp_path):
    app = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'bank.db'}"}, clock=SimClock())
    backend = app.extensions["mockbank"]
    backend.db.engine.dispose()
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker: what gunicorn's post_fork does, then a token, a Trace-Id and an IBAN
        try:
            backend.after_fork()
            os.write(writer, json.dumps(_draws(backend)).encode())
        finally:
            os._exit(0)
    os.close(writer)
    with os.fdopen(reader) as pipe:
        worker = json.loads(pipe.read())
    os.waitpid(pid, 0)
    parent = _draws(backend)
    # A fork copies the parent's sequences as they stand: without fresh blocks both would draw the same.
    assert all(a != b for a, b in zip(parent, worker, strict=True)), (parent, worker)
    backend.close()


def _draws(backend) -> list[str]:
    return [backend.ids.token(), backend.trace_ids.uuid(), backend.bank.new_iban()]


def test_every_worker_and_a_restart_answer_the_seed_summary(tmp_path):
    url = f"sqlite:///{tmp_path / 'bank.db'}"
    first = create_app({"DATABASE_URL": url, "SEED": 42}, clock=SimClock())
    summary = first.test_client().get("/sandbox/seed").get_json()
    first.extensions["mockbank"].close()

    # Another process on the same database (a second worker, or the server started again).
    second = create_app({"DATABASE_URL": url, "SEED": 42}, clock=SimClock())
    again = second.test_client().get("/sandbox/seed")
    assert again.status_code == 200
    assert again.get_json() == summary
    second.extensions["mockbank"].close()


def test_memory_cannot_be_shared_by_workers(capsys):
    assert cli.main(["serve", "--memory", "--workers", "2"]) == 2
    error = capsys.readouterr().err
    assert "--memory keeps the world in one process" in error
    assert "--workers" in error


def test_workers_share_the_clock_and_a_restart_resumes_where_they_left_it(tmp_path):
    data = tmp_path / "data"
    server = start_server_process(workers=2, seed=42, data_dir=data, clock_mode="frozen", start=START, quiet=True)
    try:
        sandbox = server.well_known()["bank"]["sandbox"]
        moved = requests.post(sandbox + "/clock/advance", json={"days": 3}, timeout=30).json()["now"]
        # Whichever worker answers, it shows the time another one set.
        seen = {requests.get(sandbox + "/clock", timeout=10).json()["now"] for _ in range(8)}
        assert seen == {moved}
        token = requests.post(sandbox + "/tokens", json={"clientId": "TPP_test", "iban": _iban(sandbox)}, timeout=10)
        assert token.status_code == 201
    finally:
        server.stop()

    again = start_server_process(seed=42, data_dir=data, clock_mode="frozen", start=START, quiet=True)
    try:
        assert again.well_known()["clock"]["now"] == moved
    finally:
        again.stop()


def _iban(sandbox: str) -> str:
    return requests.get(sandbox + "/seed", timeout=10).json()["accounts"][0]["iban"]
