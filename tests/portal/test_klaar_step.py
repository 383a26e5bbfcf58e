"""Klaar: what happens next (an activation mail per account to the rekeningbeheerder, after about N working days)."""

from __future__ import annotations

import pytest

from tests.portal.conftest import EMPTY_BANK

pytestmark = EMPTY_BANK


def finish_registration(wizard, company, serial) -> str:
    """Register the Rekening-courant at the bank and walk on to Klaar; answers the next-steps text."""
    wizard.register_at_bank(
        software="Visma eAccounting", serial_number=serial, ibans=[company["current"]], **company["edentifier"]
    )
    wizard.next_after_consent()
    wizard.confirm_accounts()
    assert wizard.current_step() == "klaar"
    return wizard.text("next-steps")


def test_klaar_promises_an_activation_mail_per_account_to_the_contact(at_bank_consent, company, serial):
    text = finish_registration(at_bank_consent, company, serial)
    assert "per bankrekening een e-mail op donald@example.nl met daarin een link om de koppeling te activeren" in text
    assert "ongeveer vijf werkdagen" in text
    assert "1 keer per dag opgehaald" in text


@pytest.mark.mockbank(portal_config={"ACTIVATION_MAIL_WORKING_DAYS": 3, "FIRST_IMPORT_WORKING_DAYS": 4})
def test_the_promised_working_days_follow_the_setting(at_bank_consent, company, serial):
    # Bankconsent already makes the same promise.
    assert "ongeveer drie werkdagen" in at_bank_consent.user.page.select_one("p.notice").get_text()
    text = finish_registration(at_bank_consent, company, serial)
    # Three werkdagen to the activation mail, then four to the first bookings.
    assert "ongeveer drie werkdagen" in text and "ongeveer vier werkdagen" in text and "vijf" not in text
