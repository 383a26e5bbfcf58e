"""What a partner walking the help article found wrong, fixed: promised dates the jobs keep, ways back, a PSD2 account
eAccounting lacks, Bankmutaties, forms that show every error, and the words on the pages."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urljoin

import pytest

from client_sdk.eaccounting import CHEQUE_ACCOUNT
from client_sdk.headless import HeadlessUser
from mockbank.sim.calendar import AMSTERDAM
from tests.portal.conftest import EMPTY_BANK

pytestmark = [EMPTY_BANK, pytest.mark.mockbank(start="2026-03-02T10:00:00")]  # a Monday morning


def local(moment: str) -> dt.datetime:
    return dt.datetime.fromisoformat(moment).astimezone(AMSTERDAM)


def consent(wizard, company, serial, ibans) -> str | None:
    """The bank's registration of ``ibans``, then Rekeningen and Klaar; returns the bank's message."""
    message = wizard.register_at_bank(
        software="Visma eAccounting", serial_number=serial, ibans=ibans, **company["edentifier"]
    )
    return message


def finish(wizard) -> None:
    wizard.next_after_consent()
    wizard.confirm_accounts()
    wizard.finish()


@pytest.fixture
def eaccounting_user(world, administration, mockbank_session):
    """A browser logged in to eAccounting as ``administration``."""
    user = HeadlessUser(session=mockbank_session)
    user.open(administration["loginUrl"])
    return user


def account_page(world, account_id: str) -> str:
    return f"{world.urls.eaccounting}/instellingen/kas-en-bankrekeningen/{account_id}"


# --- dates that hold -----------------------------------------------------------------------------------------


def test_the_promised_first_transactions_date_is_the_day_the_first_import_runs(
    world, at_bank_consent, company, serial, portal_sandbox, bank_sandbox, eaccounting_user
):
    consent(at_bank_consent, company, serial, [company["current"]])
    finish(at_bank_consent)
    portal_sandbox.advance(working_days=5)
    url = portal_sandbox.latest_mail(kind="activation")["links"][0]["url"]
    assert at_bank_consent.activate(url) == "activated"
    page = at_bank_consent.user.page
    promised = local(page.find(id="first-import")["data-at"])
    assert "vanaf 17 maart 2026" in page.find(id="first-import").get_text()
    bank_sandbox.transfer(debtor_iban=company["savings"], creditor_iban=company["current"], amount="0.01")

    # Five werkdagen after Monday 9 March 10:00 is Monday 16 March 10:00: that day's 06:00 run is too early.
    portal_sandbox.advance(to=(promised - dt.timedelta(minutes=1)).isoformat())
    assert portal_sandbox.imports(iban=company["current"]) == []
    portal_sandbox.advance(to=promised.isoformat())
    (first,) = portal_sandbox.imports(iban=company["current"])
    assert local(first["startedAt"]) == promised == dt.datetime(2026, 3, 17, 6, 0, tzinfo=AMSTERDAM)
    assert first["imported"] == 1


def test_every_waiting_state_shows_its_expected_date(
    world, at_bank_consent, company, serial, portal_sandbox, eaccounting_user, accounts
):
    consent(at_bank_consent, company, serial, [company["current"]])
    at_bank_consent.next_after_consent()
    mail_job = next(j for j in portal_sandbox.jobs(status="pending") if j["kind"] == "activation.send")

    # The wizard's Rekeningen step.
    row = at_bank_consent.user.page.select_one(f"#linked-accounts tr[data-iban='{company['current']}']")
    expected = row.select_one("td.expected")
    assert expected["data-kind"] == "activation_mail" and expected["data-at"] == mail_job["dueAt"]
    assert expected.get_text(strip=True) == "Activatiemail: 9 maart 2026"
    # eAccounting's account page.
    eaccounting_user.open(account_page(world, accounts["current"].id))
    cell = eaccounting_user.page.find(id="link-expected")
    assert cell["data-kind"] == "activation_mail" and cell.get_text(strip=True) == "09-03-2026 10:00"
    # And in the table of Kas- en bankrekeningen.
    eaccounting_user.open(f"{world.urls.eaccounting}/instellingen/kas-en-bankrekeningen")
    listed = eaccounting_user.page.select_one(f"#bank-accounts tr[data-id='{accounts['current'].id}'] .expected")
    assert listed.get_text(strip=True) == "Activatiemail: 09-03-2026 10:00"

    finish(at_bank_consent)
    portal_sandbox.advance(working_days=5)
    eaccounting_user.open(account_page(world, accounts["current"].id))
    cell = eaccounting_user.page.find(id="link-expected")
    assert cell["data-kind"] == "activation" and cell.get_text(strip=True) == "23-03-2026 10:00"


def test_preparing_the_serial_says_when_it_is_ready(world, eaccounting_user, eaccounting, company):
    account = eaccounting.create_bank_account(
        name="ABN AMRO", bank_account_type=CHEQUE_ACCOUNT, iban=company["current"]
    )
    eaccounting_user.open(account_page(world, account.id))
    eaccounting_user.submit("form-enable-connection")

    assert eaccounting_user.page.find(id="connection-status")["data-status"] == "preparing"
    assert (
        eaccounting_user.page.find(id="connection-expected")
        .get_text(" ", strip=True)
        .startswith("Het serienummer is klaar om 02-03-2026 10:00")
    )


# --- ways back ----------------------------------------------------------------------------------------------------


def test_the_banks_confirmation_leads_back_to_the_wizard(at_bank_consent, company, serial):
    consent(at_bank_consent, company, serial, [company["current"]])
    back = at_bank_consent.user.page.find(id="registration-return")

    assert back.get_text(strip=True) == "Terug naar Visma eAccounting"
    assert back["href"].endswith(f"/registratie/rekeningen?licentienummer={serial}")
    at_bank_consent.user.open(back["href"])
    assert at_bank_consent.current_step() == "rekeningen"
    assert at_bank_consent.linked_accounts() == {company["current"]: "activation_scheduled"}


def test_klaar_and_the_activation_page_lead_to_eaccounting(
    world, at_bank_consent, company, serial, portal_sandbox, accounts
):
    consent(at_bank_consent, company, serial, [company["current"]])
    finish(at_bank_consent)
    assert at_bank_consent.user.page.find(id="to-eaccounting")["href"] == (
        f"{world.urls.eaccounting}/instellingen/kas-en-bankrekeningen"
    )

    portal_sandbox.advance(working_days=5)
    at_bank_consent.activate(portal_sandbox.latest_mail(kind="activation")["links"][0]["url"])
    assert at_bank_consent.user.page.find(id="to-eaccounting")["href"] == account_page(world, accounts["current"].id)


def test_the_accounting_firms_link_carries_the_serial(world, eaccounting_user, accounts, serial):
    eaccounting_user.open(account_page(world, accounts["current"].id) + "/bankkoppeling")

    assert eaccounting_user.page.find(id="portal-link")["href"] == f"{world.urls.portal}/?licentienummer={serial}"


# --- the PSD2 route and the administration's accounts -------------------------------------------------------------


def test_a_psd2_account_eaccounting_lacks_is_refused_its_consent_revoked_and_adding_it_offered(
    world, at_bank_consent, company, serial, portal_sandbox, bank_sandbox, eaccounting_user
):
    other = bank_sandbox.open_account(customer_id=company["customer"]["id"], product="current", balance="10.00")

    at_bank_consent.psd2(choose_iban=other["iban"], **company["edentifier"])

    assert at_bank_consent.current_step() == "bankconsent"
    messages = " ".join(at_bank_consent.user.messages())
    assert f"Rekening {other['iban']} staat niet bij de kas- en bankrekeningen" in messages
    offer = at_bank_consent.user.page.find(id="add-missing-account")
    assert offer["href"] == (f"{world.urls.eaccounting}/instellingen/kas-en-bankrekeningen/nieuw?iban={other['iban']}")
    assert portal_sandbox.timeline(serial)["links"] == []
    (given,) = [c for c in bank_sandbox.consents() if c["iban"] == other["iban"]]
    assert given["status"] == "terminatedByTpp"
    assert portal_sandbox.outbox() == []
    # The offer opens eAccounting's new account form with the IBAN filled in (for whoever is logged in there).
    eaccounting_user.open(offer["href"])
    assert eaccounting_user.page.find(id="iban")["value"] == other["iban"]


def test_a_psd2_account_eaccounting_has_is_linked(at_bank_consent, company, serial, portal_sandbox):
    at_bank_consent.psd2(choose_iban=company["savings"], **company["edentifier"])

    assert {link["iban"]: link["state"] for link in portal_sandbox.timeline(serial)["links"]} == {
        company["savings"]: "activation_scheduled"
    }


# --- eAccounting's pages --------------------------------------------------------------------------------------------


def test_eaccountings_own_address_opens_eaccounting_not_the_wizard(world, mockbank_session, administration):
    user = HeadlessUser(session=mockbank_session)
    user.open(f"{world.urls.eaccounting}/")
    assert user.page.find("h1").get_text(strip=True) == "Kies een administratie"
    user.open(f"{world.urls.portal}/")
    assert user.page.find("h1").get_text(strip=True) == "Koppel je bankrekening"


def test_the_kasrekening_says_it_cannot_be_linked_and_offers_no_button(world, eaccounting_user, accounts):
    eaccounting_user.open(account_page(world, accounts["cash"].id))

    assert "Een kasrekening kan niet aan de bank worden gekoppeld" in eaccounting_user.text()
    assert not eaccounting_user.has_form("form-enable-connection")


def test_bankmutaties_is_a_page_of_its_own_per_account(world, eaccounting_user, accounts):
    eaccounting_user.open(account_page(world, accounts["current"].id))
    eaccounting_user.follow_link("bankmutaties-link")

    page = eaccounting_user.page
    assert page.find("h1").get_text(strip=True) == "Bankmutaties"
    assert page.find(id="transactions-empty").get_text(strip=True) == "Er zijn nog geen bankmutaties."
    chosen = page.select_one("#rekening option[selected]")
    assert chosen["value"] == accounts["current"].id
    assert [o["value"] for o in page.select("#rekening option")] == [accounts["current"].id, accounts["savings"].id]
    eaccounting_user.submit("form-transactions-filter", {"rekening": accounts["savings"].id, "van": "2026-03-01"})
    assert eaccounting_user.url.endswith(f"/bankmutaties/{accounts['savings'].id}?van=2026-03-01")
    assert "in deze periode" in eaccounting_user.page.find(id="transactions-empty").get_text()


def test_the_account_form_shows_every_error_at_once_and_focuses_the_first(world, eaccounting_user):
    eaccounting_user.open(f"{world.urls.eaccounting}/instellingen/kas-en-bankrekeningen/nieuw")
    eaccounting_user.submit(
        "form-account", {"name": "", "account_type": "1", "iban": "NL00 NONSENSE", "currency": "EURO"}
    )

    page = eaccounting_user.page
    assert eaccounting_user.response.status_code == 422
    summary = [(a["href"], a.get_text(strip=True)) for a in page.select("#error-summary a")]
    assert summary == [
        ("#name", "Vul een naam in."),
        ("#iban", "Dit IBAN is niet geldig."),
        ("#currency", "Kies een geldige valuta."),
    ]
    for field in ("name", "iban", "currency"):
        assert page.find(id=field)["aria-invalid"] == "true"
        assert f"{field}-error" in page.find(id=field)["aria-describedby"].split()
    assert page.find(id="name").has_attr("autofocus") and not page.find(id="iban").has_attr("autofocus")
    assert page.find(id="iban")["aria-describedby"] == "iban-hint iban-error"


def test_the_wizards_errors_come_all_at_once_with_a_summary(wizard, serial):
    wizard.start(serial)
    wizard.user.submit("form-details", {"kvk_number": "", "serial": serial}, button="submit")

    page = wizard.user.page
    summary = [a["href"] for a in page.select("#error-summary a")]
    assert summary == ["#kvk_number", "#product", "#bank", "#terms_service", "#terms_privacy"]
    assert page.find(id="kvk_number").has_attr("autofocus")
    assert page.find(id="bank")["aria-describedby"] == "bank-error"
    assert page.find(id="product")["data-banks"] == '{"eaccounting": [["abnamro", "ABN AMRO"]]}'


# --- words ----------------------------------------------------------------------------------------------------------


def test_dutch_plurals_and_dutch_words(world, at_bank_consent, company, serial, portal_sandbox, mockbank_session):
    consent(at_bank_consent, company, serial, [company["current"]])
    at_bank_consent.next_after_consent()

    pricing = at_bank_consent.text("pricing")
    assert pricing.startswith("1 gekoppelde rekening.") and "rekening(en)" not in pricing
    finish(at_bank_consent)
    assert "De bank heeft toestemming gegeven voor 1 rekening:" in at_bank_consent.user.text()
    portal_sandbox.advance(working_days=5)
    reader = HeadlessUser(session=mockbank_session)
    reader.open(world.urls.outbox)
    assert "alleen in de outbox" in reader.text() and "stored" not in reader.text()
    mail_id = portal_sandbox.latest_mail(kind="activation")["id"]
    reader.open(f"{world.urls.outbox}/{mail_id}")
    assert reader.page.find(id="delivery").get_text(strip=True) == "alleen in de outbox"


def test_every_screen_has_a_favicon(world, mockbank_session, administration):
    user = HeadlessUser(session=mockbank_session)
    for url in (administration["loginUrl"], f"{world.urls.portal}/", f"{world.urls.bank_auth}/inloggen"):
        user.open(url)
        icon = user.page.find("link", rel="icon")
        assert icon is not None and re.search(r"favicon\.svg$", icon["href"]), url
        assert user.session.get(urljoin(user.url, icon["href"])).headers["Content-Type"].startswith("image/svg")
