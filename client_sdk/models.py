"""Typed results: frozen dataclasses with ``Decimal`` money and timezone-aware times; ``raw`` keeps the JSON."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def _decimal(value) -> Decimal | None:
    """A JSON number (already ``Decimal`` or int when parsed with ``parse_float=Decimal``) or string as Decimal."""
    if value is None:
        return None
    if isinstance(value, float):
        # Only reachable when a caller parsed JSON themselves; repr keeps the shortest exact digits.
        return Decimal(repr(value))
    return Decimal(str(value))


def parse_transaction_timestamp(value: str | None) -> dt.datetime | None:
    """ABN AMRO's ``yyyy-MM-dd-HH:mm:ss.SSS`` (Amsterdam local time) as an aware datetime."""
    if not value:
        return None
    date_part, separator, time_part = value[:10], value[10:11], value[11:]
    if separator != "-":
        raise ValueError(f"not an ABN AMRO transactionTimestamp: {value!r}")
    for pattern in ("%H:%M:%S.%f", "%H:%M:%S"):
        try:
            clock = dt.datetime.strptime(time_part, pattern).time()
            break
        except ValueError:
            continue
    else:
        raise ValueError(f"not an ABN AMRO transactionTimestamp: {value!r}")
    return dt.datetime.combine(dt.date.fromisoformat(date_part), clock, tzinfo=AMSTERDAM)


def _epoch(value) -> dt.datetime | None:
    """A Unix epoch given as a number or a string, as aware UTC."""
    if value in (None, ""):
        return None
    return dt.datetime.fromtimestamp(int(Decimal(str(value))), tz=dt.UTC)


def _date(value) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _scopes(value) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return tuple(value.replace("+", " ").split())
    return tuple(value)


@dataclass(frozen=True)
class TokenSet:
    """Tokens from the token endpoint; ``expires_at`` is computed from ``expires_in`` when received."""

    # Tokens stay out of repr: reprs end up in logs.
    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    token_type: str = "Bearer"
    expires_at: dt.datetime | None = None
    scope: tuple[str, ...] = ()
    expires_in: int | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_response(cls, data: dict, *, now: dt.datetime | None = None) -> TokenSet:
        """Build from a token response; ``now`` (aware) is when it was received."""
        now = now or dt.datetime.now(dt.UTC)
        # A few ABN AMRO samples say "valid" where RFC 6749 says "expires_in".
        expires_in = data.get("expires_in", data.get("valid"))
        expires_in = int(Decimal(str(expires_in))) if expires_in not in (None, "") else None
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            token_type=data.get("token_type") or "Bearer",
            expires_at=now + dt.timedelta(seconds=expires_in) if expires_in is not None else None,
            scope=_scopes(data.get("scope")),
            expires_in=expires_in,
            raw=dict(data),
        )

    def expired(self, now: dt.datetime) -> bool:
        """Whether the access token has run out at ``now``."""
        return self.expires_at is not None and self.expires_at <= now


@dataclass(frozen=True)
class ConsentInfo:
    """``GET /v1/consentinfo``: the one IBAN the token may read, its scopes and how long the consent lasts."""

    iban: str | None
    transaction_id: str | None
    scopes: tuple[str, ...]
    valid_until: dt.datetime | None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> ConsentInfo:
        """Parse the wire shape (``valid`` is a Unix epoch, as number or string)."""
        return cls(
            iban=data.get("iban"),
            transaction_id=data.get("transactionId"),
            scopes=_scopes(data.get("scopes")),
            valid_until=_epoch(data.get("valid")),
            raw=data,
        )


@dataclass(frozen=True)
class AccountDetails:
    """``GET /v1/accounts/{iban}/details``."""

    account_number: str
    currency: str
    account_holder_name: str | None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> AccountDetails:
        """Parse the wire shape (the OpenAPI file spells the holder ``AccountHolderName``)."""
        return cls(
            account_number=data["accountNumber"],
            currency=data.get("currency", "EUR"),
            account_holder_name=data.get("accountHolderName", data.get("AccountHolderName")),
            raw=data,
        )


@dataclass(frozen=True)
class Balance:
    """``GET /v1/accounts/{iban}/balances``: the book balance."""

    account_number: str
    amount: Decimal
    currency: str
    balance_type: str
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> Balance:
        """Parse the wire shape."""
        return cls(
            account_number=data["accountNumber"],
            amount=_decimal(data["amount"]),
            currency=data.get("currency", "EUR"),
            balance_type=data.get("balanceType", "BOOKBALANCE"),
            raw=data,
        )


