"""Fixtures of the bank's tests: a business customer with accounts, a registered third party, a token."""

from __future__ import annotations

import pytest

from mockbank import create_app

from .helpers import Api
from .helpers import Firm
from .helpers import Tpp
from .helpers import make_firm
from .helpers import mint

# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture
def tpp(bank) -> Tpp:
    """A registered third party."""
    registered = bank.consents.register_client(name="Boekhoud App B.V.", redirect_uris=["https://localhost/auth"])
    return Tpp(client_id=registered.client_id, api_key=registered.api_key)


@pytest.fixture
def firm(bank) -> Firm:
    """A business customer with two accounts."""
    return make_firm(bank.bank)


@pytest.fixture
def api(client, bank, tpp, firm) -> Api:
    """The TPP's client holding a token with every AIS scope for the firm's main account."""
    return Api(client=client, api_key=tpp.api_key, token=mint(bank, tpp, firm.iban))


@pytest.fixture
def file_app_factory(tmp_path):
    """Builds bank apps on one SQLite file (a 'restart' is building another); closes them all afterwards."""
    apps = []

    def build(clock, url: str | None = None, **config):
        app = create_app(
            {"TESTING": True, "DATABASE_URL": url or f"sqlite:///{tmp_path / 'bank.db'}", **config}, clock=clock
        )
        apps.append(app)
        return app

    yield build
    for app in apps:
        app.extensions["mockbank"].close()
