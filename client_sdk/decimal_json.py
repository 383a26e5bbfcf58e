"""JSON with ``Decimal`` amounts written as exact JSON numbers (``149.99``), never through a float.

The standard library cannot write a Decimal without turning it into a float first; each one goes in as a
unique placeholder string and its digits replace that placeholder afterwards.
"""

from __future__ import annotations

import json
from decimal import Decimal


def dumps(payload) -> str:
    """``payload`` as JSON text, its ``Decimal`` values as numbers with their exact digits; a float is refused."""
    numbers: list[str] = []

    def mark(value):
        if isinstance(value, float):
            raise TypeError("pass money as Decimal or str, not float")
        if isinstance(value, Decimal):
            if not value.is_finite():
                raise ValueError(f"not a JSON number: {value!r}")
            numbers.append(format(value, "f"))
            return f"\x00{len(numbers) - 1}\x00"
        if isinstance(value, dict):
            return {key: mark(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [mark(item) for item in value]
        return value

    text = json.dumps(mark(payload))
    for index, digits in enumerate(numbers):
        text = text.replace(json.dumps(f"\x00{index}\x00"), digits, 1)
    return text
