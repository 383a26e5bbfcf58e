"""The README's ten lines, run as written (against the seeded demo world)."""

from __future__ import annotations

from client_sdk.eaccounting import CHEQUE_ACCOUNT
from client_sdk.eaccounting import EAccountingClient
from client_sdk.portal import PortalSandbox
from client_sdk.portal import PortalWizard
from scenarios.world import World


def test_readme_flow():
    with World(seed=42) as world, world.activate():
        user = world.bank_backend.last_seed_summary["users"][0]  # a business customer's e.dentifier user
        login = next(m for m in user["loginMeans"] if m["kind"] == "edentifier")
        customer = next(c for c in world.bank_backend.last_seed_summary["customers"] if c["id"] == user["customerId"])
        # --- README ---
        portal = PortalSandbox(base_url=world.urls.portal)
        admin = portal.create_administration(company_name=customer["tradeName"], kvk_number=customer["kvkNumber"])
        eaccounting = EAccountingClient(access_token=admin["accessToken"], base_url=world.urls.eaccounting_api)
        account = eaccounting.create_bank_account(
            name="ABN AMRO", bank_account_type=CHEQUE_ACCOUNT, iban=login["accountNumber"]
        )
        eaccounting.enable_bank_connection(account.id)
        serial = eaccounting.wait_for_serial(account.id, advance=lambda: world.advance(seconds=5))
        wizard = PortalWizard(portal_base=world.urls.portal, bank_auth_base=world.urls.bank_auth)
        wizard.start(serial)
        wizard.fill_details(kvk_number=customer["kvkNumber"], serial_number=serial)
        wizard.fill_contact(name=user["name"], email=user["email"])
        wizard.register_at_bank(
            software="Visma eAccounting",
            serial_number=serial,
            ibans=[login["accountNumber"]],
            account_number=login["accountNumber"],
            card_number=login["cardNumber"],
            response_code=login["responseCode"],
        )
        links = portal.timeline(serial)["links"]
        # --- end ---
        assert [(link["iban"], link["state"]) for link in links] == [(login["accountNumber"], "consented")]
