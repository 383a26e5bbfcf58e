"""The field rules of the wizard's forms with their Dutch copy: one copy, used by the WTForms validators of
``consent_server.forms`` and by the registration service when it is called without a form.

Each rule takes the field's text (and what it depends on) and returns the problem in Dutch, or None.
Rules that need the database or the KvK register (unknown serial, KvK number of another company)
stay in ``Registrations``.
"""

from __future__ import annotations

import re

from email_validator import EmailNotValidError
from email_validator import validate_email

PRODUCTS = {"eaccounting": "Visma eAccounting"}
BANKS = {"abnamro": "ABN AMRO"}
PRODUCT_BANKS = {"eaccounting": ("abnamro",)}
SERIAL_PATTERN = re.compile(r"^[0-9]{7}$")
MAX_NAME = 200

TERMS_SERVICE = "Ga akkoord met de Servicevoorwaarden van Visma Software."
TERMS_PRIVACY = "Ga akkoord met het Privacybeleid van Visma Software."


def kvk_number_problem(value: str | None) -> str | None:
    return None if (value or "").strip() else "Vul het KvK-nummer in."


def product_problem(value: str | None) -> str | None:
    if not value:
        return "Kies het te koppelen product."
    return None if value in PRODUCTS else "Kies een product uit de lijst."


def bank_problem(value: str | None, product: str | None) -> str | None:
    if not product or product not in PRODUCTS:
        return "Kies eerst het te koppelen product."
    if not value:
        return "Kies je bank."
    return None if value in PRODUCT_BANKS[product] else f"Deze bank is niet beschikbaar voor {PRODUCTS[product]}."


def serial_problem(value: str | None) -> str | None:
    number = (value or "").strip()
    if not number:
        return "Vul het licentienummer of de aanmeldcode in."
    return None if SERIAL_PATTERN.match(number) else "Een licentienummer bestaat uit 7 cijfers."


def normal_name(value: str | None) -> str:
    """A name with its whitespace collapsed."""
    return " ".join((value or "").split())


def name_problem(value: str | None) -> str | None:
    name = normal_name(value)
    if not name:
        return "Vul je voor- en achternaam in."
    if len(name.split(" ")) < 2:
        return "Vul zowel je voornaam als je achternaam in."
    return "Een naam is hoogstens 200 tekens lang." if len(name) > MAX_NAME else None


def normal_email(value: str | None) -> str | None:
    """The address in its normalized form, or None when it is not one."""
    try:
        return validate_email((value or "").strip(), check_deliverability=False).normalized
    except EmailNotValidError:
        return None


def email_problem(value: str | None) -> str | None:
    if not (value or "").strip():
        return "Vul je e-mailadres in."
    return None if normal_email(value) else "Vul een geldig e-mailadres in, bijvoorbeeld naam@bedrijf.nl."


def details_problems(
    *, kvk_number: str, product: str, bank: str, serial: str, terms_service: bool, terms_privacy: bool
) -> dict[str, str]:
    """Every field rule of the Gegevens step, by field name."""
    found = {
        "kvk_number": kvk_number_problem(kvk_number),
        "product": product_problem(product),
        "bank": bank_problem(bank, product),
        "terms_service": None if terms_service else TERMS_SERVICE,
        "terms_privacy": None if terms_privacy else TERMS_PRIVACY,
        "serial": serial_problem(serial),
    }
    return {name: problem for name, problem in found.items() if problem}


def contact_problems(*, name: str, email: str) -> dict[str, str]:
    """Every field rule of the Koppeling step, by field name."""
    found = {"name": name_problem(name), "email": email_problem(email)}
    return {field: problem for field, problem in found.items() if problem}
