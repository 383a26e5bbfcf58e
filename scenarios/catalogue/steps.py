"""Reusable steps of the onboarding (the seed's conditions and steps 1-8), each over a ``ScenarioContext``.

Each step records itself on the timeline, checks its outcome with ``ctx.expect`` and keeps what later
steps need on the context: ``ctx.company`` (the business at the bank), ``ctx.administration`` (its
eAccounting administration), ``ctx.serial_number``, ``ctx.wizard_person`` (who goes through the portal's
wizard, in their own browser: ``ctx.wizard(ctx.wizard_person)``). Everything goes over HTTP through
``client_sdk``; Faker data come from ``ctx.fake``.

The steps live by job (every one is importable from here): ``roles`` (who acts, ``think``), ``company``
(the company at the bank and KvK, its administration), ``connection`` (eAccounting's "Schakel
bankkoppeling in" and the serial number), ``wizard`` (the portal's wizard), ``bank_login`` (ABN AMRO's
"Boekhoudkoppeling aanvragen"). This module strings them together: :func:`onboard_up_to_consent`.
"""

from __future__ import annotations

from scenarios.catalogue.bank_login import bank_login_refused
from scenarios.catalogue.bank_login import log_in_with_app
from scenarios.catalogue.bank_login import register_at_bank
from scenarios.catalogue.company import KVK_ERROR_NUMBERS
from scenarios.catalogue.company import Administration
from scenarios.catalogue.company import Company
from scenarios.catalogue.company import create_administration
from scenarios.catalogue.company import draw_kvk_number
from scenarios.catalogue.company import kvk_search_fails
from scenarios.catalogue.company import kvk_typo
from scenarios.catalogue.company import open_company_at_bank
from scenarios.catalogue.company import register_company_at_kvk
from scenarios.catalogue.company import remember_administration
from scenarios.catalogue.connection import enable_bank_connection
from scenarios.catalogue.connection import enable_bank_connection_in_browser
from scenarios.catalogue.connection import try_enable_bank_connection
from scenarios.catalogue.roles import ACCOUNT_MANAGER
from scenarios.catalogue.roles import ACCOUNT_WORDS
from scenarios.catalogue.roles import BANK
from scenarios.catalogue.roles import CLIENT
from scenarios.catalogue.roles import CONSENTED
from scenarios.catalogue.roles import FIRM
from scenarios.catalogue.roles import KVK
from scenarios.catalogue.roles import LOGIN_WORDS
from scenarios.catalogue.roles import PHONE
from scenarios.catalogue.roles import PORTAL
from scenarios.catalogue.roles import SOFTWARE
from scenarios.catalogue.roles import USER
from scenarios.catalogue.roles import think
from scenarios.catalogue.wizard import expect_registration
from scenarios.catalogue.wizard import fill_contact
from scenarios.catalogue.wizard import fill_details
from scenarios.catalogue.wizard import finish_wizard
from scenarios.catalogue.wizard import person
from scenarios.catalogue.wizard import start_wizard
from scenarios.catalogue.wizard import walk_wizard
from scenarios.catalogue.wizard import wizard_refuses_details


def onboard_up_to_consent(ctx, *, login: str = "edentifier", accounts: tuple[str, ...] = ("current",)) -> None:
    """The company at the bank and in the KvK register, its administration, the serial, the wizard, the bank's
    registration and Klaar: every account in ``accounts`` ends ``consented``."""
    open_company_at_bank(ctx, savings="savings" in accounts, login_means=(login,))
    register_company_at_kvk(ctx)
    create_administration(ctx, savings="savings" in accounts)
    for account in accounts:
        enable_bank_connection(ctx, account)
    walk_wizard(ctx)
    register_at_bank(ctx, login=login, accounts=accounts)
    finish_wizard(ctx)


__all__ = [
    "ACCOUNT_MANAGER",
    "ACCOUNT_WORDS",
    "BANK",
    "CLIENT",
    "CONSENTED",
    "FIRM",
    "KVK",
    "KVK_ERROR_NUMBERS",
    "LOGIN_WORDS",
    "PHONE",
    "PORTAL",
    "SOFTWARE",
    "USER",
    "bank_login_refused",
    "create_administration",
    "draw_kvk_number",
    "enable_bank_connection",
    "enable_bank_connection_in_browser",
    "expect_registration",
    "fill_contact",
    "fill_details",
    "finish_wizard",
    "kvk_search_fails",
    "kvk_typo",
    "log_in_with_app",
    "onboard_up_to_consent",
    "open_company_at_bank",
    "person",
    "register_at_bank",
    "register_company_at_kvk",
    "remember_administration",
    "start_wizard",
    "think",
    "try_enable_bank_connection",
    "walk_wizard",
    "wizard_refuses_details",
    "Administration",
    "Company",
]
