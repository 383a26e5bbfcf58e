"""The wizard's pages: the steps, every refusal at its field in Dutch, nothing stored half, resuming."""

from __future__ import annotations

import pytest
import requests

from client_sdk.headless import HeadlessUser
from client_sdk.portal import PortalWizard
from client_sdk.portal import WizardError
from tests.portal.conftest import EMPTY_BANK
from tests.portal.conftest import KVK_NUMBER

pytestmark = EMPTY_BANK


def states(portal_sandbox, serial):
    return [e["state"] for e in portal_sandbox.timeline(serial)["registration"]["events"]]


def test_start_page_shows_the_five_steps(wizard, world):
    wizard.user.open(world.urls.portal + "/")
    assert wizard.user.title.startswith("Koppel je bankrekening")
    steps = [li.get_text(strip=True) for li in wizard.user.page.select("ol.progress li")]
    assert steps == ["Gegevens", "Koppeling", "Bankconsent", "Rekeningen", "Klaar"]
    assert "Dit duurt ongeveer 2 minuten." in wizard.user.page.get_text()
    wizard.user.follow_link("start")
    assert wizard.current_step() == "gegevens"


def test_bank_list_is_empty_until_a_product_is_chosen(wizard, serial):
    wizard.start(serial)
    page = wizard.user.page
    assert [o["value"] for o in page.select("#bank option")] == [""]
    assert wizard.text("bank-hint") == "Kies eerst het te koppelen product."
    assert page.find(id="serial")["value"] == serial
    wizard.user.submit("form-details", {"kvk_number": KVK_NUMBER, "product": "eaccounting"}, button="refresh")
    page = wizard.user.page
    assert [(o["value"], o.get_text()) for o in page.select("#bank option")] == [
        ("", "— Kies je bank —"),
        ("abnamro", "ABN AMRO"),
    ]
    assert page.find(id="company_name")["value"] == "Test BV Donald"
    # Kept in the page (its script shows it again when the product is cleared), hidden.
    assert page.find(id="bank-hint").has_attr("hidden")
    assert wizard.field_errors() == {}


def test_missing_terms_are_refused_at_their_fields_and_nothing_is_stored(wizard, serial, portal_sandbox):
    wizard.start(serial)
    with pytest.raises(WizardError) as refused:
        wizard.fill_details(
            kvk_number=KVK_NUMBER, serial_number=serial, accept_service_terms=False, accept_privacy=False
        )
    assert refused.value.field_errors == {
        "terms_service": "Ga akkoord met de Servicevoorwaarden van Visma Software.",
        "terms_privacy": "Ga akkoord met het Privacybeleid van Visma Software.",
    }
    assert wizard.user.response.status_code == 422
    page = wizard.user.page
    assert page.find(id="kvk_number")["value"] == KVK_NUMBER and page.find(id="serial")["value"] == serial
    assert page.find(id="company_name")["value"] == "Test BV Donald"
    assert states(portal_sandbox, serial) == ["prepared"]


@pytest.mark.parametrize(
    ("kvk_number", "message"),
    [
        ("12345678", "Dit KvK-nummer is niet gevonden in het Handelsregister."),
        ("1234", "Een KvK-nummer bestaat uit 8 cijfers."),
        ("90004973", "Het KvK-register is op dit moment niet bereikbaar. Probeer het later opnieuw."),
        ("", "Vul het KvK-nummer in."),
        ("69599084", "Dit KvK-nummer hoort niet bij de administratie van dit licentienummer."),
    ],
)
def test_kvk_number_refusals(wizard, serial, portal_sandbox, kvk_number, message):
    wizard.start(serial)
    with pytest.raises(WizardError) as refused:
        wizard.fill_details(kvk_number=kvk_number, serial_number=serial)
    assert refused.value.field_errors == {"kvk_number": message}
    assert states(portal_sandbox, serial) == ["prepared"]


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Vul het licentienummer of de aanmeldcode in."),
        ("12345", "Een licentienummer bestaat uit 7 cijfers."),
        ("WRONG", "Een licentienummer bestaat uit 7 cijfers."),
        ("unknown", "Dit licentienummer is onbekend."),
    ],
)
def test_serial_refusals(wizard, serial, typed, message):
    if typed == "unknown":
        typed = "1111111" if serial != "1111111" else "2222222"
    wizard.start()
    with pytest.raises(WizardError) as refused:
        wizard.fill_details(kvk_number=KVK_NUMBER, serial_number=typed)
    assert refused.value.field_errors["serial"].startswith(message)


