"""``mockbank serve --seed 42`` as a user starts it: time to the first answer, then req/s beside a bare endpoint.

The server runs with ``--workers 2`` when it has that option (``mockbank serve --help`` is asked), else as one
process. The yardstick is ``/.well-known/mockbank/ping``, a bare Flask ``jsonify`` on the same server, loaded
the same way right before: the transactions page (50 bookings) and the token endpoint are reported as a share
of it.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

import pytest
import requests

from scenarios.server import PING
from scenarios.server import WELL_KNOWN

from . import loadgen
from .conftest import RESULTS
from .conftest import figure

MOCKBANK = Path(sys.executable).parent / "mockbank"
WORKERS = 2
CONNECTIONS = 16
SECONDS = 4.0
STARTUP_LIMIT = 60.0
# The goals for two workers: the page at half a bare endpoint's rate, the token endpoint at 0.3.
PAGE_GOAL = 0.5
TOKEN_GOAL = 0.3


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _has_workers_option() -> bool:
    shown = subprocess.run([str(MOCKBANK), "serve", "--help"], capture_output=True, text=True, timeout=60).stdout
    return "--workers" in shown


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A fresh ``mockbank serve --seed 42`` on a free port, with the seconds from launch to its first answer."""
    port = _free_port()
    workers = WORKERS if _has_workers_option() else 1
    command = [str(MOCKBANK), "serve", "--seed", "42", "--port", str(port), "--quiet"]
    command += ["--data-dir", str(tmp_path_factory.mktemp("serve"))]
    if workers > 1:
        command += ["--workers", str(workers)]
    url = f"http://127.0.0.1:{port}"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MOCKBANK_")}
    launched = time.perf_counter()
    process = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL, env=environ
    )
    try:
        while True:
            try:
                # A server that accepts before its world is built answers this request once it is.
                if requests.get(url + WELL_KNOWN, timeout=(1, STARTUP_LIMIT)).status_code == 200:
                    break
            except (requests.ConnectionError, requests.Timeout):
                pass
            if process.poll() is not None or time.perf_counter() - launched > STARTUP_LIMIT:
                raise RuntimeError(f"mockbank serve did not answer within {STARTUP_LIMIT} s")
            time.sleep(0.02)  # polling a process that is starting: wall time is what is measured here
        startup = time.perf_counter() - launched
        yield {"url": url, "startup": startup, "workers": workers, "command": " ".join(command[1:])}
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


@pytest.fixture(scope="module")
def tpp(server):
    """The sandbox's TPP with a minted token for the first demo account, through the server's own sandbox API."""
    doc = requests.get(server["url"] + WELL_KNOWN, timeout=10).json()
    summary = requests.get(doc["bank"]["sandbox"] + "/seed", timeout=10).json()
    client = next(c for c in summary["clients"] if c["clientId"] == "TPP_test")
    iban = summary["accounts"][0]["iban"]
    minted = requests.post(doc["bank"]["sandbox"] + "/tokens", json={"clientId": "TPP_test", "iban": iban}, timeout=10)
    minted.raise_for_status()
    return {"doc": doc, "client": client, "iban": iban, "token": minted.json()["access_token"]}


def test_startup_until_the_first_answer(benchmark, server):
    benchmark.group = "server mode"
    benchmark.pedantic(lambda: None, rounds=1, iterations=1)
    figure(
        f"mockbank serve --seed 42 ({server['workers']} process(es)): launch to first /.well-known/mockbank",
        value=f"{server['startup']:.2f} s",
        goal="≤ 1 s",
    )
    RESULTS["server"] = {"command": server["command"], "startup_s": round(server["startup"], 2)}


def _load(benchmark, target: loadgen.Target) -> loadgen.Load:
    load = benchmark.pedantic(
        lambda: loadgen.run(target, connections=CONNECTIONS, seconds=SECONDS), rounds=1, iterations=1
    )
    assert load.requests > 0
    return load


@pytest.fixture(scope="module")
def bare_rate():
    """The bare endpoint's req/s, measured once per module beside the endpoints (a dict filled by the first test)."""
    return {}


def _yardstick(benchmark, server, bare_rate) -> loadgen.Load:
    if "load" not in bare_rate:
        bare_rate["load"] = loadgen.run(loadgen.Target(server["url"] + PING), connections=CONNECTIONS, seconds=SECONDS)
        RESULTS["server"]["bare_req_s"] = round(bare_rate["load"].requests_per_second)
        RESULTS["server"]["load_tool"] = bare_rate["load"].tool
    return bare_rate["load"]


def test_the_transactions_page_against_a_bare_endpoint(benchmark, server, tpp, bare_rate):
    benchmark.group = "server mode"
    bare = _yardstick(benchmark, server, bare_rate)
    headers = (("API-Key", tpp["client"]["apiKey"]), ("Authorization", f"Bearer {tpp['token']}"))
    page = loadgen.Target(f"{tpp['doc']['bank']['api']}/v1/accounts/{tpp['iban']}/transactions", headers=headers)

    load = _load(benchmark, page)

    assert load.errors == 0
    _report("GET /v1/accounts/{iban}/transactions (50 a page)", load, bare, PAGE_GOAL, server)


def test_the_token_endpoint_against_a_bare_endpoint(benchmark, server, tpp, bare_rate):
    benchmark.group = "server mode"
    bare = _yardstick(benchmark, server, bare_rate)
    form = {
        "grant_type": "client_credentials",
        "client_id": "TPP_test",
        "client_secret": tpp["client"]["clientSecret"],
        "scope": "psd2:payment:sepa:write",
    }
    token = loadgen.Target(
        tpp["doc"]["bank"]["token"],
        method="POST",
        headers=(("Content-Type", "application/x-www-form-urlencoded"),),
        body=urlencode(form).encode(),
    )

    load = _load(benchmark, token)

    assert load.errors == 0
    _report("POST /as/token.oauth2 (client credentials)", load, bare, TOKEN_GOAL, server)


def _report(name: str, load: loadgen.Load, bare: loadgen.Load, goal: float, server) -> None:
    ratio = load.requests_per_second / bare.requests_per_second
    figure(
        f"{name}, server, {server['workers']} process(es)",
        value=f"{load.requests_per_second:,.0f} req/s",
        yardstick=f"{bare.requests_per_second:,.0f} req/s bare /.well-known/mockbank/ping",
        ratio=ratio,
        goal=f"≥ {goal}×",
    )
    RESULTS.setdefault("server", {})[name] = {"req_s": round(load.requests_per_second), "requests": load.requests}
