"""Sales invoices collected by direct debit from a linked account, through both front doors: the portal sends
the pain.008 with the bank's consent, the holder signs it, the bank settles it on the collection date (moved
past Easter), the daily import brings the bookings, and the portal matches them (paid, or returned AM04)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from client_sdk.headless import HeadlessUser
from tests.portal.conftest import EMPTY_BANK
from tests.portal.test_activation import BOTH_FRONT_DOORS
from tests.portal.test_activation import consent_current_account
from tests.portal.test_activation import link_states

pytestmark = [EMPTY_BANK, pytest.mark.mockbank(start="2026-03-16T10:00:00")]


@pytest.fixture
def active(world, at_bank_consent, company, serial, portal_sandbox, bank_sandbox):
    """The Rekening-courant's link active (its cent imported) on Tuesday 31 March 2026."""
    consent_current_account(at_bank_consent, company, serial)
    portal_sandbox.advance(working_days=5)
    at_bank_consent.activate(portal_sandbox.latest_mail(kind="activation")["links"][0]["url"])
    bank_sandbox.transfer(debtor_iban=company["savings"], creditor_iban=company["current"], amount="0.01")
    portal_sandbox.advance(working_days=6)
    assert link_states(portal_sandbox, serial) == {company["current"]: "active"}
    return company["current"]


@pytest.fixture
def debtors(bank_sandbox) -> dict[str, str]:
    """Three customers' accounts at the bank: two can pay, one holds € 10,00."""
    ibans = {}
    for name, balance in (("Jan Jansen", "500.00"), ("Kees Bakker", "800.00"), ("Piet de Boer", "10.00")):
        customer = bank_sandbox.create_customer(name=name)
        ibans[name] = bank_sandbox.open_account(customer_id=customer["id"], balance=balance)["iban"]
    return ibans


def _invoices(eaccounting, debtors) -> list[dict]:
    amounts = {"Jan Jansen": "121.00", "Kees Bakker": "242.50", "Piet de Boer": "60.50"}
    invoices = []
    for number, (name, iban) in enumerate(debtors.items(), start=1):
        customer = eaccounting.create_customer(
            name=name, iban=iban, mandate_id=f"MND-{number:04d}", mandate_date=dt.date(2025, 6, 1)
        )
        invoices.append(
            eaccounting.create_customer_invoice(
                customer_id=customer["Id"], rows=[(f"Onderhoud maart ({name})", Decimal(amounts[name]), 1)]
            )
        )
    return invoices


def _consent_at_bank(world, company, url: str) -> None:
    """The rekeningbeheerder logs in at the bank and allows direct-debit files for the Rekening-courant."""
    person = HeadlessUser()
    result = person.authorize(url, redirect_uri=f"{world.urls.portal}/registratie/bank/terug", **company["edentifier"])
    person.open(result.url, stop_at=())


@BOTH_FRONT_DOORS
def test_three_invoices_collected_settled_after_easter_matched_and_one_returned(
    front_door, world, active, company, debtors, accounts, eaccounting, bank_sandbox, portal_sandbox
):
    bank_sandbox.add_direct_debit_contract(company["current"])
    invoices = _invoices(eaccounting, debtors)
    portal_sandbox.advance(to="2026-04-01T10:00:00+02:00")  # the Wednesday before Easter

    order = eaccounting.create_direct_debit_order(
        bank_account_id=accounts["current"].id,
        invoice_ids=[i["Id"] for i in invoices],
        collection_date=dt.date(2026, 4, 3),  # Good Friday: no TARGET2
    )
    assert order["Status"] == "AwaitingBankConsent" and order["BankConsentUrl"]
    _consent_at_bank(world, company, order["BankConsentUrl"])

    order = eaccounting.get_direct_debit_order(order["Id"])
    assert order["Status"] == "Sent", order["Problems"]
    assert order["TotalAmount"] == Decimal("424.00")
    assert "/internetbankieren/taken/" in order["AuthorizationUrl"]
    batch = bank_sandbox.direct_debit_batch(order["BankBatchId"])
    assert (batch["collectionDate"], batch["count"]) == ("2026-04-07", 3)  # Easter Monday is closed too
    bank_sandbox.authorize_direct_debit_batch(order["BankBatchId"])

    portal_sandbox.advance(to="2026-04-06T23:00:00+02:00")
    assert eaccounting.get_direct_debit_order(order["Id"])["Status"] == "Sent"
    portal_sandbox.advance(to="2026-04-07T08:00:00+02:00")  # settled 04:00, imported 06:00, matched 06:30

    assert eaccounting.get_direct_debit_order(order["Id"])["SettledDate"] == "2026-04-07T00:00:00"
    paid = {i["InvoiceNumber"]: i for i in eaccounting.list_customer_invoices()}
    assert {n: (i["RemainingAmount"], i["DirectDebit"]["Status"]) for n, i in paid.items()} == {
        1: (Decimal("0.00"), "Paid"),
        2: (Decimal("0.00"), "Paid"),
        3: (Decimal("0.00"), "Paid"),
    }

    portal_sandbox.advance(to="2026-04-09T08:00:00+02:00")  # the storno two TARGET2 days later

    after = {i["InvoiceNumber"]: i for i in eaccounting.list_customer_invoices()}
    assert after[3]["DirectDebit"]["Status"] == "Returned"
    assert after[3]["DirectDebit"]["ReturnReason"] == "AM04"
    assert after[3]["RemainingAmount"] == Decimal("60.50")
    assert after[1]["DirectDebit"]["Status"] == after[2]["DirectDebit"]["Status"] == "Paid"
    rows = eaccounting.unmatched_transactions(accounts["current"].id, from_date="2026-04-01", to_date="2026-04-30")
    assert sorted(r.transaction_amount for r in rows) == [Decimal("-60.50"), Decimal("424.00")]
    assert bank_sandbox.account(debtors["Piet de Boer"])["balance"] == "10.00"
    assert bank_sandbox.account(debtors["Jan Jansen"])["balance"] == "379.00"


