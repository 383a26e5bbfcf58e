"""The demo world of one seed: Dutch businesses and households with 18 months of bank history, and magic users.

``BankBackend.seed`` calls ``build_demo_world`` right after a reset. Names come from Faker
(``nl_NL``, seeded per instance), bank numbers from the app's seeded ``Ids``, and every moment
from the simulated clock, so one seed always gives the same world, byte for byte.
"""

from __future__ import annotations

from mockbank.services.demo.catalogue import SANDBOX_API_KEY
from mockbank.services.demo.catalogue import SANDBOX_CLIENT_ID
from mockbank.services.demo.magic_users import create_magic_users
from mockbank.services.demo.world import DemoWorld

__all__ = ["SANDBOX_API_KEY", "SANDBOX_CLIENT_ID", "build_demo_world", "create_magic_users", "demo_contract_ibans"]


def build_demo_world(backend, seed: int) -> dict:
    """Build the world of ``seed`` through the ledger verbs and return its summary."""
    summary = DemoWorld(backend, seed).build()
    summary["magicUsers"] = create_magic_users(backend)
    return summary


def demo_contract_ibans(summary: dict) -> list[str]:
    """The accounts of the demo world that hold a direct-debit contract: the current account of every business
    but the last (whose owner then shows what a batch without a contract gets)."""
    businesses = [c for c in summary["customers"] if c["kind"] == "business"]
    currents = {a["iban"] for a in summary["accounts"] if a["product"] == "current"}
    return [next(iban for iban in c["accounts"] if iban in currents) for c in businesses[:-1]]
