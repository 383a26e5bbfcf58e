"""Internet banking's Mijn rekeningen, an account's bookings and Overboeken, through the bank's screens.

The customer logs in, sees balances in Dutch, searches bookings, and transfers money: checked (IBAN, name,
balance), confirmed with the e.dentifier or the app, booked with ABN AMRO's lines and mutation codes and
visible at once through ``/v1/accounts/{iban}/transactions``.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html import unescape

import pytest
import simplejson

from mockbank import models

from .helpers import AIS_SCOPE
from .helpers import Browser

OTHER_BANK_IBAN = "NL86INGB0002445588"


def text_of(browser) -> str:
    """The visible text of the page's main part, whitespace collapsed."""
    html = browser.html.split("<main", 1)[-1]
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def log_in(browser, world, start="/internetbankieren"):
    browser.get(start)
    browser.follow()
    browser.click("login-edentifier")
    means = world["edentifier"]
    browser.submit(
        "form-edentifier",
        {
            "account_number": means.account_number,
            "card_number": means.card_number,
            "response_code": means.response_code,
        },
    )


@pytest.fixture
def funded(bank, world):
    """The customer's current account holds € 1.250,50; the savings account € 100,00."""
    book = bank.bank.book
    book(iban=world["current"].iban, amount_cents=125_050, mutation_code="654", description_lines=["Storting"])
    book(iban=world["savings_own"].iban, amount_cents=10_000, mutation_code="654", description_lines=["Storting"])
    return world


def order_form(browser, world, **fields):
    """Open Overboeken and submit the order form (a transfer of one cent to the other customer by default)."""
    browser.get("/internetbankieren/overboeken")
    data = {
        "debtor": world["current"].iban,
        "to_own": "",
        "creditor_iban": world["other_account"].iban,
        "creditor_name": "P. Jansen",
        "amount": "0,01",
        "description": "Eén cent",
        **fields,
    }
    return browser.submit("form-transfer", data)


