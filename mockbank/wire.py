"""The one module that knows ABN AMRO's wire format: field names, number and date shapes, errors."""

from __future__ import annotations

import base64
import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from json.encoder import encode_basestring
from typing import TYPE_CHECKING

import simplejson
from flask import Response

from mockbank import errors
from mockbank.errors import BankError
from mockbank.errors import InvalidNextPageKey
from mockbank.services.ledger_rules import validate_iban
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import UTC
from mockbank.sim.money import from_cents
from mockbank.sim.money import to_cents

if TYPE_CHECKING:
    from mockbank.services.payments import PaymentView

TIMESTAMP_FORMAT = "%Y-%m-%d-%H:%M:%S"
PAGE_SIZE = 50


def wire_amount(cents: int) -> Decimal:
    """The amount as ABN AMRO writes it: ``-18`` for whole euros, ``16.03`` otherwise."""
    if cents % 100 == 0:
        return Decimal(cents // 100)
    return from_cents(cents)


# One encoder for every answer: ``simplejson.dumps`` with options builds a new one per call.
_ENCODER = simplejson.JSONEncoder(use_decimal=True, ensure_ascii=False)


def dumps(payload) -> str:
    """JSON with Decimal written as a JSON number, as ABN AMRO sends amounts."""
    return _ENCODER.encode(payload)


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
    """``GET /v1/accounts/{iban}/details`` of ``AccountFacts``: the trade name for commercial clients."""
    business = account.customer_kind == "business" and account.trade_name
    holder = account.trade_name if business else account.holder_name
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


# --- payment initiation ------------------------------------------------------------------------------------

# ABN AMRO's SEPA character set for names and remittance information (space, some punctuation, Latin letters).
_SEPA_TEXT = re.compile(r"^[0-9A-Za-z !&'()+\-./:?_`,\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u00ff\u00d7]*$")
_ACCOUNT_PATTERN = re.compile(r"^[0-9A-Z]+$")
_REFERENCE_ISSUERS = ("ISO", "BBA", "CUR")
PAYMENT_FIELDS = frozenset(
    {
        "initiatingpartyAccountNumber",
        "counterpartyAccountNumber",
        "counterpartyName",
        "amount",
        "currency",
        "requestedExecutionDate",
        "remittanceInfo",
        "structuredRemittanceInfo",
    }
)


@dataclass(frozen=True)
class PaymentOrder:
    """What ``POST /v1/payments`` asks for, read and checked field by field."""

    counterparty_iban: str
    counterparty_name: str
    amount_cents: int
    initiating_iban: str | None = None
    currency: str = "EUR"
    requested_execution_date: dt.date | None = None
    remittance_info: str = ""
    reference_issuer: str | None = None
    reference: str | None = None


def payment_order(data) -> PaymentOrder:
    """``POST /v1/payments``'s body (amounts already read as Decimal), checked field by field in ABN AMRO's codes."""
    if not isinstance(data, dict):
        raise errors.PaymentInvalid("Invalid request body: a JSON object is expected")
    unknown = sorted(set(data) - PAYMENT_FIELDS)
    if unknown:
        raise errors.PaymentInvalid(f"Invalid request body: unknown field {', '.join(unknown)}")
    counterparty = data.get("counterpartyAccountNumber")
    if counterparty is None or (isinstance(counterparty, str) and not counterparty.strip()):
        raise errors.CounterpartyAccountBlank()
    if not isinstance(counterparty, str):
        raise errors.CounterpartyAccountNotAlphanumeric()
    if len(counterparty) > 34:
        raise errors.CounterpartyAccountTooLong()
    if not _ACCOUNT_PATTERN.match(counterparty):
        raise errors.CounterpartyAccountNotAlphanumeric()
    try:
        counterparty = validate_iban(counterparty)
    except errors.InvalidIban as exc:
        raise errors.InvalidCounterpartyAccount(f"Invalid counter party account number: {counterparty}") from exc
    initiating = data.get("initiatingpartyAccountNumber")
    if initiating is not None:
        if not isinstance(initiating, str) or len(initiating) > 34 or not _ACCOUNT_PATTERN.match(initiating):
            raise errors.InvalidInitiatingAccount()
        try:
            initiating = validate_iban(initiating)
        except errors.InvalidIban as exc:
            raise errors.InvalidInitiatingAccount(f"Invalid initiating party account number: {initiating}") from exc
        if initiating == counterparty:
            raise errors.SameAccounts()
    name = data.get("counterpartyName")
    if name is None or (isinstance(name, str) and not name.strip()):
        raise errors.CounterpartyNameBlank()
    if not isinstance(name, str) or not _SEPA_TEXT.match(name):
        raise errors.InvalidCounterpartyNameCharacters()
    if len(name) > 70:
        raise errors.CounterpartyNameTooLong()
    amount_cents = _payment_amount(data.get("amount", None), "amount" in data)
    currency = data.get("currency", "EUR")
    if currency != "EUR":
        raise errors.CurrencyNotEur()
    remittance = data.get("remittanceInfo")
    structured = data.get("structuredRemittanceInfo")
    if remittance is not None and structured is not None:
        raise errors.PaymentInvalid("Invalid request body: send remittanceInfo or structuredRemittanceInfo, not both")
    if remittance is not None:
        if not isinstance(remittance, str) or not _SEPA_TEXT.match(remittance):
            raise errors.InvalidRemittanceCharacters()
        if len(remittance) > 140:
            raise errors.RemittanceTooLong()
    issuer = reference = None
    if structured is not None:
        if not isinstance(structured, dict) or set(structured) - {"issuer", "reference"}:
            raise errors.InvalidReference("Invalid reference ID: structuredRemittanceInfo is {issuer, reference}")
        issuer, reference = structured.get("issuer"), structured.get("reference")
        if issuer not in _REFERENCE_ISSUERS:
            raise errors.InvalidReference("Invalid reference ID: issuer is ISO, BBA or CUR")
        if not isinstance(reference, str) or not reference.strip() or len(reference) > 35:
            raise errors.InvalidReference("Invalid reference ID: a reference of 1 to 35 characters")
    return PaymentOrder(
        counterparty_iban=counterparty,
        counterparty_name=name,
        amount_cents=amount_cents,
        initiating_iban=initiating,
        currency="EUR",
        requested_execution_date=_execution_date(data.get("requestedExecutionDate")),
        remittance_info=remittance or "",
        reference_issuer=issuer,
        reference=reference,
    )


def _payment_amount(value, present: bool) -> int:
    if not present or value is None:
        raise errors.AmountMissing()
    if isinstance(value, bool) or not isinstance(value, int | Decimal):
        raise errors.AmountInvalid("Amount is invalid: a JSON number such as 149.99 is expected")
    amount = Decimal(value)
    if not amount.is_finite() or amount.adjusted() > 12:
        raise errors.AmountInvalid()
    if amount <= 0:
        raise errors.AmountNotPositive()
    if amount != amount.quantize(Decimal("0.01")):
        raise errors.AmountInvalid("Amount is invalid: at most two decimals")
    return to_cents(amount)


def _execution_date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise errors.PaymentInvalid("Invalid request body: requestedExecutionDate is a date (CCYY-MM-DD)")
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise errors.PaymentInvalid("Invalid request body: requestedExecutionDate is not a date") from exc


def payment_status(view: PaymentView) -> dict:
    """``TransactionStatusResponse``: the account paid from (once known), the id, the status and the holder."""
    body = {}
    if view.iban:
        body["accountNumber"] = view.iban
    body["transactionId"] = view.payment.transaction_id
    body["status"] = view.payment.status
    if view.holder_name:
        body["accountHolderName"] = view.holder_name
    return body


def batch_instruction(data) -> tuple[object, object]:
    """``fileName`` and ``fileData`` of ``{"sepaBatchPaymentInstruction": {...}}`` (checked by the service)."""
    instruction = data.get("sepaBatchPaymentInstruction") if isinstance(data, dict) else None
    if not isinstance(instruction, dict):
        raise errors.BatchInvalid(
            'Invalid request body: {"sepaBatchPaymentInstruction": {fileName, fileData}} expected'
        )
    return instruction.get("fileName"), instruction.get("fileData")


def batch_received(batch, authorization_url: str) -> dict:
    """A file taken for authorization: ``{"sepaBatchPaymentInstruction": {id, hash, status, authorizationUrl}}``."""
    return {
        "sepaBatchPaymentInstruction": {
            "id": batch.batch_id,
            "hash": batch.sha256,
            "status": "RECEIVED",
            "authorizationUrl": authorization_url,
        }
    }


def batch_rejected(problems) -> dict:
    """A batch file refused for its content: status ``REJECTED`` (no id, no hash, as ABN AMRO), plus the mock's own
    ``errors``: which element is wrong and why."""
    return {
        "sepaBatchPaymentInstruction": {
            "status": "REJECTED",
            "errors": [{"element": p.element, "message": p.message} for p in problems],
        }
    }


# --- the hot path: a page of bookings written as JSON text straight from the database's rows ----------------

# The columns of a booking row as ``services.reads`` selects them, in this order.
BOOKING_COLUMNS = (
    "id",
    "mutation_code",
    "description_lines",
    "booked_at",
    "book_date",
    "amount_cents",
    "currency",
    "balance_after_cents",
    "counterparty_iban",
    "counterparty_name",
    "transaction_id",
)
BOOKING_ID = 0
BOOK_DATE = 4
# Amsterdam's offset per UTC hour (daylight saving starts and ends on a whole UTC hour).
_OFFSETS: dict[tuple[int, int, int, int], dt.timedelta] = {}
_ROW = (
    '{"mutationCode": %s, "descriptionLines": %s, "transactionTimestamp": "%s", "bookDate": "%s", '
    '"balanceAfterMutation": %s, "counterPartyAccountNumber": %s, "counterPartyName": %s, "amount": %s, '
    '"currency": %s, "transactionId": %s}'
)


def amount_text(cents: int) -> str:
    """``wire_amount(cents)`` as a JSON number's text (``-18``, ``16.03``), from integers alone."""
    if cents % 100 == 0:
        return str(cents // 100)
    whole, part = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole}.{part:02d}"


def _utc_naive(value) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def timestamp_text(booked_at) -> str:
    """``transaction_timestamp`` of a stored UTC time (text on SQLite, a naive datetime elsewhere)."""
    moment = _utc_naive(booked_at)
    hour = (moment.year, moment.month, moment.day, moment.hour)
    offset = _OFFSETS.get(hour)
    if offset is None:
        if len(_OFFSETS) > 100_000:
            _OFFSETS.clear()
        offset = _OFFSETS[hour] = dt.datetime(*hour, tzinfo=UTC).astimezone(AMSTERDAM).utcoffset()
    return (moment + offset).isoformat("-", "milliseconds")


def booking_text(row) -> str:
    """``booking(row)`` as JSON text, from a raw row in ``BOOKING_COLUMNS`` order."""
    _, code, lines, booked_at, book_date, amount, currency, balance_after, iban, name, transaction_id = row
    return _ROW % (
        encode_basestring(code),
        # SQLite hands back the stored JSON text of the lines, which is written out as it is.
        lines if isinstance(lines, str) else json.dumps(list(lines), ensure_ascii=False),
        timestamp_text(booked_at),
        book_date if isinstance(book_date, str) else book_date.isoformat(),
        amount_text(balance_after),
        encode_basestring(iban),
        encode_basestring(name[:24]),
        amount_text(amount),
        encode_basestring(currency),
        encode_basestring(transaction_id),
    )


def transactions_page_text(iban: str, rows, next_key: str | None) -> str:
    """``transactions_page`` as JSON text, from raw rows (``services.reads.AccountReads.bookings_page``)."""
    text = f'{{"accountNumber": {encode_basestring(iban)}, "transactions": [{", ".join(map(booking_text, rows))}]'
    if next_key is not None:
        text += ', "nextPageKey": ' + encode_basestring(next_key)
    return text + "}"


def text_response(text: str, status: int = 200) -> Response:
    """A JSON response from text already written (``transactions_page_text``)."""
    return Response(text, status=status, mimetype="application/json")
