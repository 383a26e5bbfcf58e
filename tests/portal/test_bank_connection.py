"""The "Schakel bankkoppeling in" button: who may, the preparation job, the serial number, and eAccounting's pages."""

from __future__ import annotations

import re

import pytest

from consent_server import create_app

ABN_IBAN = "NL91ABNA0417164300"
SAVINGS_IBAN = "NL02ABNA0123456789"
ING_IBAN = "NL69INGB0123456789"


@pytest.fixture
def admin(api):
    """An administration; the test client is logged in to it."""
    made = api.post("/sandbox/administrations", json={"companyName": "Test BV Donald", "kvkNumber": "68750110"}).json
    assert api.get(made["loginUrl"].split("vismaonline.com", 1)[1]).status_code == 302
    return made


def headers(admin) -> dict:
    return {"Authorization": f"Bearer {admin['accessToken']}"}


def create(api, admin, **fields) -> dict:
    answer = api.post("/v2/bankaccounts", headers=headers(admin), json=fields)
    assert answer.status_code == 201, answer.json
    return answer.json


def accounts_by_name(api, admin) -> dict:
    return {a["Name"]: a for a in api.get("/v2/bankaccounts", headers=headers(admin)).json["Data"]}


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        (None, "Een kasrekening kan niet aan de bank worden gekoppeld."),
        (
            {"Name": "Dollars", "BankAccountType": 4, "Iban": "NL71ABNA0418981567", "CurrencyCode": "USD"},
            "Een vreemdevalutarekening kan niet aan de bank worden gekoppeld.",
        ),
        ({"Name": "Spaar zonder IBAN", "BankAccountType": 3}, "Deze spaarrekening heeft geen eigen IBAN."),
        ({"Name": "ING", "BankAccountType": 1, "Iban": ING_IBAN}, "geen directe bankkoppeling beschikbaar"),
        ({"Name": "Oud", "BankAccountType": 1, "Iban": ABN_IBAN, "IsActive": False}, "Deze rekening is inactief."),
    ],
)
def test_accounts_that_cannot_be_linked_are_refused_with_the_reason(api, admin, fields, reason):
    account = create(api, admin, **fields) if fields else accounts_by_name(api, admin)["Kasrekening"]
    status = api.get(f"/v2/bankaccounts/{account['Id']}/bankconnection", headers=headers(admin)).json
    assert status["CanEnable"] is False and reason in status["Reason"]
    refused = api.post(f"/v2/bankaccounts/{account['Id']}/bankconnection", headers=headers(admin))
    assert refused.status_code == 409 and reason in refused.json["ErrorMessage"]
    assert api.get("/sandbox/jobs").json["jobs"] == []
    page = api.post(
        f"/instellingen/kas-en-bankrekeningen/{account['Id']}/bankkoppeling",
        data={"enable-csrf_token": "", "enable-submit": "x"},
    )
    assert page.status_code == 400  # no CSRF token: the form is refused outright


def test_the_refusal_page_explains_in_dutch(api, admin):
    cash = accounts_by_name(api, admin)["Kasrekening"]
    page = api.get(f"/instellingen/kas-en-bankrekeningen/{cash['Id']}/bankkoppeling")
    text = page.get_data(as_text=True)
    assert "Een kasrekening kan niet aan de bank worden gekoppeld" in text
    assert "Rekening-courant en voor spaarrekeningen met een eigen IBAN" in text
    assert 'id="form-enable-connection"' not in text


def test_preparation_runs_as_a_job_then_the_serial_is_shown(api, admin, clock, portal_app):
    current = create(api, admin, Name="ABN AMRO", BankAccountType=1, Iban=ABN_IBAN)
    savings = create(api, admin, Name="Spaarrekening", BankAccountType=3, Iban=SAVINGS_IBAN)
    page = api.get(f"/instellingen/kas-en-bankrekeningen/{current['Id']}/bankkoppeling").get_data(as_text=True)
    assert "De bankkoppeling is gratis tot 2 bankrekeningen, extra rekeningen kosten € 2,25 per maand." in page
    assert "De facturatie vindt achteraf plaats." in page
    csrf = re.search(r'name="enable-csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    started = api.post(
        f"/instellingen/kas-en-bankrekeningen/{current['Id']}/bankkoppeling", data={"enable-csrf_token": csrf}
    )
    assert started.status_code == 302
    preparing = api.get(started.headers["Location"]).get_data(as_text=True)
    assert "Bankkoppeling voorbereiden..." in preparing and 'http-equiv="refresh"' in preparing
    table = api.get("/instellingen/kas-en-bankrekeningen").get_data(as_text=True)
    assert "Voorbereiden…" in table

    clock.advance(4)
    assert api.get(f"/v2/bankaccounts/{current['Id']}/bankconnection", headers=headers(admin)).json["Status"] == (
        "Preparing"
    )
    clock.advance(1)
    status = api.get(f"/v2/bankaccounts/{current['Id']}/bankconnection", headers=headers(admin)).json
    assert status["Status"] == "Prepared" and re.fullmatch(r"[1-9][0-9]{6}", status["SerialNumber"])
    serial = status["SerialNumber"]
    shown = api.get(f"/instellingen/kas-en-bankrekeningen/{current['Id']}/bankkoppeling").get_data(as_text=True)
    assert f'Gebruik "<span class="serial" id="serial-number">{serial}</span>" als klantnummer (serienummer)' in shown
    assert f"register.ebanking.vismasoftware.nl/?licentienummer={serial}" in shown
    edit = api.get(f"/instellingen/kas-en-bankrekeningen/{current['Id']}").get_data(as_text=True)
    assert "Serienummer" in edit and f'value="{serial}"' in edit

    # The Spaarrekening of the same administration gets the same serial: one registration per serial.
    again = api.post(f"/v2/bankaccounts/{savings['Id']}/bankconnection", headers=headers(admin))
    assert again.status_code == 202 and again.json["SerialNumber"] is None
    clock.advance(5)
    assert (
        api.get(f"/v2/bankaccounts/{savings['Id']}/bankconnection", headers=headers(admin)).json["SerialNumber"]
        == serial
    )
    table = api.get("/instellingen/kas-en-bankrekeningen").get_data(as_text=True)
    assert table.count("Voorbereid<") == 2
    assert [r["state"] for r in api.get("/sandbox/registrations").json["registrations"]] == ["prepared"]
    # Enabling twice changes nothing.
    assert api.post(f"/v2/bankaccounts/{savings['Id']}/bankconnection", headers=headers(admin)).status_code == 200


