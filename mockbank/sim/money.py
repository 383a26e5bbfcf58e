"""Money as integer cents inside, Decimal at the edges; never a float."""

from __future__ import annotations

from decimal import Decimal
from decimal import InvalidOperation

CENT = Decimal("0.01")
# The largest amount of one booking, transfer or limit: € 999.999.999.999,99. Balances stay far inside 64 bits.
MAX_AMOUNT_CENTS = 10**14 - 1


def to_cents(value: Decimal | str | int) -> int:
    """Exact cents of an amount given as Decimal, string or int; floats, sub-cent amounts and amounts past
    ``MAX_AMOUNT_CENTS`` are refused."""
    if isinstance(value, float) or isinstance(value, bool):
        raise ValueError("money is never a float; pass a string or Decimal")
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {str(value)[:40]!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {str(value)[:40]!r}")
    # Compared without arithmetic, which would overflow on "1e999999999"; no database could hold it anyway.
    if amount.copy_abs() > from_cents(MAX_AMOUNT_CENTS):
        raise ValueError(f"amount {str(value)[:30]} is outside ±{from_cents(MAX_AMOUNT_CENTS)}")
    if amount and _decimals(amount) > 2:
        raise ValueError(f"amount has more than two decimals: {str(value)[:40]!r}")
    return int(amount * 100)


def _decimals(amount: Decimal) -> int:
    """How many decimals ``amount`` really has (trailing zeros do not count), without rounding it."""
    _sign, digits, exponent = amount.as_tuple()
    trailing = len(digits) - len("".join(map(str, digits)).rstrip("0"))
    return max(0, -(exponent + trailing))


def from_cents(cents: int) -> Decimal:
    """The Decimal amount of ``cents``, with two decimals."""
    return (Decimal(cents) / 100).quantize(CENT)
