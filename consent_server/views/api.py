"""eAccounting's bank-account API (``/v2/bankaccounts``) with Visma's names and envelope.

Which administration a request is for comes from its bearer token (minted by ``POST /sandbox/administrations``).
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint
from flask import Flask
from flask import request

from consent_server import errors
from consent_server import models
from consent_server import wire
from consent_server.services.eaccounting import AccountInput
from consent_server.web import portal

blueprint = Blueprint("api", __name__, url_prefix="/v2")


def init_app(app: Flask) -> None:
    """Register the eAccounting API."""
    app.register_blueprint(blueprint)


def _administration() -> int:
    header = request.headers.get("Authorization", "")
    token = header[7:].strip() if header[:7].lower() == "bearer " else None
    return portal().eaccounting.administration_for_token(token)


def _body() -> dict:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise errors.ValidationFailed("the body must be a JSON object with BankAccountApi fields")
    return data


def account_input(data: dict) -> AccountInput:
    """``BankAccountApi`` JSON as input; types are checked here, rules in the service."""
    account_type = data.get("BankAccountType")
    ledger = data.get("LedgerAccountNumber")
    if ledger is not None and (isinstance(ledger, bool) or not isinstance(ledger, int)):
        raise errors.ValidationFailed(
            "LedgerAccountNumber must be an integer",
            message="Vul een geldig grootboekrekeningnummer in.",
            field="LedgerAccountNumber",
        )
    if account_type is not None and (isinstance(account_type, bool) or not isinstance(account_type, int)):
        raise errors.ValidationFailed(
            "BankAccountType must be an integer", message="Kies een type rekening.", field="BankAccountType"
        )
    is_active = data.get("IsActive", True)
    if not isinstance(is_active, bool):
        raise errors.ValidationFailed("IsActive must be a boolean", field="IsActive")
    for name in ("Name", "Iban", "CurrencyCode", "BankAccountHolderName"):
        if data.get(name) is not None and not isinstance(data[name], str):
            raise errors.ValidationFailed(f"{name} must be a string", field=name)
    return AccountInput(
        name=data.get("Name"),
        account_type=account_type,
        iban=data.get("Iban"),
        currency=data.get("CurrencyCode"),
        ledger_account=ledger,
        is_active=is_active,
        holder_name=data.get("BankAccountHolderName"),
    )


def _shape(account: models.BankAccount, administration_id: int) -> dict:
    agreements = portal().connections.active_agreements(administration_id)
    return wire.bank_account(account, has_active_agreement=bool(account.iban) and account.iban in agreements)


@blueprint.get("/bankaccounts")
def list_accounts():
    """The administration's bank accounts in the Meta/Data envelope (``$page``, ``$pagesize``)."""
    admin_id = _administration()
    current, size = _paging()
    agreements = portal().connections.active_agreements(admin_id)
    items = [
        wire.bank_account(a, has_active_agreement=bool(a.iban) and a.iban in agreements)
        for a in portal().eaccounting.accounts(admin_id)
    ]
    return wire.json_response(wire.page(items, current=current, size=size, now=portal().clock.now()))


@blueprint.post("/bankaccounts")
def create_account():
    """Add a bank account."""
    admin_id = _administration()
    account = portal().eaccounting.create_account(admin_id, account_input(_body()))
    return wire.json_response(_shape(account, admin_id), status=201)


@blueprint.get("/bankaccounts/<uid>")
def get_account(uid: str):
    """One bank account."""
    admin_id = _administration()
    return wire.json_response(_shape(portal().eaccounting.account(admin_id, uid), admin_id))


@blueprint.put("/bankaccounts/<uid>")
def replace_account(uid: str):
    """Replace a bank account."""
    admin_id = _administration()
    account = portal().eaccounting.replace_account(admin_id, uid, account_input(_body()))
    return wire.json_response(_shape(account, admin_id))


@blueprint.delete("/bankaccounts/<uid>")
def delete_account(uid: str):
    """Delete a bank account."""
    portal().eaccounting.delete_account(_administration(), uid)
    return "", 204


