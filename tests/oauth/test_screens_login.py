"""The login screens: e.dentifier (and blocking), the mobile app with its "phone", Access Online."""

from __future__ import annotations

import datetime as dt

from .helpers import Browser
from .helpers import authorize_url
from .helpers import login_with_edentifier
from .helpers import redirect_params


def _start(browser, world, link_id):
    browser.get(authorize_url(world["client"].client_id))
    browser.follow()
    browser.click(link_id)


def _edentifier(world, **overrides):
    means = world["edentifier"]
    fields = {
        "account_number": means.account_number,
        "card_number": means.card_number,
        "response_code": means.response_code,
    }
    fields.update(overrides)
    return fields


def test_the_iban_may_be_typed_with_spaces_and_lower_case(browser, world):
    _start(browser, world, "login-edentifier")
    iban = world["edentifier"].account_number
    spaced = " ".join(iban[i : i + 4] for i in range(0, len(iban), 4)).lower()

    browser.submit("form-edentifier", _edentifier(world, account_number=spaced))

    assert "form-consent" in browser.page_ids()


def test_a_wrong_response_says_how_many_tries_are_left(browser, world):
    _start(browser, world, "login-edentifier")

    browser.submit("form-edentifier", _edentifier(world, response_code="00000000"))

    assert browser.response.status_code == 200
    assert "De response is onjuist. U kunt het nog 2 keer proberen" in browser.html
    assert "form-edentifier" in browser.page_ids()


def test_an_unknown_card_is_refused_without_counting_against_the_edentifier(browser, world, bank):
    _start(browser, world, "login-edentifier")

    browser.submit("form-edentifier", _edentifier(world, card_number="999"))

    assert "horen niet bij elkaar" in browser.html
    assert bank.bank.user(world["user"].id).login_means[0].failed_attempts == 0


def test_missing_fields_are_shown_in_dutch_and_nothing_is_tried(browser, world):
    _start(browser, world, "login-edentifier")

    browser.submit("form-edentifier", {"account_number": "", "card_number": "", "response_code": ""})

    assert "Vul uw rekeningnummer in." in browser.html
    assert "Vul de response van uw e.dentifier in." in browser.html


def test_a_post_without_csrf_token_is_not_a_login(client, browser, world):
    _start(browser, world, "login-edentifier")
    action = browser.form("form-edentifier")["action"]

    response = client.post(action, data=_edentifier(world))

    assert response.status_code == 200
    assert "form-edentifier" in response.get_data(as_text=True)


def test_three_wrong_responses_block_the_edentifier_until_the_sandbox_unblocks_it(browser, client, world):
    _start(browser, world, "login-edentifier")
    for _ in range(3):
        browser.submit("form-edentifier", _edentifier(world, response_code="12345678"))

    assert "Uw e.dentifier is geblokkeerd" in browser.html
    browser.submit("form-edentifier", _edentifier(world))
    assert "Uw e.dentifier is geblokkeerd" in browser.html, "even the right response is refused now"
    users = client.get("/sandbox/users").get_json()["users"]
    listed = next(m for u in users for m in u["loginMeans"] if m["id"] == world["edentifier"].id)
    assert listed["blocked"] is True

    response = client.post(f"/sandbox/login-means/{world['edentifier'].id}/unblock")
    assert response.status_code == 200
    assert response.get_json()["blocked"] is False

    browser.submit("form-edentifier", _edentifier(world))
    assert "form-consent" in browser.page_ids()


def test_unblocking_an_unknown_login_means_is_a_sandbox_404(client):
    response = client.post("/sandbox/login-means/999/unblock")

    assert response.status_code == 404
    assert response.get_json()["errors"][0]["code"] == "SANDBOX_404"


def test_the_app_login_waits_until_the_phone_confirms(browser, client, world):
    _start(browser, world, "login-app")
    browser.submit("form-app", {"account_number": world["current"].iban})
    assert "app-waiting" in browser.page_ids()
    waiting_url = browser.response.request.path
    key = waiting_url.rsplit("/", 1)[-1]

    status = client.get(f"/inloggen/app/{key}/status").get_json()
    assert status == {"status": "pending", "confirmed": False, "continueUrl": f"/inloggen/app/{key}/verder"}
    browser.click("app-continue")
    assert "nog niet bevestigd" in browser.html

    handset = Browser(browser.client.application.test_client())  # another device, its own cookies
    handset.get(f"/app/bevestigen/{key}")
    assert "Jan de Vries" in handset.html
    assert "Boekhouden Online BV" in handset.html
    handset.submit("form-app-confirm")
    assert "Inloggen bevestigd" in handset.html

    assert client.get(f"/inloggen/app/{key}/status").get_json()["confirmed"] is True
    browser.click("app-continue")
    assert "form-consent" in browser.page_ids()


def test_the_sandbox_confirms_an_app_login_by_id(browser, client, world):
    _start(browser, world, "login-app")
    browser.submit("form-app", {"account_number": world["current"].iban})
    (pending,) = client.get("/sandbox/app-logins").get_json()["appLogins"]
    assert pending["userId"] == world["user"].id

    assert client.post(f"/sandbox/app-logins/{pending['id']}/confirm").get_json()["status"] == "confirmed"

    browser.click("app-continue")
    assert "form-consent" in browser.page_ids()
    response = browser.submit("form-consent", {"account": world["current"].iban, "decision": "approve"})
    assert "code" in redirect_params(response)
    assert client.post(f"/sandbox/app-logins/{pending['id']}/confirm").status_code == 400


def test_an_app_login_for_an_unknown_iban_is_refused(browser, world):
    _start(browser, world, "login-app")

    browser.submit("form-app", {"account_number": "NL02ABNA0123456789"})

    assert "geen ABN AMRO app geactiveerd" in browser.html


def test_access_online_logs_in_a_business_user(browser, world):
    _start(browser, world, "login-access-online")
    means = world["access_online"]

    browser.submit(
        "form-access-online",
        {
            "user_id": means.access_online_user_id,
            "card_number": means.card_number,
            "response_code": means.response_code,
        },
    )

    assert browser.form("form-consent")["radios"] == [world["company_account"].iban]
    response = browser.submit("form-consent", {"decision": "approve"})
    assert "code" in redirect_params(response)


def test_access_online_refuses_unknown_users_and_blocks_after_three_wrong_responses(browser, world):
    _start(browser, world, "login-access-online")
    means = world["access_online"]
    browser.submit("form-access-online", {"user_id": "AO000000", "card_number": "1", "response_code": "1"})
    assert "onbekend bij Access Online" in browser.html

    for _ in range(3):
        browser.submit(
            "form-access-online",
            {"user_id": means.access_online_user_id, "card_number": means.card_number, "response_code": "1"},
        )

    assert "geblokkeerd" in browser.html
    assert "login-blocked" in browser.page_ids()


def test_a_started_login_survives_clock_moves_within_the_code_lifetime(browser, client, world, clock):
    login_with_edentifier(browser, world, authorize_url(world["client"].client_id))
    clock.advance(dt.timedelta(minutes=10))  # the user reads the consent screen for a while

    response = browser.submit("form-consent", {"account": world["current"].iban, "decision": "approve"})

    code = redirect_params(response)["code"]
    token = client.post(
        "/as/token.oauth2",
        data={
            "grant_type": "authorization_code",
            "client_id": world["client"].client_id,
            "code": code,
            "redirect_uri": "https://localhost/auth",
        },
    )
    assert token.status_code == 200
