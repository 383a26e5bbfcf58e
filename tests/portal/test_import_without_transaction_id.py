"""The daily import keeps every booking, also those the bank sends with ``transactionId`` "" (card payments).

Such a booking is known by its content and its place among identical rows, so none is lost or doubled
across pages, days, re-runs and restarts. The bookings come from the living bank: a month of a seeded
world whose accounts live.
"""

from __future__ import annotations

from collections import Counter
from decimal import Decimal

import pytest
import requests

from client_sdk.eaccounting import CHEQUE_ACCOUNT
from client_sdk.eaccounting import EAccountingClient
from client_sdk.headless import HeadlessUser
from client_sdk.portal import PortalWizard
from consent_server.services.importer import import_keys
from mockbank.sim.calendar import next_local_time
from mockbank.sim.calendar import parse_moment
from scenarios.world import World
from tests.portal.test_activation import link_states

LIVING = {"LIVING_BANK": True}
START = "2026-03-02T10:00:00"


def card_row(minute: int, amount="-3.5", **extra) -> dict:
    """A card payment as ABN AMRO lists it: no transactionId, no counterparty."""
    return {
        "mutationCode": "426",
        "descriptionLines": [f"BEA   NR:ABC123   02.03.26/10.{minute:02d}", "Bakkerij Bart 1234 AMSTERDAM,PAS123"],
        "transactionTimestamp": f"2026-03-02-10:{minute:02d}:00.000",
        "bookDate": "2026-03-02",
        "balanceAfterMutation": 10,
        "counterPartyAccountNumber": "",
        "counterPartyName": "",
        "amount": Decimal(amount),
        "currency": "EUR",
        "transactionId": "",
        **extra,
    }


# --- the key ---------------------------------------------------------------------------------------------


def test_a_transaction_id_is_the_key_when_the_bank_sends_one():
    assert [key for key, _ in import_keys([card_row(1, transactionId="9855H1218554877S0AB")])] == [
        "9855H1218554877S0AB"
    ]


def test_identical_card_payments_are_told_apart_by_their_place_oldest_first():
    twin = card_row(5)
    # Newest first, as the bank lists: a second coffee in the same minute, then the first.
    keys = [key for key, _ in import_keys([dict(twin), dict(twin)])]
    assert keys[0].endswith(":1") and keys[1].endswith(":0") and keys[0][:-2] == keys[1][:-2]

    # A third one later that day comes first in the next run's answer; the two already known keep their keys.
    later = [key for key, _ in import_keys([dict(twin), dict(twin), dict(twin)])]
    assert later[1:] == keys and later[0].endswith(":2")


def test_the_key_reads_what_a_statement_shows_not_how_it_is_written():
    assert import_keys([card_row(5, amount="-18")])[0][0] == import_keys([card_row(5, amount="-18.00")])[0][0]
    moved = card_row(5, transactionTimestamp="2026-03-02-10:05:00.999", balanceAfterMutation=99)
    assert import_keys([moved])[0][0] == import_keys([card_row(5)])[0][0]
    assert import_keys([card_row(6)])[0][0] != import_keys([card_row(5)])[0][0]
    assert import_keys([card_row(5, amount="-3.51")])[0][0] != import_keys([card_row(5)])[0][0]


# --- a month of a living world ----------------------------------------------------------------------------


def link_seeded_business(world) -> dict:
    """Link the first seeded business's Rekening-courant in eAccounting, as its rekeningbeheerder; activated."""
    session = requests.Session()
    bank = world.bank_sandbox(session=session)
    portal = world.portal_sandbox(session=session)
    summary = bank.seed_summary()
    accounts = {a["iban"]: a for a in summary["accounts"]}
    # The busiest business of the seed: the one whose Rekening-courant has the longest history.
    iban, business = max(
        ((i, c) for c in summary["customers"] if c["kind"] == "business" for i in c["accounts"]),
        key=lambda pair: (accounts[pair[0]]["product"] == "current", accounts[pair[0]]["bookings"]),
    )
    user = next(u for u in summary["users"] if u["customerId"] == business["id"])
    means = next(m for m in user["loginMeans"] if m["kind"] == "edentifier")

    administration = portal.create_administration(company_name=business["tradeName"], kvk_number=business["kvkNumber"])
    eaccounting = EAccountingClient(
        access_token=administration["accessToken"], base_url=world.urls.eaccounting_api, session=session
    )
    account = eaccounting.create_bank_account(name="ABN AMRO", bank_account_type=CHEQUE_ACCOUNT, iban=iban)
    eaccounting.enable_bank_connection(account.id)
    serial = eaccounting.wait_for_serial(account.id, advance=lambda: portal.advance(seconds=5))
    with requests.Session() as browser:
        wizard = PortalWizard(
            portal_base=world.urls.portal, bank_auth_base=world.urls.bank_auth, user=HeadlessUser(session=browser)
        )
        wizard.start(serial)
        wizard.fill_details(kvk_number=business["kvkNumber"], serial_number=serial)
        wizard.fill_contact(name=user["name"], email=user["email"])
        wizard.register_at_bank(
            software="Visma eAccounting",
            serial_number=serial,
            ibans=[iban],
            account_number=means["accountNumber"],
            card_number=means["cardNumber"],
            response_code=means["responseCode"],
        )
        wizard.next_after_consent()
        wizard.confirm_accounts()
        wizard.finish()
        portal.advance(working_days=5)
        wizard.activate(portal.latest_mail(kind="activation")["links"][0]["url"])
    assert link_states(portal, serial) == {iban: "activated"}
    return {
        "iban": iban,
        "serial": serial,
        "account": account.id,
        "eaccounting": eaccounting,
        "token": administration["accessToken"],
        "bank": bank,
        "portal": portal,
        "since": portal.clock()["now"][:10],
    }