def test_no_product_means_no_bank(wizard, serial):
    wizard.start(serial)
    wizard.user.submit(
        "form-details",
        {"kvk_number": KVK_NUMBER, "serial": serial, "terms_service": True, "terms_privacy": True},
        button="submit",
    )
    assert wizard.field_errors() == {
        "product": "Kies het te koppelen product.",
        "bank": "Kies eerst het te koppelen product.",
    }


@pytest.mark.parametrize(
    ("name", "email", "errors"),
    [
        ("", "", {"name": "Vul je voor- en achternaam in.", "email": "Vul je e-mailadres in."}),
        ("Donald", "donald@example.nl", {"name": "Vul zowel je voornaam als je achternaam in."}),
        ("Donald Duck", "donald@", {"email": "Vul een geldig e-mailadres in, bijvoorbeeld naam@bedrijf.nl."}),
    ],
)
def test_contact_refusals(wizard, serial, portal_sandbox, name, email, errors):
    wizard.start(serial)
    wizard.fill_details(kvk_number=KVK_NUMBER, serial_number=serial)
    with pytest.raises(WizardError) as refused:
        wizard.fill_contact(name=name, email=email)
    assert refused.value.field_errors == errors
    assert wizard.user.page.find(id="name")["value"] == name
    assert states(portal_sandbox, serial) == ["prepared", "details"]


def test_the_wizard_resumes_at_the_step_reached(at_bank_consent, serial, world, portal_sandbox):
    assert states(portal_sandbox, serial) == ["prepared", "details", "contact"]
    timeline = portal_sandbox.timeline(serial)["registration"]
    assert (timeline["contactName"], timeline["contactEmail"]) == ("Donald Duck", "donald@example.nl")
    # Later steps cannot be skipped to.
    at_bank_consent.user.open(world.urls.portal + "/registratie/klaar")
    assert at_bank_consent.current_step() == "bankconsent"
    # Vorige goes back with the answers kept.
    at_bank_consent.user.follow_link("previous")
    assert at_bank_consent.current_step() == "koppeling"
    assert at_bank_consent.user.page.find(id="email")["value"] == "donald@example.nl"
    # Another browser with the link and the serial continues where the registration is.
    with requests.Session() as other:
        again = PortalWizard(
            portal_base=world.urls.portal, bank_auth_base=world.urls.bank_auth, user=HeadlessUser(session=other)
        )
        again.start(serial)
        again.fill_details(kvk_number=KVK_NUMBER, serial_number=serial, expect="bankconsent")
        progress = {li["data-step"]: li.get("class", []) for li in again.user.page.select("ol.progress li")}
        assert progress["gegevens"] == ["done"] and progress["koppeling"] == ["done"]
        assert progress["bankconsent"] == ["current"] and progress["rekeningen"] == []
    assert states(portal_sandbox, serial) == ["prepared", "details", "contact"]


def test_bankconsent_step_explains_and_links_to_the_bank(at_bank_consent, world, serial):
    page = at_bank_consent.user.page
    text = page.get_text(" ", strip=True)
    assert "Voor ABN AMRO moet je de aanmelding of wijziging starten vanuit de applicatie van de bank." in text
    assert at_bank_consent.text("serial-number") == serial
    links = at_bank_consent.bank_links()
    assert links["bank-registration"] == world.urls.bank_auth + "/internetbankieren/boekhoudkoppeling"
    assert page.find("a", id="previous") is not None


def test_steps_need_a_registration_and_a_forged_return_from_the_bank_is_refused(wizard, world):
    wizard.user.open(world.urls.portal + "/registratie/rekeningen")
    assert wizard.current_step() == "gegevens"
    assert "Vul eerst de gegevens in." in wizard.user.messages()
    wizard.user.open(world.urls.portal + "/registratie/bank/terug?state=forged&code=abc")
    assert "Deze terugkeer van de bank is ongeldig of al verwerkt. Start opnieuw." in wizard.user.messages()
