"""The ledger: transfers and bookings are whole or absent, balances match bookings, money is never a float."""

from __future__ import annotations

import random
import threading
from decimal import Decimal

import pytest
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy import update

from mockbank import errors
from mockbank import models
from mockbank.services.bank import Bank
from mockbank.services.bank import Party
from mockbank.sim.clock import SimClock
from mockbank.sim.money import from_cents
from mockbank.sim.money import to_cents

from .helpers import OUTSIDE_IBAN
from .helpers import balance_chains_intact
from .helpers import make_firm


def snapshot(bank: Bank) -> dict:
    """Everything a failed call must leave as it was: balances, booking counts, the number of bookings."""
    with bank.db.reading() as session:
        accounts = {a.iban: (a.balance_cents, a.booking_count) for a in session.scalars(select(models.Account))}
        return {"accounts": accounts, "bookings": session.scalar(select(func.count(models.Booking.id)))}


def bookings_of(bank: Bank, iban: str) -> list[models.Booking]:
    with bank.db.reading() as session:
        account = session.scalar(select(models.Account).where(models.Account.iban == iban))
        return list(
            session.scalars(
                select(models.Booking).where(models.Booking.account_id == account.id).order_by(models.Booking.id)
            )
        )


def test_a_transfer_between_two_own_accounts_books_both_sides(bank, firm):
    debit, credit = bank.bank.transfer(
        debtor_iban=firm.iban,
        creditor_iban=firm.other_iban,
        amount_cents=25_050,
        description="Naar spaarpot",
        reference="REF-1",
    )

    assert (debit.amount_cents, debit.balance_after_cents, debit.mutation_code) == (-25_050, 74_950, "658")
    assert (credit.amount_cents, credit.balance_after_cents, credit.mutation_code) == (25_050, 25_050, "654")
    assert debit.transfer_id == credit.transfer_id and debit.transfer_id
    assert debit.counterparty_iban == firm.other_iban and credit.counterparty_iban == firm.iban
    assert debit.counterparty_name == credit.counterparty_name == "Bakkerij De Vries"
    assert "Omschrijving: Naar spaarpot" in debit.description_lines
    assert "Kenmerk: REF-1" in credit.description_lines
    assert "BIC: ABNANL2A" in debit.description_lines
    assert bank.bank.account(firm.iban).balance_cents == 74_950
    assert bank.bank.account(firm.other_iban).balance_cents == 25_050
    assert bank.bank.ledger_check() == []


def test_a_transfer_to_another_bank_books_only_our_side(bank, firm):
    rows = bank.bank.transfer(
        debtor_iban=firm.iban, creditor_iban=OUTSIDE_IBAN, amount_cents=1, creditor_name="Visma Software B.V."
    )

    assert [(r.account_id, r.amount_cents) for r in rows] == [(bank.bank.account(firm.iban).id, -1)]
    assert rows[0].counterparty_name == "Visma Software B.V."
    assert "BIC: INGBNL2A" in rows[0].description_lines


def test_money_from_another_bank_books_only_the_credit(bank, firm):
    rows = bank.bank.transfer(
        debtor_iban=OUTSIDE_IBAN, creditor_iban=firm.other_iban, amount_cents=1, debtor_name="Klant B.V."
    )

    assert len(rows) == 1 and rows[0].amount_cents == 1
    assert rows[0].counterparty_iban == OUTSIDE_IBAN and rows[0].counterparty_name == "Klant B.V."


def test_ibans_are_accepted_with_spaces_and_in_lower_case(bank, firm):
    spaced = " ".join(firm.other_iban[i : i + 4] for i in range(0, len(firm.other_iban), 4)).lower()

    bank.bank.transfer(debtor_iban=firm.iban, creditor_iban=spaced, amount_cents=100)

    assert bank.bank.account(firm.other_iban).balance_cents == 100


