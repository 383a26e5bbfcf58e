"""The payment initiation API (``/v1/payments``), as ABN AMRO's: single SEPA payments and direct-debit batches.

Views parse, call a verb of ``Payments`` or ``DirectDebits``, and shape the answer with ``wire``.
"""

from __future__ import annotations

from decimal import Decimal

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import request
from flask import url_for

from mockbank import errors
from mockbank import wire
from mockbank.context import backend
from mockbank.services.consents import AccessGrant
from mockbank.services.pain008 import FileRejected

blueprint = Blueprint("pis", __name__, url_prefix="/v1/payments")


def init_app(app: Flask) -> None:
    """Register the payment API (before the account API's catch-all under ``/v1``)."""
    app.register_blueprint(blueprint)


def _grant() -> AccessGrant:
    authorization = request.headers.get("Authorization", "")
    bearer = authorization[7:].strip() if authorization[:7].lower() == "bearer " else None
    return backend().consents.authenticate(api_key=request.headers.get("API-Key"), bearer=bearer)


def _json_body(error: type[errors.BankError]):
    """The body as JSON with numbers that have a fraction as Decimal (amounts stay exact); ``error`` otherwise."""
    data = request.get_data()
    if not data.strip():
        raise error("Invalid request body: the body is empty")
    try:
        return current_app.json.loads(data, parse_float=Decimal)
    except ValueError as exc:
        raise error(f"Invalid request body: {exc}") from exc


@blueprint.post("")
def register():
    """Register a SEPA payment with a client-credentials token: ``STORED`` and its ``transactionId``."""
    grant = _grant()
    payments = backend().payments
    payments.check_registrar(grant)
    order = wire.payment_order(_json_body(errors.PaymentInvalid))
    return wire.json_response(wire.payment_status(payments.register(grant, order)), status=201)


@blueprint.get("/<transaction_id>")
def status(transaction_id: str):
    """The payment's status, with the account holder's token (``psd2:payment:sepa:read``)."""
    return wire.json_response(wire.payment_status(backend().payments.status(_grant(), transaction_id)))


@blueprint.put("/<transaction_id>")
def release(transaction_id: str):
    """Execute an authorized payment with the holder's token: ``EXECUTED``, ``SCHEDULED`` or ``INPROGRESS``."""
    return wire.json_response(wire.payment_status(backend().payments.release(_grant(), transaction_id)))


@blueprint.delete("/<transaction_id>")
def delete(transaction_id: str):
    """Cancel a ``SCHEDULED`` payment before its execution date: 204."""
    backend().payments.delete(_grant(), transaction_id)
    return "", 204


@blueprint.post("/batch")
def batch():
    """Send a direct-debit file (base64 of a gzip of pain.008.001.02) to the holder's task list."""
    grant = _grant()
    sdd = backend().sdd
    sdd.check_sender(grant)
    file_name, file_data = wire.batch_instruction(_json_body(errors.BatchInvalid))
    try:
        received = sdd.submit(grant, file_name=file_name, file_data=file_data)
    except FileRejected as rejected:
        return wire.json_response(wire.batch_rejected(rejected.problems), status=201)
    url = url_for("tasks.batch", pk=received.id, _external=True)
    return wire.json_response(wire.batch_received(received, url), status=201)
