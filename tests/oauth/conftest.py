"""Fixtures for the authorization server and the screens: a small world and a browser on the test client."""

from __future__ import annotations

import pytest

from mockbank import models

from .helpers import REDIRECT_URI
from .helpers import Browser


@pytest.fixture
def world(bank):
    """Customers, accounts, users and two clients (confidential and public)."""
    retail = bank.bank.create_customer(kind=models.RETAIL, name="J. de Vries")
    current = bank.bank.open_account(customer_id=retail.id, product=models.CURRENT)
    savings_own = bank.bank.open_account(customer_id=retail.id, product=models.SAVINGS, has_own_iban=True)
    savings_sub = bank.bank.open_account(customer_id=retail.id, product=models.SAVINGS, has_own_iban=False)
    user = bank.bank.create_user(customer_id=retail.id, name="Jan de Vries")
    other = bank.bank.create_customer(kind=models.RETAIL, name="P. Jansen")
    other_account = bank.bank.open_account(customer_id=other.id, product=models.CURRENT)
    company = bank.bank.create_customer(
        kind=models.BUSINESS, name="Bakkerij Bol B.V.", trade_name="Bakkerij Bol", kvk_number="12345678"
    )
    company_account = bank.bank.open_account(customer_id=company.id, product=models.CURRENT)
    ao_user = bank.bank.create_user(
        customer_id=company.id, name="Anna Bol", login_means=(models.ACCESS_ONLINE, models.EDENTIFIER)
    )
    client = bank.consents.register_client(name="Boekhouden Online BV", redirect_uris=[REDIRECT_URI])
    public = bank.consents.register_client(
        name="Budget App", redirect_uris=["https://app.example/callback"], public=True
    )
    user = bank.bank.user(user.id)
    ao_user = bank.bank.user(ao_user.id)
    return {
        "customer": retail,
        "current": current,
        "savings_own": savings_own,
        "savings_sub": savings_sub,
        "user": user,
        "edentifier": next(m for m in user.login_means if m.kind == models.EDENTIFIER),
        "app": next(m for m in user.login_means if m.kind == models.MOBILE_APP),
        "other_account": other_account,
        "company_account": company_account,
        "ao_user": ao_user,
        "access_online": next(m for m in ao_user.login_means if m.kind == models.ACCESS_ONLINE),
        "client": client,
        "public": public,
    }


@pytest.fixture
def browser(client):
    """A browser on the bank."""
    return Browser(client)