@blueprint.get("/bankaccounts/<uid>/bankconnection")
def connection_status(uid: str):
    """Whether "Schakel bankkoppeling in" is possible, and how far the preparation is (poll this)."""
    admin_id = _administration()
    service = portal().eaccounting
    account = service.account(admin_id, uid)
    return _connection(admin_id, account, refusal=portal().connections.refusal(account))


@blueprint.post("/bankaccounts/<uid>/bankconnection")
def enable_connection(uid: str):
    """Enable the bank connection: 202 while preparing; 409 with the reason when the account cannot be linked."""
    admin_id = _administration()
    account = portal().connections.enable_connection(admin_id, uid)
    status = 202 if account.connection_state == models.CONNECTION_PREPARING else 200
    return _connection(admin_id, account, refusal=None, status=status)


def _connection(admin_id: int, account: models.BankAccount, *, refusal, status: int = 200):
    """The bank-connection JSON of an account, with its link's state."""
    link_state = portal().connections.link_states(admin_id).get(account.iban or "")
    return wire.json_response(wire.bank_connection(account, refusal=refusal, link_state=link_state), status=status)


@blueprint.delete("/bankaccounts/<uid>/bankconnection")
def disable_connection(uid: str):
    """ "Schakel bankkoppeling uit": the consent is revoked at the bank and no more bookings are fetched."""
    admin_id = _administration()
    portal().links.unlink(admin_id, uid)
    return connection_status(uid)


# --- bank transactions (read-only, as Visma's API) -------------------------------------------------------


def _dates() -> tuple[dt.date, dt.date]:
    """``fromDate``/``toDate`` (yyyy-mm-dd); by default the first and last day of the current month."""
    today = portal().clock.today()
    first = today.replace(day=1)
    last = (first + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
    values = []
    for name, default in (("fromDate", first), ("toDate", last)):
        text = request.args.get(name)
        if not text:
            values.append(default)
            continue
        try:
            values.append(dt.date.fromisoformat(text[:10]))
        except ValueError as exc:
            raise errors.ValidationFailed(
                f"{name} must be a date (yyyy-mm-dd)", message="Vul een geldige datum in.", field=name
            ) from exc
    if values[0] > values[1]:
        raise errors.ValidationFailed("fromDate is after toDate", message="De begindatum ligt na de einddatum.")
    return values[0], values[1]


def _paging() -> tuple[int, int]:
    """``$page`` (from 1) and ``$pagesize`` (1..1000, default 50) of a list call."""
    try:
        current = int(request.args.get("$page", 1))
        size = int(request.args.get("$pagesize", wire.PAGE_SIZE))
        if current < 1 or not 1 <= size <= 1000:
            raise ValueError
    except ValueError as exc:
        raise errors.ValidationFailed("$page must be >= 1 and $pagesize 1..1000") from exc
    return current, size


def _transactions_page(rows) -> dict:
    current, size = _paging()
    items = [wire.bank_transaction(row) for row in rows]
    return wire.page(items, current=current, size=size, now=portal().clock.now())


@blueprint.get("/banktransactions/<uid>/unmatched")
def unmatched_transactions(uid: str):
    """The imported bookings of a bank account that are not matched yet (all of them: mockbank matches nothing)."""
    account = portal().eaccounting.account(_administration(), uid)
    date_from, date_to = _dates()
    rows = portal().imports.transactions(account.id, date_from=date_from, date_to=date_to)
    return wire.json_number_response(_transactions_page(rows))


@blueprint.get("/banktransactions/<uid>/matched")
def matched_transactions(uid: str):
    """Matched bookings: none, since mockbank does no reconciliation."""
    portal().eaccounting.account(_administration(), uid)
    _dates()
    return wire.json_number_response(_transactions_page([]))


@blueprint.get("/banktransactions/<uid>/<transaction_id>")
def bank_transaction(uid: str, transaction_id: str):
    """One imported booking."""
    account = portal().eaccounting.account(_administration(), uid)
    return wire.json_number_response(wire.bank_transaction(portal().imports.transaction(account.id, transaction_id)))


@blueprint.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def unknown(rest: str):
    """Any other path under ``/v2``."""
    raise errors.NotFound(f"/v2/{rest} is not part of this simulation", message="Niet gevonden.")
