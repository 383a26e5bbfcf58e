"""The ledger's rules, used by every service: IBANs, amounts in cents, description lines, mutation codes, parties."""

from __future__ import annotations

from dataclasses import dataclass

from schwifty import IBAN

from mockbank import errors
from mockbank import models
from mockbank.sim.money import MAX_AMOUNT_CENTS
from mockbank.sim.money import from_cents

DESCRIPTION_LINE_LENGTH = 32
DESCRIPTION_LINE_COUNT = 9
HISTORY_MONTHS = 18
# A balance stays within € 10^15 either way: every sum of bookings then fits the databases' 64-bit integers.
MAX_BALANCE_CENTS = 10**17

# mutationCode values seen in captured ABN AMRO responses (meanings inferred from their lines).
MUTATION_CARD = "426"
MUTATION_SEPA_INCASSO = "247"
MUTATION_SEPA_TRANSFER_IN = "654"
MUTATION_SEPA_TRANSFER_OUT = "658"
MUTATION_IDEAL = "944"
MUTATION_INTEREST = "593"


def wrap_lines(*parts: str) -> list[str]:
    """Description lines as ABN AMRO sends them: at most 9 lines of at most 32 characters."""
    lines: list[str] = []
    for part in parts:
        text = part.strip()
        while text:
            lines.append(text[:DESCRIPTION_LINE_LENGTH].rstrip())
            text = text[DESCRIPTION_LINE_LENGTH:].strip()
    return lines[:DESCRIPTION_LINE_COUNT]


def sepa_transfer_lines(iban: str, name: str, description: str = "", reference: str = "") -> list[str]:
    """The description lines of a SEPA credit transfer, as ``Bank.transfer`` writes them: the other side's IBAN,
    BIC and name, then Omschrijving and Kenmerk when given."""
    return [
        "SEPA Overboeking",
        f"IBAN: {iban}",
        f"BIC: {IBAN(iban).bic or ''}".strip(),
        f"Naam: {name}",
        *([f"Omschrijving: {description}"] if description else []),
        *([f"Kenmerk: {reference}"] if reference else []),
    ]


def normalize_iban(value: str) -> str:
    """The IBAN without spaces, upper case."""
    return "".join(value.split()).upper()


def validate_iban(value: str) -> str:
    """The normalized IBAN, or ``InvalidIban`` when it has a wrong shape or checksum."""
    text = normalize_iban(value)
    if not text.isalnum():
        raise errors.InvalidIban()
    try:
        IBAN(text)
    except ValueError as exc:
        raise errors.InvalidIban() from exc
    return text


def checked_cents(amount_cents) -> int:
    """``amount_cents`` when it is a plain int within ``MAX_AMOUNT_CENTS``; never a float, Decimal or bool."""
    if isinstance(amount_cents, bool) or not isinstance(amount_cents, int):
        raise errors.SandboxError(f"amounts are integer cents, not {type(amount_cents).__name__}")
    if abs(amount_cents) > MAX_AMOUNT_CENTS:
        raise errors.SandboxError(f"an amount is at most {from_cents(MAX_AMOUNT_CENTS)}")
    return amount_cents


def checked_balance(balance_cents: int) -> int:
    """A balance a booking would leave, refused past ``MAX_BALANCE_CENTS`` (nothing is booked then)."""
    if abs(balance_cents) > MAX_BALANCE_CENTS:
        raise errors.SandboxError(f"a balance is at most {from_cents(MAX_BALANCE_CENTS)} either way")
    return balance_cents


@dataclass(frozen=True)
class Party:
    """The other side of a booking, for lines and counterparty fields."""

    iban: str = ""
    name: str = ""
    bic: str = ""


NOBODY = Party()  # card payments, interest and deposits have no counterparty


@dataclass(frozen=True)
class Leg:
    """One side of a movement of money: the account at this bank, the signed amount, its mutation code and lines.

    ``transaction_id`` None draws a fresh one; ``""`` is what ABN AMRO sends for card payments.
    """

    iban: str
    amount_cents: int
    mutation_code: str
    description_lines: tuple[str, ...] | list[str]
    counterparty: Party = NOBODY
    transaction_id: str | None = None


def is_eligible(account: models.Account) -> bool:
    """Whether an account can be linked: a current account, or a savings account with its own IBAN."""
    return account.product == models.CURRENT or (account.product == models.SAVINGS and account.has_own_iban)
