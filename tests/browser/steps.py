"""Steps a person clicks through in Chromium, shared by the browser tests: the onboarding up to an activated link."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import COMPANY
from tests.browser.conftest import KVK_NUMBER


def onboard_to_activated(page, server, portal, company) -> dict:
    """eAccounting, the wizard, the bank's registration and the activation mail, all by clicking (the clock is moved
    through the portal's sandbox: no page does that). Returns the administration and the serial number."""
    urls = server.urls
    iban = company["current"]
    administration = portal.create_administration(company_name=COMPANY, kvk_number=KVK_NUMBER)

    # eAccounting: Instellingen › Kas- en bankrekeningen, a new Rekening-courant, "Schakel bankkoppeling in".
    page.goto(administration["loginUrl"])
    expect(page.get_by_role("heading", name="Kas- en bankrekeningen")).to_be_visible()
    page.locator("#new-account").click()
    page.get_by_label("Naam", exact=True).fill("ABN AMRO")
    page.get_by_label("Type", exact=True).select_option(label="Rekening-courant")
    page.get_by_label("IBAN", exact=True).fill(iban)
    page.get_by_role("button", name="Opslaan").click()
    account_row = page.locator("#bank-accounts tbody tr", has_text="ABN AMRO")
    expect(account_row).to_contain_text("Rekening-courant")
    account_row.get_by_role("link", name="Bewerk").click()
    page.locator("#form-enable-connection").get_by_role("button", name="Schakel bankkoppeling in").click()
    expect(page.locator("#connection-status")).to_have_text("Bankkoppeling voorbereiden...")

    # Preparing takes five simulated seconds; the page refreshes itself until the serial is there.
    portal.advance(seconds=5)
    expect(page.locator("#serial-number")).to_have_text(re.compile(r"^\d{7}$"))
    serial = page.locator("#serial-number").inner_text()

    # The wizard: Start, then Gegevens.
    page.locator("#start-wizard").click()
    page.locator("#start").click()
    page.wait_for_url("**/registratie/gegevens**")
    page.get_by_label("KvK-nummer").fill(KVK_NUMBER)
    expect(page.get_by_label("Bedrijfsnaam")).to_have_value(COMPANY)  # the page's JS asked the KvK register
    page.get_by_label("Te koppelen product").select_option("eaccounting")
    # Choosing the product re-renders the page with the product's banks (its JS submits "Bijwerken").
    expect(page.locator("#bank option[value=abnamro]")).to_be_attached()
    page.get_by_label("Licentienummer").fill(serial)
    page.get_by_label("Bank *", exact=True).select_option("abnamro")
    page.get_by_label("Servicevoorwaarden").check()
    page.get_by_label("Privacybeleid").check()
    page.locator("#next").click()

    # Koppeling: the rekeningbeheerder.
    page.wait_for_url("**/registratie/koppeling")
    page.get_by_label("Naam").fill("Donald Duck")
    page.get_by_label("E-mailadres").fill("donald@example.nl")
    page.locator("#next").click()

    # Bankconsent: its link to the bank's registration page; log in with the e.dentifier there.
    page.wait_for_url("**/registratie/bankconsent")
    expect(page.locator("#serial-number")).to_have_text(serial)
    page.locator("#bank-registration").click()
    page.locator("#login-edentifier").click()
    page.get_by_label("Rekeningnummer (IBAN)").fill(company["edentifier"]["account_number"])
    page.get_by_label("Pasnummer").fill(company["edentifier"]["card_number"])
    page.get_by_label("Response").fill(company["edentifier"]["response_code"])
    page.get_by_role("button", name="Inloggen").click()
    expect(page.get_by_role("heading", name="Boekhoudkoppeling aanvragen")).to_be_visible()
    page.get_by_label("Boekhoudpakket").select_option(label="Visma eAccounting")
    page.get_by_label("Klantnummer (serienummer)").fill(serial)
    page.get_by_label(iban).check()
    page.get_by_role("button", name="Akkoord").click()
    expect(page.locator("#registration-delivered")).to_contain_text("doorgegeven aan Visma eAccounting")
    expect(page.locator("#registration-accounts")).to_have_text(iban)

    # Back in the wizard: Bankconsent shows what the bank delivered; Rekeningen, Klaar.
    page.goto(urls.portal + "/registratie/bankconsent")
    page.locator("#next").click()
    page.wait_for_url("**/registratie/rekeningen")
    expect(page.locator(f"#linked-accounts tr[data-iban='{iban}']")).to_have_attribute(
        "data-state", "activation_scheduled"
    )
    page.locator("#next").click()
    page.wait_for_url("**/registratie/klaar")
    expect(page.locator("#next-steps")).to_contain_text("donald@example.nl")
    page.locator("#finish").click()
    expect(page.locator("#finished")).to_be_visible()

    # Five werkdagen later the activation mail is in the outbox; its link activates the account.
    portal.advance(working_days=5)
    page.goto(urls.outbox)
    mail_row = page.locator("#outbox tr[data-kind=activation]")
    expect(mail_row).to_have_count(1)
    expect(mail_row).to_contain_text("donald@example.nl")
    mail_row.locator("td").nth(2).get_by_role("link").click()
    expect(page.locator("#to")).to_have_text("donald@example.nl")
    page.frame_locator("#html-body").locator("#activate").click()
    page.wait_for_url("**/activeren/**")
    expect(page.locator("#activation-account")).to_contain_text(iban)
    page.get_by_role("button", name="Activeer de koppeling").click()
    expect(page.locator("#activated")).to_have_attribute("data-state", "activated")

    return {"administration": administration, "serial": serial}
