"""Visma's side of the bank connection: eAccounting's bank-account settings and the bank-connection portal."""

from consent_server.app import create_app

__all__ = ["create_app"]
