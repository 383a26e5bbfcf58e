"""The one module that knows eAccounting's wire format: Visma's JSON names, the Meta/Data envelope, errors.

Field names and the ``BankAccountType`` enum come from Visma's published API (eaccounting-side.md §1).
Visma's error body is not published in a source we could cite; we answer
``{"ErrorCode", "ErrorMessage", "DeveloperErrorMessage", "ErrorId"}`` (plus ``ErrorField`` for
validation errors) and document it as our assumption.
"""

from __future__ import annotations

import datetime as dt
import math

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