def test_preparation_time_is_configurable(clock):
    app = create_app({"TESTING": True, "PREPARE_SECONDS": 60}, clock=clock)
    api = app.test_client()
    admin = api.post("/sandbox/administrations", json={"companyName": "X"}).json
    account = create(api, admin, Name="ABN AMRO", BankAccountType=1, Iban=ABN_IBAN)
    api.post(f"/v2/bankaccounts/{account['Id']}/bankconnection", headers=headers(admin))
    (job,) = api.get("/sandbox/jobs").json["jobs"]
    assert job["kind"] == "bankconnection.prepare" and job["dueAt"] == "2026-01-05T08:01:00+00:00"
    app.extensions["consent_server"].close()


def test_settings_table_shows_the_seeds_columns(api, admin):
    create(api, admin, Name="ABN AMRO", BankAccountType=1, Iban=ABN_IBAN)
    create(api, admin, Name="Spaarrekening", BankAccountType=3, Iban=SAVINGS_IBAN)
    page = api.get("/instellingen/kas-en-bankrekeningen").get_data(as_text=True)
    heads = re.findall(r"<th>([^<]*)</th>", page)
    assert heads[:5] == ["Naam", "Type", "Valuta", "Grootboekrekening", "Bankkoppeling"]
    rows = re.findall(r"<tr data-id=.*?</tr>", page, re.S)
    cells = [re.findall(r"<td[^>]*>(?:<a[^>]*>)?([^<]*)", row)[:5] for row in rows]
    assert cells == [
        ["Kasrekening", "Kasrekening", "EUR", "1000", "Geen"],
        ["ABN AMRO", "Rekening-courant", "EUR", "1100", "Geen"],
        ["Spaarrekening", "Spaarrekening", "EUR", "1140", "Geen"],
    ]


def test_pages_need_an_administration(portal_app):
    browser = portal_app.test_client()
    assert browser.get("/instellingen/kas-en-bankrekeningen").headers["Location"].endswith("/administraties")
    assert browser.get("/inloggen?token=wrong").status_code == 403


def test_account_form_shows_errors_at_the_field_and_keeps_input(api, admin):
    page = api.get("/instellingen/kas-en-bankrekeningen/nieuw").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    answer = api.post(
        "/instellingen/kas-en-bankrekeningen/nieuw",
        data={
            "csrf_token": csrf,
            "name": "ABN AMRO",
            "account_type": "1",
            "iban": "NL00ABNA0000000000",
            "currency": "EUR",
        },
    )
    assert answer.status_code == 422
    text = answer.get_data(as_text=True)
    assert '<p class="error" id="iban-error">Dit IBAN is niet geldig.</p>' in text
    assert 'value="ABN AMRO"' in text and 'value="NL00ABNA0000000000"' in text
    assert len(accounts_by_name(api, admin)) == 1
    ok = api.post(
        "/instellingen/kas-en-bankrekeningen/nieuw",
        data={"csrf_token": csrf, "name": "ABN AMRO", "account_type": "1", "iban": ABN_IBAN, "currency": "EUR"},
    )
    assert ok.status_code == 302
    assert accounts_by_name(api, admin)["ABN AMRO"]["LedgerAccountNumber"] == 1100


def test_choose_an_administration_in_the_browser(portal_app):
    browser = portal_app.test_client()
    browser.post("/sandbox/administrations", json={"companyName": "Test BV Donald", "accountingFirm": "Kwik & Kwek"})
    page = browser.get("/administraties").get_data(as_text=True)
    assert "Test BV Donald" in page and "Kwik &amp; Kwek" in page
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    chosen = browser.post("/administraties/1", data={"csrf_token": csrf})
    assert chosen.headers["Location"].endswith("/instellingen/kas-en-bankrekeningen")
    table = browser.get("/instellingen/kas-en-bankrekeningen").get_data(as_text=True)
    assert "beheerd door Kwik &amp; Kwek" in table and "Kasrekening" in table
    assert browser.post("/administraties/1", data={}).status_code == 400
