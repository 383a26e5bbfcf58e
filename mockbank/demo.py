"""The demo world of one seed: Dutch businesses and households with 18 months of bank history.

``BankBackend.seed`` calls ``build_demo_world`` right after a reset. Names come from Faker
(``nl_NL``, seeded per instance), bank numbers from the app's seeded ``Ids``, and every moment
from the simulated clock, so one seed always gives the same world, byte for byte.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass
from dataclasses import field

from faker import Faker
from faker.providers.company.nl_NL import Provider as DutchCompanies
from schwifty import IBAN
from schwifty.checksum import ISO7064_mod97_10

from mockbank import models
from mockbank.authflow import create_magic_users
from mockbank.bank import HISTORY_MONTHS
from mockbank.bank import MUTATION_CARD
from mockbank.bank import MUTATION_IDEAL
from mockbank.bank import MUTATION_INTEREST
from mockbank.bank import MUTATION_SEPA_INCASSO
from mockbank.bank import MUTATION_SEPA_TRANSFER_IN
from mockbank.bank import MUTATION_SEPA_TRANSFER_OUT
from mockbank.bank import Party
from mockbank.sandbox import account_json
from mockbank.sandbox import client_json
from mockbank.sandbox import customer_json
from mockbank.sandbox import user_json
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import UTC
from mockbank.sim.calendar import is_target2_day
from mockbank.sim.calendar import months_back
from mockbank.sim.calendar import next_business_day
from mockbank.sim.dutch import DUTCH_MONTHS
from mockbank.sim.dutch import format_eur

BUSINESS_COUNT = 4
RETAIL_COUNT = 2

# The standard third party of ABN AMRO's sandbox. Its API-Key is the same in every world,
# so a tester can keep it in a script (``SANDBOX_API_KEY`` in the config overrides it).
SANDBOX_CLIENT_ID = "TPP_test"
SANDBOX_CLIENT_NAME = "TPP Test"
SANDBOX_REDIRECT_URI = "https://localhost/auth"
SANDBOX_API_KEY = "TPPtestMockbankSandboxApiKey0001"

SAVINGS_RATE_BASIS_POINTS = 150  # 1.5 % a year, paid per quarter
BELASTINGDIENST = Party("NL86INGB0002445588", "Belastingdienst")
OTHER_BANKS = ("INGB", "INGB", "RABO", "RABO", "ABNA", "SNSB", "TRIO", "BUNQ", "KNAB", "ASNB")
ALNUM = "ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"
NOBODY = Party()  # card payments and interest have no counterparty


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


def build_demo_world(backend, seed: int) -> dict:
    """Build the world of ``seed`` through the ledger verbs and return its summary."""
    summary = DemoWorld(backend, seed).build()
    summary["magicUsers"] = create_magic_users(backend)
    return summary


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


class DemoWorld:
    """One build of the demo world: customers, users, accounts, history and the sandbox client."""

    def __init__(self, backend, seed: int):
        self.backend = backend
        self.bank = backend.bank
        self.ids = backend.ids
        self.seed = seed
        self.fake = Faker("nl_NL")
        self.fake.seed_instance(seed)
        self.random = self.fake.random
        self.now = backend.clock.now()
        today = self.now.astimezone(AMSTERDAM).date()
        first_day = next_business_day(months_back(today, HISTORY_MONTHS), "target2")
        # Every account's history opens at one moment, so both sides of a transfer are in or out together.
        self.opened_at = self._local(first_day, dt.time(7, 0))
        self.rows: dict[int, list[tuple[dt.datetime, int, dict]]] = {}
        self._seq = 0
        self.net: dict[int, int] = {}

    # --- the world ------------------------------------------------------------------------------

    def build(self) -> dict:
        """Customers and accounts first, then their users, then 18 months of bookings, then the client."""
        trades = self.random.sample(TRADES, BUSINESS_COUNT)
        businesses = [self._business(trade, index) for index, trade in enumerate(trades)]
        households = [
            self._household(businesses[i % len(businesses)], with_savings=i == 0) for i in range(RETAIL_COUNT)
        ]
        for business in businesses:
            self._business_history(business)
        for household in households:
            self._household_history(household)
        accounts = [a for b in businesses for a in (b.current, b.savings) if a is not None]
        accounts += [a for h in households for a in (h.current, h.savings) if a is not None]
        for account in accounts:
            self._write_history(account)
        self._register_sandbox_client()
        return self.summary()

    def summary(self) -> dict:
        """What the world holds, in the sandbox API's shapes."""
        customers = self.bank.customers()
        return {
            "seed": self.seed,
            "customers": [customer_json(c) for c in customers],
            "users": [user_json(u) for u in self.bank.users()],
            "accounts": [account_json(a) for c in customers for a in c.accounts],
            "clients": [client_json(c) for c in self.backend.consents.clients()],
        }

    def _register_sandbox_client(self) -> None:
        self.backend.consents.register_client(
            name=SANDBOX_CLIENT_NAME,
            redirect_uris=[SANDBOX_REDIRECT_URI],
            client_id=SANDBOX_CLIENT_ID,
            api_key=self.backend.config.get("SANDBOX_API_KEY") or SANDBOX_API_KEY,
        )

    def _company_name(self) -> str:
        # Faker also names multinationals (ASML, KLM); the demo wants the small firms of the help article.
        while True:
            name = self.fake.company()
            if name not in DutchCompanies.large_companies and not name.startswith(DutchCompanies.company_prefixes):
                break
        name = capitalized(name)
        if name.endswith((" BV", " NV")):
            return name[:-2] + name[-2] + "." + name[-1] + "."
        return f"{name} B.V."

    def _kvk_number(self) -> str:
        return str(self.ids.randint(10_000_000, 99_999_999))

    def _person(self, name: str | None = None, bank_code: str | None = None) -> Person:
        iban = self._iban(bank_code or self.ids.choice(OTHER_BANKS))
        return Person(Party(iban, name or self.fake.name()), str(IBAN(iban).bic))

    def _iban(self, bank_code: str) -> str:
        if bank_code == "ABNA":
            return self.bank.new_iban()
        return str(IBAN.generate("NL", bank_code=bank_code, account_code=self.ids.digits(10)))

    def _business(self, trade: Trade, index: int) -> Business:
        legal_name = self._company_name()
        base = legal_name.removesuffix(" B.V.").removesuffix(" N.V.").removesuffix(" Groep")
        trade_name = f"{base} {trade.word}"
        customer = self.bank.create_customer(
            kind=models.BUSINESS, name=legal_name, trade_name=trade_name, kvk_number=self._kvk_number()
        )
        current = self.bank.open_account(customer_id=customer.id, product=models.CURRENT, holder_name=trade_name)
        savings = None
        if index < BUSINESS_COUNT - 1:
            savings = self.bank.open_account(customer_id=customer.id, product=models.SAVINGS, holder_name=trade_name)
        else:
            # The account the help article says cannot be linked: savings without its own IBAN.
            savings = self.bank.open_account(
                customer_id=customer.id, product=models.SAVINGS, holder_name=trade_name, has_own_iban=False
            )
        domain = slug(base) + ".nl"
        director_name = self.fake.name()
        user = self._user(customer, director_name, domain, business=True)
        if index % 2 == 1:
            self._user(customer, self.fake.name(), domain, business=True)
        business = Business(
            customer=customer,
            trade=trade,
            current=current,
            savings=savings,
            card=self._card_of(user),
            city=self.fake.city(),
            director=self._person(director_name),
        )
        for _ in range(self.random.randint(*trade.staff)):
            business.staff.append((self._person(), self._round(self.random.randint(2_350_00, 4_150_00), 5_00)))
        return business

    def _household(self, employer: Business, *, with_savings: bool) -> Household:
        name = self.fake.name()
        customer = self.bank.create_customer(kind=models.RETAIL, name=name)
        current = self.bank.open_account(customer_id=customer.id, product=models.CURRENT)
        savings = None
        if with_savings:
            savings = self.bank.open_account(customer_id=customer.id, product=models.SAVINGS)
        user = self._user(customer, name, self.fake.free_email_domain(), business=False)
        household = Household(
            customer=customer,
            current=current,
            savings=savings,
            card=self._card_of(user),
            city=self.fake.city(),
            employer=employer,
            salary=self._round(self.random.randint(2_900_00, 3_900_00), 5_00),
        )
        employer.employees.append(household)
        return household

    def _user(self, customer: models.Customer, name: str, domain: str, *, business: bool) -> models.OnlineUser:
        first, _, last = name.partition(" ")
        means = (models.EDENTIFIER, models.MOBILE_APP) + ((models.ACCESS_ONLINE,) if business else ())
        return self.bank.create_user(
            customer_id=customer.id,
            name=name,
            email=f"{slug(first)}.{slug(last)}@{domain}",
            login_means=means,
        )

    @staticmethod
    def _card_of(user: models.OnlineUser) -> str:
        return next(m.card_number for m in user.login_means if m.kind == models.EDENTIFIER)

    # --- time -----------------------------------------------------------------------------------

    @staticmethod
    def _local(day: dt.date, time: dt.time) -> dt.datetime:
        return dt.datetime.combine(day, time, AMSTERDAM).astimezone(UTC)

    def _at(self, day: dt.date, first_hour: int, last_hour: int) -> dt.datetime:
        """A moment on the bank's first booking day from ``day``, between the two Amsterdam hours."""
        day = next_business_day(day, "target2")
        seconds = self.random.randint(first_hour * 3600, last_hour * 3600 - 1)
        return self._local(day, self._time(seconds))

    def _time(self, seconds: int) -> dt.time:
        """The wall time ``seconds`` after midnight, with random milliseconds as ABN AMRO's timestamps have."""
        return dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60, self.random.randint(0, 999) * 1000)

    def _months(self):
        """Every (year, month) from the opening of the history to now."""
        start = self.opened_at.astimezone(AMSTERDAM).date()
        end = self.now.astimezone(AMSTERDAM).date()
        year, month = start.year, start.month
        while (year, month) <= (end.year, end.month):
            yield year, month
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)

    @staticmethod
    def _day(year: int, month: int, day: int) -> dt.date:
        while True:
            try:
                return dt.date(year, month, day)
            except ValueError:
                day -= 1

    def _days_of(self, year: int, month: int) -> list[dt.date]:
        last = self._day(year, month, 31).day
        return [dt.date(year, month, d) for d in range(1, last + 1)]

    def _payday(self, year: int, month: int, day: int) -> dt.date:
        """``day`` of the month, or the bank day before it: salaries arrive before the weekend, not after."""
        moment = self._day(year, month, day)
        while not is_target2_day(moment):
            moment -= dt.timedelta(days=1)
        return moment

    # --- bookings -------------------------------------------------------------------------------

    def _add(
        self,
        account: models.Account,
        moment: dt.datetime,
        amount: int,
        code: str,
        lines: list[str],
        party: Party = NOBODY,
        transaction_id: str | None = None,
    ) -> None:
        if not self.opened_at < moment <= self.now or amount == 0:
            return
        self._seq += 1
        self.net[account.id] = self.net.get(account.id, 0) + amount
        row = {
            "booked_at": moment,
            "amount_cents": amount,
            "mutation_code": code,
            "description_lines": lines,
            "counterparty_iban": party.iban,
            "counterparty_name": party.name,
            "transaction_id": self.ids.transaction_id() if transaction_id is None else transaction_id,
        }
        self.rows.setdefault(account.id, []).append((moment, self._seq, row))

    @staticmethod
    def _transfer_lines(other: Person, description: str = "", reference: str = "") -> list[str]:
        lines = ["SEPA Overboeking", f"IBAN: {other.party.iban}", f"BIC: {other.bic}", f"Naam: {other.party.name}"]
        if description:
            lines.append(f"Omschrijving: {description}")
        if reference:
            lines.append(f"Kenmerk: {reference}")
        return lines

    def _pay(
        self, account: models.Account, moment: dt.datetime, amount: int, to: Person, description: str, reference=""
    ):
        """An outgoing SEPA transfer to someone outside the bank."""
        lines = self._transfer_lines(to, description, reference)
        self._add(account, moment, -amount, MUTATION_SEPA_TRANSFER_OUT, lines, to.party)

    def _receive(self, account: models.Account, moment: dt.datetime, amount: int, source: Person, description: str):
        """An incoming SEPA transfer from someone outside the bank."""
        lines = self._transfer_lines(source, description, "NOTPROVIDED")
        self._add(account, moment, amount, MUTATION_SEPA_TRANSFER_IN, lines, source.party)

    def _internal(self, debtor: models.Account, creditor: models.Account, moment: dt.datetime, amount: int, text: str):
        """A transfer between two accounts of this bank: both sides booked at the same moment."""
        debtor_person = Person(Party(debtor.iban, debtor.holder_name), "ABNANL2A")
        creditor_person = Person(Party(creditor.iban, creditor.holder_name), "ABNANL2A")
        self._add(
            debtor,
            moment,
            -amount,
            MUTATION_SEPA_TRANSFER_OUT,
            self._transfer_lines(creditor_person, text),
            creditor_person.party,
        )
        self._add(
            creditor,
            moment,
            amount,
            MUTATION_SEPA_TRANSFER_IN,
            self._transfer_lines(debtor_person, text),
            debtor_person.party,
        )

    def _collectors(self, business: bool) -> list[tuple[Collector, Person, str, str, int, int]]:
        """The direct debits one customer has signed: creditor, mandate, day of the month and amount."""
        chosen = []
        for collector in COLLECTORS:
            if collector.for_business != business:
                continue
            name = self.random.choice(collector.names)
            creditor = self._person(name)
            creditor_id = creditor_identifier(self._kvk_number() + "0000")
            mandate = f"{self.ids.digits(8)}-{self.random.randint(1, 3)}"
            day = self.random.randint(2, 27)
            amount = self.random.randint(*collector.amount)
            chosen.append((collector, creditor, creditor_id, mandate, day, amount))
        return chosen

    def _incasso(self, account: models.Account, year: int, month: int, signed) -> None:
        collector, creditor, creditor_id, mandate, day, amount = signed
        moment = self._at(dt.date(year, month, day), 4, 6)
        number = self.ids.digits(8)
        description = collector.description.format(month=DUTCH_MONTHS[month - 1], year=year, number=number)
        # Usage varies a little month by month (energy and phone bills are not flat).
        varied = amount if collector.kind in ("zorg", "sport", "lease") else amount + self.random.randint(-8_00, 8_00)
        lines = [
            "SEPA Incasso algemeen doorlopend",
            f"Incassant: {creditor_id}",
            f"Naam: {creditor.party.name}",
            f"Machtiging: {mandate}",
            f"Omschrijving: {description}",
            f"IBAN: {creditor.party.iban}",
            f"Kenmerk: {self.ids.digits(10)}",
        ]
        self._add(account, moment, -max(varied, 1_00), MUTATION_SEPA_INCASSO, lines, creditor.party)

    def _shops(self, city: str, catalogue) -> list[tuple[str, str, tuple[int, int]]]:
        """The shops a customer's card is used at: label as on the statement, terminal, price range."""
        shops = []
        for merchant, prices in catalogue:
            label = f"{merchant} {self.random.randint(1000, 9999)} {city.upper()}"
            terminal = "".join(self.ids.choice(ALNUM) for _ in range(6))
            shops.append((label, terminal, prices))
        return shops

    def _card_payment(self, account: models.Account, day: dt.date, card: str, shop) -> None:
        label, terminal, prices = shop
        seconds = self.random.randint(8 * 3600, 21 * 3600)
        paid = self._local(day, self._time(seconds))
        local = paid.astimezone(AMSTERDAM)
        # Card payments of a weekend or holiday are booked in the bank's next morning run.
        booked = paid if is_target2_day(day) else self._at(day, 4, 6)
        lines = [
            f"BEA   NR:{terminal}   {local:%d.%m.%y/%H.%M}",
            f"{label[:24]},PAS{card}",
        ]
        self._add(account, booked, -self.random.randint(*prices), MUTATION_CARD, lines, NOBODY, "")

    def _ideal(self, account: models.Account, day: dt.date, shop: Person, what: str) -> None:
        seconds = self.random.randint(7 * 3600, 23 * 3600 - 1)
        paid = self._local(day, self._time(seconds))
        booked = paid if is_target2_day(day) else self._at(day, 4, 6)
        order = self.ids.digits(12)
        lines = [
            "SEPA iDEAL",
            f"IBAN: {shop.party.iban}",
            f"BIC: {shop.bic}",
            f"Naam: {shop.party.name}",
            f"Omschrijving: {order} {what}",
            f"Kenmerk: {paid.astimezone(AMSTERDAM):%d-%m-%Y %H:%M} {self.ids.digits(10)}",
        ]
        amount = self.random.randint(9_95, 189_00)
        self._add(account, booked, -amount, MUTATION_IDEAL, lines, shop.party)

    def _webshops(self) -> list[tuple[Person, str]]:
        return [(self._person(name), what) for name, what in WEBSHOPS]

    @staticmethod
    def _round(cents: int, to: int) -> int:
        return cents - cents % to

    # --- histories ------------------------------------------------------------------------------

    def _business_history(self, business: Business) -> None:
        trade = business.trade
        account = business.current
        clients = [self._person(self._company_name()) for _ in range(10)]
        suppliers = [self._person(capitalized(f"{self.fake.last_name()} {trade.supplier}")) for _ in range(3)]
        landlord = self._person(capitalized(f"{self.fake.last_name()} Vastgoed B.V."))
        rent = self._round(self.random.randint(*trade.rent), 25_00)
        fee = self._round(sum(trade.invoice) // 2 * sum(trade.invoices_per_month) // 2 // 7, 100_00)
        payroll = sum(salary for _, salary in business.staff) + sum(h.salary for h in business.employees)
        buffer = 2 * (payroll + rent + fee)
        collectors = self._collectors(business=True)
        shops = self._shops(business.city, BUSINESS_SHOPS)
        webshops = self._webshops()
        invoice_number = self.random.randint(40, 400)
        revenue_by_quarter: dict[tuple[int, int], int] = {}
        for year, month in self._months():
            days = self._days_of(year, month)
            label = f"{DUTCH_MONTHS[month - 1]} {year}"
            self._pay(account, self._at(days[0], 7, 9), rent, landlord, f"Huur bedrijfsruimte {label}")
            for _ in range(self.random.randint(*trade.invoices_per_month)):
                invoice_number += 1
                amount = self.random.randint(*trade.invoice)
                moment = self._at(self.random.choice(days), 7, 20)
                self._receive(
                    account, moment, amount, self.random.choice(clients), f"Factuur {year}-{invoice_number:04d}"
                )
                if self.opened_at < moment <= self.now:
                    quarter = (year, (month - 1) // 3)
                    revenue_by_quarter[quarter] = revenue_by_quarter.get(quarter, 0) + amount
            for _ in range(self.random.randint(2, 5)):
                supplier = self.random.choice(suppliers)
                reference = f"{self.random.choice(ALNUM[:24])}{self.ids.digits(7)}"
                amount = self.random.randint(*trade.purchase)
                self._pay(
                    account, self._at(self.random.choice(days), 8, 18), amount, supplier, f"Inkoopfactuur {reference}"
                )
            payday = self._at(self._payday(year, month, 24), 6, 7)
            for person, salary in business.staff:
                self._pay(account, payday, salary, person, f"Salaris {label}")
            for household in business.employees:
                self._internal(account, household.current, payday, household.salary, f"Salaris {label}")
            self._pay(
                account,
                self._at(self._payday(year, month, 25), 8, 12),
                fee,
                business.director,
                f"Managementfee {label}",
            )
            for signed in collectors:
                self._incasso(account, year, month, signed)
            for _ in range(self.random.randint(5, 12)):
                self._card_payment(account, self.random.choice(days), business.card, self.random.choice(shops))
            for _ in range(self.random.randint(0, 3)):
                shop, what = self.random.choice(webshops)
                self._ideal(account, self.random.choice(days), shop, what)
            if month in (1, 4, 7, 10):
                self._vat(account, year, month, revenue_by_quarter)
            # Cash beyond two months of fixed costs goes to the savings account, as a careful owner does.
            surplus = self._round(self.net.get(account.id, 0) - buffer, 500_00)
            if surplus > 0:
                self._reserve(business, self._at(self._payday(year, month, 28), 9, 17), surplus, label)

    def _reserve(self, business: Business, moment: dt.datetime, amount: int, label: str) -> None:
        """Move cash to the business's savings account; one without its own IBAN shows no IBAN lines."""
        savings = business.savings
        if savings.has_own_iban:
            self._internal(business.current, savings, moment, amount, f"Reservering {label}")
            return
        lines = ["Overboeking eigen rekening", f"Omschrijving: Reservering {label}"]
        self._add(business.current, moment, -amount, MUTATION_SEPA_TRANSFER_OUT, lines)
        self._add(savings, moment, amount, MUTATION_SEPA_TRANSFER_IN, lines)

    def _vat(self, account: models.Account, year: int, month: int, revenue_by_quarter: dict) -> None:
        """The quarterly VAT return: 21 % of the turnover minus the VAT on purchases, paid before the month ends."""
        quarter = (year - 1, 3) if month == 1 else (year, (month - 1) // 3 - 1)
        turnover = revenue_by_quarter.get(quarter, 0)
        if not turnover:
            return
        amount = self._round(turnover * 21 // 121 // 2, 1_00)
        number = quarter[1] + 1
        description = f"Omzetbelasting {number}e kw {quarter[0]}"
        reference = self.ids.digits(16)
        self._pay(
            account,
            self._at(self._payday(year, month, 26), 9, 16),
            amount,
            Person(BELASTINGDIENST, "INGBNL2A"),
            description,
            reference,
        )

    def _household_history(self, household: Household) -> None:
        account = household.current
        landlord = self._person(f"Woonstichting {household.city}")
        rent = self.random.randint(875_00, 1_425_00)
        collectors = self._collectors(business=False)
        shops = self._shops(household.city, RETAIL_SHOPS)
        webshops = self._webshops()
        friends = [self._person() for _ in range(4)]
        for year, month in self._months():
            days = self._days_of(year, month)
            label = f"{DUTCH_MONTHS[month - 1]} {year}"
            self._pay(account, self._at(days[0], 7, 9), rent, landlord, f"Huur {label}")
            for signed in collectors:
                self._incasso(account, year, month, signed)
            for _ in range(self.random.randint(14, 24)):
                self._card_payment(account, self.random.choice(days), household.card, self.random.choice(shops))
            for _ in range(self.random.randint(2, 5)):
                shop, what = self.random.choice(webshops)
                self._ideal(account, self.random.choice(days), shop, what)
            if self.random.random() < 0.5:
                friend = self.random.choice(friends)
                amount = self._round(self.random.randint(10_00, 60_00), 50)
                self._receive(
                    account, self._at(self.random.choice(days), 8, 22), amount, friend, "Terugbetaling etentje"
                )
            if household.savings is not None:
                moment = self._at(self._payday(year, month, 26), 7, 8)
                self._internal(account, household.savings, moment, 200_00, "Spaaropdracht")

    # --- writing --------------------------------------------------------------------------------

    def _write_history(self, account: models.Account) -> None:
        """Sort, add the opening balance and quarterly interest, and insert the history in one statement."""
        rows = [row for _, _, row in sorted(self.rows.get(account.id, []), key=lambda item: item[:2])]
        if account.product == models.SAVINGS:
            opening = self._round(self.random.randint(2_500_00, 40_000_00), 100_00)
            rows = self._with_interest(rows, opening)
        else:
            lowest = running = 0
            for row in rows:
                running += row["amount_cents"]
                lowest = min(lowest, running)
            # Enough to start with that the account never dips below a small cushion.
            cushion = self.random.randint(800_00, 6_000_00)
            opening = self._round(cushion - lowest, 100_00) + 100_00
        first = {
            "booked_at": self.opened_at,
            "amount_cents": opening,
            "mutation_code": MUTATION_SEPA_TRANSFER_IN,
            "description_lines": ["Storting", "Openingssaldo"],
            "counterparty_iban": "",
            "counterparty_name": "",
            "transaction_id": "",
        }
        self.bank.bulk_history(account.id, [first, *rows])

    def _with_interest(self, rows: list[dict], opening: int) -> list[dict]:
        """Savings rows with the interest of every closed quarter booked early in the next one."""
        result: list[dict] = []
        balance = opening
        pending = list(rows)
        for year, month in self._months():
            if month not in (1, 4, 7, 10):
                continue
            quarter_end = dt.date(year, month, 1) - dt.timedelta(days=1)
            booked = self._at(dt.date(year, month, 1), 3, 4)
            close = self._local(dt.date(year, month, 1), dt.time(0, 0))
            while pending and pending[0]["booked_at"] < close:
                balance += pending[0]["amount_cents"]
                result.append(pending.pop(0))
            if not self.opened_at < booked <= self.now or close <= self.opened_at:
                continue
            interest = balance * SAVINGS_RATE_BASIS_POINTS // 40_000
            if interest <= 0:
                continue
            amount_text = format_eur(interest).removeprefix("€ ") + "C"
            while pending and pending[0]["booked_at"] < booked:
                balance += pending[0]["amount_cents"]
                result.append(pending.pop(0))
            balance += interest
            result.append(
                {
                    "booked_at": booked,
                    "amount_cents": interest,
                    "mutation_code": MUTATION_INTEREST,
                    "description_lines": [f"RENTEAFSLUITING PER {quarter_end:%d.%m}", f"CREDITRENTE{amount_text:>21}"],
                    "counterparty_iban": "",
                    "counterparty_name": "",
                    "transaction_id": "",
                }
            )
        return result + pending
