"""The bank's sandbox control API (``/sandbox``): set the world up, move time, look inside."""

from __future__ import annotations

from flask import Blueprint
from flask import Flask
from flask import request

from mockbank import errors
from mockbank import models
from mockbank import wire
from mockbank.context import backend
from mockbank.services.ledger_rules import Party
from mockbank.shapes import account_json
from mockbank.shapes import booking_json
from mockbank.shapes import client_json
from mockbank.shapes import consent_json
from mockbank.shapes import customer_json
from mockbank.shapes import token_json
from mockbank.shapes import user_json
from mockbank.sim import web
from mockbank.sim.money import to_cents
from mockbank.sim.web import body
from mockbank.sim.web import optional
from mockbank.sim.web import required

blueprint = Blueprint("sandbox", __name__, url_prefix="/sandbox")


def init_app(app: Flask) -> None:
    """Register the sandbox API."""
    app.register_blueprint(blueprint)


def amount_cents(data: dict, name: str = "amount") -> int:
    """A money field given as a string or integer (never a float)."""
    value = data.get(name)
    if value is None:
        raise errors.SandboxError(f"'{name}' is required")
    if isinstance(value, float):
        raise errors.SandboxError(f"'{name}' must be a string such as \"0.01\", not a float")
    try:
        return to_cents(value)
    except ValueError as exc:
        raise errors.SandboxError(f"'{name}': {exc}") from exc


# --- world ----------------------------------------------------------------------------------


@blueprint.post("/reset")
def reset():
    """Empty the bank (the clock keeps its time)."""
    backend().reset()
    return wire.json_response({"reset": True, "clock": web.clock_json(backend().clock)})


@blueprint.post("/seed")
def seed():
    """Reset and build the demo world of ``{"seed": N}``; returns what was made."""
    data = body()
    value = data.get("seed", 42)
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.SandboxError("'seed' must be an integer")
    return wire.json_response(backend().seed(value), status=201)


@blueprint.get("/seed")
def seed_summary():
    """What the last seed made."""
    summary = backend().last_seed_summary
    if summary is None:
        raise errors.SandboxNotFound("the bank has not been seeded since its last reset")
    return wire.json_response(summary)


@blueprint.get("/customers")
def list_customers():
    """Every customer."""
    return wire.json_response({"customers": [customer_json(c) for c in backend().bank.customers()]})


@blueprint.post("/customers")
def create_customer():
    """A customer; ``users`` creates its online-banking users too."""
    data = body()
    bank = backend().bank
    kind = optional(data, "kind", models.RETAIL)
    customer = bank.create_customer(
        kind=kind,
        name=required(data, "name"),
        trade_name=optional(data, "tradeName"),
        kvk_number=optional(data, "kvkNumber"),
    )
    return wire.json_response(customer_json(_reload_customer(customer.id)), status=201)


def _reload_customer(customer_id: int) -> models.Customer:
    for customer in backend().bank.customers():
        if customer.id == customer_id:
            return customer
    raise errors.SandboxNotFound(f"no customer {customer_id}")


@blueprint.get("/users")
def list_users():
    """Every online-banking user with login means and valid responses."""
    return wire.json_response({"users": [user_json(u) for u in backend().bank.users()]})


@blueprint.post("/users")
def create_user():
    """An online-banking user of a customer with login means (``edentifier``, ``app``, ``access_online``)."""
    data = body()
    means = data.get("loginMeans", [models.EDENTIFIER, models.MOBILE_APP])
    if not isinstance(means, list):
        raise errors.SandboxError("'loginMeans' must be a list")
    user = backend().bank.create_user(
        customer_id=required(data, "customerId", int),
        name=required(data, "name"),
        email=optional(data, "email"),
        behaviour=optional(data, "behaviour"),
        login_means=tuple(means),
    )
    return wire.json_response(user_json(user), status=201)


@blueprint.post("/accounts")
def open_account():
    """An account for a customer; an optional ``balance`` is booked as an opening deposit."""
    data = body()
    bank = backend().bank
    opening = amount_cents(data, "balance") if data.get("balance") is not None else 0
    account = bank.open_account(
        customer_id=required(data, "customerId", int),
        product=optional(data, "product", models.CURRENT),
        currency=optional(data, "currency", "EUR"),
        holder_name=optional(data, "holderName"),
        iban=optional(data, "iban"),
        has_own_iban=optional(data, "hasOwnIban", True, bool),
        credit_limit_cents=amount_cents(data, "creditLimit") if data.get("creditLimit") is not None else 0,
    )
    if opening:
        bank.book(
            iban=account.iban,
            amount_cents=opening,
            mutation_code="654",
            description_lines=["Storting", "Openingssaldo"],
            counterparty=Party(),
            transaction_id="",
        )
    return wire.json_response(account_json(bank.account(account.iban)), status=201)


@blueprint.get("/accounts/<iban>")
def get_account(iban: str):
    """An account with its balance."""
    return wire.json_response(account_json(backend().bank.account(iban)))