def api_transactions(client, bank, world, iban) -> list[dict]:
    """The account's transactions through ``/v1`` with a token of the registered client."""
    token = bank.consents.mint_token(client_id=world["client"].client_id, iban=iban, scopes=AIS_SCOPE).access_token
    response = client.get(
        f"/v1/accounts/{iban}/transactions",
        headers={"API-Key": world["client"].api_key, "Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return simplejson.loads(response.get_data(as_text=True), use_decimal=True)["transactions"]


def balance(bank, iban) -> int:
    return bank.bank.account(iban).balance_cents


# --- Mijn rekeningen and the bookings --------------------------------------------------------------------


def test_a_page_opened_logged_out_asks_to_log_in_and_comes_back(browser, funded):
    log_in(browser, funded, start="/internetbankieren/rekeningen")

    assert browser.response.request.path == "/internetbankieren/rekeningen"
    assert "Mijn rekeningen" in text_of(browser)


def test_the_overview_shows_every_own_account_with_its_balance_the_dutch_way(browser, funded):
    log_in(browser, funded)
    browser.click("ib-nav-accounts")

    page = text_of(browser)
    assert "€ 1.250,50" in page and "€ 100,00" in page and "€ 0,00" in page
    ids = browser.page_ids()
    for key in ("current", "savings_own", "savings_sub"):
        assert f"account-{funded[key].iban}" in ids
    assert f"account-{funded['other_account'].iban}" not in ids
    assert funded["other_account"].iban not in browser.html


def test_bookings_are_newest_first_with_their_lines_searchable_by_date_and_paged(browser, bank, clock, funded):
    iban = funded["current"].iban
    for day in range(30):
        bank.bank.book(
            iban=iban, amount_cents=-(100 + day), mutation_code="426", description_lines=[f"BEA betaling {day:02d}"]
        )
        clock.advance(dt.timedelta(days=1))
    log_in(browser, funded)

    browser.get(f"/internetbankieren/rekeningen/{iban}")
    page = text_of(browser)
    assert page.index("BEA betaling 29") < page.index("BEA betaling 28")  # newest first
    assert "-€ 1,29" in page and "BEA betaling 05" in page and "BEA betaling 04" not in page  # 25 a page
    browser.click("next-page")
    page = text_of(browser)
    assert "BEA betaling 04" in page and "Storting" in page and "BEA betaling 05" not in page
    assert "next-page" not in browser.page_ids()

    browser.get(f"/internetbankieren/rekeningen/{iban}?van=2026-01-10&tot=2026-01-11")
    page = text_of(browser)
    assert "BEA betaling 05" in page and "BEA betaling 06" in page
    assert "BEA betaling 04" not in page and "BEA betaling 07" not in page

    browser.get(f"/internetbankieren/rekeningen/{iban}?van=2026-01-11&tot=2026-01-10")
    assert "De begindatum ligt na de einddatum." in text_of(browser)
    browser.get(f"/internetbankieren/rekeningen/{iban}?van=2024-01-01")
    assert "U kunt tot 18 maanden terug zoeken." in text_of(browser)


def test_another_customers_account_is_not_shown(browser, client, funded):
    log_in(browser, funded)

    assert client.get(f"/internetbankieren/rekeningen/{funded['other_account'].iban}").status_code == 404


# --- Overboeken ------------------------------------------------------------------------------------------


def test_a_cent_to_another_customer_is_checked_confirmed_and_visible_at_once_through_v1(browser, client, bank, funded):
    log_in(browser, funded)
    browser.click("ib-nav-transfer")

    order_form(browser, funded)
    assert browser.response.request.path.startswith("/internetbankieren/overboeken/")
    page = text_of(browser)
    assert "€ 0,01" in page and "De naam en het rekeningnummer horen bij elkaar." in page
    assert 'data-result="match"' in browser.html
    assert balance(bank, funded["other_account"].iban) == 0  # nothing is booked before the confirmation

    browser.submit("form-sign-edentifier", {"response_code": funded["edentifier"].response_code})

    assert "Uw overboeking van € 0,01 naar P. Jansen is uitgevoerd." in text_of(browser)
    [received] = api_transactions(client, bank, funded, funded["other_account"].iban)
    assert (received["amount"], received["mutationCode"]) == (Decimal("0.01"), "654")
    assert received["descriptionLines"] == [
        "SEPA Overboeking",
        f"IBAN: {funded['current'].iban}",
        "BIC: ABNANL2A",
        "Naam: J. de Vries",
        "Omschrijving: Eén cent",
    ]
    assert received["counterPartyAccountNumber"] == funded["current"].iban
    paid = api_transactions(client, bank, funded, funded["current"].iban)[0]
    assert (paid["amount"], paid["mutationCode"]) == (Decimal("-0.01"), "658")
    assert paid["balanceAfterMutation"] == Decimal("1250.49")
    assert paid["descriptionLines"][3] == "Naam: P. Jansen"
    assert paid["transactionId"] and paid["transactionId"] != received["transactionId"]


def test_between_own_accounts_both_sides_are_booked_without_a_name(browser, bank, funded):
    log_in(browser, funded)

    order_form(browser, funded, to_own=funded["savings_own"].iban, creditor_iban="", creditor_name="", amount="250")
    assert "(eigen rekening)" in text_of(browser)
    browser.submit("form-sign-edentifier", {"response_code": funded["edentifier"].response_code})

    assert balance(bank, funded["current"].iban) == 100_050
    assert balance(bank, funded["savings_own"].iban) == 35_000
    assert bank.bank.ledger_check() == []


def test_to_another_bank_the_name_cannot_be_checked_and_only_our_side_is_booked(browser, bank, funded):
    log_in(browser, funded)

    order_form(browser, funded, creditor_iban="nl86 ingb 0002 4455 88", creditor_name="Belastingdienst", amount="12,50")
    assert 'data-result="not_checkable"' in browser.html
    assert "niet van ABN AMRO" in text_of(browser)
    browser.submit("form-sign-edentifier", {"response_code": funded["edentifier"].response_code})

    assert balance(bank, funded["current"].iban) == 125_050 - 1_250
    [paid] = bank.bank.bookings_page(funded["current"].id, date_from=None, date_to=None, after=None, size=1)[0]
    assert paid.counterparty_iban == OTHER_BANK_IBAN and "BIC: INGBNL2A" in paid.description_lines


def test_a_close_match_suggests_the_holders_name_and_can_use_it(browser, bank, funded):
    log_in(browser, funded)

    order_form(browser, funded, creditor_name="P. Janssen")
    assert 'data-result="close_match"' in browser.html
    assert "Bedoelt u P. Jansen" in text_of(browser)
    # The test browser sends every checkbox; a customer who does not tick "go on anyway" sends none.
    browser.submit("form-sign-edentifier", {"response_code": funded["edentifier"].response_code, "accept_risk": ""})
    assert "Bevestig dat u toch wilt overboeken" in text_of(browser)
    assert balance(bank, funded["other_account"].iban) == 0

    browser.submit("form-use-suggestion")
    assert 'data-result="match"' in browser.html
    browser.submit("form-sign-edentifier", {"response_code": funded["edentifier"].response_code})
    assert "naar P. Jansen is uitgevoerd" in text_of(browser)


def test_no_match_warns_and_books_only_when_the_customer_goes_on_anyway(browser, bank, funded):
    log_in(browser, funded)

    order_form(browser, funded, creditor_name="Bakkerij Bol")
    assert 'data-result="no_match"' in browser.html
    assert "suggested-name" not in browser.page_ids()  # a mismatch never reveals whose account it is
    browser.submit("form-sign-edentifier", {"response_code": funded["edentifier"].response_code, "accept_risk": ""})
    assert "Bevestig dat u toch wilt overboeken" in text_of(browser)
    assert balance(bank, funded["other_account"].iban) == 0

    browser.submit("form-sign-edentifier", {"response_code": funded["edentifier"].response_code, "accept_risk": "y"})
    assert balance(bank, funded["other_account"].iban) == 1
    [booked] = bank.bank.bookings_page(funded["other_account"].id, date_from=None, date_to=None, after=None, size=1)[0]
    assert "Naam: J. de Vries" in booked.description_lines


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"creditor_iban": "NL91ABNA0417164301"}, "Dit is geen geldig rekeningnummer (IBAN)."),
        ({"creditor_iban": ""}, "Vul het rekeningnummer (IBAN) van de ontvanger in."),
        ({"creditor_name": ""}, "Vul de naam van de ontvanger in."),
        ({"amount": "0,001"}, "Vul een bedrag in euro's in, zoals 0,01 of 1.250,00."),
        ({"amount": "-5"}, "Vul een bedrag in euro's in"),
        ({"amount": "0,00"}, "Het bedrag moet groter zijn dan € 0,00."),
        ({"amount": ""}, "Vul een bedrag in."),
        ({"amount": "1.250,51"}, "Het saldo van deze rekening is niet toereikend voor dit bedrag."),
        ({"description": "x" * 141}, "Een omschrijving is ten hoogste 140 tekens."),
        ({"to_own": "CURRENT", "creditor_iban": ""}, "U kunt niet naar dezelfde rekening overboeken."),
        ({"debtor": "OTHER"}, "Kies een van uw eigen rekeningen."),
    ],
)
def test_a_wrong_order_is_refused_in_dutch_and_nothing_is_stored(browser, bank, funded, fields, message):
    if fields.get("to_own") == "CURRENT":
        fields["to_own"] = funded["current"].iban
    if fields.get("debtor") == "OTHER":  # a page tampered with: another customer's account
        fields["debtor"] = funded["company_account"].iban
    log_in(browser, funded)

    response = order_form(browser, funded, **fields)

    assert response.status_code == 400
    assert message in text_of(browser)
    assert "form-transfer" in browser.page_ids()
    with bank.db.reading() as session:
        from mockbank.services.internet_banking import TransferOrder

        assert session.query(TransferOrder).count() == 0


