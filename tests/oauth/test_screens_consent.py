"""The consent screen and ABN AMRO's refusals: cancel, no eligible account, a reloaded page; consent states."""

from __future__ import annotations

import pytest

from mockbank import create_app
from mockbank import models

from .helpers import REDIRECT_URI
from .helpers import Browser
from .helpers import authorize_url
from .helpers import exchange
from .helpers import login_with_edentifier
from .helpers import redirect_params


def test_cancel_redirects_with_abn_amros_server_error(browser, world, bank):
    login_with_edentifier(browser, world, authorize_url(world["client"].client_id))

    response = browser.submit("form-consent", {"decision": "cancel"})

    assert response.status_code == 302
    location = response.headers["Location"]
    assert location.startswith(REDIRECT_URI + "?")
    assert "error_description=Unexpected+Runtime+Authn+Adapter+Integration+Problem." in location
    params = redirect_params(response)
    assert params["error"] == "server_error"
    assert params["state"] == "SilverAdministration-123"
    assert "code" not in params
    (consent,) = bank.consents.consents(client_id=world["client"].client_id)
    assert [e.status for e in consent.events] == ["received", "rejected"]
    assert consent.account_id is None


def test_a_user_without_eligible_accounts_is_sent_back_with_access_denied(browser, world, bank):
    customer = bank.bank.create_customer(kind=models.RETAIL, name="K. Spaar")
    bank.bank.open_account(customer_id=customer.id, product=models.SAVINGS, has_own_iban=False)
    user = bank.bank.create_user(customer_id=customer.id, name="Karin Spaar")
    means = next(m for m in user.login_means if m.kind == models.EDENTIFIER)
    browser.get(authorize_url(world["client"].client_id))
    browser.follow()
    browser.click("login-edentifier")

    response = browser.submit(
        "form-edentifier",
        {
            "account_number": means.account_number,
            "card_number": means.card_number,
            "response_code": means.response_code,
        },
    )

    assert response.status_code == 302
    params = redirect_params(response)
    assert params["error"] == "access_denied"
    assert params["state"] == "SilverAdministration-123"
    (consent,) = bank.consents.consents(client_id=world["client"].client_id)
    assert consent.status == "rejected"


def test_reloading_the_consent_page_after_approving_shows_page_no_longer_available(browser, world):
    login_with_edentifier(browser, world, authorize_url(world["client"].client_id))
    consent_path = browser.response.request.path
    browser.submit("form-consent", {"account": world["current"].iban, "decision": "approve"})

    response = browser.get(consent_path)

    assert response.status_code == 410
    assert "Location" not in response.headers
    assert "The page you are trying to access is no longer available" in browser.html
    assert "De pagina die u probeert te openen is niet meer beschikbaar" in browser.html


def test_posting_the_consent_form_twice_does_not_give_a_second_code(browser, world):
    login_with_edentifier(browser, world, authorize_url(world["client"].client_id))
    form = browser.form("form-consent")
    browser.submit("form-consent", {"account": world["current"].iban, "decision": "approve"})

    again = browser.client.post(form["action"], data={**form["fields"], "decision": "approve"})

    assert again.status_code == 410


def test_another_browser_cannot_use_the_consent_page(browser, world, bank_app):
    login_with_edentifier(browser, world, authorize_url(world["client"].client_id))
    consent_path = browser.response.request.path
    stranger = Browser(bank_app.test_client())

    stranger.get(consent_path)

    assert stranger.response.status_code == 302
    assert "/inloggen?req=" in stranger.response.headers["Location"]


def test_an_account_of_someone_else_cannot_be_slipped_into_the_form(browser, world):
    login_with_edentifier(browser, world, authorize_url(world["client"].client_id))

    browser.submit("form-consent", {"account": world["other_account"].iban, "decision": "approve"})

    assert browser.response.status_code == 200
    assert "form-consent" in browser.page_ids()


def test_approving_makes_the_consent_valid_for_90_days_with_consentinfo_as_abn_amro(browser, client, world, clock):
    login_with_edentifier(browser, world, authorize_url(world["client"].client_id))
    response = browser.submit("form-consent", {"account": world["current"].iban, "decision": "approve"})
    token = exchange(client, redirect_params(response)["code"], world["client"].client_id).get_json()

    info = client.get(
        "/v1/consentinfo",
        headers={"API-Key": world["client"].api_key, "Authorization": f"Bearer {token['access_token']}"},
    ).get_json()

    assert info["iban"] == world["current"].iban
    assert info["transactionId"] is None
    assert info["scopes"] == token["scope"]
    assert info["valid"] == int(clock.now().timestamp()) + 90 * 86400
    consents = client.get("/sandbox/consents").get_json()["consents"]
    assert [e["status"] for e in consents[0]["events"]] == ["received", "valid"]


@pytest.fixture
def bank_180(clock):
    app = create_app({"TESTING": True, "CONSENT_DAYS": 180}, clock=clock)
    yield app
    app.extensions["mockbank"].close()


def test_consent_days_180_by_configuration(bank_180):
    state = bank_180.extensions["mockbank"]
    customer = state.bank.create_customer(kind=models.RETAIL, name="A")
    account = state.bank.open_account(customer_id=customer.id)
    user = state.bank.create_user(customer_id=customer.id, name="A")
    means = next(m for m in user.login_means if m.kind == models.EDENTIFIER)
    client = state.consents.register_client(name="Lang BV", redirect_uris=[REDIRECT_URI])
    browser = Browser(bank_180.test_client())
    browser.get(authorize_url(client.client_id))
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
    assert "180 dagen, tot en met 4 juli 2026" in browser.html

    browser.submit("form-consent", {"account": account.iban, "decision": "approve"})

    (consent,) = state.consents.consents(client_id=client.client_id)
    assert (consent.valid_until - consent.created_at).days == 180


def test_the_consent_screen_names_payment_access_in_words(browser, world):
    login_with_edentifier(browser, world, authorize_url(world["client"].client_id, scope="psd2:payment:batchsdd:write"))

    assert "incasso-opdrachten" in browser.html
    assert "psd2:payment" not in browser.html