@blueprint.get("/accounts/<iban>/bookings")
def list_bookings(iban: str):
    """The newest bookings of an account (``limit``, default 50), without any token."""
    bank = backend().bank
    account = bank.account(iban)
    try:
        limit = int(request.args.get("limit", 50))
    except ValueError as exc:
        raise errors.SandboxError("'limit' must be an integer") from exc
    rows, _ = bank.bookings_page(account.id, date_from=None, date_to=None, after=None, size=max(1, min(limit, 1000)))
    return wire.json_response({"iban": account.iban, "bookings": [booking_json(r, account.iban) for r in rows]})


@blueprint.post("/transfers")
def transfer():
    """A SEPA credit transfer booked at once: both sides when both accounts are at the bank."""
    data = body()
    rows = backend().bank.transfer(
        debtor_iban=required(data, "debtorIban"),
        creditor_iban=required(data, "creditorIban"),
        amount_cents=amount_cents(data),
        description=optional(data, "description", ""),
        reference=optional(data, "reference", ""),
        creditor_name=optional(data, "creditorName"),
        debtor_name=optional(data, "debtorName"),
        allow_overdraft=optional(data, "allowOverdraft", False, bool),
    )
    bank = backend().bank
    by_account = {a.id: a.iban for c in bank.customers() for a in c.accounts}
    return wire.json_response({"bookings": [booking_json(r, by_account[r.account_id]) for r in rows]}, status=201)


@blueprint.post("/bookings")
def book():
    """A booking against the outside world (card payment, iDEAL, incasso, interest...)."""
    data = body()
    lines = data.get("descriptionLines", [])
    if not isinstance(lines, list) or not all(isinstance(line, str) for line in lines):
        raise errors.SandboxError("'descriptionLines' must be a list of strings")
    cents = amount_cents(data)
    row = backend().bank.book(
        iban=required(data, "iban"),
        amount_cents=cents,
        mutation_code=optional(data, "mutationCode", "658"),
        description_lines=lines,
        counterparty=Party(optional(data, "counterPartyAccountNumber", ""), optional(data, "counterPartyName", "")),
        allow_overdraft=optional(data, "allowOverdraft", True, bool),
    )
    return wire.json_response(booking_json(row, required(data, "iban").replace(" ", "").upper()), status=201)


@blueprint.get("/ledger")
def ledger():
    """A consistency check: accounts whose balance differs from their bookings (should be empty)."""
    return wire.json_response({"inconsistentAccounts": backend().bank.ledger_check()})


# --- clients and tokens -----------------------------------------------------------------------


@blueprint.get("/clients")
def list_clients():
    """Every registered third party."""
    return wire.json_response({"clients": [client_json(c) for c in backend().consents.clients()]})


@blueprint.post("/clients")
def register_client():
    """Register a third party: ``name``, ``redirectUris``, ``public`` (PKCE required then)."""
    data = body()
    client = backend().consents.register_client(
        name=required(data, "name"),
        redirect_uris=data.get("redirectUris", ["https://localhost/auth"]),
        public=optional(data, "public", False, bool),
        client_id=optional(data, "clientId"),
        api_key=optional(data, "apiKey"),
        software_name=optional(data, "softwareName"),
        callback_url=optional(data, "callbackUrl"),
    )
    return wire.json_response(client_json(client), status=201)


@blueprint.post("/tokens")
def mint_token():
    """A valid consent and token for ``clientId``, ``iban`` and ``scopes``, without any screen."""
    data = body()
    scopes = data.get("scopes", "psd2:account:details:read psd2:account:balance:read psd2:account:transaction:read")
    if not isinstance(scopes, str | list):
        raise errors.SandboxError("'scopes' must be a string or a list")
    token = backend().consents.mint_token(
        client_id=required(data, "clientId"),
        iban=required(data, "iban").replace(" ", "").upper(),
        scopes=scopes,
    )
    return wire.json_response(token_json(token, backend().clock.now()), status=201)


@blueprint.get("/consents")
def list_consents():
    """Every consent with its status history."""
    consents = backend().consents.consents(client_id=request.args.get("clientId"))
    return wire.json_response({"consents": [consent_json(c) for c in consents]})


# --- time -------------------------------------------------------------------------------------


@blueprint.get("/clock")
def read_clock():
    """The simulated time."""
    return wire.json_response(web.clock_json(backend().clock))


@blueprint.post("/clock/advance")
def advance_clock():
    """Move time forward by ``seconds``/``minutes``/``hours``/``days``, by ``workingDays``, or ``to`` a moment."""
    web.advance_clock(backend().clock, body())
    return wire.json_response(web.clock_json(backend().clock))


@blueprint.get("/jobs")
def list_jobs():
    """The bank's due jobs (``status`` filters)."""
    jobs = backend().jobs.jobs(status=request.args.get("status"))
    return wire.json_response({"jobs": [j.to_json() for j in jobs]})
