"""In-process routing on its own: hosts, methods, bodies, cookies, redirects, re-entrancy, nesting."""

from __future__ import annotations

import pytest
import requests
import responses
from flask import Flask
from flask import jsonify
from flask import redirect
from flask import request
from flask import session
from flask import url_for

from scenarios.routing import Host
from scenarios.routing import Routing
from scenarios.routing import only_allow


def _login_app() -> Flask:
    """A small site with a session cookie, an extra cookie, and redirects."""
    app = Flask("login_app")
    app.secret_key = "test"

    @app.post("/login")
    def login():
        session["user"] = request.form["user"]
        response = redirect(url_for("me"))
        response.set_cookie("theme", "dark")
        response.set_cookie("lang", "nl")
        return response

    @app.get("/me")
    def me():
        return jsonify(user=session.get("user"), theme=request.cookies.get("theme"), host=request.host)

    @app.get("/external")
    def external():
        return jsonify(url=url_for("me", _external=True))

    @app.route("/only-get", methods=["GET"])
    def only_get():
        return "ok"

    @app.post("/echo")
    def echo():
        return jsonify(
            json=request.get_json(silent=True),
            form=request.form.to_dict(),
            args=request.args.to_dict(),
            data=request.get_data(as_text=True) if not request.form else None,
        )

    return app


def _caller_app() -> Flask:
    """An app that, while handling a request, calls another in-process host (like the portal calls the bank)."""
    app = Flask("caller_app")

    @app.get("/relay")
    def relay():
        answer = requests.get("https://login.example.test/external", timeout=5)
        return jsonify(relayed=answer.json(), status=answer.status_code)

    return app


@pytest.fixture
def routing():
    """Two hosts: the login site (also on :8443) and an app that calls it."""
    return Routing([Host("login.example.test", _login_app(), (8443,)), Host("caller.example.test", _caller_app())])


def test_a_session_keeps_cookies_across_a_redirect_like_a_browser(routing):
    with routing, requests.Session() as browser:
        response = browser.post("https://login.example.test/login", data={"user": "jan"})
        assert response.status_code == 200
        assert [r.status_code for r in response.history] == [302]
        assert response.json() == {"user": "jan", "theme": "dark", "host": "login.example.test"}
        assert {"session", "theme", "lang"} <= set(browser.cookies.keys())
        # A bare requests call carries no cookies: the app's test client kept none of its own.
        assert requests.get("https://login.example.test/me").json()["user"] is None


def test_every_set_cookie_header_reaches_the_caller(routing):
    with routing:
        response = requests.post("https://login.example.test/login", data={"user": "jan"}, allow_redirects=False)
    assert response.status_code == 302
    set_cookies = response.raw.headers.getlist("Set-Cookie")
    assert sorted(header.split("=", 1)[0] for header in set_cookies) == ["lang", "session", "theme"]
    assert response.headers["Location"] == "/me"


def test_the_app_sees_the_real_looking_host_and_port(routing):
    with routing:
        plain = requests.get("https://login.example.test/external").json()
        token_port = requests.get("https://login.example.test:8443/external").json()
    assert plain["url"] == "https://login.example.test/me"
    assert token_port["url"] == "https://login.example.test:8443/me"


def test_other_ports_and_schemes_of_a_known_host_are_not_routed(routing):
    with routing:
        with pytest.raises(requests.ConnectionError):
            requests.get("https://login.example.test:9999/me")
        with pytest.raises(requests.ConnectionError):
            requests.get("http://login.example.test/me")


def test_flask_answers_405_for_a_method_the_route_does_not_allow(routing):
    with routing:
        response = requests.delete("https://login.example.test/only-get")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_bodies_and_query_strings_arrive_intact(routing):
    with routing:
        as_json = requests.post("https://login.example.test/echo?a=1&b=%C3%A9", json={"bedrag": "0.01"}).json()
        as_form = requests.post("https://login.example.test/echo", data={"naam": "Jansen & Zn"}).json()
        as_stream = requests.post("https://login.example.test/echo", data=iter([b"regel 1\n", b"regel 2"])).json()
    assert as_json["json"] == {"bedrag": "0.01"}
    assert as_json["args"] == {"a": "1", "b": "é"}
    assert as_form["form"] == {"naam": "Jansen & Zn"}
    assert as_stream["data"] == "regel 1\nregel 2"


def test_an_app_may_call_another_host_while_handling_a_request(routing):
    with routing:
        response = requests.get("https://caller.example.test/relay")
    assert response.json() == {"relayed": {"url": "https://login.example.test/me"}, "status": 200}


def test_unknown_hosts_raise_and_nothing_is_routed_after_stop(routing):
    with routing:
        with pytest.raises(requests.ConnectionError):
            requests.get("https://www.abnamro.nl/")
    assert not routing.active
    with pytest.raises(requests.ConnectionError):
        # Outside the activation a request would really go out; an unresolvable name proves it is not routed.
        requests.get("https://login.example.test.invalid/me", timeout=2)


def test_activations_nest_and_the_decorator_form_works(routing):
    @routing
    def inner():
        return requests.get("https://login.example.test/me").status_code

    with routing:
        assert inner() == 200
        assert routing.active
        assert requests.get("https://login.example.test/me").status_code == 200
    assert not routing.active


def test_the_hosts_can_join_a_responses_mock_of_the_callers_own(routing):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get("https://other.example.test/ping", json={"pong": True})
        routing.add_to(mock)
        assert requests.get("https://other.example.test/ping").json() == {"pong": True}
        assert requests.get("https://login.example.test/me").json()["user"] is None


def test_only_allow_lets_through_the_given_prefixes_only():
    with only_allow("http://127.0.0.1:1/"):
        with pytest.raises(requests.ConnectionError) as refused:
            requests.get("https://api-sandbox.abnamro.com/v1/consentinfo")
        assert "Connection refused by Responses" in str(refused.value)
