"""On a shared host (a sandbox token configured) the dashboard's buttons that change the world ask for the token,
so the start page is no way around it; what only shows the world stays open."""

from __future__ import annotations

import datetime as dt

import pytest
from bs4 import BeautifulSoup

from scenarios.world import World
from tests.dashboard.conftest import START
from tests.dashboard.conftest import Dashboard

TOKEN = "een-token-voor-deze-host"


@pytest.fixture
def shared():
    """An empty world with a sandbox token, as ``MOCKBANK_SANDBOX_TOKEN`` makes one; its dashboard."""
    made = World(seed=None, start=START, config={"SANDBOX_TOKEN": TOKEN})
    yield made, Dashboard(made)
    made.close()


def administration(world: World) -> int:
    """An administration made as the sandbox would (the sandbox itself would need the token)."""
    return world.portal_backend.eaccounting.create_administration(company_name="Test BV Donald").id


def snapshot(world: World) -> tuple:
    """What the guarded buttons change: the time, the seed, the administrations."""
    portal = world.portal_backend
    return (world.now(), world.seed, [a.id for a in portal.eaccounting.administrations()])


ACTIONS = {
    "clock": ("/klok", {"stap": "uur"}, "/"),
    "new administration": ("/oefenadministratie", {"company": "new", "add_accounts": "y"}, None),
    "run scenario": ("/scenarios", {"scenario": "accounting_firm_consented", "seed": "11", "confirm": "y"}, None),
    "reseed": ("/wereld", {"seed": "3", "confirm": "y"}, None),
}


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize(
    ("offered", "refusal"),
    [(None, "Vul het sandboxtoken in"), ("", "Vul het sandboxtoken in"), ("raden", "Dit sandboxtoken klopt niet")],
)
def test_without_the_token_a_button_that_changes_the_world_is_refused_in_dutch_and_changes_nothing(
    shared, action, offered, refusal
):
    world, dashboard = shared
    path, data, form_page = ACTIONS[action]
    before = snapshot(world)

    answer = dashboard.post(path, data if offered is None else {**data, "sandbox_token": offered}, form_page=form_page)

    assert answer.status_code == 403
    assert refusal in answer.get_data(as_text=True)
    assert snapshot(world) == before


def test_opening_an_administration_in_eaccounting_asks_for_the_token_too(shared):
    world, dashboard = shared
    made = administration(world)

    refused = dashboard.post(f"/administraties/{made}/openen", {"sandbox_token": "raden"}, form_page="/")
    assert refused.status_code == 403
    assert "Dit sandboxtoken klopt niet" in refused.get_data(as_text=True)
    assert "Location" not in refused.headers

    opened = dashboard.post(f"/administraties/{made}/openen", {"sandbox_token": TOKEN}, form_page="/")
    assert opened.status_code == 302 and "/inloggen?token=" in opened.headers["Location"]


def test_with_the_token_the_buttons_work(shared):
    world, dashboard = shared
    before = world.now()

    assert dashboard.post("/klok", {"stap": "uur", "sandbox_token": TOKEN}, form_page="/").status_code == 302
    assert world.now() - before == dt.timedelta(hours=1)
    assert "verder gezet" in dashboard.html("/")
    made = dashboard.post("/oefenadministratie", {"company": "new", "sandbox_token": TOKEN})
    assert made.status_code == 302 and len(world.portal_backend.eaccounting.administrations()) == 1
    ran = dashboard.post(
        "/scenarios",
        {"scenario": "accounting_firm_consented", "seed": "11", "confirm": "y", "sandbox_token": f" {TOKEN} "},
    )
    assert ran.status_code == 302 and world.seed == 11
    assert dashboard.post("/wereld", {"seed": "3", "confirm": "y", "sandbox_token": TOKEN}).status_code == 302
    assert world.seed == 3


@pytest.mark.parametrize("path", ["/", "/testgebruikers", "/oefenadministratie", "/scenarios", "/wereld"])
def test_pages_that_only_show_the_world_stay_open_and_their_forms_ask_for_the_token(shared, path):
    world, dashboard = shared
    if path == "/":
        administration(world)  # so the start page has its "Open in eAccounting" buttons

    page = BeautifulSoup(dashboard.html(path), "html.parser")

    for form in page.select("form[method=post]"):
        field = form.find("input", attrs={"name": "sandbox_token"})
        assert field is not None and field["type"] == "password", form.get("id") or form.get("action")
        assert page.find("label", attrs={"for": field["id"]}).get_text(strip=True) == "Sandboxtoken"


def test_without_a_token_configured_no_form_asks_for_one(dashboard):
    for path in ("/", "/oefenadministratie", "/scenarios", "/wereld"):
        assert 'name="sandbox_token"' not in dashboard.html(path)
