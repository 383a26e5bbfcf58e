"""How the portal is set up at the bank: its OAuth registration and the companies its KvK register knows.

One rule for both: the ``World`` applies it when it is built or reset, the scenario runner applies it
over the sandbox APIs (either front door) when it brings a world to the known state of a seed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from client_sdk.errors import InvalidRequestError

if TYPE_CHECKING:
    # Annotations only: the portal's SDK brings the headless browser, which a served world never needs.
    from client_sdk.portal import PortalSandbox
    from client_sdk.sandbox import BankSandbox

# The portal's registration at the bank (Visma as an ABN AMRO third party).
PORTAL_CLIENT_ID = "TPP_visma_eaccounting"
PORTAL_CLIENT_NAME = "Visma eAccounting"


def kvk_companies(customers: list[dict]) -> list[tuple[str, str]]:
    """(KvK number, name) of the bank's business customers (sandbox JSON): what the KvK register should know."""
    return [
        (c["kvkNumber"], c.get("tradeName") or c["name"])
        for c in customers
        if c["kind"] == "business" and c.get("kvkNumber")
    ]


def connect_portal(bank: BankSandbox, portal: PortalSandbox) -> dict:
    """Register the portal at the bank again (a re-seed forgets every client) and hand it the credentials."""
    wanted = portal.bank_client()
    client_id = wanted.get("clientId") or PORTAL_CLIENT_ID
    registered = next((c for c in bank.clients() if c["clientId"] == client_id), None)
    if registered is None:
        registered = bank.register_client(
            name=PORTAL_CLIENT_NAME,
            redirect_uris=[wanted["redirectUri"]],
            client_id=client_id,
            software_name=PORTAL_CLIENT_NAME,
            callback_url=wanted["callbackUrl"],
        )
    portal.configure_bank_client(
        client_id=registered["clientId"],
        api_key=registered["apiKey"],
        client_secret=registered["clientSecret"],
        callback_secret=registered["callbackSecret"],
    )
    return registered


def register_companies(portal: PortalSandbox, customers: list[dict]) -> int:
    """Put the bank's business customers in the portal's KvK register, as a new ``World`` does; returns how many."""
    added = 0
    for kvk_number, name in kvk_companies(customers):
        try:
            portal.add_kvk_company(kvk_number=kvk_number, name=name)
        except InvalidRequestError:
            # One of KvK's error-case test numbers keeps its test behaviour, as in the World.
            continue
        added += 1
    return added
