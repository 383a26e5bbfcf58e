"""The SDK's payment initiation and direct-debit calls against the real bank app, and its pain.008 builder."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from client_sdk import AbnAmroClient
from client_sdk import BankSandbox
from client_sdk import HeadlessUser
from client_sdk import InsufficientScopeError
from client_sdk import InvalidRequestError
from client_sdk import NotFoundError
from client_sdk import PermissionDeniedError
from client_sdk.abnamro import BATCH_SDD_SCOPES
from client_sdk.sepa import DirectDebitInvoice
from client_sdk.sepa import direct_debit_file

OUTSIDE_IBAN = "NL69INGB0123456789"


@pytest.fixture
def sandbox(bank_world):
    """The bank's sandbox API through the SDK."""
    return BankSandbox()


@pytest.fixture
def firm(sandbox):
    """A business with an incassocontract on a current account holding € 1.000,00, its user, a debtor, a TPP."""
    company = sandbox.create_customer(
        name="Bakkerij De Vries B.V.", kind="business", trade_name="Bakkerij De Vries", kvk_number="12345678"
    )
    account = sandbox.open_account(customer_id=company["id"], balance="1000.00", holder_name="Bakkerij De Vries")
    user = sandbox.create_user(customer_id=company["id"], name="Anna de Vries")
    contract = sandbox.add_direct_debit_contract(account["iban"])
    household = sandbox.create_customer(name="J. Jansen")
    debtor = sandbox.open_account(customer_id=household["id"], balance="500.00", holder_name="J. Jansen")
    client = sandbox.register_client(name="Visma eAccounting")
    return {
        "iban": account["iban"],
        "creditor_id": contract["creditorId"],
        "login": next(m for m in user["loginMeans"] if m["kind"] == "edentifier"),
        "debtor": debtor["iban"],
        "client": client,
    }


def _bank(firm) -> AbnAmroClient:
    client = firm["client"]
    return AbnAmroClient(client_id=client["clientId"], api_key=client["apiKey"], client_secret=client["clientSecret"])


def _consent(sandbox, bank, firm, url: str) -> None:
    """The holder approves through the decision queue; the SDK exchanges the code."""
    sandbox.enqueue_decision(client_id=firm["client"]["clientId"], iban=firm["iban"])
    result = HeadlessUser().authorize(url, redirect_uri=bank.redirect_uri)
    bank.exchange_code(bank.code_from_redirect(result.url, state="s"))


def test_a_payment_from_registration_to_execution(sandbox, firm):
    bank = _bank(firm)

    stored = bank.register_payment(
        initiating_iban=firm["iban"],
        counterparty_iban=firm["debtor"],
        counterparty_name="J. Jansen",
        amount=Decimal("0.01"),
        remittance_info="De cent",
    )
    assert stored.status == "STORED" and stored.account_number == firm["iban"]
    assert bank.tokens is None  # the registration token is the client's own; no holder token yet

    login = firm["login"]
    result = HeadlessUser().authorize(
        bank.payment_authorization_url(stored.transaction_id, state="s"),
        redirect_uri=bank.redirect_uri,
        account_number=login["accountNumber"],
        card_number=login["cardNumber"],
        response_code=login["responseCode"],
    )
    bank.exchange_code(bank.code_from_redirect(result.url, state="s"))
    assert bank.consent_info().transaction_id == stored.transaction_id

    executed = bank.execute_payment(stored.transaction_id)

    assert executed.status == "EXECUTED"
    assert bank.payment_status(stored.transaction_id).status == "EXECUTED"
    assert sandbox.account(firm["debtor"])["balance"] == "500.01"


def test_payment_errors_are_mapped_as_for_the_account_api(sandbox, firm):
    bank = _bank(firm)

    with pytest.raises(InvalidRequestError) as invalid:
        bank.register_payment(counterparty_iban="NL00ABNA0000000000", counterparty_name="X", amount="1.00")
    assert invalid.value.code == "MESSAGE_BAI561_0018"
    with pytest.raises(TypeError):
        bank.register_payment(counterparty_iban=firm["debtor"], counterparty_name="X", amount=1.5)

    stored = bank.register_payment(counterparty_iban=firm["debtor"], counterparty_name="J. Jansen", amount="2.50")
    _consent(
        sandbox,
        bank,
        firm,
        bank.payment_authorization_url(stored.transaction_id, state="s", scopes=["psd2:payment:sepa:write"]),
    )
    with pytest.raises(InsufficientScopeError) as scope:
        bank.payment_status(stored.transaction_id)
    assert scope.value.code == "MESSAGE_BAI561_0046"
    with pytest.raises(InvalidRequestError) as mismatch:
        bank.execute_payment("0000X0000000000S0XX")
    assert mismatch.value.code == "MESSAGE_BAI561_0067"


