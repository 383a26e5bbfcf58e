"""The bank's mobile-app login in Chromium: the waiting page moves on by itself once the phone confirms."""

from __future__ import annotations

from playwright.sync_api import expect


def test_the_app_waiting_page_continues_by_itself_once_the_login_is_confirmed(page, server, bank, company):
    page.goto(server.urls.bank_auth + "/internetbankieren/boekhoudkoppeling")
    page.locator("#login-app").click()
    page.get_by_label("Rekeningnummer (IBAN)").fill(company["current"])
    page.get_by_role("button", name="Volgende").click()
    expect(page.locator("#app-waiting")).to_be_visible()

    # The page's script polls its status URL; unconfirmed, it stays where it is.
    with page.expect_response(lambda response: response.url.endswith("/status")) as first_poll:
        pass
    assert first_poll.value.json()["confirmed"] is False
    expect(page.locator("#app-waiting")).to_be_visible()

    (pending,) = bank.app_logins()
    assert bank.confirm_app_login(pending["id"])["status"] == "confirmed"

    # Nobody clicks "Ik heb bevestigd": the next poll sees the confirmation and the page goes on, logged in.
    expect(page.get_by_role("heading", name="Boekhoudkoppeling aanvragen")).to_be_visible()
    expect(page.locator("#form-accounting-link")).to_contain_text(company["current"])
    expect(page.get_by_text("Ingelogd als Donald Duck")).to_be_visible()
