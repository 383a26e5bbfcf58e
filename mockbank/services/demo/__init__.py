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

__all__ = ["SANDBOX_API_KEY", "SANDBOX_CLIENT_ID", "build_demo_world", "create_magic_users"]


def build_demo_world(backend, seed: int) -> dict:
    """Build the world of ``seed`` through the ledger verbs and return its summary."""
    summary = DemoWorld(backend, seed).build()
    summary["magicUsers"] = create_magic_users(backend)
    return summary
