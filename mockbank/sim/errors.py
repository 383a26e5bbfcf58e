"""The kernel's errors; each server answers them in its own envelope."""

from __future__ import annotations


class ClockError(ValueError):
    """An impossible clock operation, such as moving backwards."""


class InvalidInput(ValueError):
    """A sandbox request the kernel's parsers refuse; each app answers it as its own sandbox error."""


class OutdatedDatabase(RuntimeError):
    """A database whose tables are older than this code (mockbank has no migrations)."""
