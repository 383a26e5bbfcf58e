"""The help article (Stappenplan inschakelen ABN AMRO-koppeling) rehearsed in Chromium by clicking, as a partner would:
from mockbank's start page to linked accounts with their first bookings in Bankmutaties.

An accounting firm makes a practice administration and does steps 1-4 in eAccounting (the Kasrekening is
refused); its client does the wizard and registers three accounts at ABN AMRO with Access Online, the
e.dentifier and the app; the activation mails are opened from the outbox; the third account is billed.
Each step leaves a screenshot (``MOCKBANK_SCREENSHOTS`` keeps them). Time moves only by the dashboard's
buttons. The walk makes no HTTP call of its own, except the one-cent transfer below, until internet
banking's Overboeken exists (issue 14).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from client_sdk import BankSandbox
from tests.browser.conftest import TIMEOUT_MS


def transfer_one_cent_interim(server, debtor: str, creditor: str) -> None:
    """INTERIM, to be replaced by clicking through internet banking's Overboeken (issue 14, branch ``ibank``).

    The article's tip is a one-cent transfer made by the customer; until the bank has that page, the
    sandbox books it. This is the only HTTP call the walk makes of its own.
    """
    BankSandbox(base_url=server.urls.bank_api).transfer(
        debtor_iban=debtor, creditor_iban=creditor, amount="0.01", description="Eén cent"
    )


def next_event(dashboard, expected: str) -> None:
    """On the start page, press "Naar de volgende gebeurtenis" once it names ``expected``."""
    dashboard.get_by_role("link", name="Overzicht").click()
    button = dashboard.locator("#next-event")
    expect(button).to_contain_text(expected)
    button.click()
    expect(dashboard.locator(".flash.success")).to_contain_text("Naar de volgende gebeurtenis")


def open_account(eaccounting, name: str) -> None:
    """Instellingen › Kas- en bankrekeningen › Bewerk on the row ``name``."""
    eaccounting.get_by_role("link", name="Instellingen").click()
    eaccounting.locator(
        "#bank-accounts tbody tr", has=eaccounting.get_by_role("link", name=name, exact=True)
    ).get_by_role("link", name="Bewerk").click()


def test_the_help_article_by_clicking_only(browser, server, screenshots):
    firm = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")
    client = browser.new_context(locale="nl-NL", timezone_id="Europe/Amsterdam")
    for context in (firm, client):
        context.set_default_timeout(TIMEOUT_MS)
    try:
        walk(server, firm, client, screenshots)
    finally:
        firm.close()
        client.close()


def walk(server, firm, client, shoot) -> None:
    # --- mockbank's start page: a new practice administration, kept by an accounting firm -----------------------
    dashboard = firm.new_page()
    dashboard.goto(server.url + "/")
    expect(dashboard.get_by_role("heading", name="Oefen de ABN AMRO-koppeling")).to_be_visible()
    shoot(dashboard, "startscherm")
    dashboard.get_by_role("link", name="Nieuwe oefenadministratie").first.click()
    dashboard.get_by_label("Beheerd door een administratiekantoor").check()
    firm_name = dashboard.get_by_label("Naam van het administratiekantoor").input_value()
    assert firm_name.startswith("Administratiekantoor ")
    shoot(dashboard, "nieuwe-oefenadministratie")
    dashboard.get_by_role("button", name="Maak de administratie en open eAccounting").click()

    # --- eAccounting, logged in: Instellingen › Kas- en bankrekeningen (step 1) -------------------------------
    eaccounting = dashboard
    expect(eaccounting.get_by_role("heading", name="Kas- en bankrekeningen")).to_be_visible()
    expect(eaccounting.locator("header")).to_contain_text(f"beheerd door {firm_name}")
    rows = eaccounting.locator("#bank-accounts tbody tr")
    expect(rows).to_have_count(4)
    shoot(eaccounting, "kas-en-bankrekeningen")

    # The Kasrekening cannot be linked: the page says why and offers no button.
    open_account(eaccounting, "Kasrekening")
    expect(eaccounting.locator("#connection-refusal")).to_contain_text("Een kasrekening kan niet aan de bank worden")
    expect(eaccounting.locator("#form-enable-connection")).to_have_count(0)
    shoot(eaccounting, "kasrekening-geweigerd")

    # Schakel bankkoppeling in, for three accounts (steps 2-3).
    for name in ("ABN AMRO", "Spaarrekening", "ABN AMRO 2"):
        open_account(eaccounting, name)
        eaccounting.locator("#form-enable-connection").get_by_role("button", name="Schakel bankkoppeling in").click()
        expect(eaccounting.locator("#connection-status")).to_have_attribute("data-status", "preparing")
    expect(eaccounting.locator("#connection-expected")).to_contain_text("Het serienummer is klaar om")

    # Preparing takes simulated seconds: the firm moves the clock on its start page (another tab).
    clock = firm.new_page()
    clock.goto(server.url + "/")
    next_event_button = clock.locator("#next-event")
    expect(next_event_button).to_contain_text("serienummer voor ABN AMRO")
    clock.get_by_role("button", name="+1 uur").click()
    expect(eaccounting.locator("#serial-number")).to_have_text(re.compile(r"^\d{7}$"))  # the page refreshes itself
    serial = eaccounting.locator("#serial-number").inner_text()
    portal_link = eaccounting.locator("#portal-link").get_attribute("href")
    assert portal_link.endswith(f"/portal/?licentienummer={serial}")
    shoot(eaccounting, "serienummer")

    # --- the client: its login details are on mockbank's Testgebruikers page --------------------------------
    clock.get_by_role("link", name="Testgebruikers", exact=True).click()
    row = clock.locator("#test-users tbody tr[data-kind=business]")
    kvk_number = row.get_attribute("data-kvk")
    person, email = (t.strip() for t in row.locator("td").nth(0).inner_text().splitlines()[:2])
    edentifier = row.locator("td.edentifier").inner_text()
    access_online = row.locator("td.access-online").inner_text()
    ibans = row.locator("td").nth(4).locator(".mono").all_inner_texts()
    current, savings, second = ibans
    shoot(clock, "testgebruikers")

    # --- the wizard, from the link the firm sent (step 4 and on) ----------------------------------------------
    wizard = client.new_page()
    wizard.goto(portal_link)
    wizard.locator("#start").click()
    wizard.get_by_label("KvK-nummer").fill(kvk_number)
    expect(wizard.get_by_label("Bedrijfsnaam")).not_to_have_value("")
    # Arrow keys through the products fill the banks in place: the page is not reloaded.
    wizard.evaluate("window.notReloaded = true")
    wizard.get_by_label("Te koppelen product").focus()
    wizard.keyboard.press("ArrowDown")
    expect(wizard.locator("#bank option[value=abnamro]")).to_be_attached()
    assert wizard.evaluate("window.notReloaded") is True
    expect(wizard.get_by_label("Licentienummer")).to_have_value(serial)
    wizard.get_by_label("Bank *", exact=True).select_option("abnamro")
    wizard.get_by_label("Servicevoorwaarden").check()
    wizard.get_by_label("Privacybeleid").check()
    shoot(wizard, "gegevens")
    wizard.locator("#next").click()
    wizard.get_by_label("Naam").fill(person)
    wizard.get_by_label("E-mailadres").fill(email)
    wizard.locator("#next").click()
    expect(wizard.locator("#serial-number")).to_have_text(serial)
    shoot(wizard, "bankconsent")

    # ABN AMRO with Access Online: Boekhoudkoppeling aanvragen for the Rekeningcourant, then back to Visma.
    user_id, card, response = re.search(r"ID (\S+)\s+pas (\S+) · response (\S+)", access_online).groups()
    wizard.locator("#access-online").click()
    wizard.get_by_label("Gebruikers-ID").fill(user_id)
    wizard.get_by_label("Pasnummer").fill(card)
    wizard.get_by_label("Response").fill(response)
    wizard.get_by_role("button", name="Inloggen").click()
    wizard.get_by_label("Boekhoudpakket").select_option(label="Visma eAccounting")
    wizard.get_by_label("Klantnummer (serienummer)").fill(serial)
    wizard.get_by_label(current).check()
    shoot(wizard, "bank-boekhoudkoppeling-aanvragen")
    wizard.get_by_role("button", name="Akkoord").click()
    expect(wizard.locator("#registration-delivered")).to_contain_text("doorgegeven aan Visma eAccounting")
    wizard.locator("#registration-return").click()
    expect(wizard.locator(f"#linked-accounts tr[data-iban='{current}']")).to_have_attribute(
        "data-state", "activation_scheduled"
    )

    # "Nog een rekening koppelen" (PSD2): the Spaarrekening with the e.dentifier.
    account, card, response = re.search(r"rekening (\S+)\s+pas (\S+) · response (\S+)", edentifier).groups()
    wizard.get_by_role("button", name="Nog een rekening koppelen").click()
    wizard.locator("#login-edentifier").click()
    wizard.get_by_label("Rekeningnummer (IBAN)").fill(account)
    wizard.get_by_label("Pasnummer").fill(card)
    wizard.get_by_label("Response").fill(response)
    wizard.get_by_role("button", name="Inloggen").click()
    wizard.get_by_label(savings).check()
    wizard.get_by_role("button", name="Toestaan").click()
    expect(wizard.locator(f"#linked-accounts tr[data-iban='{savings}']")).to_be_visible()

    # And ABN AMRO 2 with the app: the "phone" confirms, the waiting page goes on by itself.
    wizard.get_by_role("button", name="Nog een rekening koppelen").click()
    wizard.locator("#login-app").click()
    wizard.get_by_label("Rekeningnummer (IBAN)").fill(current)
    wizard.get_by_role("button", name="Volgende").click()
    with client.expect_page() as opened:
        wizard.locator("#app-phone-link").click()
    phone = opened.value
    phone.get_by_role("button", name="Bevestigen").click()
    expect(phone.locator("#app-confirmed")).to_be_visible()
    phone.close()
    wizard.get_by_label(second).check()
    wizard.get_by_role("button", name="Toestaan").click()

    # Rekeningen: three accounts, the third one billed.
    links = wizard.locator("#linked-accounts tbody tr")
    expect(links).to_have_count(3)
    expect(wizard.locator("#pricing")).to_contain_text("3 gekoppelde rekeningen")
    expect(wizard.locator("#pricing")).to_contain_text("voor 1 extra rekening betaal je € 2,25 per maand")
    expect(links.first.locator("td.expected")).to_contain_text("Activatiemail:")
    shoot(wizard, "rekeningen")
    wizard.locator("#next").click()
    wizard.locator("#finish").click()
    expect(wizard.locator("#finished")).to_be_visible()
    shoot(wizard, "klaar")

    # --- five werkdagen later: the activation mails, opened from the outbox --------------------------------------
    next_event(clock, "activatiemail voor")
    clock.get_by_role("link", name="Overzicht").click()
    mails = clock.locator("#newest-mails tr[data-kind=activation] a.mail-link")
    expect(mails).to_have_count(3)
    for number in range(3):
        # Each mail in a tab of its own (Ctrl+click), as one works through an inbox.
        with firm.expect_page() as opened:
            mails.nth(number).click(modifiers=["Control"])
        mail = opened.value
        expect(mail.locator("#to")).to_have_text(email)
        if number == 0:
            shoot(mail, "activatiemail")
        mail.frame_locator("#html-body").locator("#activate").click()
        mail.get_by_role("button", name="Activeer de koppeling").click()
        expect(mail.locator("#activated")).to_have_attribute("data-state", "activated")
        expect(mail.locator("#first-import")).to_contain_text("vanaf")
        if number < 2:
            mail.close()
    shoot(mail, "geactiveerd")

    mail.get_by_role("link", name="Naar Visma eAccounting").click()
    expect(mail.locator("#link-state")).to_have_text("Geactiveerd")
    expect(mail.locator("#link-expected")).to_be_visible()
    mail.close()

    # The tip: a cent between the linked accounts makes something to import.
    transfer_one_cent_interim(server, savings, current)
    transfer_one_cent_interim(server, current, second)

    # --- the first import: active, and the bookings in Bankmutaties ---------------------------------------------
    clock.get_by_role("link", name="Overzicht").click()
    for _ in range(12):
        if "eerste import voor" in clock.locator("#next-event").inner_text():
            break
        clock.locator("#next-event").click()
    next_event(clock, "eerste import voor")
    registration = clock.locator(f"#registration-{serial}")
    for iban in (current, savings, second):
        expect(registration.locator(f"table.links tr[data-iban='{iban}']")).to_have_attribute("data-state", "active")
    shoot(clock, "startscherm-actief")
    shoot(clock, "aanmelding-actief", element=registration)

    eaccounting.get_by_role("link", name="Bankmutaties").click()
    expect(eaccounting.locator("#bank-transactions tbody tr")).to_have_count(2)  # the Rekening-courant: in and out
    expect(eaccounting.locator("#bank-transactions")).to_contain_text("€ 0,01")
    shoot(eaccounting, "bankmutaties")

    # --- after the month: two accounts free, the third billed -----------------------------------------------------
    clock.get_by_label("Naar moment (Amsterdam)").fill("2026-04-01T00:30")
    clock.get_by_role("button", name="Zet de klok").click()
    eaccounting.get_by_role("link", name="Instellingen").click()
    eaccounting.locator("#billing").click()
    line = eaccounting.locator("#billing-lines tr[data-month='2026-03']")
    expect(line).to_have_attribute("data-amount-cents", "225")
    expect(line).to_contain_text("maart 2026")
    shoot(eaccounting, "facturatie")