def test_description_lines_wrap_at_32_characters_and_stop_at_9_lines(bank, firm):
    debit, _ = bank.bank.transfer(
        debtor_iban=firm.iban,
        creditor_iban=firm.other_iban,
        amount_cents=100,
        description="x" * 400,
        reference="y" * 40,
    )

    assert len(debit.description_lines) == 9
    assert all(len(line) <= 32 for line in debit.description_lines)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"amount_cents": 100_001}, errors.InsufficientFunds),
        ({"creditor_iban": "NL91ABNA0417164300", "debtor_iban": OUTSIDE_IBAN}, errors.SandboxNotFound),
        ({"creditor_iban": "NL00ABNA0000000000"}, errors.SandboxError),
        ({"creditor_iban": "not an iban"}, errors.SandboxError),
        ({"creditor_iban": "SELF"}, errors.SandboxError),
        ({"amount_cents": 0}, errors.SandboxError),
        ({"amount_cents": -5}, errors.SandboxError),
        ({"amount_cents": 1.5}, errors.SandboxError),
        ({"amount_cents": Decimal("1")}, errors.SandboxError),
        ({"amount_cents": True}, errors.SandboxError),
    ],
)
def test_a_failed_transfer_writes_nothing(bank, firm, kwargs, error):
    args = {"debtor_iban": firm.iban, "creditor_iban": firm.other_iban, "amount_cents": 100, **kwargs}
    if args["creditor_iban"] == "SELF":
        args["creditor_iban"] = firm.iban
    before = snapshot(bank.bank)

    with pytest.raises(error):
        bank.bank.transfer(**args)

    assert snapshot(bank.bank) == before


def test_a_transfer_that_fails_halfway_is_rolled_back_whole(bank, firm, monkeypatch):
    before = snapshot(bank.bank)
    real_book = Bank._book
    calls = []

    def book_then_fail(self, session, account, *args, **kwargs):
        calls.append(account.iban)
        if len(calls) == 2:
            raise RuntimeError("disk full while booking the credit side")
        return real_book(self, session, account, *args, **kwargs)

    monkeypatch.setattr(Bank, "_book", book_then_fail)

    with pytest.raises(RuntimeError):
        bank.bank.transfer(debtor_iban=firm.iban, creditor_iban=firm.other_iban, amount_cents=500)

    assert calls == [firm.iban, firm.other_iban]  # the debit had been written inside the transaction
    assert snapshot(bank.bank) == before


def test_the_credit_line_allows_an_overdraft_up_to_its_limit(bank):
    customer = bank.bank.create_customer(kind="business", name="Rood B.V.", kvk_number="11112222")
    account = bank.bank.open_account(customer_id=customer.id, credit_limit_cents=10_000)

    bank.bank.transfer(debtor_iban=account.iban, creditor_iban=OUTSIDE_IBAN, amount_cents=10_000)
    with pytest.raises(errors.InsufficientFunds):
        bank.bank.transfer(debtor_iban=account.iban, creditor_iban=OUTSIDE_IBAN, amount_cents=1)

    assert bank.bank.account(account.iban).balance_cents == -10_000


def test_an_explicit_overdraft_is_allowed(bank, firm):
    bank.bank.transfer(debtor_iban=firm.iban, creditor_iban=OUTSIDE_IBAN, amount_cents=200_000, allow_overdraft=True)

    assert bank.bank.account(firm.iban).balance_cents == -100_000


def test_a_booking_against_the_outside_world(bank, firm):
    row = bank.bank.book(
        iban=firm.iban,
        amount_cents=-1_250,
        mutation_code="944",
        description_lines=["SEPA iDEAL", "Bol.com"],
        counterparty=Party("NL91ABNA0417164300", "bol.com b.v."),
    )

    assert (row.amount_cents, row.balance_after_cents, row.mutation_code) == (-1_250, 98_750, "944")
    assert row.description_lines == ["SEPA iDEAL", "Bol.com"]
    assert row.transaction_id  # generated unless given


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"amount_cents": 0}, errors.SandboxError),
        ({"amount_cents": 0.5}, errors.SandboxError),
        ({"iban": "NL91ABNA0417164300"}, errors.SandboxNotFound),
        ({"amount_cents": -100_001, "allow_overdraft": False}, errors.InsufficientFunds),
    ],
)
def test_a_failed_booking_writes_nothing(bank, firm, kwargs, error):
    args = {"iban": firm.iban, "amount_cents": -100, "mutation_code": "426", "description_lines": ["BEA"], **kwargs}
    before = snapshot(bank.bank)

    with pytest.raises(error):
        bank.bank.book(**args)

    assert snapshot(bank.bank) == before


