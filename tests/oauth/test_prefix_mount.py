"""Server mode mounts the bank under a path prefix: every screen link, form and redirect must carry it."""

from __future__ import annotations

import requests
from authlib.oauth2.rfc8414 import AuthorizationServerMetadata
from werkzeug.middleware.dispatcher import DispatcherMiddleware
from werkzeug.test import Client
from werkzeug.wrappers import Response

from scenarios.server import start_server

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


def test_in_server_mode_the_metadata_is_where_rfc_8414_derives_it_from_the_issuer():
    # RFC 8414 §3: issuer https://host/abnamro-auth -> https://host/.well-known/oauth-authorization-server/abnamro-auth
    with start_server(seed=None) as server:
        derived = requests.get(f"{server.url}/.well-known/oauth-authorization-server{PREFIX}", timeout=10)
        at_prefix = requests.get(f"{server.url}{PREFIX}/.well-known/oauth-authorization-server", timeout=10)
        portal = requests.get(f"{server.url}/.well-known/oauth-authorization-server/portal", timeout=10)
        nowhere = requests.get(f"{server.url}/.well-known/oauth-authorization-server/nothing", timeout=10)

    assert derived.status_code == 200
    data = derived.json()
    assert data["issuer"] == server.url + PREFIX
    assert data == at_prefix.json()
    assert data["token_endpoint"] == f"{server.url}{PREFIX}/as/token.oauth2"
    AuthorizationServerMetadata(data).validate()
    assert portal.status_code == nowhere.status_code == 404
