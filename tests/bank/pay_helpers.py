"""Helpers for the payment tests: a creditor with an incassocontract, debtors, a TPP, tokens, pain.008 files."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import parse_qs
from urllib.parse import urlsplit

from sepaxml import SepaDD

from mockbank import models
from mockbank.services.ledger_rules import Party

from .helpers import OUTSIDE_IBAN
from .helpers import body_of

REDIRECT_URI = "https://localhost/auth"
PAYMENT_SCOPE = "psd2:payment:sepa:write psd2:payment:sepa:read"
BATCH_SCOPE = "psd2:payment:batchsdd:write"
OTHER_OUTSIDE_IBAN = "NL91ABNA0417164300"  # valid checksum, no account of the mock bank


@dataclass
class PayWorld:
    """A business creditor (``creditor``, with an incassocontract; € 1.000,00), its user with an e.dentifier and the
    app, two retail debtors here (``rich`` € 500,00, ``poor`` € 5,00), and a registered third party."""

    creditor: str
    creditor_id: str
    creditor_other: str
    customer_id: int
    user: models.OnlineUser
    rich: str
    poor: str
    client_id: str
    api_key: str


def deposit(bank, iban: str, cents: int) -> None:
    """An opening deposit."""
    bank.book(iban=iban, amount_cents=cents, mutation_code="654", description_lines=["Storting"], counterparty=Party())


def make_pay_world(backend) -> PayWorld:
    """Build the world of ``PayWorld`` through the service verbs."""
    bank = backend.bank
    company = bank.create_customer(
        kind=models.BUSINESS, name="Bakkerij De Vries B.V.", trade_name="Bakkerij De Vries", kvk_number="12345678"
    )
    creditor = bank.open_account(customer_id=company.id)
    other = bank.open_account(customer_id=company.id)
    deposit(bank, creditor.iban, 100_000)
    user = bank.create_user(customer_id=company.id, name="Anna de Vries")
    contract = backend.sdd.add_contract(creditor.iban)
    rich_customer = bank.create_customer(kind=models.RETAIL, name="J. Jansen")
    rich = bank.open_account(customer_id=rich_customer.id, holder_name="J. Jansen")
    deposit(bank, rich.iban, 50_000)
    poor_customer = bank.create_customer(kind=models.RETAIL, name="P. de Boer")
    poor = bank.open_account(customer_id=poor_customer.id, holder_name="P. de Boer")
    deposit(bank, poor.iban, 500)
    tpp = backend.consents.register_client(name="Visma eAccounting", redirect_uris=[REDIRECT_URI])
    return PayWorld(
        creditor=creditor.iban,
        creditor_id=contract.creditor_id,
        creditor_other=other.iban,
        customer_id=company.id,
        user=bank.user(user.id),
        rich=rich.iban,
        poor=poor.iban,
        client_id=tpp.client_id,
        api_key=tpp.api_key,
    )


def headers(world: PayWorld, token: str) -> dict:
    """A TPP call's headers."""
    return {"API-Key": world.api_key, "Authorization": f"Bearer {token}", "Accept": "application/json"}