def test_a_rejected_file_reopens_the_invoices_with_the_banks_reason(
    world, active, company, debtors, accounts, eaccounting, bank_sandbox, portal_sandbox
):
    # No incassocontract on the account: the bank rejects the file.
    invoices = _invoices(eaccounting, debtors)
    order = eaccounting.create_direct_debit_order(
        bank_account_id=accounts["current"].id, invoice_ids=[invoices[0]["Id"]]
    )
    _consent_at_bank(world, company, order["BankConsentUrl"])

    order = eaccounting.get_direct_debit_order(order["Id"])

    assert order["Status"] == "Rejected"
    assert order["Problems"][0]["Element"] == "/Document/CstmrDrctDbtInitn/PmtInf/CdtrAcct/Id/IBAN"
    assert "contract" in order["Problems"][0]["Message"]
    assert eaccounting.get_customer_invoice(invoices[0]["Id"])["DirectDebit"]["Status"] == "NotCollected"
    assert bank_sandbox.direct_debit_batches() == []


def test_a_second_order_uses_the_consent_it_has(
    world, active, company, debtors, accounts, eaccounting, bank_sandbox, portal_sandbox
):
    bank_sandbox.add_direct_debit_contract(company["current"])
    invoices = _invoices(eaccounting, debtors)
    first = eaccounting.create_direct_debit_order(
        bank_account_id=accounts["current"].id, invoice_ids=[invoices[0]["Id"]]
    )
    _consent_at_bank(world, company, first["BankConsentUrl"])
    portal_sandbox.advance(hours=3)  # the consent's access token (2 h) has run out: the portal refreshes it

    second = eaccounting.create_direct_debit_order(
        bank_account_id=accounts["current"].id, invoice_ids=[invoices[1]["Id"]]
    )

    assert second["Status"] == "Sent" and second["BankConsentUrl"] is None
    assert len(bank_sandbox.direct_debit_batches()) == 2


def test_only_open_invoices_of_customers_with_a_mandate_from_a_linked_account(
    world, active, company, accounts, eaccounting
):
    plain = eaccounting.create_customer(name="Zonder Machtiging")
    invoice = eaccounting.create_customer_invoice(customer_id=plain["Id"], rows=[("Werk", "10.00", 1)])

    from client_sdk.errors import InvalidRequestError

    with pytest.raises(InvalidRequestError) as no_mandate:
        eaccounting.create_direct_debit_order(bank_account_id=accounts["current"].id, invoice_ids=[invoice["Id"]])
    assert no_mandate.value.status == 409
    with pytest.raises(InvalidRequestError) as not_linked:
        eaccounting.create_direct_debit_order(bank_account_id=accounts["savings"].id, invoice_ids=[invoice["Id"]])
    assert not_linked.value.status == 409
    assert eaccounting.get_customer_invoice(invoice["Id"])["DirectDebit"] is None
