"""The world object itself: one clock for both apps, seed, reset, options, the portal's registration at the bank."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from mockbank.sim.errors import ClockError
from scenarios import World
from scenarios import mock_world
from scenarios.world import PORTAL_CLIENT_ID


@pytest.fixture
def world():
    """A seeded in-process world, not yet activated."""
    with World(seed=42, start="2026-03-02T09:00") as built:
        yield built


def test_both_apps_share_one_clock_and_their_due_jobs_run_in_time_order(world):
    ran = []
    bank_jobs = world.bank_backend.jobs
    portal_jobs = world.portal_app.extensions["consent_server"].jobs
    bank_jobs.register("test.record", lambda payload, now: ran.append((payload["who"], now)))
    portal_jobs.register("test.record", lambda payload, now: ran.append((payload["who"], now)))
    start = world.now()
    bank_jobs.schedule("test.record", start + dt.timedelta(hours=2), {"who": "bank 2h"})
    portal_jobs.schedule("test.record", start + dt.timedelta(hours=1), {"who": "portal 1h"})
    bank_jobs.schedule("test.record", start + dt.timedelta(hours=3), {"who": "bank 3h"})

    world.advance(days=1)

    assert ran == [
        ("portal 1h", start + dt.timedelta(hours=1)),
        ("bank 2h", start + dt.timedelta(hours=2)),
        ("bank 3h", start + dt.timedelta(hours=3)),
    ]
    assert world.now() == start + dt.timedelta(days=1)


def test_advance_by_duration_working_days_or_to_a_moment(world):
    start = world.now()  # Monday 2 March 2026, 09:00 Amsterdam
    assert world.advance(dt.timedelta(minutes=30)) == start + dt.timedelta(minutes=30)
    assert world.advance(working_days=5) == dt.datetime(2026, 3, 9, 8, 30, tzinfo=dt.UTC)
    assert world.advance(to="2026-04-01T12:00") == dt.datetime(2026, 4, 1, 10, 0, tzinfo=dt.UTC)
    with pytest.raises(ClockError):
        world.advance(to="2026-01-01T00:00")
    with pytest.raises(TypeError):
        world.advance(days=1, working_days=1)
    with pytest.raises(TypeError):
        world.advance()


def test_one_seed_one_world():
    with World(seed=11) as first, World(seed=11) as second, World(seed=12) as other:
        ibans = [a["iban"] for a in first.bank_backend.last_seed_summary["accounts"]]
        assert ibans == [a["iban"] for a in second.bank_backend.last_seed_summary["accounts"]]
        assert ibans != [a["iban"] for a in other.bank_backend.last_seed_summary["accounts"]]


def test_reset_brings_back_the_seeded_world_and_keeps_the_time(world):
    summary = world.bank_backend.last_seed_summary
    consents = world.bank_backend.consents
    consents.register_client(name="Tijdelijk BV", redirect_uris=["https://localhost/x"], client_id="TPP_tmp")
    world.advance(days=2)
    later = world.now()

    world.reset()

    assert consents.client("TPP_tmp") is None
    # Same customers and accounts; the history is built back from the (later) current time.
    assert [a["iban"] for a in world.bank_backend.last_seed_summary["accounts"]] == [
        a["iban"] for a in summary["accounts"]
    ]
    assert world.now() == later
    # The portal is registered at the bank again and holds the matching credentials.
    assert consents.client(PORTAL_CLIENT_ID) is not None
    bank_client = world.portal_app.test_client().get("/sandbox/bank-client").get_json()
    assert bank_client["configured"] is True
    assert bank_client["clientId"] == PORTAL_CLIENT_ID


def test_the_portal_is_a_registered_client_of_the_bank_with_its_redirect_and_callback(world):
    registered = world.bank_backend.consents.client(PORTAL_CLIENT_ID)
    assert registered.name == "Visma eAccounting"
    assert registered.redirect_uris == [world.portal_app.config["PORTAL_REDIRECT_URI"]]
    assert registered.redirect_uris[0].startswith(world.urls.portal + "/")
    assert registered.callback_url.startswith(world.urls.portal + "/bank/")
    assert world.portal_app.config["BANK_TOKEN_URL"] == world.urls.bank_token


def test_the_consent_days_option_reaches_the_bank():
    with World(seed=42, consent_days=180) as world:
        account = world.bank_backend.last_seed_summary["accounts"][0]["iban"]
        client = world.bank_backend.consents.register_client(name="Lang BV", redirect_uris=["https://localhost/x"])
        token = world.bank_backend.consents.mint_token(
            client_id=client.client_id, iban=account, scopes="psd2:account:balance:read"
        )
        consent = world.bank_backend.consents.consent(token.consent_id)
        assert consent.valid_until == world.now() + dt.timedelta(days=180)


def test_without_a_seed_the_bank_is_empty():
    with World(seed=None) as world:
        assert world.bank_backend.bank.customers() == []
        assert world.bank_backend.last_seed_summary is None


def test_the_in_process_urls_are_the_real_looking_hosts(world):
    assert world.urls.bank_api == "https://api-sandbox.abnamro.com"
    assert world.urls.bank_token == "https://auth-sandbox.connect.abnamro.com:8443/as/token.oauth2"
    assert world.urls.portal == "https://register.ebanking.vismasoftware.nl"
    assert world.urls.kvk == "https://api.kvk.nl"
    assert world.describe()["portal"]["sandbox"] == "https://register.ebanking.vismasoftware.nl/sandbox"


def test_activate_routes_every_host_of_both_apps(world):
    with world.activate():
        assert requests.get(world.urls.bank_api + "/sandbox/clock").json()["now"] == world.now().isoformat()
        for base in (world.urls.portal, world.urls.eaccounting, world.urls.eaccounting_api, world.urls.kvk):
            assert requests.get(base + "/sandbox/clock").json()["now"] == world.now().isoformat()
    with pytest.raises(requests.ConnectionError):
        # Routing ended; the ".invalid" name proves no real host would have been asked either.
        requests.get("https://api-sandbox.abnamro.com.invalid/sandbox/clock", timeout=2)


def test_a_world_served_at_a_base_url_has_no_in_process_routing():
    with World(seed=None, base_url="http://127.0.0.1:9") as world:
        assert world.urls.bank_api == "http://127.0.0.1:9/abnamro-api"
        with pytest.raises(RuntimeError):
            world.activate()


def test_mock_world_as_context_manager_and_decorator():
    with mock_world(seed=3) as world:
        assert requests.get(world.urls.bank_api + "/sandbox/seed").json()["seed"] == 3

    @mock_world(seed=4)
    def check(*, world):
        return requests.get(world.urls.bank_api + "/sandbox/seed").json()["seed"]

    assert check() == 4


def test_a_bank_only_world_serves_the_bank_hosts_only():
    with World(seed=None, portal=False) as world, world.activate():
        assert world.portal_app is None
        assert world.describe()["portal"] is None
        assert requests.get(world.urls.bank_api + "/sandbox/clock").status_code == 200
        with pytest.raises(requests.ConnectionError):
            requests.get(world.urls.portal + "/sandbox/clock")
