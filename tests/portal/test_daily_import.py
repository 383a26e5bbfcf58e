"""The daily import and what can go wrong with it: paging, days, consent expiry and renewal, withdrawal,
a dead refresh token, a bank that answers errors, and switching the connection off."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from client_sdk.headless import HeadlessUser
from scenarios.world import PORTAL_CLIENT_ID
from tests.portal.conftest import EMPTY_BANK
from tests.portal.test_activation import consent_current_account
from tests.portal.test_activation import link_states

pytestmark = [EMPTY_BANK, pytest.mark.mockbank(start="2026-03-02T10:00:00")]
CONTACT = "donald@example.nl"


@pytest.fixture
def active(world, at_bank_consent, company, serial, portal_sandbox, bank_sandbox):
    """The Rekening-courant's link activated and active: its first booking (the cent) imported."""
    consent_current_account(at_bank_consent, company, serial)
    portal_sandbox.advance(working_days=5)
    at_bank_consent.activate(portal_sandbox.latest_mail(kind="activation")["links"][0]["url"])
    bank_sandbox.transfer(debtor_iban=company["savings"], creditor_iban=company["current"], amount="0.01")
    portal_sandbox.advance(working_days=6)
    assert link_states(portal_sandbox, serial) == {company["current"]: "active"}
    return company["current"]


def imported(eaccounting, accounts) -> list:
    """Every booking eAccounting holds for the Rekening-courant."""
    return eaccounting.unmatched_transactions(accounts["current"].id, from_date="2026-01-01", to_date="2027-12-31")


def book(bank_sandbox, iban, count, *, start=1):
    """``count`` card payments of a few euros on ``iban``."""
    for n in range(start, start + count):
        bank_sandbox.book(iban=iban, amount=f"-{n}.25", description_lines=[f"BEA betaling {n}"])


def test_no_booking_is_imported_twice_or_skipped_across_pages_and_days(
    active, world, bank_sandbox, portal_sandbox, eaccounting, accounts
):
    book(bank_sandbox, active, 120)  # more than two pages of 50
    portal_sandbox.advance(days=1)
    assert len(imported(eaccounting, accounts)) == 121
    assert portal_sandbox.imports(iban=active)[0]["pages"] == 3

    # Bookings later that day, and at 05:00 the next morning: the 06:00 run fetches them; the run a day
    # later reads that same date again (its cursor) and recognises them, so none comes twice.
    book(bank_sandbox, active, 7, start=200)
    portal_sandbox.advance(hours=19)  # 05:00
    book(bank_sandbox, active, 3, start=300)
    portal_sandbox.advance(days=3)
    rows = imported(eaccounting, accounts)
    assert len(rows) == 131 and len({r.id for r in rows}) == 131
    assert sum(r.transaction_amount for r in rows) == Decimal("0.01") - sum(
        Decimal(f"{n}.25") for n in [*range(1, 121), *range(200, 207), *range(300, 303)]
    )
    runs = portal_sandbox.imports(iban=active)[:3]
    assert [(r["fetched"], r["imported"]) for r in runs] == [(0, 0), (3, 0), (10, 10)]


def test_the_import_can_be_run_now_and_forced_before_its_first_day(
    world, at_bank_consent, company, serial, portal_sandbox, bank_sandbox
):
    consent_current_account(at_bank_consent, company, serial)
    portal_sandbox.advance(working_days=5)
    at_bank_consent.activate(portal_sandbox.latest_mail(kind="activation")["links"][0]["url"])
    bank_sandbox.transfer(debtor_iban=company["savings"], creditor_iban=company["current"], amount="0.01")
    assert portal_sandbox.run_imports() == []  # five werkdagen have not passed
    [run] = portal_sandbox.run_imports(force=True)
    assert (run["outcome"], run["imported"], run["state"]) == ("ok", 1, "active")


def test_tokens_are_refreshed_with_rotation_every_day(active, world, portal_sandbox, bank_sandbox):
    portal_sandbox.advance(days=3)
    runs = portal_sandbox.imports(iban=active)
    assert all(r["refreshed"] for r in runs[:3])
    [consent] = [c for c in bank_sandbox.consents(client_id=PORTAL_CLIENT_ID) if c["status"] == "valid"]
    assert consent["iban"] == active


