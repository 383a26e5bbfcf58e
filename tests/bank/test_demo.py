"""The demo world of a seed: deterministic, Dutch, 18 months of plausible history, and usable through /v1."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import Counter
from decimal import Decimal

import pytest
from schwifty import IBAN
from sqlalchemy import select

from mockbank import create_app
from mockbank import models
from mockbank import wire
from mockbank.services.demo import SANDBOX_API_KEY
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import is_target2_day
from mockbank.sim.calendar import months_back
from mockbank.sim.clock import SimClock

from .helpers import Api
from .helpers import body_of

START = "2026-01-05T09:00:00+01:00"
CREDITOR_ID = re.compile(r"^Incassant: (NL\d{2})ZZZ(\d{12})$")


def stored_bookings(backend) -> list[dict]:
    """Every booking in the bank, in insertion order, as the API shows it plus its IBAN."""
    with backend.db.reading() as session:
        ibans = dict(session.execute(select(models.Account.id, models.Account.iban)).all())
        rows = session.scalars(select(models.Booking).order_by(models.Booking.id)).all()
        return [{"iban": ibans[row.account_id], **wire.booking(row)} for row in rows]


def world_dump(backend, seed: int) -> tuple[str, str]:
    """The seed's summary and its bookings, both as JSON text, for byte-for-byte comparison."""
    summary = backend.seed(seed)
    return wire.dumps(summary), wire.dumps(stored_bookings(backend))


def tpp_api(client, iban: str) -> Api:
    """The seeded TPP_test client holding a sandbox-minted token for ``iban``."""
    response = client.post("/sandbox/tokens", json={"clientId": "TPP_test", "iban": iban})
    assert response.status_code == 201, response.get_data(as_text=True)
    return Api(client=client, api_key=SANDBOX_API_KEY, token=response.get_json()["access_token"])


def all_transactions(api: Api, iban: str) -> list[dict]:
    """Every transaction of ``iban`` through /v1, following ``nextPageKey``, newest first, amounts as Decimal."""
    rows, key = [], None
    while True:
        response = api.get(f"/v1/accounts/{iban}/transactions", **({"nextPageKey": key} if key else {}))
        assert response.status_code == 200, response.get_data(as_text=True)
        page = body_of(response)
        rows += page["transactions"]
        key = page.get("nextPageKey")
        if key is None:
            return rows


@pytest.fixture
def world(bank):
    """The summary of seed 42, built on the test clock (Monday 5 January 2026, 09:00 Amsterdam)."""
    return bank.seed(42)


# --- determinism ------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_world_byte_for_byte_even_in_another_app(bank):
    first_summary, first_bookings = world_dump(bank, 42)
    other = create_app({"TESTING": True}, clock=SimClock(start=START))
    try:
        second_summary, second_bookings = world_dump(other.extensions["mockbank"], 42)
    finally:
        other.extensions["mockbank"].close()

    assert first_summary == second_summary
    assert first_bookings == second_bookings
    assert len(json.loads(first_bookings)) > 3000


def test_seeding_again_replaces_the_world_instead_of_adding_to_it(bank):
    once = world_dump(bank, 42)
    again = world_dump(bank, 42)

    assert once == again
    summary = json.loads(once[0])
    assert len(bank.bank.customers()) == len(summary["customers"]) + len(summary["magicUsers"])


def test_another_seed_gives_other_companies_accounts_and_bookings(bank):
    summary_42, bookings_42 = world_dump(bank, 42)
    summary_7, bookings_7 = world_dump(bank, 7)

    names_42 = {c["name"] for c in json.loads(summary_42)["customers"]}
    names_7 = {c["name"] for c in json.loads(summary_7)["customers"]}
    assert names_42 != names_7
    assert {a["iban"] for a in json.loads(summary_42)["accounts"]} != {
        a["iban"] for a in json.loads(summary_7)["accounts"]
    }
    assert bookings_42 != bookings_7


# --- what a tester sees in the summary ----------------------------------------------------------------


def test_every_business_has_kvk_number_trade_name_and_a_current_account(world):
    accounts = {a["iban"]: a for a in world["accounts"]}
    businesses = [c for c in world["customers"] if c["kind"] == "business"]
    assert len(businesses) >= 3
    for business in businesses:
        assert re.fullmatch(r"[1-9]\d{7}", business["kvkNumber"]), business
        assert business["tradeName"] and business["tradeName"] != business["name"]
        assert business["name"].endswith(("B.V.", "N.V."))
        products = [accounts[iban]["product"] for iban in business["accounts"]]
        assert "current" in products
    assert len({b["kvkNumber"] for b in businesses}) == len(businesses)
    assert any(c["kind"] == "retail" and c["kvkNumber"] is None for c in world["customers"])


def test_accounts_are_abn_amro_ibans_and_one_savings_account_cannot_be_linked(world):
    for account in world["accounts"]:
        iban = IBAN(account["iban"])
        assert iban.bank_code == "ABNA" and str(iban.bic) == "ABNANL2A"
        assert account["currency"] == "EUR"
    savings = [a for a in world["accounts"] if a["product"] == "savings"]
    without_own_iban = [a for a in savings if not a["hasOwnIban"]]
    assert len(without_own_iban) == 1
    assert len(savings) - 1 >= 3, "most businesses have a savings account with its own IBAN"
    assert all(a["hasOwnIban"] for a in world["accounts"] if a["product"] == "current")


