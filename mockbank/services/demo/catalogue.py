"""What the demo world is made of: trades, collectors, shops, and the people and businesses of one build."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from dataclasses import field

from schwifty.checksum import ISO7064_mod97_10

from mockbank import models
from mockbank.services.ledger_rules import Party
from mockbank.settings import DEFAULT_SANDBOX_API_KEY

BUSINESS_COUNT = 4
RETAIL_COUNT = 2

# The standard third party of ABN AMRO's sandbox. Its API-Key is the same in every world,
# so a tester can keep it in a script (``SANDBOX_API_KEY`` in the config overrides it).
SANDBOX_CLIENT_ID = "TPP_test"
SANDBOX_CLIENT_NAME = "TPP Test"
SANDBOX_REDIRECT_URI = "https://localhost/auth"
SANDBOX_API_KEY = DEFAULT_SANDBOX_API_KEY

# Card payments a month, a business's and a household's.
BUSINESS_CARDS_PER_MONTH = (5, 12)
RETAIL_CARDS_PER_MONTH = (14, 24)
SAVINGS_RATE_BASIS_POINTS = 150  # 1.5 % a year, paid per quarter
BELASTINGDIENST = Party("NL86INGB0002445588", "Belastingdienst")
OTHER_BANKS = ("INGB", "INGB", "RABO", "RABO", "ABNA", "SNSB", "TRIO", "BUNQ", "KNAB", "ASNB")
ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"


@dataclass(frozen=True)
class Trade:
    """What a demo company does, and the size of its money flows (cents)."""

    word: str
    invoice: tuple[int, int]
    invoices_per_month: tuple[int, int]
    staff: tuple[int, int]
    rent: tuple[int, int]
    supplier: str
    purchase: tuple[int, int]


TRADES = (
    Trade(
        "Installatietechniek",
        (450_00, 4_800_00),
        (9, 14),
        (2, 4),
        (1_450_00, 2_400_00),
        "Technische Unie",
        (300_00, 2_400_00),
    ),
    Trade(
        "Administratiekantoor",
        (250_00, 1_900_00),
        (14, 22),
        (1, 3),
        (950_00, 1_600_00),
        "Kantoorartikelen",
        (40_00, 450_00),
    ),
    Trade(
        "Bloemen en Planten",
        (60_00, 1_250_00),
        (30, 45),
        (1, 3),
        (1_200_00, 1_900_00),
        "Bloemenveiling",
        (300_00, 2_200_00),
    ),
    Trade("Webdesign", (750_00, 6_500_00), (3, 7), (1, 2), (650_00, 1_100_00), "Hosting", (25_00, 350_00)),
    Trade(
        "Koffiebranderij",
        (150_00, 2_200_00),
        (16, 26),
        (2, 3),
        (1_600_00, 2_600_00),
        "Koffie Import",
        (600_00, 2_600_00),
    ),
    Trade(
        "Schilderwerken", (380_00, 3_900_00), (7, 12), (1, 3), (700_00, 1_300_00), "Verfgroothandel", (150_00, 1_400_00)
    ),
)


@dataclass(frozen=True)
class Collector:
    """A creditor that collects by SEPA direct debit (incasso)."""

    kind: str
    names: tuple[str, ...]
    description: str  # {month}, {year} and {number} are filled in per collection
    amount: tuple[int, int]
    for_business: bool


COLLECTORS = (
    Collector(
        "energie",
        ("Polder Energie B.V.", "Delta Stroom en Gas", "Zon en Wind Energie"),
        "Termijnbedrag {month}",
        (95_00, 240_00),
        False,
    ),
    Collector(
        "zorg",
        ("Zorgverzekeraar Zuid", "Nederlandse Zorgpolis", "Zorgfonds Holland"),
        "Premie {month} {year}",
        (128_00, 168_00),
        False,
    ),
    Collector(
        "telecom",
        ("Kust Telecom B.V.", "Glasnet Nederland", "Mobiel Plus B.V."),
        "Factuur {number}",
        (32_00, 68_00),
        False,
    ),
    Collector("sport", ("Sportcentrum De Ronde", "FitClub Nederland"), "Contributie {month}", (24_00, 45_00), False),
    Collector(
        "energie",
        ("Polder Energie Zakelijk", "Delta Zakelijke Energie"),
        "Voorschot {month} {year}",
        (180_00, 520_00),
        True,
    ),
    Collector("telecom", ("Glasnet Zakelijk B.V.", "Kust Telecom Zakelijk"), "Factuur {number}", (65_00, 160_00), True),
    Collector(
        "verzekering",
        ("Veilig Ondernemen N.V.", "Hollandse Bedrijfspolis"),
        "Premie {month} {year}",
        (85_00, 310_00),
        True,
    ),
    Collector(
        "lease", ("Autolease Randstad B.V.", "Van der Meer Lease"), "Leasetermijn {month}", (480_00, 890_00), True
    ),
)

BUSINESS_SHOPS = (
    ("Shell", (45_00, 115_00)),
    ("TinQ", (40_00, 95_00)),
    ("Makro", (25_00, 260_00)),
    ("Hornbach", (15_00, 190_00)),
    ("Gamma", (8_00, 120_00)),
    ("Bakkerij Bart", (6_00, 38_00)),
    ("Action", (4_00, 45_00)),
)
RETAIL_SHOPS = (
    ("Albert Heijn", (6_00, 95_00)),
    ("Jumbo", (5_00, 80_00)),
    ("Lidl", (4_00, 60_00)),
    ("HEMA", (3_00, 40_00)),
    ("Kruidvat", (3_00, 35_00)),
    ("Shell", (35_00, 85_00)),
    ("NS", (3_00, 28_00)),
    ("Etos", (3_00, 30_00)),
)
WEBSHOPS = (
    ("Bol.com", "Bestelling"),
    ("Coolblue B.V.", "Bestelling"),
    ("Thuisbezorgd.nl", "Order"),
    ("AAB RETAIL INZ TIKKIE", "Tikkie"),
    ("Stichting Mollie Payments", "Betaling"),
)


@dataclass
class Person:
    """Someone outside the bank (or inside) that money goes to or comes from."""

    party: Party
    bic: str


@dataclass
class Household:
    """A retail customer and what moves on its accounts."""

    customer: models.Customer
    current: models.Account
    savings: models.Account | None
    card: str
    city: str
    employer: Business | None = None
    salary: int = 0


@dataclass
class Business:
    """A business customer, its trade, and its relations."""

    customer: models.Customer
    trade: Trade
    current: models.Account
    savings: models.Account | None
    card: str
    city: str
    director: Person
    staff: list[tuple[Person, int]] = field(default_factory=list)
    employees: list[Household] = field(default_factory=list)


def creditor_identifier(national_id: str) -> str:
    """A Dutch SEPA creditor identifier (``NLnnZZZ`` + KvK number + 4 digits), check digits by ISO 7064."""
    check = ISO7064_mod97_10().compute([national_id + "NL"])
    return f"NL{check}ZZZ{national_id}"


def capitalized(text: str) -> str:
    """The text with its first letter upper case, as a name opening a line ("de Vries" -> "De Vries")."""
    return text[:1].upper() + text[1:]


def slug(text: str) -> str:
    """Lower-case ASCII letters and digits only, for e-mail addresses."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(c for c in ascii_text.lower() if c.isalnum())
