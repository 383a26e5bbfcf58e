"""``mockbank serve`` and the server helpers: ports, the well-known document, stopping, restarting."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import threading

import pytest
import requests

import client_sdk
from scenarios import cli
from scenarios.server import SERVING_LINE
from scenarios.server import serve
from scenarios.server import start_server
from scenarios.server import start_server_process
from scenarios.world import PORTAL_CLIENT_ID
from scenarios.world import World


def test_the_well_known_document_names_every_host_under_its_prefix():
    with start_server(seed=None, clock_mode="frozen", start="2026-03-02T09:00") as server:
        document = requests.get(server.url + "/.well-known/mockbank", timeout=5).json()
        assert document["bank"] == {
            "api": server.url + "/abnamro-api",
            "auth": server.url + "/abnamro-auth",
            "token": server.url + "/abnamro-auth/as/token.oauth2",
            "sandbox": server.url + "/abnamro-api/sandbox",
        }
        assert document["portal"] == {
            "eaccountingApi": server.url + "/eaccounting-api",
            "eaccounting": server.url + "/eaccounting",
            "portal": server.url + "/portal",
            "kvk": server.url + "/kvk",
            "sandbox": server.url + "/portal/sandbox",
            "outbox": server.url + "/portal/outbox",
        }
        assert document["clock"] == {"now": "2026-03-02T08:00:00+00:00", "mode": "frozen"}
        # The same bank answers under both of its prefixes, on the same clock.
        for base in (document["bank"]["api"], document["bank"]["auth"]):
            assert requests.get(base + "/sandbox/clock", timeout=5).json()["now"] == document["clock"]["now"]
        index = requests.get(server.url + "/", timeout=5)
        assert index.status_code == 200
        assert document["bank"]["sandbox"] in index.text
        assert requests.get(server.url + "/nowhere", timeout=5).status_code == 404


def test_every_link_on_the_index_page_answers():
    with start_server(seed=42, clock_mode="frozen") as server:
        page = requests.get(server.url + "/", timeout=5)
        links = re.findall(r'href="([^"]+)"', page.text)
        assert len(links) >= 6
        for link in links:
            url = link if link.startswith("http") else server.url + link
            assert requests.get(url, timeout=10).status_code == 200, url


def test_a_public_url_is_what_the_world_advertises():
    server, world = serve(None, public_url="https://mockbank.example.test/", world_options={"seed": None})
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        local = f"http://127.0.0.1:{server.server_port}"
        document = requests.get(local + "/.well-known/mockbank", timeout=5).json()
        assert document["bank"]["token"] == "https://mockbank.example.test/abnamro-auth/as/token.oauth2"
        assert world.portal_app.config["BANK_API_BASE"] == "https://mockbank.example.test/abnamro-api"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        world.close()


def test_a_server_built_world_runs_its_clock_by_default():
    with start_server(seed=None) as server:
        assert server.world.clock.mode == "running"
        assert server.well_known()["clock"]["mode"] == "running"
    assert server.world.clock._ticker is None


def test_a_given_world_is_rebased_onto_the_server_and_left_open(tmp_path):
    world = World(seed=None)
    assert world.urls.bank_api == "https://api-sandbox.abnamro.com"
    with start_server(world) as server:
        assert world.urls.bank_api == server.url + "/abnamro-api"
        assert world.front_door == "server"
        # The portal now sends people back to, and takes callbacks at, the server's URLs; the bank accepts both.
        redirect_uri = world.portal_app.config["PORTAL_REDIRECT_URI"]
        assert redirect_uri.startswith(server.url + "/portal/")
        registered = world.bank_backend.consents.client(PORTAL_CLIENT_ID)
        assert registered.redirect_uris[-1] == redirect_uri
        assert registered.callback_url.startswith(server.url + "/portal/")
        assert world.portal_app.config["BANK_TOKEN_URL"] == server.url + "/abnamro-auth/as/token.oauth2"
    # The caller owns the world: still usable after the server stopped.
    assert world.bank_backend.bank.customers() == []
    world.close()


def test_mockbank_serve_in_a_subprocess_answers_on_a_free_port_and_stops_cleanly():
    server = start_server_process(seed=42, clock_mode="frozen")
    try:
        assert server.url.startswith("http://127.0.0.1:") and not server.url.endswith(":0")
        sandbox = client_sdk.BankSandbox(base_url=server.urls.bank_api)
        assert sandbox.seed_summary()["seed"] == 42
    finally:
        server.stop()
    assert server.process.returncode == 0
    with pytest.raises(requests.ConnectionError):
        requests.get(server.url + "/.well-known/mockbank", timeout=2)


def test_mockbank_serve_tells_where_to_point_a_browser_and_says_when_it_stopped(tmp_path):
    process = subprocess.Popen(
        [sys.executable, "-m", "scenarios.cli", "serve", "--port", "0", "--seed", "42", "--quiet"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        banner = []
        for line in process.stdout:
            banner.append(line.rstrip())
            if "Ctrl-C stops" in line:
                break
        url = SERVING_LINE.match(banner[0]).group("url")
        assert f"  open {url}/ in a browser; every base URL as JSON: {url}/.well-known/mockbank" in banner
        # The default data folder is ./data, so a restart keeps the world.
        assert any(line.endswith(f"data {tmp_path / 'data'}; Ctrl-C stops") for line in banner)
        assert requests.get(url + "/.well-known/mockbank", timeout=5).json()["clock"]["mode"] == "running"
    finally:
        process.terminate()
        rest, _ = process.communicate(timeout=20)
    assert process.returncode == 0
    assert rest.strip().endswith("mockbank stopped")
    assert (tmp_path / "data" / "bank.db").exists() and (tmp_path / "data" / "portal.db").exists()


def test_a_restart_on_the_same_data_dir_keeps_the_world_and_its_time(tmp_path):
    first = start_server_process(seed=42, data_dir=tmp_path, clock_mode="frozen")
    try:
        sandbox = client_sdk.BankSandbox(base_url=first.urls.bank_api)
        registered = sandbox.register_client(name="Herstart BV")
        moved = sandbox.advance(days=3)
    finally:
        first.stop()
    assert (tmp_path / "bank.db").exists()

    second = start_server_process(seed=42, data_dir=tmp_path, clock_mode="frozen")
    try:
        sandbox = client_sdk.BankSandbox(base_url=second.urls.bank_api)
        assert sandbox.clock()["now"] == moved["now"]
        assert registered["clientId"] in [c["clientId"] for c in sandbox.clients()]
    finally:
        second.stop()


def test_a_world_on_a_data_dir_resumes_where_the_last_one_stopped(tmp_path):
    with World(seed=42, data_dir=tmp_path) as world:
        world.advance(working_days=2)
        later = world.now()
        ibans = [a.iban for c in world.bank_backend.bank.customers() for a in c.accounts]
        assert ibans
    with World(seed=42, data_dir=tmp_path) as again:
        assert again.now() == later
        assert [a.iban for c in again.bank_backend.bank.customers() for a in c.accounts] == ibans


def test_the_serving_line_is_parseable():
    assert SERVING_LINE.match("mockbank serving on http://127.0.0.1:8000").group("url") == "http://127.0.0.1:8000"


def test_the_cli_reads_its_defaults_from_the_environment(monkeypatch):
    monkeypatch.setenv("MOCKBANK_PORT", "9123")
    monkeypatch.setenv("MOCKBANK_SEED", "7")
    monkeypatch.setenv("MOCKBANK_CLOCK_MODE", "frozen")
    args = cli.build_parser().parse_args(["serve"])
    assert (args.port, args.seed, args.clock, args.data_dir) == (9123, 7, "frozen", "./data")
    assert cli.build_parser().parse_args(["serve", "--port", "0", "--seed", "1"]).port == 0


def test_mockbank_variables_become_app_settings_and_the_portal_gets_its_own_database():
    bank, portal = cli.app_configs(
        {
            "MOCKBANK_CONSENT_DAYS": "180",
            "MOCKBANK_DATABASE_URL": "postgresql://db/bank",
            "MOCKBANK_PORTAL_DATABASE_URL": "postgresql://db/portal",
            "MOCKBANK_LEDGER_DEFAULTS": '{"1": 1200, "3": 1150}',
            "MOCKBANK_PORT": "8000",
            "HOME": "/root",
        }
    )
    assert bank["CONSENT_DAYS"] == 180 and bank["DATABASE_URL"] == "postgresql://db/bank"
    assert "PORT" not in bank and "PORT" not in portal and "HOME" not in bank
    # Each app reads the variables by its own settings' types: the portal's ledger defaults are a JSON object.
    assert portal["LEDGER_DEFAULTS"] == {1: 1200, 3: 1150}
    assert portal["DATABASE_URL"] == "postgresql://db/portal"


def test_the_cli_refuses_an_unknown_command(capsys):
    with pytest.raises(SystemExit) as exited:
        cli.main(["fly"])
    assert exited.value.code == 2
    assert "invalid choice" in capsys.readouterr().err


def test_serve_start_accepts_iso_moments(tmp_path):
    with start_server(seed=None, clock_mode="frozen", start="2026-06-01T10:00") as server:
        now = dt.datetime.fromisoformat(server.well_known()["clock"]["now"])
    assert now == dt.datetime(2026, 6, 1, 8, 0, tzinfo=dt.UTC)