def test_every_user_can_log_in_with_edentifier_and_app_and_businesses_with_access_online(world):
    kinds = {c["id"]: c["kind"] for c in world["customers"]}
    ibans = {c["id"]: set(c["accounts"]) for c in world["customers"]}
    assert all(c["users"] for c in world["customers"])
    for user in world["users"]:
        means = {m["kind"]: m for m in user["loginMeans"]}
        expected = {"edentifier", "app"} | ({"access_online"} if kinds[user["customerId"]] == "business" else set())
        assert set(means) == expected
        edentifier = means["edentifier"]
        assert edentifier["accountNumber"] in ibans[user["customerId"]]
        assert re.fullmatch(r"\d{3}", edentifier["cardNumber"])
        assert re.fullmatch(r"\d{8}", edentifier["responseCode"])
        assert not edentifier["blocked"]
        if "access_online" in means:
            assert means["access_online"]["userId"] and re.fullmatch(r"\d{8}", means["access_online"]["responseCode"])
        assert re.fullmatch(r"[a-z0-9.]+@[a-z0-9.]+\.[a-z]+", user["email"])


def test_the_sandbox_third_party_is_registered_like_abn_amros(world):
    (tpp,) = world["clients"]
    assert tpp["clientId"] == "TPP_test"
    assert tpp["name"] == "TPP Test"
    assert tpp["redirectUris"] == ["https://localhost/auth"]
    assert tpp["apiKey"] == SANDBOX_API_KEY
    assert tpp["clientSecret"]


# --- over HTTP --------------------------------------------------------------------------------------


def test_post_sandbox_seed_answers_201_with_the_summary_and_get_repeats_it(client):
    response = client.post("/sandbox/seed", json={"seed": 42})

    assert response.status_code == 201
    summary = response.get_json()
    assert summary["seed"] == 42
    assert {"seed", "customers", "users", "accounts", "clients"} <= set(summary)
    assert len(summary["customers"]) == 6
    assert client.get("/sandbox/seed").get_json() == summary
    assert client.get("/sandbox/ledger").get_json() == {"inconsistentAccounts": []}


def test_the_seeded_tpp_reads_a_business_account_through_v1(client, world):
    business = next(c for c in world["customers"] if c["kind"] == "business")
    current = next(a for a in world["accounts"] if a["iban"] in business["accounts"] and a["product"] == "current")
    api = tpp_api(client, current["iban"])

    details = api.get(f"/v1/accounts/{current['iban']}/details")
    balances = api.get(f"/v1/accounts/{current['iban']}/balances")
    first_page = api.get(f"/v1/accounts/{current['iban']}/transactions")

    assert details.status_code == 200
    assert details.get_json()["accountHolderName"] == business["tradeName"]
    assert body_of(balances)["amount"] == Decimal(current["balance"])
    page = body_of(first_page)
    assert len(page["transactions"]) == 50 and page["nextPageKey"]


# --- the history ------------------------------------------------------------------------------------


def test_history_covers_18_months_ends_now_and_balances_chain_to_the_shown_balance(client, clock, world):
    today = clock.today()
    oldest_allowed = months_back(today, 18)
    for account in world["accounts"]:
        iban = account["iban"]
        api = tpp_api(client, iban)
        rows = all_transactions(api, iban)
        assert len(rows) == account["bookings"]

        dates = [dt.date.fromisoformat(r["bookDate"]) for r in rows]
        assert min(dates) >= oldest_allowed
        assert min(dates) <= oldest_allowed + dt.timedelta(days=5), "history starts 18 months back"
        assert max(dates) <= today
        for row in rows:
            moment = dt.datetime.strptime(row["transactionTimestamp"], "%Y-%m-%d-%H:%M:%S.%f")
            assert moment.replace(tzinfo=AMSTERDAM) <= clock.now()
            assert moment.date().isoformat() == row["bookDate"]

        running = Decimal(0)
        for row in reversed(rows):
            running += row["amount"]
            assert row["balanceAfterMutation"] == running, (iban, row)
        shown = body_of(api.get(f"/v1/accounts/{iban}/balances"))["amount"]
        assert rows[0]["balanceAfterMutation"] == shown == Decimal(account["balance"])


def test_business_current_accounts_stay_plausibly_in_credit(client, world):
    businesses = {c["id"] for c in world["customers"] if c["kind"] == "business"}
    for account in world["accounts"]:
        if account["customerId"] not in businesses or account["product"] != "current":
            continue
        rows = all_transactions(tpp_api(client, account["iban"]), account["iban"])
        assert min(r["balanceAfterMutation"] for r in rows) >= 0
        months = {r["bookDate"][:7] for r in rows}
        assert len(months) == 19, "every month of the 18-month window has bookings"
        assert 20 <= len(rows) / len(months) <= 120, "a few dozen bookings a month"


