"""The portal's small KvK register and the one module that knows KvK Zoeken v2's wire shapes.

It knows KvK's public test numbers (eaccounting-side.md §4), the companies the sandbox or the
world add, and answers KvK's ``{"fout":[...]}`` errors for everything else. The company names of
the test numbers other than 68750110 are our own fixture names: KvK's test data is fictitious and
its names are not published in a source we could cite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select

from consent_server import models
from mockbank.sim.db import Database

KVK_NUMBER = re.compile(r"^[0-9]{8}$")
KVK_BASE = "https://api.kvk.nl"

# KvK's published test numbers with their legal forms.
TEST_COMPANIES = (
    ("69599084", "Test EMZ Dagobert", "Eenmanszaak", "Hizzaarderlaan", "3", "8862RK", "Lollum"),
    ("68727720", "Test NV Katrien", "NV", "Abebe Bikilalaan", "17", "1062RH", "Amsterdam"),
    ("68750110", "Test BV Donald", "BV", "Hizzaarderlaan", "3", "8862RK", "Lollum"),
    ("90001354", "Test BV Willem", "BV", "Stationsplein", "1", "3511ED", "Utrecht"),
    ("69599068", "Test Stichting Bolderbast", "Stichting", "Kerkstraat", "12", "8861AB", "Harlingen"),
    ("69599076", "Test VOF Guus en Tijn", "VoF", "Voorstraat", "88", "8861BL", "Harlingen"),
    ("55344526", "Test Coöperatie Dorpsbelang", "Coöperatie", "Dorpsweg", "5", "9123AA", "Metslawier"),
)

# Test numbers KvK keeps for error cases: the register answers them with a technical fault.
ERROR_CASES = {
    "90004973": (500, "IPD9999", "Er is een onverwachte fout opgetreden. Probeer het later opnieuw."),
    "90002903": (503, "IPD9998", "De dienst is tijdelijk niet beschikbaar. Probeer het later opnieuw."),
}
NOT_FOUND = ("IPD5200", "Er zijn geen resultaten gevonden op basis van de ingevoerde zoekcriteria.")
INVALID_NUMBER = ("IPD1002", "Het opgegeven KvK-nummer is niet valide. Een KvK-nummer bestaat uit 8 cijfers.")


class KvkError(Exception):
    """A KvK answer other than a hit: HTTP status plus KvK's ``fout`` code and text."""

    def __init__(self, status: int, code: str, description: str):
        self.status = status
        self.code = code
        self.description = description
        super().__init__(f"{code}: {description}")


@dataclass(frozen=True)
class Company:
    """A register entry."""

    kvk_number: str
    name: str
    kind: str
    address: dict
    rsin: str | None


class KvkRegister:
    """Look-ups and additions of the portal's KvK register."""

    def __init__(self, *, db: Database):
        self.db = db

    def load_defaults(self) -> None:
        """Put KvK's public test numbers in the register (after a reset)."""
        with self.db.transaction() as session:
            for number, name, _form, street, house, postcode, city in TEST_COMPANIES:
                if session.scalar(select(models.KvkCompany.id).where(models.KvkCompany.kvk_number == number)):
                    continue
                session.add(
                    models.KvkCompany(
                        kvk_number=number,
                        name=name,
                        kind="hoofdvestiging",
                        address=_address(street, house, postcode, city),
                        source="kvk-test",
                    )
                )

    def add(
        self,
        *,
        kvk_number: str,
        name: str,
        street: str = "",
        house_number: str = "",
        postcode: str = "",
        city: str = "",
        rsin: str | None = None,
        source: str = "sandbox",
    ) -> Company:
        """Register a company (or replace the entry of its number)."""
        check_number(kvk_number)
        if kvk_number in ERROR_CASES:
            raise ValueError(f"{kvk_number} is one of KvK's error-case test numbers")
        if not name or not name.strip():
            raise ValueError("a company needs a name")
        if rsin is not None and not re.fullmatch(r"[0-9]{9}", rsin):
            raise ValueError("an RSIN has 9 digits")
        with self.db.transaction() as session:
            row = session.scalar(select(models.KvkCompany).where(models.KvkCompany.kvk_number == kvk_number))
            if row is None:
                row = models.KvkCompany(kvk_number=kvk_number)
                session.add(row)
            row.name = name.strip()
            row.kind = "hoofdvestiging"
            row.address = _address(street, house_number, postcode, city)
            row.rsin = rsin
            row.source = source
            session.flush()
            return _company(row)

    def lookup(self, kvk_number: str) -> Company:
        """The company with this number, or ``KvkError`` exactly as the register would answer."""
        check_number(kvk_number)
        if kvk_number in ERROR_CASES:
            raise KvkError(*ERROR_CASES[kvk_number])
        with self.db.reading() as session:
            row = session.scalar(select(models.KvkCompany).where(models.KvkCompany.kvk_number == kvk_number))
            if row is None:
                raise KvkError(404, *NOT_FOUND)
            return _company(row)

    def companies(self) -> list[Company]:
        """Every entry, by number."""
        with self.db.reading() as session:
            return [
                _company(r) for r in session.scalars(select(models.KvkCompany).order_by(models.KvkCompany.kvk_number))
            ]


def check_number(kvk_number: str) -> None:
    """``KvkError`` (400) unless the number is 8 digits."""
    if not isinstance(kvk_number, str) or not KVK_NUMBER.match(kvk_number):
        raise KvkError(400, *INVALID_NUMBER)


def _address(street: str, house: str, postcode: str, city: str) -> dict:
    return {"straatnaam": street, "huisnummer": house, "postcode": postcode, "plaats": city}


def _company(row: models.KvkCompany) -> Company:
    return Company(row.kvk_number, row.name, row.kind, dict(row.address or {}), row.rsin)


# --- KvK Zoeken v2 wire shapes ------------------------------------------------------------------


def result_item(company: Company) -> dict:
    """One ``ResultaatItem`` of KvK Zoeken v2."""
    address = company.address
    item = {
        "kvkNummer": company.kvk_number,
        "naam": company.name,
        "adres": {
            "binnenlandsAdres": {
                "type": "bezoekadres",
                "straatnaam": address.get("straatnaam", ""),
                "huisnummer": int(address["huisnummer"]) if str(address.get("huisnummer", "")).isdigit() else None,
                "postcode": address.get("postcode", ""),
                "plaats": address.get("plaats", ""),
            }
        },
        "type": company.kind,
        "actief": "Ja",
        "_links": {"basisprofiel": {"href": f"{KVK_BASE}/api/v1/basisprofielen/{company.kvk_number}"}},
    }
    if company.rsin:
        item["rsin"] = company.rsin
    return item


def search_result(companies: list[Company], *, page: int, per_page: int, query: str) -> dict:
    """A ``Resultaat`` page of KvK Zoeken v2."""
    start = (page - 1) * per_page
    chosen = companies[start : start + per_page]
    body = {
        "pagina": page,
        "resultatenPerPagina": per_page,
        "totaal": len(companies),
        "resultaten": [result_item(c) for c in chosen],
        "_links": {"self": {"href": f"{KVK_BASE}/api/v2/zoeken?{query}"}},
    }
    if start + per_page < len(companies):
        body["volgende"] = f"{KVK_BASE}/api/v2/zoeken?{query}&pagina={page + 1}"
    if page > 1:
        body["vorige"] = f"{KVK_BASE}/api/v2/zoeken?{query}&pagina={page - 1}"
    return body


def fout(error: KvkError) -> dict:
    """KvK's error envelope."""
    return {"fout": [{"code": error.code, "omschrijving": error.description}]}
