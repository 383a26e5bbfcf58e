"""Billing (condition 4): two linked accounts free, each further one € 2,25 a month, billed after the month.

The rule: an account counts in every calendar month in which its link was activated and not ended for
at least a moment; the earliest-activated ones are the free ones.
"""

from __future__ import annotations

import pytest

from client_sdk.eaccounting import CHEQUE_ACCOUNT
from tests.portal.conftest import EMPTY_BANK

pytestmark = [EMPTY_BANK, pytest.mark.mockbank(start="2026-03-10T10:00:00")]


@pytest.fixture
def third(bank_sandbox, company, eaccounting, accounts):
    """A second current account of the company, also in eAccounting."""
    opened = bank_sandbox.open_account(customer_id=company["customer"]["id"], product="current", balance="10.00")
    account = eaccounting.create_bank_account(name="ABN AMRO 2", bank_account_type=CHEQUE_ACCOUNT, iban=opened["iban"])
    eaccounting.enable_bank_connection(account.id)
    return {"iban": opened["iban"], "account": account}


@pytest.fixture
def three_linked(world, at_bank_consent, company, serial, third, portal_sandbox):
    """The current account, the savings account and the third account, all activated on 17 March."""
    ibans = [company["current"], company["savings"], third["iban"]]
    at_bank_consent.register_at_bank(
        software="Visma eAccounting", serial_number=serial, ibans=ibans, **company["edentifier"]
    )
    portal_sandbox.advance(working_days=5)
    mails = portal_sandbox.outbox(kind="activation")
    assert sorted(m["iban"] for m in mails) == sorted(ibans)  # one mail per account
    for mail in sorted(mails, key=lambda m: ibans.index(m["iban"])):
        at_bank_consent.activate(mail["links"][0]["url"])
        portal_sandbox.advance(minutes=1)  # activated one after the other: the first two are the free ones
    return ibans


def test_a_third_account_costs_two_euros_twenty_five_billed_after_the_month(
    three_linked, world, portal_sandbox, administration
):
    portal_sandbox.advance(to="2026-03-31T23:59:00")
    assert portal_sandbox.billing() == []  # not before the month has ended

    portal_sandbox.advance(minutes=2)
    [line] = portal_sandbox.billing(administration_id=administration["id"])
    assert (line["month"], line["linkedAccounts"], line["freeAccounts"], line["billedAccounts"]) == ("2026-03", 3, 2, 1)
    assert (line["unitPrice"], line["amount"]) == ("2.25", "2.25")
    assert [a["free"] for a in line["accounts"]] == [True, True, False]
    assert line["accounts"][2]["iban"] == three_linked[2]


def test_unlinked_mid_month_still_counts_that_month_and_not_after(
    three_linked, world, portal_sandbox, eaccounting, third
):
    portal_sandbox.advance(to="2026-04-15T12:00:00")
    eaccounting.disable_bank_connection(third["account"].id)
    portal_sandbox.advance(to="2026-06-01T01:00:00")
    lines = {line["month"]: line for line in portal_sandbox.billing()}
    assert (lines["2026-04"]["linkedAccounts"], lines["2026-04"]["amount"]) == (3, "2.25")
    assert (lines["2026-05"]["linkedAccounts"], lines["2026-05"]["amount"]) == (2, "0.00")


def test_a_month_is_billed_once(three_linked, world, portal_sandbox):
    portal_sandbox.advance(to="2026-04-01T01:00:00")
    first = portal_sandbox.billing(month="2026-03")
    assert portal_sandbox.run_billing("2026-03") == first
    assert portal_sandbox.billing(month="2026-03") == first
    with pytest.raises(Exception, match="has not ended"):
        portal_sandbox.run_billing("2026-04")


def test_accounts_not_yet_activated_are_not_billed(
    world, at_bank_consent, company, serial, third, portal_sandbox, administration
):
    at_bank_consent.register_at_bank(
        software="Visma eAccounting",
        serial_number=serial,
        ibans=[company["current"], company["savings"], third["iban"]],
        **company["edentifier"],
    )
    portal_sandbox.advance(to="2026-04-01T01:00:00")
    assert portal_sandbox.billing() == []
    assert portal_sandbox.run_billing("2026-03") == []


def test_eaccounting_shows_the_billing_lines(three_linked, world, portal_sandbox, administration, mockbank_session):
    from client_sdk.headless import HeadlessUser

    portal_sandbox.advance(to="2026-04-01T01:00:00")
    user = HeadlessUser(session=mockbank_session)
    user.open(administration["loginUrl"])
    user.follow_link("billing")
    row = user.page.select_one("#billing-lines tr[data-month='2026-03']")
    assert row["data-amount-cents"] == "225"
    assert "€ 2,25" in row.get_text(" ", strip=True)
