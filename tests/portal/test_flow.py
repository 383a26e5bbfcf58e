"""The whole onboarding across both apps: eAccounting, the portal's wizard, the bank's registration page."""

from __future__ import annotations

import pytest

from client_sdk.errors import InvalidRequestError
from tests.portal.conftest import EMPTY_BANK
from tests.portal.conftest import KVK_NUMBER

pytestmark = EMPTY_BANK


def test_whole_onboarding_links_two_accounts(
    world, eaccounting, accounts, company, wizard, portal_sandbox, bank_sandbox
):
    with pytest.raises(InvalidRequestError) as refused:
        eaccounting.enable_bank_connection(accounts["cash"].id)
    assert refused.value.status == 409
    assert "kasrekening kan niet" in refused.value.dutch_message.lower()

    enabled = eaccounting.enable_bank_connection(accounts["current"].id)
    assert enabled.status == "Preparing" and enabled.serial_number is None
    serial = eaccounting.wait_for_serial(accounts["current"].id, advance=lambda: world.advance(seconds=5))
    assert len(serial) == 7 and serial.isdigit()

    world.advance(minutes=3)
    wizard.start(serial)
    wizard.fill_details(kvk_number=KVK_NUMBER, serial_number=serial)
    world.advance(minutes=1)
    wizard.fill_contact(name="Donald Duck", email="donald@example.nl")
    assert wizard.current_step() == "bankconsent"

    world.advance(minutes=2)
    message = wizard.register_at_bank(
        software="Visma eAccounting",
        serial_number=serial,
        ibans=[company["current"], company["savings"]],
        **company["edentifier"],
    )
    assert "doorgegeven aan Visma eAccounting" in message

    wizard.next_after_consent()
    assert wizard.linked_accounts() == {company["current"]: "consented", company["savings"]: "consented"}
    world.advance(minutes=1)
    wizard.confirm_accounts()
    assert "vijf werkdagen" in wizard.text("next-steps")
    wizard.finish()

    consents = (
        [c for c in bank_sandbox.consents() if c["account"] in (company["current"], company["savings"])]
        if False
        else bank_sandbox.consents()
    )
    assert sorted(c["status"] for c in consents) == ["valid", "valid"]

    timeline = portal_sandbox.timeline(serial)
    assert timeline["registration"]["state"] == "done"
    steps = [(e["subject"], e["state"]) for e in timeline["events"]]
    assert steps[0] == ("bankaccount", "connection_requested")
    for step in ("prepared", "details", "contact", "bank_consent", "accounts", "done"):
        assert ("registration", step) in steps
    assert steps.count(("link", "requested")) == 2 and steps.count(("link", "consented")) == 2
    times = [e["at"] for e in timeline["events"]]
    assert times == sorted(times) and len(set(times)) >= 5
    assert {link["iban"]: link["state"] for link in timeline["links"]} == {
        company["current"]: "consented",
        company["savings"]: "consented",
    }
    assert eaccounting.bank_connection(accounts["savings"].id).link_state == "consented"
