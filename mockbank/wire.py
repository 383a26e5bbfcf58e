"""The one module that knows ABN AMRO's wire format: field names, number and date shapes, errors."""

from __future__ import annotations

import base64
import datetime as dt
import re
from decimal import Decimal

import simplejson
from flask import Response

from mockbank.errors import BankError
from mockbank.errors import InvalidNextPageKey
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.money import from_cents

TIMESTAMP_FORMAT = "%Y-%m-%d-%H:%M:%S"
PAGE_SIZE = 50


def wire_amount(cents: int) -> Decimal:
    """The amount as ABN AMRO writes it: ``-18`` for whole euros, ``16.03`` otherwise."""
    if cents % 100 == 0:
        return Decimal(cents // 100)
    return from_cents(cents)


def dumps(payload) -> str:
    """JSON with Decimal written as a JSON number, as ABN AMRO sends amounts."""
    return simplejson.dumps(payload, use_decimal=True, ensure_ascii=False)


def json_response(payload, status: int = 200, headers: dict | None = None) -> Response:
    """A JSON response whose amounts stay exact."""
    return Response(dumps(payload), status=status, headers=headers or {}, mimetype="application/json")


def oauth_error_response(status: int, description: str | None) -> Response:
    """An RFC 6749 error of the OAuth endpoints for an HTTP status the request itself caused (413, a NUL...)."""
    error = "invalid_request" if status < 500 else "temporarily_unavailable" if status == 503 else "server_error"
    body = {"error": error}
    if description and status < 500:
        body["error_description"] = description
    return json_response(body, status=status, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def error_body(error: BankError, trace_id: str) -> dict:
    """The ``{"errors":[...]}`` envelope."""
    return {
        "errors": [
            {
                "code": error.code,
                "message": error.message,
                "reference": error.reference,
                "traceId": trace_id,
                "status": error.status,
                "category": error.category,
            }
        ]
    }


def transaction_timestamp(moment: dt.datetime) -> str:
    """``yyyy-MM-dd-HH:mm:ss.SSS`` in Amsterdam time, as ``transactionTimestamp``."""
    local = moment.astimezone(AMSTERDAM)
    return local.strftime(TIMESTAMP_FORMAT) + f".{local.microsecond // 1000:03d}"


def consent_info(consent, iban: str | None) -> dict:
    """``GET /v1/consentinfo``."""
    return {
        "iban": iban,
        "transactionId": consent.transaction_id,
        "scopes": consent.scopes,
        "valid": int(consent.valid_until.timestamp()) if consent.valid_until else None,
    }


def account_details(account) -> dict:
    """``GET /v1/accounts/{iban}/details``: the trade name for commercial clients."""
    customer = account.customer
    holder = customer.trade_name if customer.kind == "business" and customer.trade_name else account.holder_name
    return {"accountNumber": account.iban, "currency": account.currency, "accountHolderName": holder}


def balance(account) -> dict:
    """``GET /v1/accounts/{iban}/balances``."""
    return {
        "accountNumber": account.iban,
        "currency": account.currency,
        "balanceType": "BOOKBALANCE",
        "amount": wire_amount(account.balance_cents),
    }


def funds(account, amount: Decimal, currency: str, available: bool) -> dict:
    """``GET /v1/accounts/{iban}/funds``: the amount asked for, whole euros without decimals."""
    return {
        "accountNumber": account.iban,
        "amount": Decimal(int(amount)) if amount == amount.to_integral_value() else amount.normalize(),
        "currency": currency,
        "available": available,
    }


def booking(row) -> dict:
    """One transaction of ``/transactions``, field names as ABN AMRO."""
    return {
        "mutationCode": row.mutation_code,
        "descriptionLines": list(row.description_lines),
        "transactionTimestamp": transaction_timestamp(row.booked_at),
        "bookDate": row.book_date.isoformat(),
        "balanceAfterMutation": wire_amount(row.balance_after_cents),
        "counterPartyAccountNumber": row.counterparty_iban,
        "counterPartyName": row.counterparty_name[:24],
        "amount": wire_amount(row.amount_cents),
        "currency": row.currency,
        "transactionId": row.transaction_id,
    }


def transactions_page(iban: str, rows, next_key: str | None) -> dict:
    """A page of ``/transactions``: ``nextPageKey`` only while more pages exist."""
    body = {"accountNumber": iban, "transactions": [booking(row) for row in rows]}
    if next_key is not None:
        body["nextPageKey"] = next_key
    return body


_KEY_PATTERN = re.compile(r"^(\d{4}-\d{2}-\d{2})\.(\d+)$")


def encode_page_key(book_date: dt.date, booking_id: int) -> str:
    """An opaque key naming the last row of a page (keyset paging: book date, then id)."""
    raw = f"{book_date.isoformat()}.{booking_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_page_key(key: str) -> tuple[dt.date, int]:
    """The (book date, id) a key stands for; ``InvalidNextPageKey`` for anything else."""
    try:
        raw = base64.urlsafe_b64decode(key + "=" * (-len(key) % 4)).decode()
        match = _KEY_PATTERN.match(raw)
        if not match:
            raise ValueError(raw)
        return dt.date.fromisoformat(match.group(1)), int(match.group(2))
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidNextPageKey() from exc
