"""The account information API (``/v1``), exactly as ABN AMRO's: views parse, call a verb, shape the answer."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from decimal import InvalidOperation

from flask import Blueprint
from flask import Flask
from flask import request

from mockbank import errors
from mockbank import wire
from mockbank.context import backend
from mockbank.services.consents import AccessGrant
from mockbank.services.ledger_rules import HISTORY_MONTHS
from mockbank.services.ledger_rules import validate_iban
from mockbank.services.reads import AccountFacts
from mockbank.sim.calendar import months_back

blueprint = Blueprint("ais", __name__, url_prefix="/v1")

SCOPE_DETAILS = "psd2:account:details:read"
SCOPE_BALANCE = "psd2:account:balance:read"
SCOPE_TRANSACTIONS = "psd2:account:transaction:read"
SCOPE_FUNDS = "psd2:account:funds:read"
_IBAN_PATH = re.compile(r"^[0-9A-Z]+$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def init_app(app: Flask) -> None:
    """Register the account API."""
    app.register_blueprint(blueprint)


def _grant() -> AccessGrant:
    authorization = request.headers.get("Authorization", "")
    bearer = authorization[7:].strip() if authorization[:7].lower() == "bearer " else None
    return backend().consents.authenticate(api_key=request.headers.get("API-Key"), bearer=bearer)


def _granted(iban_in_path: str, scope: str) -> AccessGrant:
    """The grant of the consented account behind the path's IBAN, checking token, scope and IBAN in ABN AMRO's order."""
    grant = _grant()
    if not _IBAN_PATH.match(iban_in_path):
        raise errors.InvalidIban()
    # The consented account's own IBAN is valid: only another one needs the (costly) check.
    iban = iban_in_path if iban_in_path == grant.iban else validate_iban(iban_in_path)
    if scope not in grant.scopes:
        raise errors.InsufficientScope()
    if grant.iban != iban:
        raise errors.NoAccessToAccount()
    return grant


def _account_for(iban_in_path: str, scope: str) -> AccountFacts:
    """The consented account behind the path's IBAN (see ``_granted``)."""
    return backend().reads.account(_granted(iban_in_path, scope).account_id)


@blueprint.get("/consentinfo")
def consent_info():
    """Which IBAN, scopes and validity the presented token carries."""
    grant = _grant()
    if grant.consent_id is None:
        raise errors.InsufficientScope()
    consent = backend().consents.consent_facts(grant.consent_id)
    return wire.json_response(wire.consent_info(consent, grant.iban))


@blueprint.get("/accounts/<iban>/details")
def details(iban: str):
    """Account number, currency and holder name."""
    return wire.json_response(wire.account_details(_account_for(iban, SCOPE_DETAILS)))


@blueprint.get("/accounts/<iban>/balances")
def balances(iban: str):
    """The book balance."""
    return wire.json_response(wire.balance(_account_for(iban, SCOPE_BALANCE)))


def _parse_date(name: str, error: type[errors.BankError]) -> dt.date | None:
    value = request.args.get(name)
    if value is None or value == "":
        return None
    if not _DATE.match(value):
        raise error()
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise error() from exc


@blueprint.get("/accounts/<iban>/transactions")
def transactions(iban: str):
    """Bookings newest first, 50 a page, with an opaque ``nextPageKey`` while more exist."""
    grant = _granted(iban, SCOPE_TRANSACTIONS)
    date_from = _parse_date("bookDateFrom", errors.InvalidFromDate)
    date_to = _parse_date("bookDateTo", errors.InvalidToDate)
    today = backend().clock.today()
    oldest = months_back(today, HISTORY_MONTHS)
    if date_from and date_from > today:
        raise errors.FromDateInFuture()
    if date_to and date_to > today:
        raise errors.ToDateInFuture()
    if date_from and date_to and date_from > date_to:
        raise errors.FromAfterTo()
    if date_from and date_from < oldest:
        raise errors.TooFarBack()
    key = request.args.get("nextPageKey")
    after = wire.decode_page_key(key) if key else None
    size = backend().settings.page_size
    page = backend().reads.transactions_page_text(
        grant.account_id, grant.iban, date_from=date_from or oldest, date_to=date_to, after=after, size=size
    )
    return wire.text_response(page)


@blueprint.get("/accounts/<iban>/funds")
def funds(iban: str):
    """Whether the account can pay ``amount`` now."""
    account = _account_for(iban, SCOPE_FUNDS)
    try:
        amount = Decimal(request.args.get("amount", ""))
    except InvalidOperation as exc:
        raise errors.InvalidAmount() from exc
    # ABN AMRO's OpenAPI allows up to three decimals; beyond 10^16 no balance of ours could ever reach.
    if not amount.is_finite() or amount <= 0 or amount.as_tuple().exponent < -3 or amount.adjusted() > 16:
        raise errors.InvalidAmount()
    currency = (request.args.get("currency") or "EUR").upper()
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise errors.InvalidCurrency()
    # Compared exactly in cents (a third decimal counts), never rounded.
    available = currency == account.currency and amount * 100 <= account.balance_cents + account.credit_limit_cents
    return wire.json_response(wire.funds(account, amount, currency, available))


@blueprint.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
def unknown(rest: str):
    """Any other path under ``/v1``: ABN AMRO's not-found error."""
    raise errors.NotFound()
