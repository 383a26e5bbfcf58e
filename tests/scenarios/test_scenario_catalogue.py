"""Every scenario of the catalogue, through both front doors, with two seeds: same seed, same bytes.

The second seed is marked ``second_seed``: ``make test`` runs one seed, CI both (``--second-seed``).
"""

from __future__ import annotations

import json

import pytest

from scenarios import catalogue
from scenarios import run_scenario

SEEDS = (7, pytest.param(11, marks=pytest.mark.second_seed))
# What no result may contain: a host or port of either front door, or a wall-clock year.
FOREIGN = ("127.0.0.1", "localhost", "abnamro.com", "vismaonline.com", "vismasoftware.nl", "api.kvk.nl")


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("name", catalogue.names())
def test_a_scenario_gives_the_same_result_in_process_and_on_a_server(aligned, name, seed):
    world, server = aligned
    inprocess = run_scenario(world, name, seed=seed)
    served = run_scenario(server.url, name, seed=seed)

    assert inprocess.passed, inprocess.failure.describe() + "\n" + inprocess.timeline_text()
    assert served.passed, served.failure.describe() + "\n" + served.timeline_text()
    assert served.dumps() == inprocess.dumps()
    # Placeholders instead of hosts: the same text through both front doors (printed, each names its own).
    assert served.timeline_text(addresses=False) == inprocess.timeline_text(addresses=False)
    assert served.request_count == inprocess.request_count
    text = inprocess.dumps()
    assert not [word for word in FOREIGN if word in text]
    data = json.loads(text)
    assert data["scenario"] == name and data["seed"] == seed and data["passed"] is True
    assert data["timeline"][0]["actor"] == "Sandbox" and data["timeline"][0]["day"] == 1
    assert [entry["step"] for entry in data["timeline"]] == list(range(1, len(data["timeline"]) + 1))
    assert data["world"]["company"]["kvkNumber"] and data["world"]["bank"]["accounts"]["current"].startswith("NL")
    # The server's world stays at the scenario's end: its portal still knows the company's administration.
    assert served.urls.portal.startswith(server.url)


def test_another_seed_gives_another_world_through_the_same_steps(inprocess_world):
    first = run_scenario(inprocess_world, "happy_path_consented", seed=7)
    other = run_scenario(inprocess_world, "happy_path_consented", seed=8)

    assert other.world["company"] != first.world["company"]
    assert other.world["bank"]["accounts"] != first.world["bank"]["accounts"]
    assert [e.actor for e in other.timeline] == [e.actor for e in first.timeline]
    # People take a seeded while between clicks, so the two timelines differ in their times too.
    assert [e.at - first.started_at for e in first.timeline] != [e.at - other.started_at for e in other.timeline]


def test_results_hold_the_ids_credentials_and_links(inprocess_world):
    result = run_scenario(inprocess_world, "savings_account_consented", seed=7)

    world = result.world
    serial = world["serialNumber"]
    ibans = world["bank"]["accounts"]
    assert len(serial) == 7 and set(ibans) == {"current", "savings"}
    (login,) = world["bank"]["user"]["loginMeans"]
    assert world["bankLogin"] == {k: v for k, v in login.items() if k != "kind"} | {"kind": "edentifier"}
    assert {a["type"] for a in world["administration"]["bankAccounts"]} == {
        "CashAccount",
        "ChequeAccount",
        "SavingsAccount",
    }
    assert {link["iban"] for link in world["registration"]["links"]} == set(ibans.values())
    assert world["registration"]["state"] == "done"
    assert sorted(c["status"] for c in world["consents"]) == ["valid", "valid"]
    assert result.links == {
        "eAccounting": f"{{eaccounting}}/inloggen?token={world['administration']['accessToken']}",
        "portal": f"{{portal}}/?licentienummer={serial}",
    }
    assert result.absolute_links()["portal"] == f"https://register.ebanking.vismasoftware.nl/?licentienummer={serial}"


def test_the_same_seed_gives_the_same_accounts_on_another_day():
    from scenarios.world import World

    with World(seed=None, start="2026-01-05T09:00:00") as early, World(seed=None, start="2026-06-15T09:00:00") as late:
        first = run_scenario(early, "happy_path_consented", seed=7)
        second = run_scenario(late, "happy_path_consented", seed=7)
    assert first.passed and second.passed
    # The demo history's length depends on the day; what the scenario makes after it does not.
    assert second.world["bank"]["accounts"] == first.world["bank"]["accounts"]
    assert second.world["serialNumber"] == first.world["serialNumber"]
    assert second.world["bankLogin"] == first.world["bankLogin"]
