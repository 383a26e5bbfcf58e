"""Labels and keyboard on the wizard's Gegevens step, in Chromium: every field is reachable by its label."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import COMPANY
from tests.browser.conftest import KVK_NUMBER


def _open_gegevens(page, server):
    page.goto(server.urls.portal + "/")
    page.locator("#start").click()
    page.wait_for_url("**/registratie/gegevens")


def test_every_input_on_gegevens_has_a_label(page, server):
    _open_gegevens(page, server)
    for label in ("KvK-nummer", "Bedrijfsnaam", "Te koppelen product", "Licentienummer", "Servicevoorwaarden"):
        expect(page.get_by_label(label)).to_have_count(1)
    expect(page.get_by_label("Privacybeleid")).to_have_count(1)
    expect(page.get_by_label("Bank *", exact=True)).to_have_count(1)
    # Every field a person can see (the CSRF token is hidden; "Bijwerken" only exists without JavaScript).
    unlabelled = page.locator("#form-details").evaluate(
        """form => [...form.querySelectorAll("input, select, textarea")]
            .filter(el => el.type !== "hidden" && el.type !== "submit" && el.labels.length === 0)
            .map(el => el.name)"""
    )
    assert unlabelled == []
    expect(page.get_by_role("button", name="Bijwerken")).to_have_count(0)


def test_gegevens_works_from_the_keyboard(page, server):
    _open_gegevens(page, server)
    kvk = page.get_by_label("KvK-nummer")
    kvk.focus()
    page.keyboard.type(KVK_NUMBER)
    expect(page.get_by_label("Bedrijfsnaam")).to_have_value(COMPANY)  # looked up as the eighth digit is typed

    # The terms are ticked with the space bar, and clicking a term's label text ticks its box as well.
    page.get_by_label("Servicevoorwaarden").focus()
    page.keyboard.press("Space")
    expect(page.get_by_label("Servicevoorwaarden")).to_be_checked()
    page.get_by_text("Ik ga akkoord met het").click()
    expect(page.get_by_label("Privacybeleid")).to_be_checked()

    # Tab leaves the KvK number for the next field that takes input.
    kvk.focus()
    page.keyboard.press("Tab")
    expect(page.get_by_label("Bedrijfsnaam")).to_be_focused()
