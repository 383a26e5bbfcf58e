"""The rehearsal dashboard in Chromium: a scenario run by clicking, then "naar de volgende gebeurtenis" steps the
onboarding on, one named event at a time, up to its first import."""

from __future__ import annotations

from playwright.sync_api import expect


def test_the_next_event_button_steps_through_an_onboarding(page, server, screenshots):
    page.goto(server.url + "/")
    expect(page.locator("#no-registrations")).to_be_visible()
    expect(page.locator("#next-event")).to_be_disabled()

    # A scenario brings the world to "just consented" (it starts on the next Monday, 9 March); the page asks first.
    page.get_by_role("link", name="Scenario's").click()
    page.get_by_label("Scenario", exact=True).select_option("happy_path_consented")
    page.get_by_label("Seed").fill("7")
    page.get_by_role("button", name="Speel het scenario af").click()
    expect(page.locator("#error-summary")).to_contain_text("Vink aan dat je de huidige wereld wilt vervangen.")
    expect(page.get_by_label("Ik begrijp dat dit de huidige wereld vervangt")).to_be_focused()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Speel het scenario af").click()
    expect(page.locator("#scenario-outcome")).to_have_attribute("data-passed", "true")
    expect(page.locator("#end-state tbody tr")).to_have_attribute("data-state", "activation_scheduled")
    screenshots(page, "scenario-result")
    page.get_by_role("link", name="Het startscherm").click()

    link = page.locator("table.links tbody tr")
    expect(link).to_have_attribute("data-state", "activation_scheduled")
    button = page.locator("#next-event")
    iban = link.get_attribute("data-iban")
    expect(button).to_have_text(f"Naar de volgende gebeurtenis: activatiemail voor {iban} op ma 16 maart 09:02")
    screenshots(page, "consented")

    button.click()
    expect(page.locator("#clock-words")).to_have_text("maandag 16 maart 2026, 09:02")
    expect(link).to_have_attribute("data-state", "activation_sent")
    expect(button).to_contain_text(f"activatielink van {iban} verloopt")

    # The rekeningbeheerder follows the mail's link and activates.
    page.locator("#newest-mails a.activate-link").click()
    page.get_by_role("button", name="Activeer de koppeling").click()
    expect(page.locator("#activated")).to_have_attribute("data-state", "activated")
    page.go_back()
    page.go_back()
    page.reload()
    expect(link).to_have_attribute("data-state", "activated")
    expect(link.locator("td.expected")).to_have_text("Eerste transacties: di 24 maart 06:00")

    # Each click names where it goes; the daily imports before the first one take nothing yet.
    for _ in range(10):
        if "eerste import voor" in button.inner_text():
            break
        button.click()
    expect(button).to_have_text(f"Naar de volgende gebeurtenis: eerste import voor {iban} op di 24 maart 06:00")
    button.click()
    expect(link.locator("td").nth(4)).to_have_text("di 24 maart 06:00")
    expect(link.locator("td").nth(5)).to_have_text("wo 25 maart 06:00")
    screenshots(page, "first-import")