def test_bookings_use_abn_amros_mutation_codes_and_description_lines(bank, world):
    rows = stored_bookings(bank)
    products = {a["iban"]: a["product"] for a in world["accounts"]}

    codes = Counter(r["mutationCode"] for r in rows)
    assert set(codes) == {"426", "247", "654", "658", "944", "593"}
    for row in rows:
        assert 1 <= len(row["descriptionLines"]) <= 9, row
        assert all(len(line) <= 32 for line in row["descriptionLines"]), row
        assert row["amount"] != 0
        assert isinstance(row["amount"], Decimal)
    interest = [r for r in rows if r["mutationCode"] == "593"]
    assert interest and all(products[r["iban"]] == "savings" and r["amount"] > 0 for r in interest)
    assert all(r["descriptionLines"][0].startswith("RENTEAFSLUITING PER ") for r in interest)


def test_incasso_lines_carry_incassant_machtiging_and_kenmerk(bank, world):
    incasso = [r for r in stored_bookings(bank) if r["mutationCode"] == "247"]

    assert len(incasso) > 100
    for row in incasso:
        lines = row["descriptionLines"]
        assert lines[0] == "SEPA Incasso algemeen doorlopend"
        (creditor,) = [line for line in lines if line.startswith("Incassant: ")]
        check, national = CREDITOR_ID.match(creditor).groups()
        # A SEPA creditor identifier: ISO 7064 mod 97 over the national id plus country and check digits.
        digits = "".join(str(int(c, 36)) for c in national + check)
        assert int(digits) % 97 == 1, creditor
        assert any(line.startswith("Machtiging: ") for line in lines)
        assert any(line.startswith("Kenmerk: ") for line in lines)
        assert row["amount"] < 0
        assert row["counterPartyAccountNumber"] and row["counterPartyName"] and row["transactionId"]


def test_card_payments_are_bea_lines_without_transaction_id_or_counterparty(bank, world):
    cards = [r for r in stored_bookings(bank) if r["mutationCode"] == "426"]

    assert len(cards) > 300
    for row in cards:
        assert re.fullmatch(r"BEA   NR:[A-Z0-9]{6}   \d\d\.\d\d\.\d\d/\d\d\.\d\d", row["descriptionLines"][0]), row
        assert re.search(r",PAS\d{3}$", row["descriptionLines"][1]), row
        assert row["transactionId"] == ""
        assert row["counterPartyAccountNumber"] == "" and row["counterPartyName"] == ""
        assert row["amount"] < 0
        paid_on = dt.datetime.strptime(row["descriptionLines"][0][-14:], "%d.%m.%y/%H.%M").date()
        assert paid_on <= dt.date.fromisoformat(row["bookDate"]) <= paid_on + dt.timedelta(days=4)


def test_bookings_fall_on_bank_days_at_amsterdam_times_banks_book(bank, world):
    rows = stored_bookings(bank)

    assert all(is_target2_day(dt.date.fromisoformat(r["bookDate"])) for r in rows)
    hours = Counter(int(r["transactionTimestamp"][11:13]) for r in rows)
    assert sum(n for hour, n in hours.items() if hour < 3) == 0
    incasso_hours = {int(r["transactionTimestamp"][11:13]) for r in rows if r["mutationCode"] == "247"}
    assert incasso_hours <= {4, 5}, "direct debits are booked in the early-morning run"


def test_salaries_of_retail_customers_come_from_a_business_of_the_same_bank(bank, world):
    rows = stored_bookings(bank)
    retail_ibans = {iban for c in world["customers"] if c["kind"] == "retail" for iban in c["accounts"]}
    business_ibans = {iban for c in world["customers"] if c["kind"] == "business" for iban in c["accounts"]}
    salaries_in = [
        r
        for r in rows
        if r["iban"] in retail_ibans
        and r["mutationCode"] == "654"
        and any(line.startswith("Omschrijving: Salaris") for line in r["descriptionLines"])
    ]

    assert len(salaries_in) >= 2 * 17
    assert all(r["counterPartyAccountNumber"] in business_ibans for r in salaries_in)
    paid_out = {(r["counterPartyAccountNumber"], r["transactionTimestamp"], -r["amount"]) for r in rows}
    assert all((r["iban"], r["transactionTimestamp"], r["amount"]) in paid_out for r in salaries_in)


@pytest.mark.parametrize("moment", ["2026-03-29T23:30:00+02:00", "2026-07-01T06:00:00+02:00"])
def test_the_history_ends_at_the_clocks_now_whatever_the_day(bank, clock, moment):
    clock.advance_to(moment)

    bank.seed(42)

    rows = stored_bookings(bank)
    latest = max(dt.datetime.strptime(r["transactionTimestamp"], "%Y-%m-%d-%H:%M:%S.%f") for r in rows)
    now_local = clock.now().astimezone(AMSTERDAM).replace(tzinfo=None)
    assert latest <= now_local
    assert now_local - latest < dt.timedelta(days=4)
    assert min(dt.date.fromisoformat(r["bookDate"]) for r in rows) >= months_back(clock.today(), 18)
    assert bank.bank.ledger_check() == []
