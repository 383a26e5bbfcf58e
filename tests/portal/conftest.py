"""Fixtures for the portal's tests: a world with both apps (the plugin's ``mockbank_world``, ``bank_sandbox``
and ``portal_sandbox``), a business customer at the bank, and its administration in eAccounting."""

from __future__ import annotations

import pytest

from client_sdk.eaccounting import CHEQUE_ACCOUNT
from client_sdk.eaccounting import SAVINGS_ACCOUNT
from client_sdk.eaccounting import EAccountingClient
from client_sdk.headless import HeadlessUser
from client_sdk.portal import KvkClient
from client_sdk.portal import PortalWizard
from consent_server import create_app

KVK_NUMBER = "68750110"  # KvK's public test number of a BV ("Test BV Donald")
COMPANY = "Test BV Donald"

# Every test module here marks itself ``@pytest.mark.mockbank(seed=None)``: an empty bank, only what the test makes.
EMPTY_BANK = pytest.mark.mockbank(seed=None)


@pytest.fixture
def portal_app(clock):
    """The portal alone (no bank, no world) on the test clock: for its API and pages."""
    app = create_app({"TESTING": True}, clock=clock)
    yield app
    app.extensions["consent_server"].close()


@pytest.fixture
def api(portal_app):
    """A Flask test client of ``portal_app`` (its cookie jar is one browser)."""
    return portal_app.test_client()


@pytest.fixture
def world(mockbank_world):
    """Both apps on one clock, reached through the chosen front door."""
    return mockbank_world


@pytest.fixture
def kvk(world, mockbank_session):
    """The portal's KvK register."""
    return KvkClient(base_url=world.urls.kvk, session=mockbank_session)


@pytest.fixture
def company(bank_sandbox):
    """A business customer at the bank: a current account, a savings account with and one without its own
    IBAN, and a user with an e.dentifier and Access Online."""
    customer = bank_sandbox.create_customer(
        name="Donald B.V.", kind="business", trade_name=COMPANY, kvk_number=KVK_NUMBER
    )
    current = bank_sandbox.open_account(customer_id=customer["id"], product="current", balance="1500.00")
    savings = bank_sandbox.open_account(customer_id=customer["id"], product="savings", balance="16760.69")
    hidden = bank_sandbox.open_account(customer_id=customer["id"], product="savings", has_own_iban=False)
    user = bank_sandbox.create_user(
        customer_id=customer["id"], name="Donald Duck", login_means=["edentifier", "access_online"]
    )
    means = {m["kind"]: m for m in user["loginMeans"]}
    return {
        "customer": customer,
        "current": current["iban"],
        "savings": savings["iban"],
        "savings_without_iban": hidden["iban"],
        "edentifier": {
            "account_number": means["edentifier"]["accountNumber"],
            "card_number": means["edentifier"]["cardNumber"],
            "response_code": means["edentifier"]["responseCode"],
        },
        "access_online": {
            "user_id": means["access_online"]["userId"],
            "card_number": means["access_online"]["cardNumber"],
            "response_code": means["access_online"]["responseCode"],
        },
    }


@pytest.fixture
def administration(portal_sandbox):
    """The company's administration in eAccounting (it starts with its Kasrekening)."""
    return portal_sandbox.create_administration(company_name=COMPANY, kvk_number=KVK_NUMBER)


@pytest.fixture
def eaccounting(world, administration, mockbank_session):
    """The eAccounting API client of ``administration``."""
    return EAccountingClient(
        access_token=administration["accessToken"], base_url=world.urls.eaccounting_api, session=mockbank_session
    )


@pytest.fixture
def accounts(eaccounting, company):
    """The administration's Kasrekening, Rekening-courant (ABN AMRO) and Spaarrekening, by kind."""
    cash = eaccounting.list_bank_accounts()[0]
    current = eaccounting.create_bank_account(
        name="ABN AMRO", bank_account_type=CHEQUE_ACCOUNT, iban=company["current"]
    )
    savings = eaccounting.create_bank_account(
        name="Spaarrekening", bank_account_type=SAVINGS_ACCOUNT, iban=company["savings"]
    )
    return {"cash": cash, "current": current, "savings": savings}


@pytest.fixture
def serial(world, eaccounting, accounts):
    """The serial number issued for the Rekening-courant (and the Spaarrekening: same administration)."""
    eaccounting.enable_bank_connection(accounts["current"].id)
    eaccounting.enable_bank_connection(accounts["savings"].id)
    return eaccounting.wait_for_serial(accounts["current"].id, advance=lambda: world.advance(seconds=5))


@pytest.fixture
def wizard(world):
    """A person with a fresh browser, going through the portal's wizard and the bank's pages."""
    import requests

    with requests.Session() as session:
        yield PortalWizard(
            portal_base=world.urls.portal, bank_auth_base=world.urls.bank_auth, user=HeadlessUser(session=session)
        )


@pytest.fixture
def at_bank_consent(wizard, serial):
    """A wizard that has done Gegevens and Koppeling for ``serial``: it waits for the bank."""
    wizard.start(serial)
    wizard.fill_details(kvk_number=KVK_NUMBER, serial_number=serial)
    wizard.fill_contact(name="Donald Duck", email="donald@example.nl")
    return wizard
