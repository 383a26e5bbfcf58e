"""The sandbox's magic users: their outcome is fixed, whatever is clicked."""

from __future__ import annotations

import datetime as dt

import pytest

from mockbank.services.demo import create_magic_users

from .helpers import Browser
from .helpers import authorize_url
from .helpers import redirect_params


@pytest.fixture
def magic(bank, world):
    return {m["behaviour"]: m for m in create_magic_users(bank)}


def _edentifier_login(browser: Browser, world, user: dict):
    means = next(m for m in user["user"]["loginMeans"] if m["kind"] == "edentifier")
    browser.get(authorize_url(world["client"].client_id))
    browser.follow()
    browser.click("login-edentifier")
    return browser.submit(
        "form-edentifier",
        {
            "account_number": means["accountNumber"],
            "card_number": means["cardNumber"],
            "response_code": means["responseCode"],
        },
    )


def test_the_seed_summary_lists_the_magic_users(client):
    summary = client.post("/sandbox/seed", json={"seed": 7}).get_json()

    behaviours = {m["behaviour"] for m in summary["magicUsers"]}
    assert behaviours == {"approve", "cancel", "blocked", "no_accounts", "slow_app"}
    for magic in summary["magicUsers"]:
        assert magic["user"]["behaviour"] == magic["behaviour"]
        assert magic["description"]
        assert any(m["kind"] == "edentifier" and m["responseCode"] for m in magic["user"]["loginMeans"])


def test_always_approve_redirects_with_a_code_without_a_consent_screen(browser, client, world, magic):
    response = _edentifier_login(browser, world, magic["approve"])

    assert response.status_code == 302
    code = redirect_params(response)["code"]
    token = client.post(
        "/as/token.oauth2",
        data={
            "grant_type": "authorization_code",
            "client_id": world["client"].client_id,
            "code": code,
            "redirect_uri": "https://localhost/auth",
        },
    ).get_json()
    info = client.get(
        "/v1/consentinfo",
        headers={"API-Key": world["client"].api_key, "Authorization": f"Bearer {token['access_token']}"},
    ).get_json()
    assert info["iban"] == magic["approve"]["iban"]


def test_always_cancel_redirects_with_server_error(browser, world, magic):
    response = _edentifier_login(browser, world, magic["cancel"])

    params = redirect_params(response)
    assert params["error"] == "server_error"
    assert params["error_description"] == "Unexpected Runtime Authn Adapter Integration Problem."


def test_the_blocked_user_sees_the_blocked_message(browser, world, magic):
    _edentifier_login(browser, world, magic["blocked"])

    assert browser.response.status_code == 200
    assert "Uw e.dentifier is geblokkeerd" in browser.html


def test_the_blocked_users_app_is_blocked_too(browser, world, magic):
    browser.get(authorize_url(world["client"].client_id))
    browser.follow()
    browser.click("login-app")

    browser.submit("form-app", {"account_number": magic["blocked"]["iban"]})

    assert "geblokkeerd" in browser.html


def test_the_user_without_accounts_is_sent_back_with_access_denied(browser, world, magic):
    assert magic["no_accounts"]["eligible"] is False

    response = _edentifier_login(browser, world, magic["no_accounts"])

    assert redirect_params(response)["error"] == "access_denied"


def test_the_slow_app_confirms_by_itself_after_30_simulated_seconds(browser, client, world, magic, clock):
    browser.get(authorize_url(world["client"].client_id))
    browser.follow()
    browser.click("login-app")
    browser.submit("form-app", {"account_number": magic["slow_app"]["iban"]})
    key = browser.response.request.path.rsplit("/", 1)[-1]

    clock.advance(dt.timedelta(seconds=29))
    assert client.get(f"/inloggen/app/{key}/status").get_json()["confirmed"] is False

    clock.advance(dt.timedelta(seconds=1))
    assert client.get(f"/inloggen/app/{key}/status").get_json()["confirmed"] is True
    browser.click("app-continue")
    assert "form-consent" in browser.page_ids()