def bookings_at_bank(linked: dict) -> list[dict]:
    """The bank's bookings on the linked account since activation up to today."""
    today = linked["portal"].clock()["now"][:10]
    return [r for r in linked["bank"].bookings(linked["iban"], limit=1000) if linked["since"] <= r["bookDate"] <= today]


def card_payments_at_bank(linked: dict) -> Counter:
    """The bank's card payments on the linked account since activation up to today: (date, amount, text)."""
    return Counter(
        (r["bookDate"], Decimal(str(r["amount"])), " ".join(line.strip() for line in r["descriptionLines"]))
        for r in bookings_at_bank(linked)
        if r["transactionId"] == ""
    )


def imported(linked: dict) -> list:
    """Every booking eAccounting holds for the linked account."""
    return linked["eaccounting"].unmatched_transactions(linked["account"], from_date="2026-01-01", to_date="2027-12-31")


def card_payments_in_eaccounting(linked: dict) -> Counter:
    """The imported card payments in eAccounting: (date, amount, the reference, which is the card's text)."""
    return Counter(
        (r.transaction_date.isoformat(), r.transaction_amount, r.reference)
        for r in imported(linked)
        if (r.reference or "").startswith("BEA")
    )


def days_pass(linked: dict, days: int) -> None:
    """``days`` pass, then the clock stops half an hour after the next daily import (06:00)."""
    if days:
        linked["portal"].advance(days=days)
    now = parse_moment(linked["portal"].clock()["now"])
    linked["portal"].advance(to=next_local_time(now, 6, 30).isoformat())


@pytest.mark.mockbank(seed=42, bank_config=LIVING, start=START)
@pytest.mark.parametrize("front_door", ["inprocess", "server"])
def test_a_month_of_card_payments_is_imported_once_each_through_either_door(request, front_door):
    request.applymarker(pytest.mark.mockbank(front_door=front_door))
    world = request.getfixturevalue("mockbank_world")
    linked = link_seeded_business(world)

    days_pass(linked, 31)

    at_bank = card_payments_at_bank(linked)
    assert sum(at_bank.values()) >= 5  # a busy business pays by card every week
    assert card_payments_in_eaccounting(linked) == at_bank
    assert len(imported(linked)) == len(bookings_at_bank(linked))
    assert link_states(linked["portal"], linked["serial"]) == {linked["iban"]: "active"}

    # After the bank's evening run, the import run by hand twice, and the next morning's reads that day again.
    for _ in range(7):  # the first evening with bookings
        now = parse_moment(linked["portal"].clock()["now"])
        linked["portal"].advance(to=next_local_time(now, 22, 30).isoformat())
        [first] = linked["portal"].run_imports()
        if first["fetched"]:
            break
    [again] = linked["portal"].run_imports()
    assert first["fetched"] > 0 and (again["fetched"], again["imported"]) == (first["fetched"], 0)
    days_pass(linked, 0)
    assert linked["portal"].imports(iban=linked["iban"])[0]["imported"] == 0
    assert card_payments_in_eaccounting(linked) == card_payments_at_bank(linked)


def test_card_payments_are_imported_once_across_a_restart(tmp_path):
    with World(seed=42, start=START, data_dir=tmp_path, bank_config=LIVING) as world, world.activate():
        linked = link_seeded_business(world)
        days_pass(linked, 31)
        before = card_payments_in_eaccounting(linked)
        assert before == card_payments_at_bank(linked)
    with World(seed=42, start=START, data_dir=tmp_path, bank_config=LIVING) as world, world.activate():
        session = requests.Session()
        linked.update(
            bank=world.bank_sandbox(session=session),
            portal=world.portal_sandbox(session=session),
            eaccounting=EAccountingClient(
                access_token=linked["token"], base_url=world.urls.eaccounting_api, session=session
            ),
        )
        assert card_payments_in_eaccounting(linked) == before  # the restart imported nothing twice
        linked["portal"].run_imports()
        assert card_payments_in_eaccounting(linked) == before  # nor did a re-run
        imported_before = len(imported(linked))
        days_pass(linked, 14)
        assert card_payments_in_eaccounting(linked) == card_payments_at_bank(linked)
        # Every booking of the weeks after the restart came in too, with or without a transactionId.
        assert len(imported(linked)) == len(bookings_at_bank(linked)) > imported_before
