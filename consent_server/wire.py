"""The one module that knows eAccounting's wire format: Visma's JSON names, the Meta/Data envelope, errors.

Field names and the ``BankAccountType`` enum come from Visma's published API (eaccounting-side.md §1).
Visma's error body is not published in a source we could cite; we answer
``{"ErrorCode", "ErrorMessage", "DeveloperErrorMessage", "ErrorId"}`` (plus ``ErrorField`` for
validation errors) and document it as our assumption.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

import simplejson
from flask import Response
from flask import json

from consent_server import models
from consent_server.errors import PortalError

PAGE_SIZE = 50


def json_response(payload, status: int = 200) -> Response:
    """A JSON response."""
    return Response(json.dumps(payload), status=status, mimetype="application/json")


def utc(moment: dt.datetime | None) -> str | None:
    """Visma's UTC timestamp shape (``2026-01-05T08:00:00Z``)."""
    if moment is None:
        return None
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def bank_account(account: models.BankAccount, *, has_active_agreement: bool = False) -> dict:
    """``BankAccountApi`` with Visma's field names."""
    type_name, _dutch = models.ACCOUNT_TYPES[account.account_type]
    return {
        "Id": account.uid,
        "Name": account.name,
        "BankAccountType": account.account_type,
        "BankAccountTypeDescription": type_name,
        "Bank": None,
        "Bban": None,
        "Iban": account.iban,
        "IsActive": account.is_active,
        "LedgerAccountNumber": account.ledger_account,
        "HasActiveBankAgreement": has_active_agreement,
        "IsDefaultChequeAccount": account.is_default_cheque,
        "CurrencyCode": account.currency,
        "ModifiedUtc": utc(account.modified_at),
        "BankAccountHolderName": account.holder_name,
    }


def bank_connection(account: models.BankAccount, *, refusal: str | None, link_state: str | None) -> dict:
    """The preparation state of "Schakel bankkoppeling in" (our addition to the API, in Visma's naming style)."""
    status = {
        models.CONNECTION_NONE: "NotEnabled",
        models.CONNECTION_PREPARING: "Preparing",
        models.CONNECTION_PREPARED: "Prepared",
    }[account.connection_state]
    return {
        "BankAccountId": account.uid,
        "Status": status,
        "SerialNumber": account.serial.number if account.serial else None,
        "CanEnable": refusal is None,
        "Reason": refusal,
        "LinkState": link_state,
        "RequestedUtc": utc(account.connection_requested_at),
    }


def page(items: list[dict], *, current: int, size: int, now: dt.datetime) -> dict:
    """The ``{"Meta": {...}, "Data": [...]}`` list envelope."""
    total = len(items)
    pages = max(1, math.ceil(total / size))
    start = (current - 1) * size
    return {
        "Meta": {
            "CurrentPage": current,
            "PageSize": size,
            "TotalNumberOfPages": pages,
            "TotalNumberOfResults": total,
            "ServerTimeUtc": utc(now),
        },
        "Data": items[start : start + size],
    }


def error_body(error: PortalError, error_id: str) -> dict:
    """Visma-style error body."""
    body = {
        "ErrorCode": error.code,
        "ErrorMessage": error.message,
        "DeveloperErrorMessage": error.developer_message,
        "ErrorId": error_id,
    }
    if error.field:
        body["ErrorField"] = error.field
    return body


def json_number_response(payload, status: int = 200) -> Response:
    """A JSON response whose ``Decimal`` amounts are written as exact JSON numbers (Visma sends numbers)."""
    return Response(simplejson.dumps(payload, use_decimal=True), status=status, mimetype="application/json")


def visma_datetime(day: dt.date) -> str:
    """A date as Visma's ``date-time`` (``2026-03-10T00:00:00``)."""
    return f"{day.isoformat()}T00:00:00"


def _reference(lines: list[str]) -> str | None:
    """The booking's reference for matching: its SEPA ``Kenmerk`` when it has one, else its description."""
    for line in lines:
        label, _, value = line.partition(":")
        if label.strip().lower() in ("kenmerk", "betalingskenmerk") and value.strip():
            return value.strip()
    text = " ".join(line.strip() for line in lines if line.strip())
    return text[:100] or None


