"""``GET /v1/accounts/{iban}/transactions``: 50 a page, newest first, opaque keys, ABN AMRO's date errors."""

from __future__ import annotations

import base64
import datetime as dt
import re

import pytest

from mockbank.services.bank import Party

from .helpers import OUTSIDE_IBAN
from .helpers import Api
from .helpers import assert_bank_error
from .helpers import body_of
from .helpers import history
from .helpers import mint


@pytest.fixture
def busy(client, bank, tpp, firm):
    """The firm's second account with 130 bookings, two a day from 1 Nov 2025 to 4 Jan 2026, and its TPP client."""
    history(bank.bank, firm.other_iban, days=65, per_day=2, last_day=dt.date(2026, 1, 4))
    return Api(client=client, api_key=tpp.api_key, token=mint(bank, tpp, firm.other_iban))


def transactions_path(iban: str) -> str:
    return f"/v1/accounts/{iban}/transactions"


def all_pages(api: Api, iban: str, **filters) -> list[dict]:
    """Every page, following ``nextPageKey`` and repeating the filters, as ABN AMRO requires."""
    pages = []
    key = None
    while True:
        params = dict(filters)
        if key:
            params["nextPageKey"] = key
        response = api.get(transactions_path(iban), **params)
        assert response.status_code == 200, response.get_data(as_text=True)
        page = response.get_json()
        pages.append(page)
        key = page.get("nextPageKey")
        if key is None:
            return pages
        assert len(pages) < 20, "paging does not end"


def ids(pages: list[dict]) -> list[str]:
    return [t["transactionId"] for page in pages for t in page["transactions"]]


def test_pages_hold_50_newest_first_and_the_last_page_has_no_key(busy, firm):
    pages = all_pages(busy, firm.other_iban)

    assert [len(p["transactions"]) for p in pages] == [50, 50, 30]
    assert all("nextPageKey" in p for p in pages[:-1])
    assert "nextPageKey" not in pages[-1]
    assert all(p["accountNumber"] == firm.other_iban for p in pages)
    # History ids count up with time: newest first means H000130 down to H000001, none twice, none missing.
    assert ids(pages) == [f"H{n:06d}" for n in range(130, 0, -1)]
    dates = [t["bookDate"] for p in pages for t in p["transactions"]]
    assert dates == sorted(dates, reverse=True)
    assert dates[0] == "2026-01-04" and dates[-1] == "2025-11-01"


def test_the_key_is_opaque_and_not_a_date(busy, firm):
    first = busy.get(transactions_path(firm.other_iban)).get_json()
    key = first["nextPageKey"]
    assert re.fullmatch(r"[A-Za-z0-9_-]+", key)
    assert not re.match(r"\d{4}-\d{2}-\d{2}", key)


def test_date_filters_are_inclusive_and_repeated_with_the_key(busy, firm):
    pages = all_pages(busy, firm.other_iban, bookDateFrom="2025-12-01", bookDateTo="2025-12-31")

    assert [len(p["transactions"]) for p in pages] == [50, 12]
    dates = [t["bookDate"] for p in pages for t in p["transactions"]]
    assert dates[0] == "2025-12-31" and dates[-1] == "2025-12-01"
    assert len(set(ids(pages))) == 62


def test_only_a_from_date_pages_to_today(busy, firm):
    pages = all_pages(busy, firm.other_iban, bookDateFrom="2025-12-20")

    dates = [t["bookDate"] for p in pages for t in p["transactions"]]
    assert len(dates) == 16 * 2
    assert min(dates) == "2025-12-20" and max(dates) == "2026-01-04"


def test_only_a_to_date_pages_back_through_history(busy, firm):
    pages = all_pages(busy, firm.other_iban, bookDateTo="2025-11-10")

    dates = [t["bookDate"] for p in pages for t in p["transactions"]]
    assert len(dates) == 10 * 2
    assert max(dates) == "2025-11-10" and min(dates) == "2025-11-01"


def test_the_key_marks_a_position_so_dropping_the_filters_runs_past_the_from_date(busy, firm):
    first = busy.get(transactions_path(firm.other_iban), bookDateFrom="2025-12-01").get_json()
    without_filter = busy.get(transactions_path(firm.other_iban), nextPageKey=first["nextPageKey"]).get_json()

    assert min(t["bookDate"] for t in without_filter["transactions"]) < "2025-12-01"


def test_bookings_arriving_between_page_fetches_are_neither_skipped_nor_repeated(busy, bank, firm, clock):
    first = busy.get(transactions_path(firm.other_iban)).get_json()

    # While the TPP is paging, money moves: new bookings land on top of the list.
    clock.advance(dt.timedelta(minutes=5))
    bank.bank.book(
        iban=firm.other_iban, amount_cents=-250, mutation_code="426", description_lines=["BEA"], transaction_id="NEW1"
    )
    bank.bank.transfer(debtor_iban=firm.iban, creditor_iban=firm.other_iban, amount_cents=1)

    rest = all_pages(busy, firm.other_iban, nextPageKey=first["nextPageKey"])
    seen = ids([first, *rest])
    assert seen == [f"H{n:06d}" for n in range(130, 0, -1)]

    fresh = busy.get(transactions_path(firm.other_iban)).get_json()["transactions"]
    assert [t["amount"] for t in fresh[:2]] == [0.01, -2.5]
    assert fresh[1]["transactionId"] == "NEW1"
    assert fresh[2]["transactionId"] == "H000130"


