"""Money as integer cents inside, Decimal at the edges; never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN
from decimal import Decimal
from decimal import InvalidOperation

CENT = Decimal("0.01")


def to_cents(value: Decimal | str | int) -> int:
    """Exact cents of an amount given as Decimal, string or int; floats and sub-cent amounts are refused."""
    if isinstance(value, float) or isinstance(value, bool):
        raise ValueError("money is never a float; pass a string or Decimal")
    try:
        amount = Decimal(str(value)) if not isinstance(value, Decimal) else value
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {value!r}") from exc
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    if amount != amount.quantize(CENT, rounding=ROUND_HALF_EVEN):
        raise ValueError(f"amount has more than two decimals: {value!r}")
    return int(amount * 100)


def from_cents(cents: int) -> Decimal:
    """The Decimal amount of ``cents``, with two decimals."""
    return (Decimal(cents) / 100).quantize(CENT)