def test_a_scheduled_payment_is_cancelled_and_then_not_found(sandbox, firm):
    bank = _bank(firm)
    stored = bank.register_payment(
        counterparty_iban=OUTSIDE_IBAN,
        counterparty_name="K. Bakker",
        amount="12.00",
        requested_execution_date=dt.date(2026, 2, 2),
        reference="5000056789012345",
    )
    _consent(sandbox, bank, firm, bank.payment_authorization_url(stored.transaction_id, state="s"))

    assert bank.execute_payment(stored.transaction_id).status == "SCHEDULED"
    bank.cancel_payment(stored.transaction_id)

    with pytest.raises(NotFoundError) as gone:
        bank.payment_status(stored.transaction_id)
    assert gone.value.code == "MESSAGE_BAI561_0030"
    assert sandbox.payments()[0]["structuredRemittanceInfo"] == {"issuer": "CUR", "reference": "5000056789012345"}


def _invoices(firm) -> list[DirectDebitInvoice]:
    return [
        DirectDebitInvoice(
            number="2026-0001",
            amount=Decimal("121.00"),
            debtor_name="J. Jansen",
            debtor_iban=firm["debtor"],
            mandate_id="MND-1",
            mandate_date=dt.date(2025, 3, 1),
            description="Factuur 2026-0001",
        ),
        DirectDebitInvoice(
            number="2026-0002",
            amount="300.25",
            debtor_name="K. Bakker",
            debtor_iban=OUTSIDE_IBAN,
            mandate_id="MND-2",
            mandate_date=dt.date(2025, 4, 1),
        ),
    ]


def _file(firm, **kwargs) -> bytes:
    options = {
        "creditor_name": "Bakkerij De Vries",
        "creditor_iban": firm["iban"],
        "creditor_id": firm["creditor_id"],
        "collection_date": dt.date(2026, 1, 9),
        "invoices": _invoices(firm),
        "message_id": "BATCH-2026-0001",
        "payment_info_id": "INCASSO-2026-0001",
        "created_at": dt.datetime(2026, 1, 5, 8, 0, tzinfo=dt.UTC),
    }
    options.update(kwargs)
    return direct_debit_file(**options)


def test_the_pain008_builder_gives_the_same_bytes_for_the_same_invoices(firm):
    first, second = _file(firm), _file(firm)

    assert first == second
    assert b"<MsgId>BATCH-2026-0001</MsgId>" in first
    assert b"<PmtInfId>INCASSO-2026-0001</PmtInfId>" in first
    assert b"<CreDtTm>2026-01-05T09:00:00</CreDtTm>" in first  # Amsterdam time
    assert b"<CtrlSum>421.25</CtrlSum>" in first
    with pytest.raises(TypeError):
        _file(firm, invoices=[DirectDebitInvoice("1", 1.5, "X", OUTSIDE_IBAN, "M", dt.date(2025, 1, 1))])
    with pytest.raises(ValueError):
        _file(firm, message_id="<bad>")


def test_a_batch_from_the_builder_is_received_signed_and_settled(sandbox, firm):
    bank = _bank(firm)
    _consent(sandbox, bank, firm, bank.authorization_url(BATCH_SDD_SCOPES, state="s"))
    xml = _file(firm)

    receipt = bank.send_direct_debit_batch(xml, file_name="incasso-0001.xml")

    assert receipt.received and receipt.hash == hashlib.sha256(xml).hexdigest()
    assert receipt.id.endswith(";" + firm["iban"])
    assert receipt.authorization_url.endswith("/internetbankieren/taken/1")
    sandbox.authorize_direct_debit_batch(receipt.id)
    sandbox.advance(to="2026-01-09T05:00:00+01:00")
    assert sandbox.account(firm["iban"])["balance"] == "1421.25"
    assert sandbox.direct_debit_batch(receipt.id)["status"] == "SETTLED"


def test_a_rejected_batch_tells_which_element_is_wrong(sandbox, firm):
    bank = _bank(firm)
    _consent(sandbox, bank, firm, bank.authorization_url(BATCH_SDD_SCOPES, state="s"))

    receipt = bank.send_direct_debit_batch(_file(firm, collection_date=dt.date(2026, 1, 2)), file_name="oud.xml")

    assert receipt.status == "REJECTED" and not receipt.received and receipt.id is None
    assert receipt.problems[0].element == "/Document/CstmrDrctDbtInitn/PmtInf/ReqdColltnDt"
    with pytest.raises(InvalidRequestError) as not_xml:
        bank.send_direct_debit_batch(b"factuur;bedrag\n", file_name="x.csv")
    assert not_xml.value.code == "MESSAGE_BAI556_0003"
    with pytest.raises(PermissionDeniedError) as other_account:
        bank.send_direct_debit_batch(_file(firm, creditor_iban=firm["debtor"]), file_name="x.xml")
    assert other_account.value.code == "MESSAGE_BAI556_0023"
    assert sandbox.direct_debit_batches() == []