def test_money_is_never_a_float():
    with pytest.raises(ValueError):
        to_cents(0.1)
    with pytest.raises(ValueError):
        to_cents(True)
    with pytest.raises(ValueError):
        to_cents("0.001")
    with pytest.raises(ValueError):
        to_cents("NaN")
    with pytest.raises(ValueError):
        to_cents("twelve")
    assert to_cents("0.10") == 10
    assert to_cents(Decimal("-12.5")) == -1_250
    assert to_cents(3) == 300
    assert from_cents(-1) == Decimal("-0.01")


def test_the_ledger_check_finds_a_balance_that_disagrees_with_its_bookings(bank, firm):
    assert bank.bank.ledger_check() == []
    assert balance_chains_intact(bank.bank) == []

    with bank.db.transaction() as session:
        session.execute(update(models.Account).where(models.Account.iban == firm.iban).values(balance_cents=1))

    assert bank.bank.ledger_check() == [firm.iban]
    assert balance_chains_intact(bank.bank) == [firm.iban]


def test_history_keeps_the_balance_chain_and_only_goes_on_an_empty_account(bank, firm, clock):
    now = clock.now()
    rows = [
        {
            "booked_at": now.replace(day=2),
            "amount_cents": 5_000,
            "mutation_code": "654",
            "description_lines": ["In"],
        },
        {"booked_at": now.replace(day=3), "amount_cents": -1_234, "mutation_code": "426", "description_lines": ["Uit"]},
    ]
    other = bank.bank.account(firm.other_iban)

    bank.bank.bulk_history(other.id, rows)

    assert [b.balance_after_cents for b in bookings_of(bank.bank, firm.other_iban)] == [5_000, 3_766]
    assert bank.bank.account(firm.other_iban).balance_cents == 3_766
    with pytest.raises(errors.SandboxError):
        bank.bank.bulk_history(other.id, rows)
    assert balance_chains_intact(bank.bank) == []


# --- concurrency -------------------------------------------------------------------------------------


def test_concurrent_opposite_transfers_lose_no_money(storage_url):
    """Four threads move money back and forth between three accounts; every cent stays accounted for."""
    opposite_transfers(storage_url)


def test_concurrent_transfers_on_the_shared_in_memory_database():
    opposite_transfers("sqlite://")


def opposite_transfers(url: str) -> None:
    from mockbank import create_app

    clock = SimClock(start="2026-01-05T09:00:00+01:00")
    app = create_app({"TESTING": True, "DATABASE_URL": url}, clock=clock)
    backend = app.extensions["mockbank"]
    try:
        bank = backend.bank
        firm = make_firm(bank)
        third = bank.open_account(customer_id=firm.customer_id).iban
        bank.transfer(debtor_iban=firm.iban, creditor_iban=firm.other_iban, amount_cents=30_000)
        bank.transfer(debtor_iban=firm.iban, creditor_iban=third, amount_cents=30_000)
        ibans = [firm.iban, firm.other_iban, third]
        before = {iban: bank.account(iban).balance_cents for iban in ibans}
        moved: dict[str, int] = dict.fromkeys(ibans, 0)
        refused = []
        failures = []
        lock = threading.Lock()
        start = threading.Barrier(4)

        def worker(seed: int) -> None:
            rng = random.Random(seed)
            start.wait()
            for _ in range(40):
                debtor, creditor = rng.sample(ibans, 2)
                amount = rng.randint(1, 25_000)
                try:
                    bank.transfer(debtor_iban=debtor, creditor_iban=creditor, amount_cents=amount)
                except errors.InsufficientFunds:
                    with lock:
                        refused.append(amount)
                    continue
                except Exception as exc:  # any other error is a failure of the ledger
                    failures.append(repr(exc))
                    return
                with lock:
                    moved[debtor] -= amount
                    moved[creditor] += amount

        threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert failures == []
        after = {iban: bank.account(iban).balance_cents for iban in ibans}
        assert sum(after.values()) == sum(before.values()) == 100_000
        # No lost update: each balance moved by exactly what its successful transfers moved.
        assert {iban: after[iban] - before[iban] for iban in ibans} == moved
        assert all(balance >= 0 for balance in after.values())
        assert bank.ledger_check() == []
        assert balance_chains_intact(bank) == []
        successful = 4 * 40 - len(refused)
        assert sum(bank.booking_count(iban) for iban in ibans) == 1 + 2 * 2 + 2 * successful
    finally:
        backend.close()