def test_an_empty_account_answers_an_empty_list_without_key(client, bank, tpp, firm):
    api = Api(client=client, api_key=tpp.api_key, token=mint(bank, tpp, firm.other_iban))

    response = api.get(transactions_path(firm.other_iban))

    assert response.status_code == 200
    assert response.get_json() == {"accountNumber": firm.other_iban, "transactions": []}


def test_exactly_50_bookings_fit_on_one_page_without_key(client, bank, tpp, firm):
    history(bank.bank, firm.other_iban, days=25, per_day=2, last_day=dt.date(2026, 1, 4))
    api = Api(client=client, api_key=tpp.api_key, token=mint(bank, tpp, firm.other_iban))

    page = api.get(transactions_path(firm.other_iban)).get_json()

    assert len(page["transactions"]) == 50
    assert "nextPageKey" not in page


def _key(raw: str) -> str:
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


@pytest.mark.parametrize(
    "key",
    ["garbage", "%%%", "é", _key("2026-01-04"), _key("2026-13-01.5"), _key("2026-01-04.x"), _key("1.2.3")],
)
def test_a_garbage_key_is_a_bad_request_in_the_envelope(busy, firm, key):
    response = busy.get(transactions_path(firm.other_iban), nextPageKey=key)

    error = assert_bank_error(response, 400, "ERR_1100_004")
    assert "nextPageKey" in error["message"]


def test_a_transfer_shows_every_field_as_abn_amro_writes_it(api, bank, firm, clock):
    clock.advance(dt.timedelta(minutes=30, seconds=7, milliseconds=410))  # 09:30:07.410 Amsterdam
    bank.bank.transfer(
        debtor_iban=firm.iban,
        creditor_iban=OUTSIDE_IBAN,
        amount_cents=1_800,
        description="Factuur 2026-001 broodjes",
        reference="74112345",
        creditor_name="Nederlandse Loterij Organisatie B.V.",
    )

    response = api.get(transactions_path(firm.iban))

    raw = response.get_data(as_text=True)
    newest = body_of(response)["transactions"][0]
    assert set(newest) == {
        "mutationCode",
        "descriptionLines",
        "transactionTimestamp",
        "bookDate",
        "balanceAfterMutation",
        "counterPartyAccountNumber",
        "counterPartyName",
        "amount",
        "currency",
        "transactionId",
    }
    assert newest["mutationCode"] == "658"
    assert newest["descriptionLines"][0] == "SEPA Overboeking"
    assert f"IBAN: {OUTSIDE_IBAN}" in newest["descriptionLines"]
    assert "Kenmerk: 74112345" in newest["descriptionLines"]
    assert all(len(line) <= 32 for line in newest["descriptionLines"])
    assert len(newest["descriptionLines"]) <= 9
    assert newest["transactionTimestamp"] == "2026-01-05-09:30:07.410"
    assert newest["bookDate"] == "2026-01-05"
    assert newest["counterPartyAccountNumber"] == OUTSIDE_IBAN
    assert newest["counterPartyName"] == "Nederlandse Loterij Orga"  # 24 characters, as ABN AMRO truncates
    assert newest["currency"] == "EUR"
    assert re.fullmatch(r"\d{4}[A-Z]\d{10}S0[A-Z]{2}", newest["transactionId"])
    # Whole euros are written without decimals (-18), other amounts as plain JSON numbers (982).
    assert '"amount": -18,' in raw
    assert '"balanceAfterMutation": 982,' in raw


def test_cents_are_json_numbers_with_their_decimals(api, bank, firm):
    bank.bank.book(iban=firm.iban, amount_cents=-1_603, mutation_code="426", description_lines=["BEA"])

    raw = api.get(transactions_path(firm.iban)).get_data(as_text=True)

    assert '"amount": -16.03,' in raw
    assert '"balanceAfterMutation": 983.97,' in raw


def test_book_date_and_timestamp_are_amsterdam_time(api, bank, tpp, firm, clock):
    clock.advance_to("2026-01-05T23:30:00+00:00")  # already 6 January in Amsterdam
    api.token = mint(bank, tpp, firm.iban)  # the morning's token lasted two hours
    bank.bank.book(iban=firm.iban, amount_cents=500, mutation_code="654", description_lines=["Late"])

    newest = api.get(transactions_path(firm.iban), bookDateTo="2026-01-06").get_json()["transactions"][0]

    assert newest["bookDate"] == "2026-01-06"
    assert newest["transactionTimestamp"] == "2026-01-06-00:30:00.000"


