"""Internet banking's "mijn toestemmingen": the customer sees its consents and withdraws one (revokedByPsu)."""

from __future__ import annotations

from .helpers import authorize_url
from .helpers import exchange
from .helpers import get_code


def _log_in(browser, world):
    browser.get("/internetbankieren")
    browser.follow()
    browser.click("login-edentifier")
    means = world["edentifier"]
    browser.submit(
        "form-edentifier",
        {
            "account_number": means.account_number,
            "card_number": means.card_number,
            "response_code": means.response_code,
        },
    )


def _api(client, world, token):
    return client.get(
        "/v1/consentinfo", headers={"API-Key": world["client"].api_key, "Authorization": f"Bearer {token}"}
    )


def test_internet_banking_asks_to_log_in_first(browser):
    browser.get("/internetbankieren/toestemmingen")

    assert browser.response.status_code == 302
    browser.follow()
    assert "login-edentifier" in browser.page_ids()
    assert "Internet Bankieren" in browser.html


def test_the_customer_sees_which_party_has_which_account_until_when(browser, client, world):
    tokens = exchange(client, get_code(browser, world), world["client"].client_id).get_json()
    assert tokens["access_token"]

    _log_in(browser, world)

    assert browser.response.request.path == "/internetbankieren/toestemmingen"
    assert "Jan de Vries" in browser.html
    assert "Boekhouden Online BV" in browser.html
    assert world["current"].iban in browser.html
    assert "5 april 2026" in browser.html
    assert "Actief" in browser.html


def test_withdrawing_a_consent_makes_the_api_answer_401_for_its_tokens(browser, client, world, bank):
    tokens = exchange(client, get_code(browser, world), world["client"].client_id).get_json()
    (consent,) = bank.consents.consents(client_id=world["client"].client_id)
    _log_in(browser, world)

    browser.submit(f"form-withdraw-{consent.id}")

    assert "Uw toestemming voor Boekhouden Online BV is ingetrokken." in browser.html
    assert "Ingetrokken door u" in browser.html
    assert f"form-withdraw-{consent.id}" not in browser.page_ids()
    response = _api(client, world, tokens["access_token"])
    assert response.status_code == 401
    assert response.get_json()["errors"][0]["code"] == "ERR_2002_002"
    refresh = client.post(
        "/as/token.oauth2",
        data={
            "grant_type": "refresh_token",
            "client_id": world["client"].client_id,
            "refresh_token": tokens["refresh_token"],
        },
    )
    assert refresh.get_json()["error"] == "invalid_grant"
    events = client.get("/sandbox/consents").get_json()["consents"][0]["events"]
    assert [e["status"] for e in events] == ["received", "valid", "revokedByPsu"]


def test_a_customer_cannot_withdraw_another_customers_consent(browser, client, world, bank):
    bank.consents.mint_token(
        client_id=world["client"].client_id, iban=world["other_account"].iban, scopes="psd2:account:balance:read"
    )
    (theirs,) = bank.consents.consents(client_id=world["client"].client_id)
    _log_in(browser, world)
    assert world["other_account"].iban not in browser.html
    csrf = browser.form("form-logout")["fields"]["csrf_token"]

    browser.client.post(f"/internetbankieren/toestemmingen/{theirs.id}/intrekken", data={"csrf_token": csrf})
    browser.response = browser.client.get("/internetbankieren/toestemmingen")

    assert "kan niet (meer) worden ingetrokken" in browser.html
    assert bank.consents.consent(theirs.id).status == "valid"


def test_logging_out_ends_the_internet_banking_session(browser, world):
    _log_in(browser, world)

    browser.submit("form-logout")

    assert "U bent uitgelogd." in browser.html
    browser.get("/internetbankieren/toestemmingen")
    assert browser.response.status_code == 302


def test_a_consent_journey_login_does_not_open_internet_banking(browser, world):
    browser.get(authorize_url(world["client"].client_id))
    browser.follow()
    browser.click("login-edentifier")
    means = world["edentifier"]
    browser.submit(
        "form-edentifier",
        {
            "account_number": means.account_number,
            "card_number": means.card_number,
            "response_code": means.response_code,
        },
    )

    browser.get("/internetbankieren/toestemmingen")

    assert browser.response.status_code == 302
