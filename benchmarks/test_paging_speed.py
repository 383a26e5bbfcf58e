"""Paging an account with a million bookings: pages near the end must be as fast as the first (keyset paging)."""

from __future__ import annotations

from sqlalchemy import select

from mockbank import models
from mockbank import wire

from .conftest import RESULTS
from .conftest import BigAccount
from .conftest import figure

PAGE = 50
ROUNDS = 30


def transactions(big: BigAccount, key: str | None = None) -> dict:
    """One page of ``/v1/accounts/{iban}/transactions`` as the TPP reads it, from the database every time.

    The bank keeps pages it served until the account changes; forgetting them measures the keyset query.
    """
    big.app.extensions["mockbank"].reads.forget()
    response = big.client.get(
        f"/v1/accounts/{big.iban}/transactions",
        query_string={"nextPageKey": key} if key else {},
        headers=big.headers,
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def key_before(big: BigAccount, position: int) -> str:
    """The ``nextPageKey`` the bank hands out after the ``position``-th booking, newest first.

    Walking 20,000 pages to get there would measure the walk, not the page; the key is the bank's
    own opaque encoding of the row where the previous page ended.
    """
    B = models.Booking
    with big.app.extensions["mockbank"].db.reading() as session:
        book_date, booking_id = session.execute(
            select(B.book_date, B.id)
            .where(B.account_id == big.account_id)
            .order_by(B.book_date.desc(), B.id.desc())
            .offset(position - 1)
            .limit(1)
        ).one()
    return wire.encode_page_key(book_date, booking_id)


def record(benchmark, name: str) -> float:
    median = benchmark.stats.stats.median
    RESULTS.setdefault("paging 1M bookings", {})[f"{name}_median_ms"] = round(median * 1000, 2)
    return median


def test_first_page(benchmark, big_account):
    benchmark.group = "paging 1M bookings"

    page = benchmark.pedantic(transactions, args=(big_account,), rounds=ROUNDS, warmup_rounds=2)

    assert len(page["transactions"]) == PAGE and page["nextPageKey"]
    record(benchmark, "first")


def test_middle_page(benchmark, big_account):
    benchmark.group = "paging 1M bookings"
    key = key_before(big_account, big_account.count // 2)

    page = benchmark.pedantic(transactions, args=(big_account, key), rounds=ROUNDS, warmup_rounds=2)

    assert len(page["transactions"]) == PAGE and page["nextPageKey"]
    record(benchmark, "middle")


def test_last_pages_following_next_page_key(benchmark, big_account):
    """The last five pages, each fetched with the key the previous one returned; timed per walk of five."""
    benchmark.group = "paging 1M bookings"
    start = key_before(big_account, big_account.count - 5 * PAGE)

    def walk() -> int:
        key, seen = start, 0
        while key:
            page = transactions(big_account, key)
            seen += len(page["transactions"])
            key = page.get("nextPageKey")
        return seen

    seen = benchmark.pedantic(walk, rounds=ROUNDS // 3, warmup_rounds=1)

    assert seen == 5 * PAGE
    per_page = record(benchmark, "last5walk") / 5
    results = RESULTS["paging 1M bookings"]
    results["last_per_page_ms"] = round(per_page * 1000, 2)
    first = results.get("first_median_ms")
    if first:
        results["last/first"] = round(per_page * 1000 / first, 2)
        assert per_page * 1000 < 3 * first, "keyset paging: the end of the history must be as fast as the start"
        figure(
            "paging 1M bookings: a page near the end, following nextPageKey",
            value=f"{per_page * 1000:.2f} ms",
            yardstick=f"{first:.2f} ms the first page",
            ratio=per_page * 1000 / first,
            goal="< 3×",
        )
