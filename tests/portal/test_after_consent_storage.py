"""After consent on real storage: the activation, import and billing tables on a SQLite file and on PostgreSQL
(when MOCKBANK_TEST_DATABASE_URL is set), and a world restarted on its data folder carrying on where it was."""

from __future__ import annotations

import requests

from client_sdk import BankSandbox
from client_sdk.eaccounting import CHEQUE_ACCOUNT
from client_sdk.eaccounting import EAccountingClient
from client_sdk.headless import HeadlessUser
from client_sdk.portal import PortalSandbox
from client_sdk.portal import PortalWizard
from scenarios.world import World

START = "2026-03-02T10:00:00"
KVK = "68750110"


def onboard(world: World) -> dict:
    """A company with a current and a savings account, its current account registered at the bank."""
    bank = BankSandbox(base_url=world.urls.bank_api)
    portal = PortalSandbox(base_url=world.urls.portal)
    customer = bank.create_customer(name="Donald B.V.", kind="business", trade_name="Test BV Donald", kvk_number=KVK)
    current = bank.open_account(customer_id=customer["id"], product="current")["iban"]
    savings = bank.open_account(customer_id=customer["id"], product="savings", balance="10.00")["iban"]
    user = bank.create_user(customer_id=customer["id"], name="Donald Duck", login_means=["edentifier"])
    means = user["loginMeans"][0]
    admin = portal.create_administration(company_name="Test BV Donald", kvk_number=KVK)
    eaccounting = EAccountingClient(access_token=admin["accessToken"], base_url=world.urls.eaccounting_api)
    account = eaccounting.create_bank_account(name="ABN AMRO", bank_account_type=CHEQUE_ACCOUNT, iban=current)
    eaccounting.enable_bank_connection(account.id)
    serial = eaccounting.wait_for_serial(account.id, advance=lambda: world.advance(seconds=5))
    with requests.Session() as session:
        wizard = PortalWizard(
            portal_base=world.urls.portal, bank_auth_base=world.urls.bank_auth, user=HeadlessUser(session=session)
        )
        wizard.start(serial)
        wizard.fill_details(kvk_number=KVK, serial_number=serial)
        wizard.fill_contact(name="Donald Duck", email="donald@example.nl")
        wizard.register_at_bank(
            software="Visma eAccounting",
            serial_number=serial,
            ibans=[current],
            account_number=means["accountNumber"],
            card_number=means["cardNumber"],
            response_code=means["responseCode"],
        )
    return {"serial": serial, "current": current, "savings": savings, "token": admin["accessToken"], "id": account.id}


def activate_and_import(world: World, onboarded: dict) -> None:
    """The activation mail, its link, the cent and the first import."""
    portal = PortalSandbox(base_url=world.urls.portal)
    world.advance(working_days=5)
    with requests.Session() as session:
        PortalWizard(portal_base=world.urls.portal, user=HeadlessUser(session=session)).activate(
            portal.latest_mail(kind="activation")["links"][0]["url"]
        )
    BankSandbox(base_url=world.urls.bank_api).transfer(
        debtor_iban=onboarded["savings"], creditor_iban=onboarded["current"], amount="0.01"
    )
    world.advance(working_days=6)


def test_activation_import_and_billing_on_each_database(storage_url):
    with World(seed=None, start=START, portal_config={"DATABASE_URL": storage_url}) as world, world.activate():
        onboarded = onboard(world)
        activate_and_import(world, onboarded)
        world.advance(to="2026-04-01T01:00:00")
        portal = PortalSandbox(base_url=world.urls.portal)
        assert portal.timeline(onboarded["serial"])["links"][0]["state"] == "active"
        eaccounting = EAccountingClient(access_token=onboarded["token"], base_url=world.urls.eaccounting_api)
        assert len(eaccounting.unmatched_transactions(onboarded["id"], from_date="2026-03-01")) == 1
        [line] = portal.billing(month="2026-03")
        assert (line["linkedAccounts"], line["amount"]) == (1, "0.00")


def test_a_restarted_world_sends_the_mail_and_imports_as_if_it_had_never_stopped(tmp_path):
    with World(seed=None, start=START, data_dir=tmp_path) as world, world.activate():
        onboarded = onboard(world)
        world.advance(working_days=2)

    # A new process on the same folder: the pending activation mail and then the import still come.
    with World(seed=None, start=START, data_dir=tmp_path) as world, world.activate():
        portal = PortalSandbox(base_url=world.urls.portal)
        assert portal.outbox() == []
        world.advance(working_days=3)
        assert [m["kind"] for m in portal.outbox()] == ["activation"]
        with requests.Session() as session:
            PortalWizard(portal_base=world.urls.portal, user=HeadlessUser(session=session)).activate(
                portal.latest_mail(kind="activation")["links"][0]["url"]
            )
        BankSandbox(base_url=world.urls.bank_api).transfer(
            debtor_iban=onboarded["savings"], creditor_iban=onboarded["current"], amount="0.01"
        )

    with World(seed=None, start=START, data_dir=tmp_path) as world, world.activate():
        world.advance(working_days=6)
        portal = PortalSandbox(base_url=world.urls.portal)
        assert portal.timeline(onboarded["serial"])["links"][0]["state"] == "active"
        assert portal.imports()[0]["imported"] == 1
