"""The start page's "Gepland" names every kind of due job of both servers in Dutch, never by its code name."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from scenarios.world import World
from tests.dashboard.conftest import START
from tests.dashboard.conftest import Dashboard


@pytest.fixture
def living_world():
    """An empty world whose bank lives (its evening run is a job kind too)."""
    made = World(seed=None, start=START, bank_config={"LIVING_BANK": True})
    yield made
    made.close()


def queues(world: World) -> dict:
    return {"bank": world.bank_backend.jobs, "portal": world.portal_backend.jobs}


def test_both_job_queues_know_the_kinds_of_the_new_services(living_world):
    kinds = {name: set(queue.kinds()) for name, queue in queues(living_world).items()}

    assert {"bank.living", "payment.execute", "sdd.settle", "sdd.return", "consent.expire"} <= kinds["bank"]
    assert {"incasso.match", "import.daily", "activation.send"} <= kinds["portal"]


def test_no_kind_of_due_job_of_either_server_is_shown_by_its_code_name(living_world):
    """Each registered kind, scheduled with a payload that refers to nothing (the job's subject is gone)."""
    due = living_world.now() + dt.timedelta(days=400)
    scheduled = []
    for queue in queues(living_world).values():
        for kind in queue.kinds():
            queue.schedule(kind, due, {})
            scheduled.append(kind)

    page = BeautifulSoup(Dashboard(living_world).html("/"), "html.parser")

    rows = page.select("#due-jobs tbody tr")
    shown = {row["data-kind"] for row in rows}
    assert set(scheduled) <= shown
    for row in rows:
        what = row.find_all("td")[2].get_text(" ", strip=True)
        assert what and row["data-kind"] not in what, what
        assert "None" not in what, what
