"""Typed settings: one frozen dataclass per app holds every default; config keys and environment are checked by type.

Fields are lower case (``consent_days``); the Flask config and environment use the upper-case name
(``CONSENT_DAYS``, ``MOCKBANK_CONSENT_DAYS``). A value of the wrong type is refused at start, naming its key.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import operator
import types
import typing
from collections.abc import Mapping
from decimal import Decimal
from decimal import InvalidOperation
from typing import Any
from typing import TypeVar

T = TypeVar("T")


class SettingsError(ValueError):
    """A setting of the wrong type or an unknown name."""


def _unwrap(hint) -> tuple[Any, bool]:
    """The settings type behind ``X | None`` and whether None is allowed."""
    args = typing.get_args(hint)
    if typing.get_origin(hint) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return (rest[0] if len(rest) == 1 else functools.reduce(operator.or_, rest)), True
    return hint, False


def _check(key: str, value, hint):
    kind, nullable = _unwrap(hint)
    if value is None:
        if nullable:
            return None
        raise SettingsError(f"setting {key} must not be empty")
    origin = typing.get_origin(kind) or kind
    if origin is typing.Union or origin is types.UnionType:
        for option in typing.get_args(kind):
            try:
                return _check(key, value, option)
            except SettingsError:
                continue
        raise SettingsError(f"setting {key}: {value!r} is none of {kind}")
    if origin is bool:
        if isinstance(value, bool):
            return value
    elif origin is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
    elif origin is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
    elif origin is Decimal:
        if isinstance(value, Decimal | str | int) and not isinstance(value, bool):
            try:
                return Decimal(str(value))
            except InvalidOperation:
                pass
    elif origin is dict:
        if isinstance(value, Mapping):
            key_type, value_type = typing.get_args(kind) or (Any, Any)
            return {_coerce(key, k, key_type): _coerce(key, v, value_type) for k, v in value.items()}
    elif origin is Any or isinstance(value, origin):
        return value
    raise SettingsError(f"setting {key} must be {getattr(origin, '__name__', origin)}, not {type(value).__name__}")


def _coerce(key: str, value, kind):
    """A mapping's key or value: JSON objects have string keys, so ``"1"`` is read as the int ``1`` when asked."""
    if kind is int and isinstance(value, str) and value.lstrip("-").isdigit():
        return int(value)
    return _check(key, value, kind) if kind is not Any else value


def _from_text(key: str, text: str, hint):
    """An environment variable's text read as the field's type (JSON for mappings and lists)."""
    kind, nullable = _unwrap(hint)
    origin = typing.get_origin(kind) or kind
    if nullable and text == "":
        return None
    if origin is bool:
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise SettingsError(f"{key}={text!r} is not a boolean (use true or false)")
    if origin in (int, float):
        try:
            return origin(text)
        except ValueError:
            raise SettingsError(f"{key}={text!r} is not {'an integer' if origin is int else 'a number'}") from None
    if origin in (dict, list):
        try:
            return _check(key, json.loads(text), kind)
        except json.JSONDecodeError:
            raise SettingsError(f"{key}={text!r} is not JSON") from None
    if origin is typing.Union or origin is types.UnionType:
        for option in typing.get_args(kind):
            try:
                return _from_text(key, text, option)
            except SettingsError:
                continue
        raise SettingsError(f"{key}={text!r} is none of {kind}")
    return _check(key, text, kind)


def hints(cls: type) -> dict[str, Any]:
    """Field name to type of a settings dataclass."""
    resolved = typing.get_type_hints(cls)
    return {field.name: resolved[field.name] for field in dataclasses.fields(cls)}


def load(cls: type[T], config: Mapping[str, Any] | None = None, *, strict: bool = False) -> T:
    """The settings of ``cls`` with ``config``'s upper-case keys over its defaults, each checked by type.

    Keys that are not settings of ``cls`` are left for others (Flask's own) unless ``strict``.
    """
    values = {}
    fields = hints(cls)
    for key, value in (config or {}).items():
        name = key.lower()
        if name in fields:
            values[name] = _check(key, value, fields[name])
        elif strict:
            raise SettingsError(f"unknown setting {key}")
    return cls(**values)


def from_environ(cls: type, environ: Mapping[str, str], prefix: str) -> dict[str, Any]:
    """Config keys from ``PREFIX_NAME`` variables, each read as its field's type; other names are kept as text."""
    fields = hints(cls)
    config: dict[str, Any] = {}
    for variable, text in environ.items():
        if not variable.startswith(prefix):
            continue
        key = variable[len(prefix) :]
        name = key.lower()
        config[key] = _from_text(variable, text, fields[name]) if name in fields else text
    return config


def as_config(settings) -> dict[str, Any]:
    """The Flask config keys of a settings object (upper-case names)."""
    return {field.name.upper(): getattr(settings, field.name) for field in dataclasses.fields(settings)}
