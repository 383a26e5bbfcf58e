"""mockbank: a local, scriptable ABN AMRO for integration tests."""

from mockbank.app import create_app

__all__ = ["create_app"]
