"""Both apps in one world: the portal calls the bank while it is itself answering a request."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests

from client_sdk.eaccounting import CHEQUE_ACCOUNT
from client_sdk.eaccounting import EAccountingClient
from client_sdk.headless import HeadlessUser
from client_sdk.portal import PortalSandbox
from client_sdk.portal import PortalWizard
from scenarios.world import PORTAL_CLIENT_ID

KVK_NUMBER = "68750110"  # in the portal's KvK register from the start (KvK's public test number)


@pytest.mark.mockbank(seed=None)
def test_the_portal_exchanges_the_code_with_the_bank_inside_the_browsers_request(world, bank_sandbox, mockbank_session):
    customer = bank_sandbox.create_customer(
        name="Donald B.V.", kind="business", trade_name="Test BV Donald", kvk_number=KVK_NUMBER
    )
    current = bank_sandbox.open_account(customer_id=customer["id"], product="current", balance="10.00")
    (means,) = bank_sandbox.create_user(customer_id=customer["id"], name="Donald Duck", login_means=["edentifier"])[
        "loginMeans"
    ]
    administration = PortalSandbox(base_url=world.urls.portal, session=mockbank_session).create_administration(
        company_name="Test BV Donald", kvk_number=KVK_NUMBER
    )
    eaccounting = EAccountingClient(
        access_token=administration["accessToken"], base_url=world.urls.eaccounting_api, session=mockbank_session
    )
    account = eaccounting.create_bank_account(name="ABN AMRO", bank_account_type=CHEQUE_ACCOUNT, iban=current["iban"])
    eaccounting.enable_bank_connection(account.id)
    serial = eaccounting.wait_for_serial(account.id, advance=lambda: world.advance(seconds=5))

    with requests.Session() as browser:
        wizard = PortalWizard(
            portal_base=world.urls.portal, bank_auth_base=world.urls.bank_auth, user=HeadlessUser(session=browser)
        )
        wizard.start(serial)
        wizard.fill_details(kvk_number=KVK_NUMBER, serial_number=serial)
        wizard.fill_contact(name="Donald Duck", email="donald@example.nl")
        wizard.psd2(
            choose_iban=current["iban"],
            account_number=means["accountNumber"],
            card_number=means["cardNumber"],
            response_code=means["responseCode"],
        )
        assert wizard.linked_accounts() == {current["iban"]: "activation_scheduled"}

    (consent,) = bank_sandbox.consents(client_id=PORTAL_CLIENT_ID)
    assert (consent["iban"], consent["status"]) == (current["iban"], "valid")

    if world.front_door == "inprocess":
        # responses records a call when it completes: the portal's token and consentinfo calls finish
        # before the browser's request to the portal's return page that made them.
        urls = [call.request.url for call in world.routing.calls]
        # The request to the return page itself (the authorization URL before it names that page in its query).
        back = next(i for i, url in enumerate(urls) if urlsplit(url).path.endswith("/registratie/bank/terug"))
        assert urls[back - 2].startswith(world.urls.bank_token)
        assert urls[back - 1] == world.urls.bank_api + "/v1/consentinfo"