def client_credentials(client, world: PayWorld, scope: str = "psd2:payment:sepa:write") -> str:
    """A client-credentials access token of the TPP."""
    response = client.post(
        "/as/token.oauth2", data={"grant_type": "client_credentials", "client_id": world.client_id, "scope": scope}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["access_token"]


def consent_token(client, world: PayWorld, *, iban: str, scope: str, transaction_id: str | None = None) -> str:
    """The holder's access token through the real authorization endpoint, the holder's decision queued."""
    queued = client.post("/sandbox/decisions", json={"clientId": world.client_id, "decision": "approve", "iban": iban})
    assert queued.status_code == 201, queued.get_data(as_text=True)
    query = {
        "scope": scope,
        "client_id": world.client_id,
        "response_type": "code",
        "flow": "code",
        "redirect_uri": REDIRECT_URI,
        "state": "s",
    }
    if transaction_id:
        query["transactionId"] = transaction_id
    answer = client.get("/as/authorization.oauth2", query_string=query)
    code = parse_qs(urlsplit(answer.headers["Location"]).query)["code"][0]
    tokens = client.post(
        "/as/token.oauth2",
        data={
            "grant_type": "authorization_code",
            "client_id": world.client_id,
            "code": code,
            "redirect_uri": REDIRECT_URI,
        },
    )
    return tokens.get_json()["access_token"]


def register(client, world: PayWorld, **fields):
    """``POST /v1/payments`` with a fresh client-credentials token; ``fields`` override a valid € 149,99 payment."""
    body = {
        "initiatingpartyAccountNumber": world.creditor,
        "counterpartyAccountNumber": world.rich,
        "counterpartyName": "J. Jansen",
        "amount": Decimal("149.99"),
        "remittanceInfo": "Factuur 2026-0001",
    }
    body.update(fields)
    body = {k: v for k, v in body.items() if v is not None}
    return client.post(
        "/v1/payments",
        headers={**headers(world, client_credentials(client, world)), "Content-Type": "application/json"},
        data=dumps(body),
    )


def dumps(body) -> str:
    """JSON with Decimal amounts as numbers, as a TPP sends them."""
    import simplejson

    return simplejson.dumps(body, use_decimal=True)


def balance(backend, iban: str) -> int:
    """The account's balance in cents."""
    return backend.bank.account(iban).balance_cents


def bookings(client, iban: str) -> list[dict]:
    """The account's bookings, newest first, amounts as Decimal."""
    return body_of(client.get(f"/sandbox/accounts/{iban}/bookings"))["bookings"]


# --- direct-debit files ------------------------------------------------------------------------


@dataclass(frozen=True)
class Debit:
    """One collection for ``sdd_file``."""

    iban: str
    cents: int
    number: str
    sequence: str = "RCUR"
    name: str = "J. Jansen"
    mandate: str = "MND-0001"
    signed: dt.date = dt.date(2025, 3, 1)


def sdd_file(world: PayWorld, collection_date: dt.date, debits: list[Debit], **config) -> bytes:
    """A pain.008.001.02 file made by ``sepaxml`` (a library we did not write), collecting for the creditor."""
    settings = {
        "name": "Bakkerij De Vries",
        "IBAN": world.creditor,
        "BIC": "ABNANL2A",
        "batch": True,
        "creditor_id": world.creditor_id,
        "currency": "EUR",
    }
    settings.update(config)
    sepa = SepaDD(settings, schema="pain.008.001.02")
    for debit in debits:
        sepa.add_payment(
            {
                "name": debit.name,
                "IBAN": debit.iban,
                "BIC": "ABNANL2A",
                "amount": debit.cents,
                "type": debit.sequence,
                "collection_date": collection_date,
                "mandate_id": debit.mandate,
                "mandate_date": debit.signed,
                "description": f"Factuur {debit.number}",
                "endtoend_id": debit.number,
            }
        )
    return sepa.export(validate=True)


def three_debits(world: PayWorld) -> list[Debit]:
    """Three invoices: two debtors here, one at another bank."""
    return [
        Debit(world.rich, 12_100, "2026-0001", mandate="MND-RICH"),
        Debit(world.poor, 4_950, "2026-0002", name="P. de Boer", mandate="MND-POOR"),
        Debit(OUTSIDE_IBAN, 30_025, "2026-0003", name="K. Bakker", mandate="MND-OUT"),
    ]


def pack(xml: bytes) -> str:
    """``fileData``: base64 of a gzip of the file."""
    return base64.b64encode(gzip.compress(xml)).decode()


def send_batch(
    client, world: PayWorld, token: str, xml: bytes | None = None, *, file_data=None, file_name="incasso.xml"
):
    """``POST /v1/payments/batch``."""
    instruction = {"fileName": file_name, "fileData": file_data if file_data is not None else pack(xml)}
    return client.post(
        "/v1/payments/batch", headers=headers(world, token), json={"sepaBatchPaymentInstruction": instruction}
    )
