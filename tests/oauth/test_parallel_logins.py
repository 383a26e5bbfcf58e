"""Wrong e.dentifier responses sent at once, through two workers on one database: exactly three are counted."""

from __future__ import annotations

import threading

import pytest

from mockbank import create_app
from mockbank import models

from .helpers import Browser

PARALLEL = 10
TWO_LEFT = "U kunt het nog 2 keer proberen"
ONE_LEFT = "U kunt het nog 1 keer proberen"
BLOCKED = "Uw e.dentifier is geblokkeerd"


@pytest.fixture
def two_workers(clock, storage_url):
    """Two bank apps on one database and a user with an e.dentifier."""
    apps = [create_app({"TESTING": True, "DATABASE_URL": storage_url}, clock=clock) for _ in range(2)]
    bank = apps[0].extensions["mockbank"].bank
    customer = bank.create_customer(kind=models.RETAIL, name="J. de Vries")
    bank.open_account(customer_id=customer.id, product=models.CURRENT)
    user = bank.create_user(customer_id=customer.id, name="Jan de Vries")
    means = next(m for m in bank.user(user.id).login_means if m.kind == models.EDENTIFIER)
    yield apps, means
    for app in apps:
        app.extensions["mockbank"].close()


@pytest.mark.parametrize("form", ["edentifier", "access-online"])
def test_ten_wrong_responses_at_once_count_three_attempts_then_the_means_is_blocked(two_workers, form):
    apps, means = two_workers
    if form == "access-online":
        bank = apps[0].extensions["mockbank"].bank
        company = bank.create_customer(kind=models.BUSINESS, name="Bol B.V.", trade_name="Bol", kvk_number="12345678")
        bank.open_account(customer_id=company.id, product=models.CURRENT)
        user = bank.create_user(customer_id=company.id, name="Anna Bol", login_means=(models.ACCESS_ONLINE,))
        means = bank.user(user.id).login_means[0]
        fields = {"user_id": means.access_online_user_id, "card_number": means.card_number}
    else:
        fields = {"account_number": means.account_number, "card_number": means.card_number}
    browsers = [Browser(apps[i % 2].test_client()) for i in range(PARALLEL)]
    for browser in browsers:
        browser.get(f"/inloggen/{form}")
    start = threading.Barrier(PARALLEL)
    pages = []
    lock = threading.Lock()

    def wrong_response(browser):
        start.wait()
        browser.submit(f"form-{form}", {**fields, "response_code": "00000000"})
        with lock:
            pages.append(browser.html)

    threads = [threading.Thread(target=wrong_response, args=(browser,)) for browser in browsers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sum(TWO_LEFT in page for page in pages) == 1
    assert sum(ONE_LEFT in page for page in pages) == 1
    assert sum(BLOCKED in page for page in pages) == PARALLEL - 2
    users = apps[1].test_client().get("/sandbox/users").get_json()["users"]
    listed = next(m for u in users for m in u["loginMeans"] if m["id"] == means.id)
    assert listed["blocked"] is True
    # Even the right response is refused now.
    browsers[0].submit(f"form-{form}", {**fields, "response_code": means.response_code})
    assert BLOCKED in browsers[0].html