def test_consent_expiry_ends_the_link_and_a_renewal_resumes_without_loss(
    active, world, at_bank_consent, company, serial, portal_sandbox, bank_sandbox, eaccounting, accounts
):
    [consent] = bank_sandbox.consents(client_id=PORTAL_CLIENT_ID)
    portal_sandbox.advance(to=consent["validUntil"])
    portal_sandbox.advance(seconds=1)
    assert link_states(portal_sandbox, serial) == {active: "expired"}
    mail = portal_sandbox.latest_mail(to=CONTACT)
    assert mail["kind"] == "consent_expired" and "verlopen" in mail["subject"]
    assert serial in mail["text"] and {link["kind"] for link in mail["links"]} == {"bank", "portal"}
    before = len(imported(eaccounting, accounts))

    # Bookings while the link is expired are not fetched...
    book(bank_sandbox, active, 4)
    portal_sandbox.advance(days=3)
    assert len(imported(eaccounting, accounts)) == before
    assert eaccounting.get_bank_account(accounts["current"].id).has_active_bank_agreement is False

    # ... until the rekeningbeheerder gives consent again at the bank: back to active, nothing lost.
    at_bank_consent.register_at_bank(
        software="Visma eAccounting", serial_number=serial, ibans=[active], **company["edentifier"]
    )
    assert link_states(portal_sandbox, serial) == {active: "active"}
    portal_sandbox.advance(days=1)
    assert len(imported(eaccounting, accounts)) == before + 4
    assert eaccounting.get_bank_account(accounts["current"].id).has_active_bank_agreement is True


def test_a_consent_withdrawn_in_internet_banking_revokes_the_link(
    active, world, company, serial, portal_sandbox, bank_sandbox
):
    [consent] = bank_sandbox.consents(client_id=PORTAL_CLIENT_ID)
    import requests

    with requests.Session() as session:
        customer = HeadlessUser(session=session)
        customer.open(world.urls.bank_auth + "/internetbankieren")
        customer.follow_link("login-edentifier")
        customer.submit("form-edentifier", company["edentifier"])
        customer.submit(f"form-withdraw-{consent['id']}")
    portal_sandbox.advance(days=1)
    assert link_states(portal_sandbox, serial) == {active: "revoked"}
    mail = portal_sandbox.latest_mail(to=CONTACT)
    assert mail["kind"] == "consent_revoked" and "geen toegang meer" in mail["subject"]
    assert portal_sandbox.imports(iban=active)[0]["outcome"] == "access_ended"
    # No more runs for an ended link.
    portal_sandbox.advance(days=2)
    assert portal_sandbox.imports(iban=active)[0]["outcome"] == "access_ended"


def test_a_refresh_token_the_bank_refuses_revokes_the_link(active, world, serial, portal_sandbox, bank_sandbox):
    bank_sandbox.inject_fault(path="/as/token.oauth2", status=400, code="invalid_grant", client_id=PORTAL_CLIENT_ID)
    portal_sandbox.advance(days=1)
    assert link_states(portal_sandbox, serial) == {active: "revoked"}
    assert portal_sandbox.latest_mail(to=CONTACT)["kind"] == "consent_revoked"


def test_bank_errors_make_the_link_failing_once_and_the_next_good_run_catches_up(
    active, world, serial, portal_sandbox, bank_sandbox, eaccounting, accounts
):
    bank_sandbox.inject_fault(path="/v1/accounts/*/transactions", status=503, count=2, client_id=PORTAL_CLIENT_ID)
    book(bank_sandbox, active, 5)
    portal_sandbox.advance(days=2)
    assert link_states(portal_sandbox, serial) == {active: "failing"}
    assert [m["kind"] for m in portal_sandbox.outbox(to=CONTACT)].count("import_failing") == 1
    assert eaccounting.get_bank_account(accounts["current"].id).has_active_bank_agreement is True

    portal_sandbox.advance(days=1)
    assert link_states(portal_sandbox, serial) == {active: "active"}
    assert len(imported(eaccounting, accounts)) == 6
    outcomes = [r["outcome"] for r in portal_sandbox.imports(iban=active)[:3]]
    assert outcomes == ["ok", "failed", "failed"]