def test_the_whole_balance_can_go_but_not_a_cent_more_within_the_credit_line(browser, bank, funded):
    with bank.db.transaction() as session:
        session.get(models.Account, funded["current"].id).credit_limit_cents = 50_000
    log_in(browser, funded)

    assert order_form(browser, funded, amount="1.750,51").status_code == 400
    order_form(browser, funded, amount="1.750,50", creditor_name="P. Jansen")
    browser.submit("form-sign-edentifier", {"response_code": funded["edentifier"].response_code})

    assert balance(bank, funded["current"].iban) == -50_000


def test_a_balance_gone_before_the_confirmation_books_nothing(browser, bank, funded):
    log_in(browser, funded)
    order_form(browser, funded, amount="1.000")
    bank.bank.transfer(debtor_iban=funded["current"].iban, creditor_iban=OTHER_BANK_IBAN, amount_cents=100_000)

    browser.submit("form-sign-edentifier", {"response_code": funded["edentifier"].response_code})

    assert "niet toereikend" in text_of(browser)
    assert balance(bank, funded["other_account"].iban) == 0


def test_wrong_responses_count_and_the_third_blocks_the_edentifier(browser, bank, funded):
    log_in(browser, funded)
    order_form(browser, funded)

    browser.submit("form-sign-edentifier", {"response_code": "00000000"})
    assert "U kunt het nog 2 keer proberen" in text_of(browser)
    browser.submit("form-sign-edentifier", {"response_code": "00000000"})
    browser.submit("form-sign-edentifier", {"response_code": "00000000"})
    assert "Uw e.dentifier is geblokkeerd" in text_of(browser)
    browser.submit("form-sign-edentifier", {"response_code": funded["edentifier"].response_code})

    assert "Uw e.dentifier is geblokkeerd" in text_of(browser)
    assert balance(bank, funded["other_account"].iban) == 0


