"""The request's bank: the one accessor views use, apart from the app factory (no view imports ``app.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import current_app

if TYPE_CHECKING:
    from mockbank.backend import BankBackend

EXTENSION = "mockbank"


def backend() -> BankBackend:
    """The backend of the app handling the current request."""
    return current_app.extensions[EXTENSION]
