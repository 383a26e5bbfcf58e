"""Internet banking's task list: the holder signs a received direct-debit batch with the e.dentifier or the app."""

from __future__ import annotations

import datetime as dt

import pytest

from mockbank import models
from tests.oauth.helpers import Browser

from .pay_helpers import BATCH_SCOPE
from .pay_helpers import consent_token
from .pay_helpers import make_pay_world
from .pay_helpers import sdd_file
from .pay_helpers import send_batch
from .pay_helpers import three_debits


@pytest.fixture
def world(bank):
    return make_pay_world(bank)


@pytest.fixture
def browser(client):
    return Browser(client)


@pytest.fixture
def received(client, world) -> dict:
    """A batch of three invoices for Friday 9 January 2026, waiting in the task list."""
    token = consent_token(client, world, iban=world.creditor, scope=BATCH_SCOPE)
    answer = send_batch(client, world, token, sdd_file(world, dt.date(2026, 1, 9), three_debits(world)))
    return answer.get_json()["sepaBatchPaymentInstruction"]


def _edentifier(world):
    return next(m for m in world.user.login_means if m.kind == models.EDENTIFIER)


def _log_in(browser, world, url: str):
    """Open ``url``; log in with the e.dentifier on the way (internet banking brings the user back)."""
    browser.get(url)
    browser.follow()
    browser.click("login-edentifier")
    means = _edentifier(world)
    browser.submit(
        "form-edentifier",
        {
            "account_number": means.account_number,
            "card_number": means.card_number,
            "response_code": means.response_code,
        },
    )


def _status(client, received) -> str:
    return client.get(f"/sandbox/sdd/batches/{received['id']}").get_json()["status"]


def test_the_authorization_url_leads_through_the_login_to_the_batch(browser, world, received):
    path = "/" + received["authorizationUrl"].split("/", 3)[3]

    _log_in(browser, world, path)

    assert browser.response.request.path == path
    assert "Incasso-opdracht incasso.xml" in browser.html
    assert "€ 470,75" in browser.html
    assert "9 januari 2026" in browser.html
    assert {"form-sign-edentifier", "form-sign-app", "form-decline"} <= browser.page_ids()


def test_the_task_list_shows_what_waits_for_a_signature(browser, world, received):
    _log_in(browser, world, "/internetbankieren/toestemmingen")
    browser.click("nav-tasks")

    assert "task-1" in browser.page_ids()
    assert world.creditor in browser.html


def test_signing_with_the_edentifier_authorizes_the_batch(browser, client, world, received, bank, clock):
    _log_in(browser, world, "/internetbankieren/taken/1")

    browser.submit("form-sign-edentifier", {"response_code": _edentifier(world).response_code})

    assert "De incasso-opdracht is ondertekend. De incassodatum is 9 januari 2026." in browser.html
    assert "form-sign-edentifier" not in browser.page_ids()
    batch = client.get(f"/sandbox/sdd/batches/{received['id']}").get_json()
    assert (batch["status"], batch["authorizedWith"]) == ("AUTHORIZED", "edentifier")
    clock.advance_to("2026-01-09T05:00:00+01:00")
    assert bank.bank.account(world.rich).balance_cents == 50_000 - 12_100


def test_a_wrong_response_signs_nothing_and_counts_towards_the_block(browser, client, world, received, bank):
    _log_in(browser, world, "/internetbankieren/taken/1")

    browser.submit("form-sign-edentifier", {"response_code": "00000000"})

    assert "De response is onjuist" in browser.html
    assert _status(client, received) == "RECEIVED"
    means = bank.bank.user(world.user.id).login_means
    assert next(m for m in means if m.kind == models.EDENTIFIER).failed_attempts == 1


def test_signing_in_the_app_waits_for_the_phone(browser, client, world, received):
    _log_in(browser, world, "/internetbankieren/taken/1")
    browser.submit("form-sign-app")
    assert "app-waiting" in browser.page_ids()
    waiting = browser.response.request.path

    browser.click("app-continue")
    assert "nog niet bevestigd in de app" in browser.html
    assert _status(client, received) == "RECEIVED"

    browser.click("app-phone-link")
    assert "Opdracht ondertekenen" in browser.html
    browser.submit("form-app-confirm")
    # The phone says what it signed: an order in the task list, not a transfer or a login.
    assert "Opdracht ondertekend" in browser.html and "Overboeking bevestigd" not in browser.html
    assert "Deze opdracht is ondertekend." in browser.html
    browser.get(waiting + "/verder")
    browser.follow()

    assert "De incasso-opdracht is ondertekend." in browser.html
    assert client.get(f"/sandbox/sdd/batches/{received['id']}").get_json()["authorizedWith"] == "app"


def test_deleting_the_batch_means_nothing_is_collected(browser, client, world, received, bank, clock):
    _log_in(browser, world, "/internetbankieren/taken/1")

    browser.submit("form-decline")

    assert "De incasso-opdracht is verwijderd." in browser.html
    assert _status(client, received) == "DECLINED"
    clock.advance_to("2026-01-12T05:00:00+01:00")
    assert bank.bank.account(world.rich).balance_cents == 50_000


def test_another_customer_does_not_see_the_batch(browser, client, world, received, bank):
    other = bank.bank.create_customer(kind=models.BUSINESS, name="Ander B.V.", kvk_number="87654321")
    bank.bank.open_account(customer_id=other.id)
    stranger = bank.bank.create_user(customer_id=other.id, name="S. Trange")
    means = next(m for m in stranger.login_means if m.kind == models.EDENTIFIER)
    browser.get("/internetbankieren/taken/1")
    browser.follow()
    browser.click("login-edentifier")
    browser.submit(
        "form-edentifier",
        {
            "account_number": means.account_number,
            "card_number": means.card_number,
            "response_code": means.response_code,
        },
    )

    assert "bestaat niet (meer)" in browser.html
    assert "no-tasks" in browser.page_ids()
    browser.get("/internetbankieren/toestemmingen")
    csrf = browser.form("form-logout")["fields"]["csrf_token"]
    browser.client.post("/internetbankieren/taken/1/verwijderen", data={"csrf_token": csrf})
    browser.get("/internetbankieren/taken")
    assert "kan niet (meer) worden verwijderd" in browser.html
    assert _status(client, received) == "RECEIVED"


def test_behind_a_path_prefix_the_login_leads_back_to_the_batch_under_that_prefix(client, world, received):
    prefix = "http://localhost/abnamro-api"

    answer = client.get("/internetbankieren/taken/1", base_url=prefix)

    assert answer.status_code == 302 and answer.headers["Location"] == "/abnamro-api/inloggen"
    with client.session_transaction(base_url=prefix) as state:
        assert state["ib_next"] == "/abnamro-api/internetbankieren/taken/1"
