"""The whole onboarding across both apps: eAccounting, the portal's wizard, the bank's registration page."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
import requests

from client_sdk.eaccounting import CHEQUE_ACCOUNT
from client_sdk.eaccounting import EAccountingClient
from client_sdk.errors import InvalidRequestError
from client_sdk.headless import HeadlessUser
from client_sdk.portal import PortalWizard
from client_sdk.portal import WizardError
from tests.portal.conftest import EMPTY_BANK
from tests.portal.conftest import KVK_NUMBER

pytestmark = EMPTY_BANK

# The same test in-process (requests routed into the apps) and against a live server.
BOTH_FRONT_DOORS = pytest.mark.parametrize(
    "front_door",
    [pytest.param(door, marks=pytest.mark.mockbank(front_door=door), id=door) for door in ("inprocess", "server")],
)


@BOTH_FRONT_DOORS
def test_whole_onboarding_links_two_accounts(
    front_door, world, eaccounting, accounts, company, wizard, portal_sandbox, bank_sandbox
):
    assert world.front_door == front_door
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
    assert wizard.linked_accounts() == {
        company["current"]: "activation_scheduled",
        company["savings"]: "activation_scheduled",
    }
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
        company["current"]: "activation_scheduled",
        company["savings"]: "activation_scheduled",
    }
    assert eaccounting.bank_connection(accounts["savings"].id).link_state == "activation_scheduled"


def test_accounting_firm_client_needs_only_the_portal_link_and_serial(
    world, portal_sandbox, company, bank_sandbox, mockbank_session
):
    firm_admin = portal_sandbox.create_administration(
        company_name="Test BV Donald", kvk_number=KVK_NUMBER, accounting_firm="Boekhoudkantoor Kwik & Kwek"
    )
    firm = EAccountingClient(
        access_token=firm_admin["accessToken"], base_url=world.urls.eaccounting_api, session=mockbank_session
    )
    account = firm.create_bank_account(name="ABN AMRO", bank_account_type=CHEQUE_ACCOUNT, iban=company["current"])
    firm.enable_bank_connection(account.id)
    serial = firm.wait_for_serial(account.id, advance=lambda: world.advance(seconds=5))

    # The firm's screen names the portal link to pass on with the serial number.
    with requests.Session() as firm_browser_session:
        firm_browser = HeadlessUser(session=firm_browser_session)
        firm_browser.open(firm_admin["loginUrl"])
        firm_browser.open(f"{world.urls.eaccounting}/instellingen/kas-en-bankrekeningen/{account.id}/bankkoppeling")
        portal_link = firm_browser.page.find("a", id="portal-link")["href"]
        assert serial in firm_browser.page.find(id="connection-status").get_text()
    assert portal_link.startswith(world.urls.portal)

    # The client never logs in to eAccounting: a fresh browser, the link, and the serial.
    with requests.Session() as client_session:
        client = PortalWizard(
            portal_base=world.urls.portal,
            bank_auth_base=world.urls.bank_auth,
            user=HeadlessUser(session=client_session),
        )
        client.user.open(portal_link)
        client.user.follow_link("start")
        client.fill_details(kvk_number=KVK_NUMBER, serial_number=serial)
        client.fill_contact(name="Katrien Duck", email="katrien@example.nl")
        client.register_at_bank(
            software="Visma eAccounting", serial_number=serial, ibans=[company["current"]], **company["edentifier"]
        )
        client.next_after_consent()
        assert client.confirm_accounts() == {company["current"]: "activation_scheduled"}
    registration = portal_sandbox.timeline(serial)["registration"]
    assert registration["state"] == "accounts"
    assert registration["contactEmail"] == "katrien@example.nl"


def test_access_online_registration(at_bank_consent, company, portal_sandbox, serial):
    links = at_bank_consent.bank_links()
    assert links["access-online"].endswith("/internetbankieren/boekhoudkoppeling?login=access_online")
    at_bank_consent.register_at_bank(
        software="Visma eAccounting",
        serial_number=serial,
        ibans=[company["savings"]],
        login="access_online",
        **company["access_online"],
    )
    timeline = portal_sandbox.timeline(serial)
    assert [(link["iban"], link["state"], link["flow"]) for link in timeline["links"]] == [
        (company["savings"], "activation_scheduled", "bank")
    ]


def test_cancelled_registration_at_the_bank_links_nothing(
    at_bank_consent, company, portal_sandbox, bank_sandbox, serial
):
    message = at_bank_consent.register_at_bank(
        software="Visma eAccounting",
        serial_number=serial,
        ibans=[company["current"]],
        decision="cancel",
        **company["edentifier"],
    )
    assert "geannuleerd" in message
    assert bank_sandbox.consents() == []
    assert portal_sandbox.timeline(serial)["links"] == []
    at_bank_consent.user.open(at_bank_consent.portal_base + "/registratie/bankconsent")
    at_bank_consent.user.submit("form-bank-consent")
    assert at_bank_consent.current_step() == "bankconsent"
    assert any("nog geen toestemming" in m for m in at_bank_consent.user.messages())


def test_wrong_serial_at_the_bank_is_refused_and_nothing_is_half_linked(
    at_bank_consent, company, portal_sandbox, bank_sandbox, serial
):
    wrong = "1234567" if serial != "1234567" else "7654321"
    with pytest.raises(WizardError):
        at_bank_consent.register_at_bank(
            software="Visma eAccounting",
            serial_number=wrong,
            ibans=[company["current"], company["savings"]],
            **company["edentifier"],
        )
    refusal = at_bank_consent.text("registration-refused")
    assert f"serienummer) {wrong} is bij Visma onbekend" in refusal
    assert sorted(c["status"] for c in bank_sandbox.consents()) == ["rejected", "rejected"]
    assert portal_sandbox.timeline(serial)["links"] == []
    history = at_bank_consent.text("registration-history")
    assert "Geweigerd" in history


def test_registration_at_the_bank_before_the_wizard_is_refused(wizard, company, portal_sandbox, bank_sandbox, serial):
    with pytest.raises(WizardError):
        wizard.register_at_bank(
            software="Visma eAccounting", serial_number=serial, ibans=[company["current"]], **company["edentifier"]
        )
    assert "Doorloop eerst in de Visma-wizard" in wizard.text("registration-refused")
    assert [c["status"] for c in bank_sandbox.consents()] == ["rejected"]
    events = [e["state"] for e in portal_sandbox.timeline(serial)["registration"]["events"]]
    assert events == ["prepared", "bank_registration_refused"]


def test_unknown_software_and_missing_fields_at_the_bank(at_bank_consent, company, bank_sandbox, serial):
    user = at_bank_consent.user
    at_bank_consent.register_at_bank(
        software="Visma eAccounting", serial_number=serial, ibans=[company["current"]], **company["edentifier"]
    )
    user.open(at_bank_consent.bank_auth_base + "/internetbankieren/boekhoudkoppeling")
    token = user.page.find("form", id="form-accounting-link").find("input", attrs={"name": "csrf_token"})["value"]
    answer = user.session.post(
        at_bank_consent.bank_auth_base + "/internetbankieren/boekhoudkoppeling",
        data={"csrf_token": token, "software": "TPP_unknown", "serial_number": "", "decision": "approve"},
    )
    assert answer.status_code == 422
    assert "niet bekend bij ABN AMRO" in answer.text
    assert "Vul het klantnummer" in answer.text
    assert "Kies ten minste één rekening" in answer.text
    assert len(bank_sandbox.consents()) == 1  # only the first, delivered registration


def test_savings_without_own_iban_is_not_offered_at_the_bank(at_bank_consent, company, serial):
    at_bank_consent.register_at_bank(
        software="Visma eAccounting", serial_number=serial, ibans=[company["current"]], **company["edentifier"]
    )
    at_bank_consent.user.open(at_bank_consent.bank_auth_base + "/internetbankieren/boekhoudkoppeling")
    offered = [i["value"] for i in at_bank_consent.user.page.select("input[name=accounts]")]
    assert offered == [company["current"], company["savings"]]


@BOTH_FRONT_DOORS
def test_psd2_redirect_links_one_account_per_round_trip(front_door, at_bank_consent, company, portal_sandbox, serial):
    assert at_bank_consent.portal_base.startswith("https://") == (front_door == "inprocess")
    at_bank_consent.psd2(choose_iban=company["current"], **company["edentifier"])
    assert at_bank_consent.current_step() == "rekeningen"
    assert at_bank_consent.linked_accounts() == {company["current"]: "activation_scheduled"}
    # "Nog een rekening koppelen" repeats the round trip for the next account.
    at_bank_consent.psd2(choose_iban=company["savings"], **company["edentifier"])
    assert at_bank_consent.linked_accounts() == {
        company["current"]: "activation_scheduled",
        company["savings"]: "activation_scheduled",
    }
    flows = {link["iban"]: link["flow"] for link in portal_sandbox.timeline(serial)["links"]}
    assert flows == {company["current"]: "redirect", company["savings"]: "redirect"}


def test_psd2_cancelled_at_the_bank(at_bank_consent, company, portal_sandbox, bank_sandbox, serial):
    at_bank_consent.psd2(decision="cancel", **company["edentifier"])
    assert at_bank_consent.current_step() == "bankconsent"
    assert any("geannuleerd" in m for m in at_bank_consent.user.messages())
    timeline = portal_sandbox.timeline(serial)
    assert timeline["links"] == []
    assert timeline["registration"]["events"][-1]["state"] == "consent_cancelled"
    assert [c["status"] for c in bank_sandbox.consents()] == ["rejected"]


def test_callback_with_a_bad_signature_is_refused(world, at_bank_consent, portal_sandbox, serial, mockbank_session):
    body = json.dumps({"serialNumber": serial, "accounts": [{"iban": "NL91ABNA0417164300", "code": "x"}]}).encode()
    bank_client = portal_sandbox.bank_client()
    answer = mockbank_session.post(
        bank_client["callbackUrl"],
        data=body,
        headers={"Content-Type": "application/json", "X-Mockbank-Signature": "sha256=" + "0" * 64},
    )
    assert answer.status_code == 401
    assert answer.json()["Reason"] == "bad_signature"
    assert "handtekening" in answer.json()["ErrorMessage"]
    unsigned = mockbank_session.post(
        bank_client["callbackUrl"], data=body, headers={"Content-Type": "application/json"}
    )
    assert unsigned.status_code == 401
    assert portal_sandbox.timeline(serial)["links"] == []
    assert portal_sandbox.timeline(serial)["registration"]["state"] == "contact"


def test_callback_with_a_valid_signature_but_a_used_code_stores_nothing(
    world, at_bank_consent, portal_sandbox, serial, mockbank_session, company
):
    secret = world.portal_app.config["BANK_CALLBACK_SECRET"]
    body = json.dumps(
        {"serialNumber": serial, "accounts": [{"iban": company["current"], "code": "not-a-code"}]}
    ).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    answer = mockbank_session.post(
        portal_sandbox.bank_client()["callbackUrl"],
        data=body,
        headers={"Content-Type": "application/json", "X-Mockbank-Signature": signature},
    )
    assert answer.status_code == 502
    assert answer.json()["Reason"] == "token_exchange_failed"
    assert portal_sandbox.timeline(serial)["links"] == []


def test_unreachable_software_is_shown_and_links_nothing(at_bank_consent, company, bank_sandbox, serial, world):
    bank_sandbox.register_client(
        name="Boekhouder X",
        redirect_uris=["https://boekhouder-x.example/terug"],
        software_name="Boekhouder X",
        callback_url="https://boekhouder-x.example/registraties",
    )
    with pytest.raises(WizardError):
        at_bank_consent.register_at_bank(
            software="Boekhouder X", serial_number=serial, ibans=[company["current"]], **company["edentifier"]
        )
    assert "Boekhouder X is op dit moment niet bereikbaar" in at_bank_consent.text("registration-refused")
    assert [c["status"] for c in bank_sandbox.consents()] == ["rejected"]
    (made,) = at_bank_consent.user.session.get(world.urls.bank_api + "/sandbox/accounting-registrations").json()[
        "registrations"
    ]
    assert (made["status"], made["serialNumber"], made["ibans"]) == ("refused", serial, [company["current"]])


def test_a_repeated_delivery_gets_the_same_answer_and_reuses_no_code(
    world, at_bank_consent, portal_sandbox, serial, mockbank_session, company
):
    from mockbank.models import Account
    from mockbank.services import consent_rules as bank_consents

    bank = world.bank_backend
    client_id = world.portal_app.config["BANK_CLIENT_ID"]
    with bank.db.transaction() as session:
        account = session.query(Account).filter_by(iban=company["current"]).one()
        consent = bank.consents.create_consent(
            session,
            client_id=client_id,
            account_id=account.id,
            user_id=None,
            scopes=["psd2:account:details:read"],
            status=bank_consents.VALID,
        )
        bank.consents.save_code(
            session,
            code="c" * 40,
            client_id=client_id,
            consent_id=consent.id,
            redirect_uri=None,
            scope="psd2:account:details:read",
            code_challenge=None,
            code_challenge_method=None,
        )
    body = json.dumps({"serialNumber": serial, "accounts": [{"iban": company["current"], "code": "c" * 40}]}).encode()
    secret = world.portal_app.config["BANK_CALLBACK_SECRET"]
    headers = {
        "Content-Type": "application/json",
        "X-Mockbank-Signature": "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest(),
    }
    url = portal_sandbox.bank_client()["callbackUrl"]
    first = mockbank_session.post(url, data=body, headers=headers)
    second = mockbank_session.post(url, data=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert first.json()["accounts"] == [{"iban": company["current"], "state": "activation_scheduled"}]
    # The code was exchanged once: the portal's token still works (a replayed code would revoke it).
    (link,) = world.portal_app.extensions["consent_server"].registrations.by_serial(serial).links
    info = world.portal_app.extensions["consent_server"].bank.consent_info(link.access_token)
    assert info["iban"] == company["current"]


def test_a_bank_customer_with_another_kvk_number_is_refused(world, portal_sandbox, company, wizard, bank_sandbox):
    made = portal_sandbox.create_administration(
        company_name="Dagobert", bank_accounts=[{"Name": "ABN AMRO", "BankAccountType": 1, "Iban": company["current"]}]
    )
    eaccounting = EAccountingClient(access_token=made["accessToken"], base_url=world.urls.eaccounting_api)
    account = next(a for a in eaccounting.list_bank_accounts() if a.iban == company["current"])
    eaccounting.enable_bank_connection(account.id)
    serial = eaccounting.wait_for_serial(account.id, advance=lambda: world.advance(seconds=5))
    wizard.start(serial)
    wizard.fill_details(kvk_number="69599084", serial_number=serial)
    wizard.fill_contact(name="Dagobert Duck", email="dagobert@example.nl")
    with pytest.raises(WizardError):
        wizard.register_at_bank(
            software="Visma eAccounting", serial_number=serial, ibans=[company["current"]], **company["edentifier"]
        )
    assert "Het KvK-nummer bij de bank (68750110) hoort niet bij deze aanmelding (69599084)." in wizard.text(
        "registration-refused"
    )
    assert [c["status"] for c in bank_sandbox.consents()] == ["rejected"]
    assert portal_sandbox.timeline(serial)["links"] == []


def test_steps_one_to_five_in_the_browser(world, administration, company, wizard):
    browser = wizard.user
    browser.open(administration["loginUrl"])
    assert browser.title.startswith("Kas- en bankrekeningen")
    browser.follow_link("new-account")
    browser.submit(
        "form-account", {"name": "ABN AMRO", "account_type": "1", "iban": company["current"], "currency": "EUR"}
    )
    row = browser.page.find("td", string="Rekening-courant").find_parent("tr")
    assert [td.get_text(strip=True) for td in row.find_all("td")][:5] == [
        "ABN AMRO",
        "Rekening-courant",
        "EUR",
        "1100",
        "Geen",
    ]
    browser.open(f"{world.urls.eaccounting}/instellingen/kas-en-bankrekeningen/{row['data-id']}")
    browser.submit("form-enable-connection")
    assert browser.page.find(id="connection-status")["data-status"] == "preparing"
    world.advance(seconds=5)
    browser.open(browser.url)
    status = browser.page.find(id="connection-status")
    serial = status["data-serial"]
    assert f'Gebruik "{serial}" als klantnummer (serienummer) wanneer je daarom wordt gevraagd.' in status.get_text()
    browser.follow_link("start-wizard")
    assert "Koppel je bankrekening" in browser.title
    browser.follow_link("start")
    assert wizard.current_step() == "gegevens"
    assert browser.page.find(id="serial")["value"] == serial