def bank_transaction(row: models.ImportedTransaction) -> dict:
    """``BankTransactionApi`` with Visma's field names; amounts exact (no charges: ABN AMRO books them apart)."""
    amount = Decimal(row.amount_cents) / 100
    return {
        "Id": row.uid,
        "TransactionDate": visma_datetime(row.book_date),
        "IsReconciled": False,
        "Reference": _reference(list(row.description_lines or [])),
        "OriginalAmount": amount,
        "OriginalCurrency": row.currency,
        "ChargeAmount": Decimal("0.00"),
        "ChargeCurrency": row.currency,
        "TransactionAmount": amount,
        "TransactionAmountCurrency": row.currency,
        "Rows": [],
    }


# --- customers, sales invoices and direct-debit orders ----------------------------------------------------


def _amount(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(Decimal("0.01"))


def customer(row: models.Customer) -> dict:
    """``CustomerApi`` with Visma's names (the fields mockbank keeps), ``DirectDebitCustomerSettings`` included."""
    settings = None
    if row.mandate_id:
        settings = {
            "MandateId": row.mandate_id,
            "MandateType": row.mandate_type,
            "SequenceType": row.sequence_type,
            "SigningDate": visma_datetime(row.signing_date) if row.signing_date else None,
            "EndDate": None,
            "LatestDirectDebit": visma_datetime(row.latest_direct_debit) if row.latest_direct_debit else None,
        }
    return {
        "Id": row.uid,
        "CustomerNumber": row.customer_number,
        "Name": row.name,
        "EmailAddress": row.email,
        "IsPrivatePerson": row.is_private_person,
        "IsActive": True,
        "Iban": row.iban,
        "DirectDebitCustomerSettings": settings,
        "ChangedUtc": utc(row.created_at),
    }


def customer_invoice(row: models.CustomerInvoice) -> dict:
    """``CustomerInvoiceApi`` with Visma's names (the fields mockbank keeps), plus mockbank's own ``DirectDebit``:
    the order it is collected in and what the bank's bookings said (``Paid``, ``Returned`` with its reason)."""
    direct_debit = None
    if row.order is not None:
        direct_debit = {
            "OrderId": row.order.uid,
            "Status": {
                models.INVOICE_COLLECTING: "Collecting",
                models.INVOICE_PAID: "Paid",
                models.INVOICE_RETURNED: "Returned",
                models.INVOICE_OPEN: "NotCollected",
            }[row.status],
            "PaidDate": visma_datetime(row.paid_on) if row.paid_on else None,
            "ReturnReason": row.return_reason,
            "ReturnDate": visma_datetime(row.returned_on) if row.returned_on else None,
        }
    return {
        "Id": row.uid,
        "CustomerId": row.customer.uid,
        "CustomerNumber": row.customer.customer_number,
        "InvoiceCustomerName": row.customer.name,
        "InvoiceNumber": row.invoice_number,
        "InvoiceDate": visma_datetime(row.invoice_date),
        "DueDate": visma_datetime(row.due_date),
        "CurrencyCode": "EUR",
        "TotalAmount": _amount(row.total_cents),
        "RemainingAmount": _amount(row.remaining_cents),
        "Rows": [
            {**r, "UnitPrice": Decimal(r["UnitPrice"]), "Quantity": Decimal(r["Quantity"])} for r in row.rows or []
        ],
        "CreatedUtc": utc(row.created_at),
        "DirectDebit": direct_debit,
    }


ORDER_STATUS_NAMES = {
    models.ORDER_CONSENT: "AwaitingBankConsent",
    models.ORDER_SENT: "Sent",
    models.ORDER_REJECTED: "Rejected",
    models.ORDER_FAILED: "Failed",
    models.ORDER_SETTLED: "Settled",
}


def direct_debit_order(row: models.DirectDebitOrder, *, bank_consent_url: str | None = None) -> dict:
    """An "Incasso-opdracht" (mockbank's own resource, in Visma's naming style)."""
    return {
        "Id": row.uid,
        "Status": ORDER_STATUS_NAMES[row.status],
        "BankAccountId": row.bank_account.uid if row.bank_account else None,
        "Iban": row.iban,
        "CollectionDate": visma_datetime(row.collection_date),
        "TotalAmount": _amount(row.total_cents),
        "NumberOfInvoices": row.count,
        "InvoiceIds": [i.uid for i in row.invoices],
        "PaymentInformationId": row.payment_info_id,
        "BankBatchId": row.bank_batch_id,
        "BankHash": row.bank_hash,
        "BankConsentUrl": bank_consent_url,
        "AuthorizationUrl": row.authorization_url,
        "Problems": [{"Element": p.get("element") or None, "Message": p.get("message")} for p in row.problems or []],
        "SettledDate": visma_datetime(row.settled_on) if row.settled_on else None,
        "CreatedUtc": utc(row.created_at),
    }
