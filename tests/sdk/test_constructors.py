"""Every SDK client: keyword-only constructor, its hosts overridable (real ones by default), ``session=`` injectable."""

from __future__ import annotations

import inspect

import pytest
import requests

from client_sdk import AbnAmroClient
from client_sdk import BankSandbox
from client_sdk import HeadlessUser
from client_sdk.eaccounting import EAccountingClient
from client_sdk.portal import KvkClient
from client_sdk.portal import PortalSandbox
from client_sdk.portal import PortalWizard

# class, the constructor's required arguments, and each host parameter with the real host it defaults to
CLIENTS = [
    (
        AbnAmroClient,
        {"client_id": "TPP_test", "api_key": "key"},
        {
            "api_base": "https://api-sandbox.abnamro.com",
            "auth_base": "https://auth-sandbox.connect.abnamro.com",
            "token_url": "https://auth-sandbox.connect.abnamro.com:8443/as/token.oauth2",
        },
    ),
    (BankSandbox, {}, {"base_url": "https://api-sandbox.abnamro.com"}),
    (EAccountingClient, {"access_token": "t"}, {"base_url": "https://eaccountingapi-sandbox.test.vismaonline.com"}),
    (PortalSandbox, {}, {"base_url": "https://register.ebanking.vismasoftware.nl"}),
    (KvkClient, {}, {"base_url": "https://api.kvk.nl"}),
    (
        PortalWizard,
        {},
        {
            "portal_base": "https://register.ebanking.vismasoftware.nl",
            "bank_auth_base": "https://auth-sandbox.connect.abnamro.com",
        },
    ),
    (HeadlessUser, {}, {}),
]
IDS = [cls.__name__ for cls, _, _ in CLIENTS]


@pytest.mark.parametrize(("cls", "required", "hosts"), CLIENTS, ids=IDS)
def test_the_constructor_takes_keywords_only(cls, required, hosts):
    parameters = [p for p in inspect.signature(cls.__init__).parameters.values() if p.name != "self"]
    assert parameters and all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters)
    with pytest.raises(TypeError):
        cls("https://api-sandbox.abnamro.com", **required)


@pytest.mark.parametrize(("cls", "required", "hosts"), CLIENTS, ids=IDS)
def test_hosts_default_to_the_real_ones_and_can_be_moved(cls, required, hosts):
    parameters = inspect.signature(cls.__init__).parameters
    assert {name: parameters[name].default for name in hosts} == hosts
    moved = {name: f"http://127.0.0.1:9/{name}" for name in hosts}
    client = cls(**required, **moved)
    for name, url in moved.items():
        assert getattr(client, name) == url


@pytest.mark.parametrize(("cls", "required", "hosts"), CLIENTS, ids=IDS)
def test_the_session_is_injectable(cls, required, hosts):
    with requests.Session() as session:
        client = cls(**required, session=session)
        if isinstance(client, PortalWizard):
            used = client.user.session
        elif hasattr(client, "transport"):
            used = client.transport.session
        else:
            used = client.session
        assert used is session
