"""Fixtures of ``make bench``: a bank on a fixed clock, and one account with a million bookings."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

import pytest
from sqlalchemy import column
from sqlalchemy import insert
from sqlalchemy import table
from sqlalchemy import update

from mockbank import create_app
from mockbank import models
from mockbank.services.bank import HISTORY_MONTHS
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import UTC
from mockbank.sim.calendar import months_back
from mockbank.sim.clock import SimClock

START = "2026-01-05T09:00:00+01:00"
MILLION = 1_000_000
CHUNK = 50_000

# What the benchmarks measured, for the comparison printed at the end of the run.
RESULTS: dict[str, dict] = {}
# The report's table: each figure next to its yardstick, measured in the same run.
FIGURES: list[tuple[str, str, str, str, str]] = []


def figure(
    name: str,
    row: dict | None = None,
    *,
    value: str | None = None,
    yardstick: str = "",
    ratio: float | None = None,
    goal: float | str | None = None,
) -> None:
    """Record one line of the report; ``row`` is a ``measure.Versus.row()`` (times in µs and their ratio)."""
    if row is not None:
        value = f"{row['us']:,.0f} µs"
        yardstick = f"{row['yardstick_us']:,.0f} µs {yardstick}".strip()
        ratio = row["ratio"]
        goal = f"≤ {goal}×" if isinstance(goal, int | float) else goal
    FIGURES.append(
        (name, value or "", yardstick, "" if ratio is None else f"{ratio:.2f}×", "" if goal is None else str(goal))
    )


@dataclass
class BigAccount:
    """An account with ``count`` bookings and a TPP that may read it."""

    app: object
    client: object
    iban: str
    account_id: int
    count: int
    headers: dict


@pytest.fixture
def bank_app():
    """A bank app on in-memory SQLite with a frozen clock (Monday 5 January 2026, 09:00 Amsterdam)."""
    app = create_app({"TESTING": True}, clock=SimClock(start=START))
    yield app
    app.extensions["mockbank"].close()


def million_rows(account_id: int, today: dt.date, count: int):
    """``count`` card payments spread evenly over the 18 months up to ``today``, oldest first, in chunks.

    Values are given in the form the bank's columns store on SQLite (JSON text, UTC times as
    text), so the load skips per-row type processing and a million rows take seconds.
    """
    first = months_back(today, HISTORY_MONTHS)
    days = (today - first).days + 1
    per_day = -(-count // days)
    balance = 0
    chunk = []
    for index in range(count):
        slot = index % per_day
        if slot == 0:
            day = first + dt.timedelta(days=index // per_day)
            book_date = day.isoformat()
            opening = dt.datetime.combine(day, dt.time(6, 0), AMSTERDAM).astimezone(UTC).replace(tzinfo=None)
            lines = json.dumps([f"BEA   NR:BENCH01   {day:%d.%m.%y}/10.00", "Bench Shop AMSTERDAM,PAS123"])
        amount = -(100 + index % 5_000)
        balance += amount
        chunk.append(
            {
                "account_id": account_id,
                "transfer_id": None,
                "transaction_id": "",
                "mutation_code": "426",
                "description_lines": lines,
                "booked_at": f"{opening + dt.timedelta(seconds=slot * 30)}.000000",
                "book_date": book_date,
                "amount_cents": amount,
                "currency": "EUR",
                "balance_after_cents": balance,
                "counterparty_iban": "",
                "counterparty_name": "",
            }
        )
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# The bookings table without column types: SQLAlchemy Core passes the prepared values straight through.
UNTYPED_BOOKINGS = table("bookings", *(column(c.name) for c in models.Booking.__table__.columns))


@pytest.fixture(scope="module")
def big_account(tmp_path_factory) -> BigAccount:
    """A business account with a million bookings in an SQLite file, built once per module."""
    path = tmp_path_factory.mktemp("million") / "bank.db"
    clock = SimClock(start=START)
    app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path}"}, clock=clock)
    backend = app.extensions["mockbank"]
    bank = backend.bank
    customer = bank.create_customer(
        kind=models.BUSINESS, name="Miljoen B.V.", trade_name="Miljoen", kvk_number="12345678"
    )
    account = bank.open_account(customer_id=customer.id)
    tpp = backend.consents.register_client(name="Bench TPP", redirect_uris=["https://localhost/auth"])
    token = backend.consents.mint_token(
        client_id=tpp.client_id, iban=account.iban, scopes="psd2:account:transaction:read psd2:account:balance:read"
    )
    last = None
    # SQLAlchemy Core in chunks: one executemany per chunk, one transaction for the lot.
    with backend.db.engine.begin() as connection:
        for chunk in million_rows(account.id, clock.today(), MILLION):
            connection.execute(insert(UNTYPED_BOOKINGS), chunk)
            last = chunk[-1]
        connection.execute(
            update(models.Account.__table__)
            .where(models.Account.id == account.id)
            .values(balance_cents=last["balance_after_cents"], booking_count=MILLION)
        )
    yield BigAccount(
        app=app,
        client=app.test_client(),
        iban=account.iban,
        account_id=account.id,
        count=MILLION,
        headers={"API-Key": tpp.api_key, "Authorization": f"Bearer {token.access_token}"},
    )
    backend.close()


def pytest_terminal_summary(terminalreporter):
    """Print the measured figures: each next to its yardstick from the same run, then the details."""
    if RESULTS:
        terminalreporter.section("mockbank benchmark details")
        for name, figures in RESULTS.items():
            text = ", ".join(f"{key}={value}" for key, value in figures.items())
            terminalreporter.write_line(f"{name}: {text}")
    if not FIGURES:
        return
    terminalreporter.section("mockbank benchmark report (one run, each figure beside its yardstick)")
    header = ("figure", "measured", "yardstick (same run)", "ratio", "goal")
    widths = [max(len(str(row[i])) for row in [header, *FIGURES]) for i in range(len(header))]
    for row in [header, tuple("-" * w for w in widths), *FIGURES]:
        terminalreporter.write_line("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)))