def test_without_from_date_history_older_than_18_months_is_left_out(client, bank, tpp, firm):
    history(bank.bank, firm.other_iban, days=3, per_day=1, last_day=dt.date(2024, 7, 5))  # 3, 4 and 5 July 2024
    api = Api(client=client, api_key=tpp.api_key, token=mint(bank, tpp, firm.other_iban))

    dates = [t["bookDate"] for t in api.get(transactions_path(firm.other_iban)).get_json()["transactions"]]

    assert dates == ["2024-07-05"]


@pytest.mark.parametrize(
    ("params", "status", "code"),
    [
        ({"bookDateFrom": "2026-1-5"}, 400, "MESSAGE_RST560_0009"),
        ({"bookDateFrom": "2025-02-30"}, 400, "MESSAGE_RST560_0009"),
        ({"bookDateFrom": "05-01-2026"}, 400, "MESSAGE_RST560_0009"),
        ({"bookDateFrom": "2025-12-01T00:00:00"}, 400, "MESSAGE_RST560_0009"),
        ({"bookDateTo": "yesterday"}, 400, "MESSAGE_RST560_0008"),
        ({"bookDateTo": "2025-13-01"}, 400, "MESSAGE_RST560_0008"),
        ({"bookDateFrom": "2025-12-10", "bookDateTo": "2025-12-09"}, 400, "MESSAGE_RST560_0011"),
        ({"bookDateFrom": "2026-01-06"}, 400, "MESSAGE_RST560_0012"),
        ({"bookDateTo": "2026-01-06"}, 400, "MESSAGE_RST560_0013"),
        ({"bookDateFrom": "2024-07-04"}, 400, "MESSAGE_BAI560_0029"),
        ({"bookDateFrom": "2020-01-01", "bookDateTo": "2020-02-01"}, 400, "MESSAGE_BAI560_0029"),
    ],
)
def test_bad_dates_get_abn_amro_codes(api, firm, params, status, code):
    assert_bank_error(api.get(transactions_path(firm.iban), **params), status, code)


def test_a_from_date_exactly_18_months_back_and_today_are_allowed(api, firm):
    response = api.get(transactions_path(firm.iban), bookDateFrom="2024-07-05", bookDateTo="2026-01-05")

    assert response.status_code == 200
    assert len(response.get_json()["transactions"]) == 1


def test_today_is_the_simulated_day_in_amsterdam(api, bank, tpp, firm, clock):
    clock.advance_to("2026-01-05T23:30:00+00:00")
    api.token = mint(bank, tpp, firm.iban)

    assert api.get(transactions_path(firm.iban), bookDateTo="2026-01-06").status_code == 200
    assert_bank_error(api.get(transactions_path(firm.iban), bookDateTo="2026-01-07"), 400, "MESSAGE_RST560_0013")


def test_the_18_months_move_with_the_clock(api, bank, tpp, firm, clock):
    assert api.get(transactions_path(firm.iban), bookDateFrom="2024-07-05").status_code == 200

    clock.advance(dt.timedelta(days=1))
    api.token = mint(bank, tpp, firm.iban)

    assert_bank_error(api.get(transactions_path(firm.iban), bookDateFrom="2024-07-05"), 400, "MESSAGE_BAI560_0029")


def test_opening_deposit_and_outside_counterparty_fields_are_empty_strings(api, bank, firm):
    bank.bank.book(
        iban=firm.iban,
        amount_cents=-2_000,
        mutation_code="426",
        description_lines=["BEA, Betaalpas", "Albert Heijn 1234"],
        counterparty=Party(),
    )

    newest = api.get(transactions_path(firm.iban)).get_json()["transactions"]

    assert newest[0]["counterPartyAccountNumber"] == "" and newest[0]["counterPartyName"] == ""
    assert newest[1]["transactionId"] == ""  # the opening deposit, like ABN AMRO's card payments


@pytest.mark.parametrize(
    ("today", "oldest"),
    [
        ("2026-01-05", dt.date(2024, 7, 5)),
        ("2026-08-31", dt.date(2025, 2, 28)),  # no 31 February: the month's last day
        ("2029-08-31", dt.date(2028, 2, 29)),  # a leap year keeps its 29th
        ("2026-06-30", dt.date(2024, 12, 30)),
    ],
)
def test_18_months_back_is_counted_in_calendar_months(api, bank, tpp, firm, clock, today, oldest):
    clock.advance_to(f"{today}T12:00:00+02:00")
    api.token = mint(bank, tpp, firm.iban)

    allowed = api.get(transactions_path(firm.iban), bookDateFrom=oldest.isoformat())
    refused = api.get(transactions_path(firm.iban), bookDateFrom=(oldest - dt.timedelta(days=1)).isoformat())

    assert allowed.status_code == 200
    assert_bank_error(refused, 400, "MESSAGE_BAI560_0029")
