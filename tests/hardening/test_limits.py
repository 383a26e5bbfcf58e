"""The request body limit (413) and the URL limit (414): JSON in each app's own envelope, in-process and from
``mockbank serve``, whose HTTP server answers what reaches no app (a request line past 64 KiB, huge headers)."""

from __future__ import annotations

import pytest
import requests

from consent_server.settings import config_from_env as portal_config_from_env
from mockbank.app import config_from_env as bank_config_from_env
from scenarios.server import start_server_process

from .envelopes import bank_error
from .envelopes import oauth_error
from .envelopes import portal_error

MIB = 1024 * 1024
JSON = {"Content-Type": "application/json"}


def padded(size: int) -> bytes:
    """A JSON object of exactly ``size`` bytes that every clock-advance call accepts (one second, padding)."""
    head = b'{"seconds": 1, "pad": "'
    return head + b"x" * (size - len(head) - 2) + b'"}'


# --- the body limit ------------------------------------------------------------------------------------


BANK_POSTS = ["/sandbox/seed", "/sandbox/clients", "/v1/consentinfo", "/sandbox/nothing"]
PORTAL_POSTS = ["/sandbox/administrations", "/v2/bankaccounts", "/bank/registraties", "/sandbox/nothing"]


@pytest.mark.parametrize("path", BANK_POSTS)
def test_a_body_over_one_mib_is_a_413_in_the_bank_s_envelope(make_app, path):
    client = make_app("bank").test_client()
    response = client.post(path, data=padded(MIB + 1), headers=JSON)
    assert bank_error(response, 413)["code"] == "HTTP_413"


def test_the_oauth_endpoints_answer_413_as_rfc_6749_json_and_the_screens_as_json_too(make_app):
    client = make_app("bank").test_client()
    form = {"grant_type": "client_credentials", "client_id": "x", "pad": "x" * MIB}
    assert oauth_error(client.post("/as/token.oauth2", data=form), 413)["error"] == "invalid_request"
    assert oauth_error(client.post("/as/introspect.oauth2", data=form), 413)["error"] == "invalid_request"
    # A login screen takes a form of a few fields; a megabyte is no user's, so it is JSON like the API's.
    assert bank_error(client.post("/inloggen/edentifier", data=form), 413)


@pytest.mark.parametrize("path", [*PORTAL_POSTS, "/registratie/gegevens"])
def test_a_body_over_one_mib_is_a_413_in_the_portal_s_envelope(make_app, path):
    client = make_app("portal").test_client()
    response = client.post(path, data=padded(MIB + 1), headers=JSON)
    assert portal_error(response, 413)["ErrorCode"] == 4130


@pytest.mark.parametrize("app_name", ["bank", "portal"])
def test_the_body_limit_is_a_setting_and_a_body_within_it_is_taken(make_app, app_name):
    default = make_app(app_name).test_client()
    assert default.post("/sandbox/clock/advance", data=padded(MIB - 1), headers=JSON).status_code == 200
    small = make_app(app_name, MAX_CONTENT_LENGTH=1000).test_client()
    assert small.post("/sandbox/clock/advance", data=padded(1000), headers=JSON).status_code == 200
    refused = small.post("/sandbox/clock/advance", data=padded(1001), headers=JSON)
    assert refused.status_code == 413
    (bank_error if app_name == "bank" else portal_error)(refused, 413)


def test_the_body_limit_is_read_from_the_environment_by_both_apps():
    environ = {"MOCKBANK_MAX_CONTENT_LENGTH": "2048"}
    assert bank_config_from_env(environ)["MAX_CONTENT_LENGTH"] == 2048
    assert portal_config_from_env(environ)["MAX_CONTENT_LENGTH"] == 2048


# --- the URL limit ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("app_name", ["bank", "portal"])
def test_a_url_over_8_kib_is_a_414_in_the_app_s_envelope(make_app, app_name):
    client = make_app(app_name).test_client()
    assert client.get("/sandbox/clock?x=" + "a" * 8000).status_code == 200
    response = client.get("/sandbox/clock?x=" + "a" * 9000)
    if app_name == "bank":
        assert bank_error(response, 414)["code"] == "HTTP_414"
    else:
        assert portal_error(response, 414)["ErrorCode"] == 4140
    # A page's URL too: no browser of a user sends one that long.
    page = client.get(("/inloggen" if app_name == "bank" else "/registratie/gegevens") + "?x=" + "a" * 9000)
    assert page.status_code == 414 and page.mimetype == "application/json"


# --- what a user of mockbank serve sees -------------------------------------------------------------------------


def test_mockbank_serve_answers_413_414_and_431_as_json_in_each_app_s_envelope():
    server = start_server_process(seed=None, clock_mode="frozen")
    try:
        urls = server.urls
        cases = {
            "bank": (urls.bank_api + "/sandbox/clock", lambda r: r.json()["errors"][0]),
            "auth": (urls.bank_auth + "/inloggen", lambda r: r.json()["errors"][0]),
            "portal": (urls.portal + "/sandbox/clock", lambda r: r.json()),
        }
        for name, (url, error_of) in cases.items():
            # Past the app's 8 KiB, and past the 64 KiB request line the HTTP server itself reads.
            for length in (9_000, 70_000):
                response = requests.get(url + "?x=" + "a" * length, timeout=30)
                assert response.status_code == 414, (name, length, response.text[:200])
                assert response.headers["Content-Type"] == "application/json", (name, length)
                error = error_of(response)
                assert (error["code"] == "HTTP_414") if name != "portal" else (error["ErrorCode"] == 4140)
            huge_header = requests.get(url, headers={"X-Padding": "a" * 70_000}, timeout=30)
            assert huge_header.status_code == 431 and huge_header.headers["Content-Type"] == "application/json"
        body = padded(MIB + 1)
        too_large = requests.post(urls.bank_api + "/sandbox/seed", data=body, headers=JSON, timeout=30)
        assert too_large.status_code == 413 and too_large.json()["errors"][0]["code"] == "HTTP_413"
        too_large = requests.post(urls.portal + "/sandbox/administrations", data=body, headers=JSON, timeout=30)
        assert too_large.status_code == 413 and too_large.json()["ErrorCode"] == 4130
        token = requests.post(urls.bank_token, data={"grant_type": "x", "pad": "x" * MIB}, timeout=30)
        assert token.status_code == 413 and token.json()["error"] == "invalid_request"
        # OPTIONS under /v1 through the server's prefix, as in-process.
        options = requests.options(urls.bank_api + "/v1/consentinfo", timeout=10)
        assert options.status_code == 200 and options.headers["Allow"] == "GET, HEAD, OPTIONS"
        assert requests.options(urls.bank_api + "/v1/nothing", timeout=10).status_code == 404
        # And the server still serves.
        assert requests.get(urls.bank_api + "/sandbox/clock", timeout=10).status_code == 200
    finally:
        server.stop()
