"""Strict JSON for request bodies of both servers: what cannot be stored or answered is refused up front.

Flask turns the ``ValueError`` of ``loads`` into a 400, which each app answers in its own envelope.
"""

from __future__ import annotations

import json

from flask.json.provider import DefaultJSONProvider

# Databases store 64-bit integers; a larger one would fail only when it is written.
LARGEST_INTEGER = 2**63 - 1
MAX_DEPTH = 64


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def problem_in(value) -> str | None:
    """Why a decoded JSON value cannot be accepted (lone surrogates, NUL, huge integers, deep nesting), or None."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if depth > MAX_DEPTH:
            return f"the JSON is nested more than {MAX_DEPTH} levels deep"
        if isinstance(item, str):
            if "\x00" in item:
                return "a string holds a NUL character"
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return "a string holds a lone surrogate (not valid Unicode)"
        elif isinstance(item, bool):
            continue
        elif isinstance(item, int):
            if abs(item) > LARGEST_INTEGER:
                return f"the integer {str(item)[:20]}... is larger than 2^63 - 1"
        elif isinstance(item, dict):
            pending.extend((key, depth + 1) for key in item)
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
    return None


class StrictJSONProvider(DefaultJSONProvider):
    """Flask's JSON, but ``loads`` refuses NaN and Infinity, lone surrogates, NUL, integers beyond 64 bits and
    nesting deeper than ``MAX_DEPTH`` with a ``ValueError`` that says which."""

    def loads(self, s: str | bytes, **kwargs):
        """Decode a request body, or ``ValueError`` saying why it cannot be accepted."""
        return strict_loads(s, **kwargs)


def strict_loads(s: str | bytes, **kwargs):
    """JSON text decoded as ``StrictJSONProvider`` does: ``ValueError`` for anything that cannot be accepted."""
    kwargs.setdefault("parse_constant", _refuse_constant)
    try:
        value = json.loads(s, **kwargs)
    except RecursionError:
        raise ValueError(f"the JSON is nested more than {MAX_DEPTH} levels deep") from None
    except UnicodeDecodeError as exc:
        raise ValueError(f"the body is not UTF-8: {exc.reason}") from None
    problem = problem_in(value)
    if problem:
        raise ValueError(problem)
    return value
