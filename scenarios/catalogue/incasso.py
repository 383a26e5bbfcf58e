"""Automatische incasso for sales invoices (condition 2 of the help article): after the link is active, three
invoices are collected by SEPA direct debit through the connection, signed in internet banking's task list,
settled by the bank on a collection date it moves past a day without TARGET2, imported by the daily run and
matched in eAccounting; in the second scenario one customer cannot pay and the bank books it back (AM04)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import add_business_days
from mockbank.sim.calendar import is_target2_day
from mockbank.sim.calendar import next_business_day
from scenarios.catalogue.after_consent import activate_and_import
from scenarios.catalogue.registry import scenario
from scenarios.catalogue.steps import BANK
from scenarios.catalogue.steps import PORTAL
from scenarios.catalogue.steps import USER
from scenarios.catalogue.steps import onboard_up_to_consent
from scenarios.catalogue.steps import person
from scenarios.catalogue.steps import think

# After the collection date: the bank's night run (04:00), the daily import (06:00) and the match (06:30).
SEEN_AT = dt.time(8, 0)
# A storno for insufficient funds comes back two TARGET2 days after the collection.
RETURN_TARGET2_DAYS = 2
HOLIDAY_HORIZON_DAYS = 45


def _local_today(ctx) -> dt.date:
    return ctx.now.astimezone(AMSTERDAM).date()


def collection_date_without_target2(ctx) -> dt.date:
    """A collection date the bank has to move: the first TARGET2 holiday in the coming weeks, else a Saturday.

    At least three days ahead, so the file is in time for the first TARGET2 day after it."""
    day = _local_today(ctx) + dt.timedelta(days=3)
    for offset in range(HOLIDAY_HORIZON_DAYS):
        candidate = day + dt.timedelta(days=offset)
        if candidate.weekday() < 5 and not is_target2_day(candidate):
            return candidate
    return day + dt.timedelta(days=(5 - day.weekday()) % 7)


def customers_at_the_bank(ctx, amounts: list[Decimal], *, short: int | None = None) -> list[dict]:
    """Three of the company's customers bank here; the one at index ``short`` holds too little for its invoice."""
    debtors = []
    with ctx.step(BANK, "three of the company's customers have a current account at ABN AMRO") as step:
        for index, amount in enumerate(amounts):
            name = ctx.fake.name()
            customer = ctx.bank.create_customer(name=name)
            balance = Decimal("10.00") if index == short else amount + Decimal(ctx.fake.random_int(200, 900))
            account = ctx.bank.open_account(customer_id=customer["id"], balance=balance)
            debtors.append({"name": name, "iban": account["iban"], "balance": balance, "amount": amount})
        step.outcome = "; ".join(f"{d['name']} {d['iban']} (€ {d['balance']})" for d in debtors)
    return debtors


def sign_direct_debit_contract(ctx) -> None:
    """ABN AMRO: the company signs an incassocontract for its Rekening-courant."""
    with ctx.step(BANK, "sign an incassocontract for the Rekening-courant") as step:
        contract = ctx.bank.add_direct_debit_contract(ctx.company.current_iban)
        step.outcome = f"incassant-ID {contract['creditorId']}"
    ctx.remember("incassantId", contract["creditorId"])


def invoice_customers(ctx, debtors: list[dict]) -> list[dict]:
    """eAccounting: the customers with IBAN and mandate, and one sales invoice each."""
    api = ctx.eaccounting(ctx.administration.access_token)
    invoices = []
    with ctx.step(USER, "add three customers with a mandate and send each a sales invoice") as step:
        for number, debtor in enumerate(debtors, start=1):
            signed = _local_today(ctx) - dt.timedelta(days=ctx.fake.random_int(30, 400))
            customer = api.create_customer(
                name=debtor["name"], iban=debtor["iban"], mandate_id=f"MND-{number:04d}", mandate_date=signed
            )
            invoice = api.create_customer_invoice(
                customer_id=customer["Id"], rows=[(f"Abonnement {number}", debtor["amount"], 1)]
            )
            invoices.append(invoice)
        step.outcome = "; ".join(f"factuur {i['InvoiceNumber']}: € {i['TotalAmount']}" for i in invoices)
    return invoices


