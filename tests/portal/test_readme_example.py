"""The onboarding examples of docs/portal.md, run as written (against the seeded demo world)."""

from __future__ import annotations

from decimal import Decimal

from client_sdk.eaccounting import CHEQUE_ACCOUNT
from client_sdk.eaccounting import EAccountingClient
from client_sdk.portal import PortalSandbox
from client_sdk.portal import PortalWizard
from scenarios import mock_world


def test_readme_flow():
    with mock_world(seed=42) as world:
        demo = world.bank_backend.last_seed_summary
        user = demo["users"][0]  # an e.dentifier user of a business customer
        login = next(m for m in user["loginMeans"] if m["kind"] == "edentifier")
        company = next(c for c in demo["customers"] if c["id"] == user["customerId"])
        # --- README ---
        portal = PortalSandbox(base_url=world.urls.portal)
        admin = portal.create_administration(company_name=company["tradeName"], kvk_number=company["kvkNumber"])
        eaccounting = EAccountingClient(access_token=admin["accessToken"], base_url=world.urls.eaccounting_api)
        iban = login["accountNumber"]
        account = eaccounting.create_bank_account(name="ABN AMRO", bank_account_type=CHEQUE_ACCOUNT, iban=iban)
        eaccounting.enable_bank_connection(account.id)
        serial = eaccounting.wait_for_serial(account.id, advance=lambda: world.advance(seconds=5))
        wizard = PortalWizard(portal_base=world.urls.portal, bank_auth_base=world.urls.bank_auth)
        wizard.start(serial)
        wizard.fill_details(kvk_number=company["kvkNumber"], serial_number=serial)
        wizard.fill_contact(name=user["name"], email=user["email"])
        wizard.register_at_bank(
            software="Visma eAccounting",
            serial_number=serial,
            ibans=[iban],
            account_number=iban,
            card_number=login["cardNumber"],
            response_code=login["responseCode"],
        )
        links = portal.timeline(serial)["links"]
        # --- end ---
        assert [(link["iban"], link["state"]) for link in links] == [(iban, "activation_scheduled")]
        savings = next(a for a in company["accounts"] if a != iban)
        # --- README ---
        world.advance(working_days=5)  # the activation mail arrives, five werkdagen later
        mail = portal.latest_mail(to=user["email"], kind="activation")
        wizard.activate(mail["links"][0]["url"])  # the rekeningbeheerder clicks it: "activated"
        world.bank_sandbox().transfer(debtor_iban=savings, creditor_iban=iban, amount="0.01")  # the tip
        world.advance(working_days=6)  # the first import runs five werkdagen after activation, at 06:00
        [cent] = eaccounting.unmatched_transactions(account.id)  # Visma's /v2/banktransactions
        # --- end ---
        assert cent.transaction_amount == Decimal("0.01")
        assert portal.timeline(serial)["links"][0]["state"] == "active"
        assert eaccounting.get_bank_account(account.id).has_active_bank_agreement