def test_the_app_confirms_through_the_phone_and_the_order_is_booked_once(browser, client, bank, funded):
    log_in(browser, funded)
    order_form(browser, funded)

    browser.submit("form-sign-app")
    assert "app-waiting" in browser.page_ids()
    status_url = re.search(r'data-status-url="([^"]+)"', browser.html).group(1)
    assert client.get(status_url).get_json()["confirmed"] is False
    browser.click("app-continue")
    assert "nog niet bevestigd in de app" in text_of(browser)
    assert balance(bank, funded["other_account"].iban) == 0

    [pending] = client.get("/sandbox/app-logins").get_json()["appLogins"]
    phone = Browser(client.application.test_client())
    phone.get(re.search(r'id="app-phone-link" href="([^"]+)"', browser.html).group(1))
    assert "Wilt u € 0,01 overboeken naar P. Jansen" in text_of(phone)
    phone.submit("form-app-confirm")
    assert client.get(status_url).get_json()["confirmed"] is True

    browser.click("app-continue")
    assert "is uitgevoerd" in text_of(browser)
    assert balance(bank, funded["other_account"].iban) == 1
    # The confirmation is spent: it books nothing again and never logs anyone in.
    browser.get(
        re.search(r"/internetbankieren/overboeken/[^/]+", browser.response.request.path).group(0) + "/app/verder"
    )
    browser.follow()
    assert balance(bank, funded["other_account"].iban) == 1
    [confirmation] = [login for login in bank.authflow.app_logins(status=None) if login.id == pending["id"]]
    assert client.get(f"/inloggen/app/{confirmation.key}/verder").status_code == 410


def test_the_sandbox_can_confirm_the_app_in_place_of_the_phone(browser, client, bank, funded):
    log_in(browser, funded)
    order_form(browser, funded)
    browser.submit("form-sign-app")

    [pending] = client.get("/sandbox/app-logins").get_json()["appLogins"]
    assert client.post(f"/sandbox/app-logins/{pending['id']}/confirm").status_code == 200
    browser.click("app-continue")

    assert balance(bank, funded["other_account"].iban) == 1


def test_a_cancelled_order_books_nothing_and_cannot_be_confirmed_later(browser, bank, funded):
    log_in(browser, funded)
    order_form(browser, funded)
    form = browser.form("form-sign-edentifier")

    browser.submit("form-cancel-transfer")
    assert "transfer-cancelled" in browser.page_ids()
    browser.client.post(form["action"], data={**form["fields"], "response_code": funded["edentifier"].response_code})

    assert balance(bank, funded["other_account"].iban) == 0


def test_a_confirmation_without_csrf_token_is_refused(browser, bank, funded):
    log_in(browser, funded)
    order_form(browser, funded)
    action = browser.form("form-sign-edentifier")["action"]

    browser.client.post(action, data={"response_code": funded["edentifier"].response_code})

    assert balance(bank, funded["other_account"].iban) == 0


def test_another_users_order_is_not_found(browser, client, bank, funded):
    log_in(browser, funded)
    order_form(browser, funded)
    path = browser.response.request.path
    stranger = Browser(client.application.test_client())
    means = funded["access_online"]
    stranger.get("/inloggen/access-online")
    stranger.submit(
        "form-access-online",
        {
            "user_id": means.access_online_user_id,
            "card_number": means.card_number,
            "response_code": means.response_code,
        },
    )

    assert stranger.get(path).status_code == 404
