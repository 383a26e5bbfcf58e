"""Internet banking through both front doors: a seeded customer sees its balances and transfers money to another
customer of the bank, and the account API shows the booking at once; a living world books as days pass."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from mockbank.sim.dutch import format_eur
from mockbank.sim.money import to_cents

SCOPES = ["psd2:account:details:read", "psd2:account:balance:read", "psd2:account:transaction:read"]


def businesses(summary) -> list[tuple[dict, str, dict]]:
    """(customer, current IBAN, e.dentifier login means) of every seeded business."""
    products = {a["iban"]: a["product"] for a in summary["accounts"]}
    found = []
    for customer in (c for c in summary["customers"] if c["kind"] == "business"):
        iban = next(i for i in customer["accounts"] if products[i] == "current")
        user = next(u for u in summary["users"] if u["customerId"] == customer["id"])
        means = next(m for m in user["loginMeans"] if m["kind"] == "edentifier")
        found.append((customer, iban, means))
    return found


def transactions(world, abnamro_client, bank_sandbox, iban):
    minted = bank_sandbox.mint_token(client_id=abnamro_client.client_id, iban=iban, scopes=SCOPES)
    client = world.abnamro_client(
        client_id=abnamro_client.client_id,
        api_key=abnamro_client.api_key,
        client_secret=abnamro_client.client_secret,
        tokens=minted,
        session=abnamro_client.session,
    )
    return next(iter(client.transaction_pages(iban))).transactions


def test_a_transfer_in_internet_banking_is_at_once_in_the_account_api(
    world, summary, headless_user, bank_sandbox, abnamro_client
):
    (payer, payer_iban, means), (payee, payee_iban, _) = businesses(summary)[:2]
    user = headless_user

    user.open(world.urls.bank_auth + "/internetbankieren/rekeningen")
    user.follow_link("login-edentifier")
    user.submit(
        "form-edentifier",
        {
            "account_number": means["accountNumber"],
            "card_number": means["cardNumber"],
            "response_code": means["responseCode"],
        },
    )
    balance = to_cents(bank_sandbox.account(payer_iban)["balance"])
    assert format_eur(balance) in user.page.find(id=f"account-{payer_iban}").get_text()

    user.follow_link("ib-nav-transfer")
    user.submit(
        "form-transfer",
        {
            "debtor": payer_iban,
            "to_own": "",
            "creditor_iban": payee_iban,
            "creditor_name": payee["tradeName"],
            "amount": "12,34",
            "description": "Factuur 2026-0001",
        },
    )
    assert user.page.find(id="name-check")["data-result"] == "match"
    user.submit("form-sign-edentifier", {"response_code": means["responseCode"]})
    assert user.page.find(id="transfer-done") is not None

    newest = transactions(world, abnamro_client, bank_sandbox, payee_iban)[0]
    assert (newest.amount, newest.mutation_code) == (Decimal("12.34"), "654")
    assert "Omschrijving: Factuur 2026-0001" in newest.description_lines
    assert newest.counter_party_account_number == payer_iban
    assert to_cents(bank_sandbox.account(payer_iban)["balance"]) == balance - 1234


@pytest.mark.mockbank(bank_config={"LIVING_BANK": True})
def test_a_living_world_books_card_payments_as_days_pass(world, summary, bank_sandbox, abnamro_client):
    _, iban, _ = businesses(summary)[0]
    before = bank_sandbox.account(iban)["bookings"]

    bank_sandbox.advance(days=14)

    rows = transactions(world, abnamro_client, bank_sandbox, iban)
    new = [t for t in rows if t.book_date > world.now().date() - dt.timedelta(days=15)]
    assert bank_sandbox.account(iban)["bookings"] > before and new
    assert any(t.transaction_id == "" and t.mutation_code == "426" for t in new)