def send_direct_debit_order(ctx, invoices: list[dict], collection_date: dt.date) -> dict:
    """eAccounting: "Incasso-opdracht versturen" for the open invoices, from the linked Rekening-courant; the
    person gives the bank's consent for direct-debit files on the way."""
    actor, _wizard = person(ctx)
    api = ctx.eaccounting(ctx.administration.access_token)
    think(ctx)
    with ctx.step(USER, f"press Incasso-opdracht versturen for {len(invoices)} invoices, collect on {collection_date}"):
        order = api.create_direct_debit_order(
            bank_account_id=ctx.administration.accounts["current"],
            invoice_ids=[i["Id"] for i in invoices],
            collection_date=collection_date,
        )
        ctx.expect(
            order["Status"] == "AwaitingBankConsent", f"the order is {order['Status']}, not waiting for the bank"
        )
    think(ctx)
    with ctx.step(actor, "log in at ABN AMRO and allow Visma eAccounting to send direct-debit files") as step:
        browser = ctx.browser(actor)
        means = ctx.company.login_means["edentifier"]
        result = browser.authorize(
            order["BankConsentUrl"],
            redirect_uri=f"{ctx.urls.portal}/registratie/bank/terug",
            account_number=means["accountNumber"],
            card_number=means["cardNumber"],
            response_code=means["responseCode"],
        )
        browser.open(result.url, stop_at=())
        order = api.get_direct_debit_order(order["Id"])
        ctx.expect(order["Status"] == "Sent", f"the order is {order['Status']}: {order['Problems']}")
        step.outcome = f"sent to the bank as {order['BankBatchId']}"
    with ctx.step(BANK, "put the batch in the task list of internet banking") as step:
        batch = ctx.bank.direct_debit_batch(order["BankBatchId"])
        ctx.expect(batch["status"] == "RECEIVED", f"the batch is {batch['status']}")
        moved = next_business_day(collection_date, "target2")
        ctx.expect(batch["collectionDate"] == moved.isoformat(), f"collected on {batch['collectionDate']}, not {moved}")
        step.outcome = f"collection date {batch['collectionDate']}: {batch['notice'] or 'as asked'}"
    ctx.link("bank task list", order["AuthorizationUrl"])
    ctx.remember("directDebitOrder", {"id": order["Id"], "bankBatchId": order["BankBatchId"]})
    return order


def sign_in_task_list(ctx, order: dict) -> None:
    """The rekeningbeheerder opens the task list in internet banking and signs the batch with the e.dentifier."""
    actor, _wizard = person(ctx)
    # Later, at the office: a browser without the bank's session of the consent and the registration.
    browser = ctx.browser(f"{actor} (kantoor)")
    means = ctx.company.login_means["edentifier"]
    think(ctx, 60, 600)
    with ctx.step(actor, "open Taken in internet banking and sign the incasso batch with the e.dentifier") as step:
        browser.open(order["AuthorizationUrl"], stop_at=())
        browser.follow_link("login-edentifier")
        browser.submit(
            "form-edentifier",
            {
                "account_number": means["accountNumber"],
                "card_number": means["cardNumber"],
                "response_code": means["responseCode"],
            },
        )
        browser.submit("form-sign-edentifier", {"response_code": means["responseCode"]})
        ctx.expect("is ondertekend" in browser.text(), f"the bank says: {' '.join(browser.messages())}")
        batch = ctx.bank.direct_debit_batch(order["BankBatchId"])
        ctx.expect(batch["status"] == "AUTHORIZED", f"the batch is {batch['status']}")
        step.outcome = " ".join(browser.messages())


