"""Payments and an incasso batch over real HTTP: the bank on a local port, driven by the SDK only."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
from werkzeug.serving import make_server

from client_sdk import AbnAmroClient
from client_sdk import BankSandbox
from client_sdk import HeadlessUser
from client_sdk.abnamro import BATCH_SDD_SCOPES
from client_sdk.sepa import DirectDebitInvoice
from client_sdk.sepa import direct_debit_file
from mockbank import create_app

OUTSIDE_IBAN = "NL69INGB0123456789"


@pytest.fixture
def live_bank(clock):
    """The bank on a random local port, in a thread; yields its base URL."""
    app = create_app({"TESTING": True}, clock=clock)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()
    server.server_close()
    app.extensions["mockbank"].close()


def _consent(sandbox: BankSandbox, bank: AbnAmroClient, iban: str, url: str) -> None:
    sandbox.enqueue_decision(client_id=bank.client_id, iban=iban)
    result = HeadlessUser().authorize(url, redirect_uri=bank.redirect_uri)
    bank.exchange_code(bank.code_from_redirect(result.url, state="s"))


def test_a_payment_and_an_incasso_batch_over_http(live_bank):
    sandbox = BankSandbox(base_url=live_bank)
    company = sandbox.create_customer(
        name="Bakkerij De Vries B.V.", kind="business", trade_name="Bakkerij De Vries", kvk_number="12345678"
    )
    creditor = sandbox.open_account(customer_id=company["id"], balance="1000.00")["iban"]
    creditor_id = sandbox.add_direct_debit_contract(creditor)["creditorId"]
    household = sandbox.create_customer(name="J. Jansen")
    debtor = sandbox.open_account(customer_id=household["id"], balance="50.00")["iban"]
    tpp = sandbox.register_client(name="Visma eAccounting")

    def client() -> AbnAmroClient:
        return AbnAmroClient(
            client_id=tpp["clientId"],
            api_key=tpp["apiKey"],
            client_secret=tpp["clientSecret"],
            api_base=live_bank,
            auth_base=live_bank,
            token_url=f"{live_bank}/as/token.oauth2",
        )

    payer = client()
    stored = payer.register_payment(
        initiating_iban=creditor, counterparty_iban=OUTSIDE_IBAN, counterparty_name="K. Bakker", amount="10.00"
    )
    _consent(sandbox, payer, creditor, payer.payment_authorization_url(stored.transaction_id, state="s"))
    assert payer.execute_payment(stored.transaction_id).status == "EXECUTED"

    collector = client()
    _consent(sandbox, collector, creditor, collector.authorization_url(BATCH_SDD_SCOPES, state="s"))
    invoices = [
        DirectDebitInvoice("2026-0001", "121.00", "J. Jansen", debtor, "MND-1", dt.date(2025, 3, 1)),
        DirectDebitInvoice("2026-0002", "300.25", "K. Bakker", OUTSIDE_IBAN, "MND-2", dt.date(2025, 3, 1)),
    ]
    xml = direct_debit_file(
        creditor_name="Bakkerij De Vries",
        creditor_iban=creditor,
        creditor_id=creditor_id,
        collection_date=dt.date(2026, 1, 9),
        invoices=invoices,
        payment_info_id="INCASSO-1",
    )
    receipt = collector.send_direct_debit_batch(xml, file_name="incasso-1.xml")
    assert receipt.received
    assert receipt.authorization_url.startswith(live_bank + "/internetbankieren/taken/")
    sandbox.authorize_direct_debit_batch(receipt.id)

    sandbox.advance(to="2026-01-13T05:00:00+01:00")

    # 1000 - 10 + 421.25, and J. Jansen (50.00) could not pay 121.00: AM04 came back on the 13th.
    assert Decimal(sandbox.account(creditor)["balance"]) == Decimal("1411.25") - Decimal("121.00")
    assert sandbox.account(debtor)["balance"] == "50.00"
    lines = [b["descriptionLines"][:2] for b in sandbox.bookings(creditor, limit=2)]
    assert lines == [
        ["SEPA Incasso storno", "Reden: AM04 Onvoldoende saldo"],
        ["SEPA Incasso batch", f"Incassant: {creditor_id}"],
    ]
