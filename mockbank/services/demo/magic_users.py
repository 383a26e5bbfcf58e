"""The sandbox's magic users: customers whose login always approves, cancels, is blocked, has no account, or waits."""

from __future__ import annotations

from sqlalchemy import select

from mockbank import models
from mockbank.services.authflow import ALWAYS_APPROVE
from mockbank.services.authflow import ALWAYS_CANCEL
from mockbank.services.authflow import BLOCKED
from mockbank.services.authflow import NO_ACCOUNTS
from mockbank.services.authflow import SLOW_APP
from mockbank.services.ledger_rules import is_eligible
from mockbank.shapes import user_json

MAGIC_USERS = (
    (ALWAYS_APPROVE, "Test Altijd Akkoord", "approves every consent with the first eligible account, no screen"),
    (ALWAYS_CANCEL, "Test Altijd Annuleren", "cancels every consent (error=server_error)"),
    (BLOCKED, "Test Geblokkeerd", "every login means is blocked until the sandbox unblocks it"),
    (NO_ACCOUNTS, "Test Zonder Rekening", "has no account that can be linked (error=access_denied)"),
    (SLOW_APP, "Test Trage App", "the app confirms the login by itself after SLOW_APP_SECONDS (30) simulated seconds"),
)


def create_magic_users(backend) -> list[dict]:
    """Create the sandbox's magic users (one customer each) and describe them for the seed summary."""
    bank = backend.bank
    made = []
    for behaviour, name, description in MAGIC_USERS:
        customer = bank.create_customer(kind=models.RETAIL, name=name)
        if behaviour == NO_ACCOUNTS:
            account = bank.open_account(customer_id=customer.id, product=models.SAVINGS, has_own_iban=False)
        else:
            account = bank.open_account(customer_id=customer.id, product=models.CURRENT)
        user = bank.create_user(
            customer_id=customer.id,
            name=name,
            behaviour=behaviour,
            login_means=(models.EDENTIFIER, models.MOBILE_APP),
        )
        if behaviour == BLOCKED:
            with backend.db.transaction() as session:
                for means in session.scalars(select(models.LoginMeans).where(models.LoginMeans.user_id == user.id)):
                    means.blocked_at = backend.clock.now()
        user = bank.user(user.id)
        made.append(
            {
                "behaviour": behaviour,
                "description": description,
                "customerId": customer.id,
                "iban": account.iban,
                "eligible": is_eligible(account),
                "user": user_json(user),
            }
        )
    return made
