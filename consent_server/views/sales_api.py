"""eAccounting's customers and sales invoices (``/v2/customers``, ``/v2/customerinvoices``) with Visma's names, and
mockbank's own ``/v2/directdebitorders`` ("Incasso-opdracht versturen" through the API)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from decimal import InvalidOperation

from flask import Blueprint
from flask import Flask
from flask import current_app
from flask import request

from consent_server import errors
from consent_server import wire
from consent_server.services.invoices import CustomerInput
from consent_server.services.invoices import DirectDebitSettings
from consent_server.services.invoices import InvoiceInput
from consent_server.services.invoices import InvoiceRow
from consent_server.views.api import _administration
from consent_server.views.api import _paging
from consent_server.web import portal

blueprint = Blueprint("sales_api", __name__, url_prefix="/v2")


def init_app(app: Flask) -> None:
    """Register the sales API."""
    app.register_blueprint(blueprint)


def _body() -> dict:
    """The JSON body with fractional numbers read as Decimal (amounts stay exact)."""
    try:
        data = current_app.json.loads(request.get_data() or b"null", parse_float=Decimal)
    except ValueError as exc:
        raise errors.ValidationFailed(f"the body is not JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise errors.ValidationFailed("the body must be a JSON object")
    return data


def _text(data: dict, name: str, *, required: bool = False) -> str | None:
    value = data.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or (required and not value.strip()):
        raise errors.ValidationFailed(f"{name} must be a string", message=f"Vul {name} in.", field=name)
    return value


def _date(data: dict, name: str) -> dt.date | None:
    value = data.get(name)
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError as exc:
        raise errors.ValidationFailed(
            f"{name} must be a date", message="Vul een geldige datum in.", field=name
        ) from exc


def _number(value, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise errors.ValidationFailed(f"{name} must be a number", field=name)
    try:
        number = Decimal(str(value))
    except InvalidOperation as exc:
        raise errors.ValidationFailed(f"{name} must be a number", field=name) from exc
    if not number.is_finite():
        raise errors.ValidationFailed(f"{name} must be a number", field=name)
    return number


def _page(items: list[dict]):
    current, size = _paging()
    return wire.json_number_response(wire.page(items, current=current, size=size, now=portal().clock.now()))


# --- customers -------------------------------------------------------------------------------------------


@blueprint.get("/customers")
def list_customers():
    """The administration's customers."""
    return _page([wire.customer(c) for c in portal().invoicing.customers(_administration())])


@blueprint.post("/customers")
def create_customer():
    """A customer, with ``Iban`` and ``DirectDebitCustomerSettings`` for direct debits."""
    admin_id = _administration()
    data = _body()
    settings = data.get("DirectDebitCustomerSettings")
    direct_debit = None
    if settings is not None:
        if not isinstance(settings, dict):
            raise errors.ValidationFailed("DirectDebitCustomerSettings must be an object")
        signed = _date(settings, "SigningDate")
        if signed is None:
            raise errors.ValidationFailed(
                "SigningDate is required with a mandate", field="DirectDebitCustomerSettings.SigningDate"
            )
        direct_debit = DirectDebitSettings(
            mandate_id=_text(settings, "MandateId", required=True),
            signing_date=signed,
            mandate_type=settings.get("MandateType", 1),
            sequence_type=settings.get("SequenceType", 1),
        )
    is_private = data.get("IsPrivatePerson", False)
    if not isinstance(is_private, bool):
        raise errors.ValidationFailed("IsPrivatePerson must be a boolean", field="IsPrivatePerson")
    customer = portal().invoicing.create_customer(
        admin_id,
        CustomerInput(
            name=_text(data, "Name", required=True),
            customer_number=_text(data, "CustomerNumber"),
            email=_text(data, "EmailAddress"),
            is_private_person=is_private,
            iban=_text(data, "Iban"),
            direct_debit=direct_debit,
        ),
    )
    return wire.json_number_response(wire.customer(customer), status=201)


@blueprint.get("/customers/<uid>")
def get_customer(uid: str):
    """One customer."""
    return wire.json_number_response(wire.customer(portal().invoicing.customer(_administration(), uid)))


# --- sales invoices --------------------------------------------------------------------------------------


@blueprint.get("/customerinvoices")
def list_invoices():
    """The administration's sales invoices, by number."""
    return _page([wire.customer_invoice(i) for i in portal().invoicing.invoices(_administration())])


@blueprint.post("/customerinvoices")
def create_invoice():
    """A sales invoice: ``CustomerId``, ``Rows`` [{``Text``, ``UnitPrice``, ``Quantity``}], dates optional."""
    admin_id = _administration()
    data = _body()
    rows = data.get("Rows")
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise errors.ValidationFailed("Rows must be a list of objects", message="Voeg regels toe.", field="Rows")
    invoice = portal().invoicing.create_invoice(
        admin_id,
        InvoiceInput(
            customer_uid=_text(data, "CustomerId", required=True),
            rows=tuple(
                InvoiceRow(
                    text=str(r.get("Text") or ""),
                    unit_price=_number(r.get("UnitPrice"), "UnitPrice"),
                    quantity=_number(r.get("Quantity", 1), "Quantity"),
                )
                for r in rows
            ),
            invoice_date=_date(data, "InvoiceDate"),
            due_date=_date(data, "DueDate"),
        ),
    )
    return wire.json_number_response(wire.customer_invoice(invoice), status=201)


@blueprint.get("/customerinvoices/<uid>")
def get_invoice(uid: str):
    """One sales invoice, with how its direct debit went."""
    return wire.json_number_response(wire.customer_invoice(portal().invoicing.invoice(_administration(), uid)))


# --- direct-debit orders (mockbank's own) -----------------------------------------------------------------


@blueprint.post("/directdebitorders")
def create_order():
    """ "Incasso-opdracht versturen": ``BankAccountId``, ``InvoiceIds``, ``CollectionDate`` (optional). 201 with
    ``Status`` ``Sent`` (sign it at ``AuthorizationUrl``), ``Rejected`` with ``Problems``, or
    ``AwaitingBankConsent`` with ``BankConsentUrl``: the bank's consent page to send the user to first."""
    admin_id = _administration()
    data = _body()
    invoice_ids = data.get("InvoiceIds")
    if not isinstance(invoice_ids, list) or not all(isinstance(i, str) for i in invoice_ids):
        raise errors.ValidationFailed("InvoiceIds must be a list of invoice ids", field="InvoiceIds")
    started = portal().incasso.start(
        admin_id,
        bank_account_uid=_text(data, "BankAccountId", required=True),
        invoice_uids=invoice_ids,
        collection_date=_date(data, "CollectionDate"),
        redirect_uri=portal().settings.redirect_uri,
    )
    body = wire.direct_debit_order(started.order, bank_consent_url=started.bank_consent_url)
    return wire.json_number_response(body, status=201)


@blueprint.get("/directdebitorders")
def list_orders():
    """The administration's direct-debit orders, newest first."""
    return _page([wire.direct_debit_order(o) for o in portal().incasso.orders(_administration())])


@blueprint.get("/directdebitorders/<uid>")
def get_order(uid: str):
    """One direct-debit order: sent, rejected (with the bank's problems), settled."""
    return wire.json_number_response(wire.direct_debit_order(portal().incasso.order(_administration(), uid)))