@dataclass(frozen=True)
class Transaction:
    """One booking as ABN AMRO sends it; ``transaction_id`` may be ``""`` (card payments)."""

    transaction_id: str
    mutation_code: str
    description_lines: tuple[str, ...]
    transaction_timestamp: dt.datetime | None
    book_date: dt.date | None
    balance_after_mutation: Decimal | None
    counter_party_account_number: str
    counter_party_name: str
    amount: Decimal
    currency: str
    status: str | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> Transaction:
        """Parse the wire shape."""
        return cls(
            transaction_id=data.get("transactionId") or "",
            mutation_code=str(data.get("mutationCode", "")),
            description_lines=tuple(data.get("descriptionLines") or ()),
            transaction_timestamp=parse_transaction_timestamp(data.get("transactionTimestamp")),
            book_date=_date(data.get("bookDate")),
            balance_after_mutation=_decimal(data.get("balanceAfterMutation")),
            counter_party_account_number=data.get("counterPartyAccountNumber") or "",
            counter_party_name=data.get("counterPartyName") or "",
            amount=_decimal(data["amount"]),
            currency=data.get("currency", "EUR"),
            status=data.get("status"),
            raw=data,
        )


@dataclass(frozen=True)
class TransactionPage:
    """One page of ``/transactions``; ``next_page_key`` is None on the last page."""

    account_number: str | None
    transactions: tuple[Transaction, ...]
    next_page_key: str | None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: dict | None, *, iban: str | None = None) -> TransactionPage:
        """Parse the wire shape; a blank body (ABN AMRO's "no transactions") is an empty last page."""
        data = data or {}
        return cls(
            account_number=data.get("accountNumber", iban),
            transactions=tuple(Transaction.from_json(t) for t in data.get("transactions") or ()),
            next_page_key=data.get("nextPageKey") or None,
            raw=data,
        )


@dataclass(frozen=True)
class Funds:
    """``GET /v1/accounts/{iban}/funds``: whether ``amount`` can be paid now."""

    account_number: str
    amount: Decimal
    currency: str
    available: bool
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> Funds:
        """Parse the wire shape."""
        return cls(
            account_number=data["accountNumber"],
            amount=_decimal(data["amount"]),
            currency=data.get("currency", "EUR"),
            available=bool(data["available"]),
            raw=data,
        )


@dataclass(frozen=True)
class PaymentStatus:
    """``TransactionStatusResponse`` of the payment API: the account paid from (once known), id, status, holder.

    ``status`` is one of ``STORED``, ``AUTHORIZED``, ``SCHEDULED``, ``INPROGRESS``, ``EXECUTED``, ``REJECTED``
    (ABN AMRO also names ``FUTURE`` and ``UNKNOWN``: "retry later").
    """

    transaction_id: str
    status: str
    account_number: str | None = None
    account_holder_name: str | None = None
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @classmethod
    def from_json(cls, data: dict) -> PaymentStatus:
        """Parse the wire shape."""
        return cls(
            transaction_id=data["transactionId"],
            status=data["status"],
            account_number=data.get("accountNumber"),
            account_holder_name=data.get("accountHolderName"),
            raw=data,
        )


@dataclass(frozen=True)
class BatchProblem:
    """Why a batch file was rejected: the element (``/Document/.../CtrlSum``) and the fault (mockbank's own detail)."""

    element: str
    message: str


@dataclass(frozen=True)
class BatchReceipt:
    """``POST /v1/payments/batch``: ``RECEIVED`` (with ``id``, SHA-256 ``hash`` and ``authorization_url``, where the
    holder signs it) or ``REJECTED`` (with ``problems``, when the bank says why)."""

    status: str
    id: str | None = None
    hash: str | None = None
    authorization_url: str | None = None
    problems: tuple[BatchProblem, ...] = ()
    raw: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def received(self) -> bool:
        """Whether the file waits in the holder's task list."""
        return self.status == "RECEIVED"

    @classmethod
    def from_json(cls, data: dict) -> BatchReceipt:
        """Parse ``{"sepaBatchPaymentInstruction": {...}}``."""
        inner = data.get("sepaBatchPaymentInstruction") or {}
        return cls(
            status=inner.get("status", ""),
            id=inner.get("id"),
            hash=inner.get("hash"),
            authorization_url=inner.get("authorizationUrl"),
            problems=tuple(BatchProblem(p.get("element", ""), p.get("message", "")) for p in inner.get("errors") or ()),
            raw=data,
        )
