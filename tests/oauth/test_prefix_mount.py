"""Server mode mounts the bank under a path prefix: every screen link, form and redirect must carry it."""

from __future__ import annotations

from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client
from werkzeug.wrappers import Response

from .helpers import Browser
from .helpers import authorize_url
from .helpers import redirect_params

PREFIX = "/abnamro-auth"


def _not_found(environ, start_response):
    return Response("not here", status=404)(environ, start_response)


def test_the_whole_journey_works_under_a_prefix(bank_app, world):
    client = Client(DispatcherMiddleware(_not_found, {PREFIX: bank_app}), use_cookies=True)
    browser = Browser(client)

    browser.get(PREFIX + authorize_url(world["client"].client_id))
    assert browser.response.headers["Location"].startswith(PREFIX + "/inloggen?req=")
    browser.follow()
    browser.click("login-edentifier")
    assert browser.form("form-edentifier")["action"].startswith(PREFIX + "/inloggen/edentifier")
    means = world["edentifier"]
    browser.submit(
        "form-edentifier",
        {
            "account_number": means.account_number,
            "card_number": means.card_number,
            "response_code": means.response_code,
        },
    )
    assert browser.form("form-consent")["action"].startswith(PREFIX + "/toestemming/")
    response = browser.submit("form-consent", {"decision": "approve"})

    code = redirect_params(response)["code"]
    token = client.post(
        PREFIX + "/as/token.oauth2",
        data={
            "grant_type": "authorization_code",
            "client_id": world["client"].client_id,
            "code": code,
            "redirect_uri": "https://localhost/auth",
        },
    )
    assert token.status_code == 200
