"""The whole onboarding in Chromium, as a partner rehearses it: eAccounting, the wizard, the bank, the activation."""

from __future__ import annotations

from tests.browser.steps import onboard_to_activated


def test_the_whole_onboarding_by_clicking(page, server, portal, company):
    onboarded = onboard_to_activated(page, server, portal, company)

    links = portal.timeline(onboarded["serial"])["links"]
    assert {link["iban"]: link["state"] for link in links} == {company["current"]: "activated"}
