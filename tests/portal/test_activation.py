"""After the bank's consent: the activation mail five werkdagen later, the single-use link, the first import.

The clock is frozen; every step moves it through the sandbox API, so a test fast-forwards weeks in
milliseconds and runs the same in-process and against a live server.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from client_sdk.errors import NotFoundError
from client_sdk.portal import WizardError
from mockbank.sim.calendar import AMSTERDAM
from tests.portal.conftest import EMPTY_BANK

pytestmark = EMPTY_BANK

BOTH_FRONT_DOORS = pytest.mark.parametrize(
    "front_door",
    [pytest.param(door, marks=pytest.mark.mockbank(front_door=door), id=door) for door in ("inprocess", "server")],
)
# Thursday 23 April 2026, 10:00 in Amsterdam: Koningsdag (Monday 27 April) lies within the next five werkdagen.
BEFORE_KONINGSDAG = pytest.mark.mockbank(start="2026-04-23T10:00:00")
CONTACT = "donald@example.nl"


def local(moment: str) -> dt.datetime:
    """An ISO time from the API, in Amsterdam."""
    return dt.datetime.fromisoformat(moment).astimezone(AMSTERDAM)


def consent_current_account(wizard, company, serial) -> None:
    """Register the Rekening-courant at the bank and finish the wizard (the link is then ``activation_scheduled``)."""
    wizard.register_at_bank(
        software="Visma eAccounting", serial_number=serial, ibans=[company["current"]], **company["edentifier"]
    )
    wizard.next_after_consent()
    wizard.confirm_accounts()
    wizard.finish()


def link_states(portal_sandbox, serial) -> dict[str, str]:
    """IBAN → link state from the timeline."""
    return {link["iban"]: link["state"] for link in portal_sandbox.timeline(serial)["links"]}


@BOTH_FRONT_DOORS
@BEFORE_KONINGSDAG
def test_from_consent_to_active_in_simulated_weeks(
    front_door, world, at_bank_consent, company, serial, portal_sandbox, bank_sandbox, eaccounting, accounts
):
    consent_current_account(at_bank_consent, company, serial)
    assert link_states(portal_sandbox, serial) == {company["current"]: "activation_scheduled"}

    # Four werkdagen later (Koningsdag skipped) there is no mail yet.
    portal_sandbox.advance(working_days=4)
    assert local(portal_sandbox.clock()["now"]).date() == dt.date(2026, 4, 30)
    assert portal_sandbox.outbox(to=CONTACT) == []

    # The fifth werkdag is Friday 1 May, not Thursday 30 April: the holiday moved it.
    portal_sandbox.advance(working_days=1)
    mail = portal_sandbox.latest_mail(to=CONTACT)
    sent = local(mail["sentAt"])
    assert (sent.date(), sent.hour) == (dt.date(2026, 5, 1), 10)
    assert mail["kind"] == "activation" and company["current"] in mail["subject"]
    assert "Zonder activatie wordt de koppeling niet actief" in mail["text"]
    assert "Maak een cent over" in mail["text"]
    assert link_states(portal_sandbox, serial) == {company["current"]: "activation_sent"}
    [activate] = [link["url"] for link in mail["links"] if link["kind"] == "activate"]
    assert activate.startswith(world.urls.portal + "/activeren/")

    assert at_bank_consent.activate(activate) == "activated"
    assert link_states(portal_sandbox, serial) == {company["current"]: "activated"}
    assert eaccounting.get_bank_account(accounts["current"].id).has_active_bank_agreement is False

    # The tip: one cent from the savings account to the current account, right after activation.
    bank_sandbox.transfer(
        debtor_iban=company["savings"], creditor_iban=company["current"], amount="0.01", description="Eén cent"
    )
    # The first bookings arrive no earlier than five werkdagen after activation (Friday 8 May, 10:00);
    # the daily import at 06:00 that morning is too early, the one on Saturday 9 May brings the cent.
    portal_sandbox.advance(to="2026-05-08T09:00:00")
    assert link_states(portal_sandbox, serial) == {company["current"]: "activated"}
    assert portal_sandbox.imports(iban=company["current"]) == []
    portal_sandbox.advance(to="2026-05-09T07:00:00")
    assert link_states(portal_sandbox, serial) == {company["current"]: "active"}

    account = eaccounting.get_bank_account(accounts["current"].id)
    assert account.has_active_bank_agreement is True
    [booking] = eaccounting.unmatched_transactions(accounts["current"].id, from_date="2026-05-01", to_date="2026-05-31")
    assert booking.transaction_amount == Decimal("0.01") and booking.transaction_date == dt.date(2026, 5, 1)
    assert portal_sandbox.latest_mail(to=CONTACT)["kind"] == "link_active"

    timeline = portal_sandbox.timeline(serial)
    [link] = timeline["links"]
    assert [e["state"] for e in link["events"]] == [
        "requested",
        "consented",
        "activation_scheduled",
        "activation_sent",
        "activated",
        "active",
    ]
    assert [e["state"] for e in timeline["events"] if e["subject"] == "mail"] == ["activation", "link_active"]


@BEFORE_KONINGSDAG
def test_an_account_without_bookings_stays_activated_until_one_arrives(
    world, at_bank_consent, company, serial, portal_sandbox, bank_sandbox
):
    consent_current_account(at_bank_consent, company, serial)
    portal_sandbox.advance(working_days=5)
    at_bank_consent.activate(portal_sandbox.latest_mail(kind="activation")["links"][0]["url"])

    portal_sandbox.advance(days=14)
    runs = portal_sandbox.imports(iban=company["current"])
    assert runs and all(r["outcome"] == "ok" and r["imported"] == 0 for r in runs)
    assert link_states(portal_sandbox, serial) == {company["current"]: "activated"}

    bank_sandbox.transfer(debtor_iban=company["current"], creditor_iban=company["savings"], amount="0.01")
    portal_sandbox.advance(days=1)
    assert link_states(portal_sandbox, serial) == {company["current"]: "active"}
    assert portal_sandbox.imports(iban=company["current"])[0]["imported"] == 1


@BEFORE_KONINGSDAG
def test_the_activation_link_works_once(world, at_bank_consent, company, serial, portal_sandbox, mockbank_session):
    consent_current_account(at_bank_consent, company, serial)
    portal_sandbox.advance(working_days=5)
    url = portal_sandbox.latest_mail(kind="activation")["links"][0]["url"]
    at_bank_consent.activate(url)

    with pytest.raises(WizardError, match="al gebruikt"):
        at_bank_consent.activate(url)
    assert at_bank_consent.user.response.status_code == 410
    assert mockbank_session.get(url + "x").status_code == 404
    assert link_states(portal_sandbox, serial) == {company["current"]: "activated"}


@BEFORE_KONINGSDAG
def test_never_clicked_the_link_stays_inactive_then_expires_and_a_new_link_works(
    world, at_bank_consent, company, serial, portal_sandbox, bank_sandbox
):
    consent_current_account(at_bank_consent, company, serial)
    portal_sandbox.advance(working_days=5)
    first = portal_sandbox.latest_mail(kind="activation")["links"][0]["url"]
    bank_sandbox.transfer(debtor_iban=company["savings"], creditor_iban=company["current"], amount="0.01")

    # Whatever else happens, a link that was never activated is not imported.
    portal_sandbox.advance(days=13)
    assert link_states(portal_sandbox, serial) == {company["current"]: "activation_sent"}
    assert portal_sandbox.imports() == []

    portal_sandbox.advance(days=1)
    assert link_states(portal_sandbox, serial) == {company["current"]: "expired"}
    expired = portal_sandbox.latest_mail(to=CONTACT)
    assert expired["kind"] == "activation_expired" and "verlopen" in expired["subject"]
    renew = next(link["url"] for link in expired["links"] if link["kind"] == "renew")

    with pytest.raises(WizardError, match="verlopen"):
        at_bank_consent.activate(first)
    assert "nieuwe activatielink" in at_bank_consent.request_new_activation_link(renew)
    second = portal_sandbox.latest_mail(kind="activation")
    assert second["links"][0]["url"] != first
    assert link_states(portal_sandbox, serial) == {company["current"]: "activation_sent"}

    assert at_bank_consent.activate(second["links"][0]["url"]) == "activated"
    portal_sandbox.advance(working_days=6)
    # The cent booked before activation is not imported: the import starts on the activation day.
    assert link_states(portal_sandbox, serial) == {company["current"]: "activated"}


@pytest.mark.mockbank(portal_config={"ACTIVATION_MAIL_WORKING_DAYS": 2, "FIRST_IMPORT_WORKING_DAYS": 1})
def test_the_delays_follow_their_settings(world, at_bank_consent, company, serial, portal_sandbox, bank_sandbox):
    consent_current_account(at_bank_consent, company, serial)
    portal_sandbox.advance(working_days=1)
    assert portal_sandbox.outbox(kind="activation") == []
    portal_sandbox.advance(working_days=1)
    at_bank_consent.activate(portal_sandbox.latest_mail(kind="activation")["links"][0]["url"])
    bank_sandbox.transfer(debtor_iban=company["savings"], creditor_iban=company["current"], amount="0.01")
    portal_sandbox.advance(working_days=1)
    portal_sandbox.advance(hours=21)
    assert link_states(portal_sandbox, serial) == {company["current"]: "active"}


def test_the_outbox_filters_and_clears(world, at_bank_consent, company, serial, portal_sandbox, mockbank_session):
    consent_current_account(at_bank_consent, company, serial)
    portal_sandbox.advance(working_days=5)
    assert [m["kind"] for m in portal_sandbox.outbox(to="DONALD@example.nl")] == ["activation"]
    assert portal_sandbox.outbox(subject="ACTIVEER") and not portal_sandbox.outbox(subject="verlopen")
    assert portal_sandbox.outbox(to="someone@else.nl") == []

    page = mockbank_session.get(world.urls.portal + "/outbox")
    assert page.status_code == 200 and "Activeer de bankkoppeling" in page.text
    mail = portal_sandbox.latest_mail()
    assert portal_sandbox.mail(mail["id"]) == mail
    detail = mockbank_session.get(f"{world.urls.portal}/outbox/{mail['id']}")
    assert mail["links"][0]["url"] in detail.text

    assert portal_sandbox.clear_outbox() == 1
    assert portal_sandbox.outbox() == []
    with pytest.raises(NotFoundError):
        portal_sandbox.latest_mail()
