"""The help article's tip by clicking: one cent in ABN AMRO internet banking makes an activated link active.

Everything is clicked in Chromium except moving the simulated clock: no page does that yet, so the test asks
the portal's sandbox once to let six werkdagen pass (the first import is due five werkdagen after activation).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.steps import log_in_again_with_edentifier
from tests.browser.steps import onboard_to_activated
from tests.browser.steps import transfer_own_by_hand


def connection_state(page, administration):
    """eAccounting's Kas- en bankrekeningen: the ABN AMRO account's Bankkoppeling column."""
    page.goto(administration["loginUrl"])
    return page.locator("#bank-accounts tbody tr", has_text="ABN AMRO").locator("td.connection")


def test_one_cent_by_hand_in_internet_banking_makes_the_link_active_on_the_next_import(page, server, portal, company):
    onboarded = onboard_to_activated(page, server, portal, company)
    expect(connection_state(page, onboarded["administration"])).to_have_text(
        re.compile(r"^Geactiveerd")
    )  # then its expected date

    # ABN AMRO internet banking, from the server's start page: logged out first (the registration left this
    # browser logged in), then in again with the e.dentifier.
    log_in_again_with_edentifier(page, server.url + "/", company["edentifier"])

    # Overboeken: one cent from the Spaarrekening to the linked Rekening-courant.
    transfer_own_by_hand(
        page,
        debtor=company["savings"],
        creditor=company["current"],
        description="Eén cent voor de bankkoppeling",
        response_code=company["edentifier"]["response_code"],
    )

    # The cent is on the Rekening-courant at once.
    page.locator("#ib-nav-accounts").click()
    expect(page.locator(f"#account-{company['current']} .balance")).to_have_text("€ 1.500,01")
    page.locator(f"#bookings-{company['current']}").click()
    expect(page.locator("#bookings .booking").first).to_contain_text("€ 0,01")
    expect(page.locator("#bookings .booking").first).to_contain_text("Omschrijving: Eén cent")

    # The first import is due five werkdagen after activation, at 06:00; six werkdagen later it has run.
    portal.advance(working_days=6)
    expect(connection_state(page, onboarded["administration"])).to_have_text(re.compile(r"^Actief"))
    [link] = portal.timeline(onboarded["serial"])["links"]
    assert [e["state"] for e in link["events"]][-2:] == ["activated", "active"]
