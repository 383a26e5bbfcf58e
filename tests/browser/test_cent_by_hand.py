"""The help article's tip by clicking: one cent in ABN AMRO internet banking makes an activated link active.

Everything is clicked in Chromium except moving the simulated clock: no page does that yet, so the test asks
the portal's sandbox once to let six werkdagen pass (the first import is due five werkdagen after activation).
"""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.steps import onboard_to_activated


def connection_state(page, administration):
    """eAccounting's Kas- en bankrekeningen: the ABN AMRO account's Bankkoppeling column."""
    page.goto(administration["loginUrl"])
    return page.locator("#bank-accounts tbody tr", has_text="ABN AMRO").locator("td.connection")


def test_one_cent_by_hand_in_internet_banking_makes_the_link_active_on_the_next_import(page, server, portal, company):
    onboarded = onboard_to_activated(page, server, portal, company)
    expect(connection_state(page, onboarded["administration"])).to_have_text("Geactiveerd")

    # ABN AMRO internet banking, from the server's start page: logged out first (the registration left this
    # browser logged in), then in again with the e.dentifier.
    page.goto(server.url + "/")
    page.get_by_role("link", name="Internet Bankieren").click()
    page.get_by_role("button", name="Uitloggen").click()
    page.locator("#login-edentifier").click()
    page.get_by_label("Rekeningnummer (IBAN)").fill(company["edentifier"]["account_number"])
    page.get_by_label("Pasnummer").fill(company["edentifier"]["card_number"])
    page.get_by_label("Response").fill(company["edentifier"]["response_code"])
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Mijn toestemmingen")).to_be_visible()

    # Overboeken: one cent from the Spaarrekening to the linked Rekening-courant.
    page.locator("#ib-nav-transfer").click()
    page.get_by_label("Van rekening").select_option(company["savings"])
    page.get_by_label("Naar", exact=True).select_option(company["current"])
    page.get_by_label("Bedrag (€)").fill("0,01")
    page.get_by_label("Omschrijving").fill("Eén cent voor de bankkoppeling")
    page.get_by_role("button", name="Volgende").click()
    expect(page.locator("#order-amount")).to_have_text("€ 0,01")
    expect(page.locator("#name-check")).to_have_attribute("data-result", "match")
    page.get_by_label("Response").fill(company["edentifier"]["response_code"])
    page.get_by_role("button", name="Bevestigen", exact=True).click()
    expect(page.locator("#transfer-done")).to_contain_text("Uw overboeking van € 0,01")

    # The cent is on the Rekening-courant at once.
    page.locator("#ib-nav-accounts").click()
    expect(page.locator(f"#account-{company['current']} .balance")).to_have_text("€ 1.500,01")
    page.locator(f"#bookings-{company['current']}").click()
    expect(page.locator("#bookings .booking").first).to_contain_text("€ 0,01")
    expect(page.locator("#bookings .booking").first).to_contain_text("Omschrijving: Eén cent")

    # The first import is due five werkdagen after activation, at 06:00; six werkdagen later it has run.
    portal.advance(working_days=6)
    expect(connection_state(page, onboarded["administration"])).to_have_text("Actief")
    [link] = portal.timeline(onboarded["serial"])["links"]
    assert [e["state"] for e in link["events"]][-2:] == ["activated", "active"]
