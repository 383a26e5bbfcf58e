"""``GET /as/authorization.oauth2``: which requests get an error page, which are sent back with ``error=``."""

from __future__ import annotations

import pytest

from .helpers import REDIRECT_URI
from .helpers import authorize_url
from .helpers import login_with_edentifier
from .helpers import redirect_params


def test_an_unknown_client_gets_an_error_page_and_no_redirect(browser):
    response = browser.get(authorize_url("TPP_unknown"))

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "invalid_client" in browser.html


@pytest.mark.parametrize(
    "redirect_uri",
    ["https://evil.example/auth", "https://localhost/auth/", "https://localhost/auth?x=1", "http://localhost/auth"],
)
def test_a_redirect_uri_that_is_not_exactly_a_registered_one_gets_an_error_page(browser, world, redirect_uri):
    response = browser.get(authorize_url(world["client"].client_id, redirect_uri=redirect_uri))

    assert response.status_code == 400
    assert "Location" not in response.headers
    assert "Er ging iets mis" in browser.html


def test_a_missing_redirect_uri_gets_an_error_page(browser, world):
    response = browser.get(authorize_url(world["client"].client_id, redirect_uri=None))

    assert response.status_code == 400
    assert "Location" not in response.headers


@pytest.mark.parametrize(
    ("scope", "why"),
    [
        ("psd2:account:balance:read psd2:payment:sepa:read", "combined"),
        ("psd2:payment:sepa:write psd2:payment:xborder:write", "two write"),
        ("psd2:payment:recurrent:sepa:delete psd2:payment:sepa:read", "delete"),
        ("psd2:account:balance:read openid", "unknown"),
        (None, "no scope"),
    ],
)
def test_abn_amros_scope_rules_are_answered_with_invalid_scope(browser, world, scope, why):
    response = browser.get(authorize_url(world["client"].client_id, scope=scope))

    assert response.status_code == 302
    assert response.headers["Location"].startswith(REDIRECT_URI + "?")
    params = redirect_params(response)
    assert params["error"] == "invalid_scope"
    assert why in params["error_description"].lower()
    assert params["state"] == "SilverAdministration-123"


@pytest.mark.parametrize(
    "scope",
    [
        "psd2:payment:batchsdd:write",
        "psd2:payment:recurrent:sepa:delete",
        "psd2:account:funds:read",
    ],
)
def test_allowed_scope_combinations_reach_the_login(browser, world, scope):
    response = browser.get(authorize_url(world["client"].client_id, scope=scope))

    assert response.status_code == 302
    assert "/inloggen?req=" in response.headers["Location"]


def test_an_unknown_bank_is_sent_back_with_invalid_request(browser, world):
    response = browser.get(authorize_url(world["client"].client_id, bank="NLXX99"))

    params = redirect_params(response)
    assert params["error"] == "invalid_request"
    assert "NLXX99" in params["error_description"]


@pytest.mark.parametrize("bank_code", ["BEPB01", "BEPB02", None])
def test_belgian_private_banking_and_the_default_bank_are_accepted(browser, world, bank_code):
    response = browser.get(authorize_url(world["client"].client_id, bank=bank_code))

    assert "/inloggen?req=" in response.headers["Location"]


def test_another_flow_than_code_is_refused(browser, world):
    response = browser.get(authorize_url(world["client"].client_id, flow="implicit"))

    assert redirect_params(response)["error"] == "invalid_request"


def test_a_missing_response_type_is_sent_back_with_invalid_request(browser, world):
    # RFC 6749 §4.1.2.1: a missing required parameter is invalid_request, redirected once the redirect URI is valid.
    response = browser.get(authorize_url(world["client"].client_id, response_type=None))

    assert response.headers["Location"].startswith(REDIRECT_URI + "?")
    params = redirect_params(response)
    assert params["error"] == "invalid_request"
    assert "response_type" in params["error_description"]
    assert params["state"] == "SilverAdministration-123"


def test_a_missing_response_type_of_an_unknown_client_gets_an_error_page(browser):
    response = browser.get(authorize_url("TPP_unknown", response_type=None))

    assert response.status_code == 400
    assert "Location" not in response.headers


def test_response_type_token_is_unsupported(browser, world):
    response = browser.get(authorize_url(world["client"].client_id, response_type="token"))

    assert redirect_params(response)["error"] == "unsupported_response_type"


def test_the_bank_lists_which_party_asks_on_the_login_page(browser, world):
    browser.get(authorize_url(world["client"].client_id))
    browser.follow()

    assert {"login-edentifier", "login-app", "login-access-online"} <= browser.page_ids()
    assert "Boekhouden Online BV" in browser.html


def test_urls_follow_the_prefix_the_app_is_mounted_under(world, bank_app):
    client = bank_app.test_client()
    url = authorize_url(world["client"].client_id)

    response = client.get(url, environ_overrides={"SCRIPT_NAME": "/abnamro-auth"})

    assert response.headers["Location"].startswith("/abnamro-auth/inloggen?req=")


def test_login_pages_of_a_finished_request_say_the_page_is_no_longer_available(browser, world):
    login_with_edentifier(browser, world, authorize_url(world["client"].client_id))
    consent_url = browser.response.request.path
    browser.submit("form-consent", {"decision": "cancel"})

    response = browser.get(consent_url)

    assert response.status_code == 410
    assert "The page you are trying to access is no longer available" in browser.html
    assert "niet meer beschikbaar" in browser.html
    assert "Location" not in response.headers
