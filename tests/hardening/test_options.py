"""``OPTIONS`` under ``/v1`` tells the truth: the methods a path has, or ABN AMRO's 404 for a path that is not there."""

from __future__ import annotations

import re

import pytest
from werkzeug.exceptions import HTTPException

from tests.bank.helpers import Tpp
from tests.bank.helpers import make_firm
from tests.bank.helpers import mint

from .envelopes import bank_error

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")


def _v1_paths(app) -> list[str]:
    """A concrete path for every real account-information route under /v1 (the catch-all and payments left out)."""
    paths = []
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/v1/") and "<path:" not in rule.rule and not rule.rule.startswith("/v1/payments"):
            paths.append(re.sub(r"<[^>]+>", "IBAN", rule.rule))
    return sorted(set(paths))


def _payment_methods(app, path: str) -> set[str]:
    """The methods for which the url map routes this concrete path to the payment API (``/v1/payments/batch``
    is also a payment's id to GET, PUT and DELETE)."""
    adapter = app.url_map.bind("localhost")
    methods = set()
    for method in METHODS:
        try:
            endpoint, _ = adapter.match(path, method=method)
        except HTTPException:
            continue
        if endpoint.startswith("pis."):
            methods.add(method)
    return methods


def test_options_on_every_v1_route_lists_only_methods_that_do_not_answer_404(bank, bank_app, client):
    firm = make_firm(bank.bank)
    registered = bank.consents.register_client(name="Options BV", redirect_uris=["https://localhost/auth"])
    tpp = Tpp(registered.client_id, registered.api_key)
    token = mint(bank, tpp, firm.iban, "psd2:account:details:read psd2:account:balance:read")
    headers = {"API-Key": tpp.api_key, "Authorization": f"Bearer {token}"}
    paths = [path.replace("IBAN", firm.iban) for path in _v1_paths(bank_app)]
    assert len(paths) == 5
    for path in paths:
        response = client.options(path, headers=headers)
        assert response.status_code == 200, path
        allowed = [m.strip() for m in response.headers["Allow"].split(",")]
        assert allowed == ["GET", "HEAD", "OPTIONS"], (path, allowed)
        for method in METHODS:
            answer = client.open(path, method=method, headers=headers)
            if method in allowed:
                assert answer.status_code != 404, (path, method)
            else:
                assert bank_error(answer, 404)["code"] == "ERR_4001_001", (path, method)


def test_options_on_every_payment_route_lists_exactly_its_methods(bank_app, client):
    rules = {rule.rule for rule in bank_app.url_map.iter_rules() if rule.rule.startswith("/v1/payments")}
    assert len(rules) >= 2, "the payment API has routes under /v1/payments"
    for rule in rules:
        path = re.sub(r"<[^>]+>", "0" * 12, rule)
        response = client.options(path)
        assert response.status_code == 200, path
        allowed = {m.strip() for m in response.headers["Allow"].split(",")}
        assert allowed == _payment_methods(bank_app, path) | {"OPTIONS"}, (path, allowed)
        assert "PATCH" not in allowed


@pytest.mark.parametrize("path", ["/v1", "/v1/", "/v1/nothing", "/v1/accounts", "/v1/accounts/NL/details/extra"])
def test_options_on_a_path_that_is_not_there_is_abn_amros_404(client, path):
    response = client.options(path)
    assert bank_error(response, 404)["code"] == "ERR_4001_001"
    assert "Allow" not in response.headers


def test_options_elsewhere_keeps_flask_s_honest_answer(client):
    def allowed(path):
        return {method.strip() for method in client.options(path).headers["Allow"].split(",")}

    assert allowed("/sandbox/clock") == {"GET", "HEAD", "OPTIONS"}
    assert allowed("/as/token.oauth2") == {"POST", "OPTIONS"}