def settle_and_match(ctx, order: dict, debtors: list[dict], *, short: int | None) -> None:
    """The bank collects on the (moved) date; the daily import brings the batch's booking; eAccounting matches."""
    batch = ctx.bank.direct_debit_batch(order["BankBatchId"])
    day = dt.date.fromisoformat(batch["collectionDate"])
    ctx.advance(to=dt.datetime.combine(day, SEEN_AT, AMSTERDAM))
    api = ctx.eaccounting(ctx.administration.access_token)
    with ctx.step(BANK, "collect the batch on its collection date") as step:
        batch = ctx.bank.direct_debit_batch(order["BankBatchId"])
        ctx.expect(batch["status"] == "SETTLED", f"the batch is {batch['status']}")
        bookings = ctx.bank.bookings(ctx.company.current_iban, limit=5)
        credit = next((b for b in bookings if b["descriptionLines"][0] == "SEPA Incasso batch"), None)
        ctx.expect(credit is not None, "no booking of the batch on the Rekening-courant")
        step.outcome = f"€ {credit['amount']} on {credit['bookDate']}"
    with ctx.step(PORTAL, "the daily import brings the batch's booking; the invoices are paid") as step:
        current = api.get_direct_debit_order(order["Id"])
        ctx.expect(current["Status"] == "Settled", f"the order is {current['Status']}")
        statuses = {i["InvoiceNumber"]: i["DirectDebit"]["Status"] for i in api.list_customer_invoices()}
        ctx.expect(set(statuses.values()) == {"Paid"}, f"the invoices are {statuses}")
        step.outcome = f"order settled on {current['SettledDate'][:10]}, {len(statuses)} invoices paid"
    if short is None:
        return
    ctx.advance(to=dt.datetime.combine(add_business_days(day, RETURN_TARGET2_DAYS, "target2"), SEEN_AT, AMSTERDAM))
    with ctx.step(BANK, f"book back the collection from {debtors[short]['name']}: AM04, insufficient funds") as step:
        storno = ctx.bank.bookings(ctx.company.current_iban, limit=1)[0]
        ctx.expect(storno["descriptionLines"][0] == "SEPA Incasso storno", f"the last booking is {storno}")
        step.outcome = f"€ {storno['amount']}: {storno['descriptionLines'][1]}"
    with ctx.step(PORTAL, "the daily import brings the storno; the invoice is open again, returned AM04") as step:
        invoices = api.list_customer_invoices()
        returned = [i for i in invoices if i["DirectDebit"]["Status"] == "Returned"]
        ctx.expect(len(returned) == 1, f"{len(returned)} invoices returned, not one")
        ctx.expect(returned[0]["DirectDebit"]["ReturnReason"] == "AM04", f"returned with {returned[0]['DirectDebit']}")
        ctx.expect(returned[0]["RemainingAmount"] == returned[0]["TotalAmount"], "the returned invoice is not open")
        step.outcome = f"factuur {returned[0]['InvoiceNumber']} open again (€ {returned[0]['RemainingAmount']}), AM04"


def collect_invoices(ctx, *, short: int | None = None) -> None:
    """The whole incasso: contract, customers and invoices, the order with the bank's consent, the signature,
    the settlement on the moved date, the import and the match (and a return when one customer is short)."""
    sign_direct_debit_contract(ctx)
    amounts = [Decimal(ctx.fake.random_int(4_000, 60_000)).scaleb(-2) for _ in range(3)]
    debtors = customers_at_the_bank(ctx, amounts, short=short)
    invoices = invoice_customers(ctx, debtors)
    order = send_direct_debit_order(ctx, invoices, collection_date_without_target2(ctx))
    sign_in_task_list(ctx, order)
    settle_and_match(ctx, order, debtors, short=short)


@scenario(
    "incasso_happy_path",
    "Three sales invoices collected by direct debit from the active link: signed in internet banking, "
    "settled on a moved collection date, imported and matched as paid",
)
def incasso_happy_path(ctx, fake) -> None:
    """The happy path to an active link, then automatische incasso of three invoices."""
    onboard_up_to_consent(ctx, login="edentifier")
    activate_and_import(ctx)
    collect_invoices(ctx)


@scenario(
    "incasso_with_a_return",
    "Three sales invoices collected by direct debit; one customer cannot pay and the bank books it back (AM04), "
    "which eAccounting matches: the invoice is open again",
)
def incasso_with_a_return(ctx, fake) -> None:
    """As the incasso happy path, with the third customer short of money."""
    onboard_up_to_consent(ctx, login="edentifier")
    activate_and_import(ctx)
    collect_invoices(ctx, short=2)