def test_switching_the_connection_off_revokes_the_consent_at_the_bank(
    active, world, serial, portal_sandbox, bank_sandbox, eaccounting, accounts
):
    connection = eaccounting.disable_bank_connection(accounts["current"].id)
    assert connection.link_state == "revoked"
    [consent] = bank_sandbox.consents(client_id=PORTAL_CLIENT_ID)
    assert consent["status"] == "terminatedByTpp"
    assert portal_sandbox.latest_mail(to=CONTACT)["kind"] == "unlinked"
    runs = len(portal_sandbox.imports(iban=active))
    portal_sandbox.advance(days=2)
    assert len(portal_sandbox.imports(iban=active)) == runs


def test_bank_transactions_in_visma_shape(active, world, eaccounting, accounts, mockbank_session):
    [cent] = imported(eaccounting, accounts)
    assert cent.reference and cent.is_reconciled is False
    again = eaccounting.bank_transaction(accounts["current"].id, cent.id)
    assert again.raw == cent.raw
    assert set(cent.raw) == {
        "Id",
        "TransactionDate",
        "IsReconciled",
        "Reference",
        "OriginalAmount",
        "OriginalCurrency",
        "ChargeAmount",
        "ChargeCurrency",
        "TransactionAmount",
        "TransactionAmountCurrency",
        "Rows",
    }
    # Visma's default window is the current month; the cent is of March.
    assert eaccounting.unmatched_transactions(accounts["current"].id) == [cent]
    assert eaccounting.matched_transactions(accounts["current"].id) == []
    raw = mockbank_session.get(
        f"{world.urls.eaccounting_api}/v2/banktransactions/{accounts['current'].id}/unmatched",
        params={"fromDate": "2026-03-01", "toDate": "2026-03-31"},
        headers={"Authorization": f"Bearer {eaccounting.access_token}"},
    )
    assert '"TransactionAmount": 0.01' in raw.text
    bad = mockbank_session.get(
        f"{world.urls.eaccounting_api}/v2/banktransactions/{accounts['current'].id}/unmatched",
        params={"fromDate": "maart"},
        headers={"Authorization": f"Bearer {eaccounting.access_token}"},
    )
    assert bad.status_code == 400 and bad.json()["ErrorField"] == "fromDate"


@pytest.mark.parametrize(
    ("setting", "hour", "minute"),
    [
        pytest.param("06:00", 6, 0, marks=pytest.mark.mockbank(portal_config={"IMPORT_TIME": "06:00"}), id="06:00"),
        pytest.param("07:30", 7, 30, marks=pytest.mark.mockbank(portal_config={"IMPORT_TIME": "07:30"}), id="07:30"),
    ],
)
def test_the_import_runs_at_the_configured_hour(setting, hour, minute, active, world, portal_sandbox):
    from mockbank.sim.calendar import AMSTERDAM

    jobs = [j for j in portal_sandbox.jobs(status="pending") if j["kind"] == "import.daily"]
    assert len(jobs) == 1
    due = dt.datetime.fromisoformat(jobs[0]["dueAt"]).astimezone(AMSTERDAM)
    assert (due.hour, due.minute) == (hour, minute)
    runs = portal_sandbox.imports(iban=active)
    assert {dt.datetime.fromisoformat(r["startedAt"]).astimezone(AMSTERDAM).strftime("%H:%M") for r in runs} == {
        setting
    }


def test_the_account_page_shows_the_link_its_bookings_and_switches_it_off(
    active, world, administration, accounts, bank_sandbox, portal_sandbox, mockbank_session
):
    book(bank_sandbox, active, 2)
    portal_sandbox.advance(days=1)
    user = HeadlessUser(session=mockbank_session)
    user.open(administration["loginUrl"])
    user.open(f"{world.urls.eaccounting}/instellingen/kas-en-bankrekeningen/{accounts['current'].id}")
    assert user.page.find(id="link-state").get_text(strip=True) == "Actief"
    account_page = user.url
    # The bookings are not on the settings form: its link opens the account's Bankmutaties.
    assert not user.page.select("#bank-transactions")
    user.follow_link("bankmutaties-link")
    assert user.page.find("h1").get_text(strip=True) == "Bankmutaties"
    rows = user.page.select("#bank-transactions tbody tr")
    assert len(rows) == 3 and "€ 0,01" in rows[-1].get_text(" ", strip=True)
    assert "-€ 2,25" in rows[0].get_text(" ", strip=True)

    user.open(account_page)
    user.submit("form-disable-connection")
    assert "uitgeschakeld" in " ".join(user.messages())
    assert user.page.find(id="link-state").get_text(strip=True) == "Ingetrokken"
    assert user.has_form("form-enable-connection")
