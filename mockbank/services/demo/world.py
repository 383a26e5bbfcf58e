"""One build of the demo world: businesses and households, their relations, and 18 months of their money."""

from __future__ import annotations

import datetime as dt

from faker.providers.company.nl_NL import Provider as DutchCompanies
from schwifty import IBAN

from mockbank import models
from mockbank.services.demo.bookings import LedgerHistory
from mockbank.services.demo.catalogue import ALNUM
from mockbank.services.demo.catalogue import BELASTINGDIENST
from mockbank.services.demo.catalogue import BUSINESS_CARDS_PER_MONTH
from mockbank.services.demo.catalogue import BUSINESS_COUNT
from mockbank.services.demo.catalogue import BUSINESS_SHOPS
from mockbank.services.demo.catalogue import COLLECTORS
from mockbank.services.demo.catalogue import OTHER_BANKS
from mockbank.services.demo.catalogue import RETAIL_CARDS_PER_MONTH
from mockbank.services.demo.catalogue import RETAIL_COUNT
from mockbank.services.demo.catalogue import RETAIL_SHOPS
from mockbank.services.demo.catalogue import SANDBOX_CLIENT_ID
from mockbank.services.demo.catalogue import SANDBOX_CLIENT_NAME
from mockbank.services.demo.catalogue import SANDBOX_REDIRECT_URI
from mockbank.services.demo.catalogue import TRADES
from mockbank.services.demo.catalogue import WEBSHOPS
from mockbank.services.demo.catalogue import Business
from mockbank.services.demo.catalogue import Collector
from mockbank.services.demo.catalogue import Household
from mockbank.services.demo.catalogue import Person
from mockbank.services.demo.catalogue import Trade
from mockbank.services.demo.catalogue import capitalized
from mockbank.services.demo.catalogue import creditor_identifier
from mockbank.services.demo.catalogue import slug
from mockbank.services.ledger_rules import MUTATION_SEPA_TRANSFER_IN
from mockbank.services.ledger_rules import MUTATION_SEPA_TRANSFER_OUT
from mockbank.services.ledger_rules import Party
from mockbank.shapes import account_json
from mockbank.shapes import client_json
from mockbank.shapes import customer_json
from mockbank.shapes import user_json
from mockbank.sim.dutch import DUTCH_MONTHS


class DemoWorld(LedgerHistory):
    """One build of the demo world: customers, users, accounts, history and the sandbox client."""

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
            if account.product == models.SAVINGS:
                self.profiles[account.id] = {"kind": "savings"}
        self.backend.living.remember(self.profiles)
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
            api_key=self.backend.settings.sandbox_api_key,
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
        self.profiles[account.id] = {
            "kind": "business",
            "holder": account.holder_name,
            "card": business.card,
            "cardsPerMonth": list(BUSINESS_CARDS_PER_MONTH),
            "shops": _shop_profile(shops),
            "clients": [[c.party.name, c.party.iban, c.bic] for c in clients],
            "invoice": list(trade.invoice),
            "invoicesPerMonth": list(trade.invoices_per_month),
            "collectors": _collector_profile(collectors),
            "staff": [[p.party.name, p.party.iban, p.bic, salary] for p, salary in business.staff],
        }
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
            for _ in range(self.random.randint(*BUSINESS_CARDS_PER_MONTH)):
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
        employer = household.employer
        self.profiles[account.id] = {
            "kind": "household",
            "holder": account.holder_name,
            "card": household.card,
            "cardsPerMonth": list(RETAIL_CARDS_PER_MONTH),
            "shops": _shop_profile(shops),
            "collectors": _collector_profile(collectors),
            "employer": {"iban": employer.current.iban, "name": employer.current.holder_name} if employer else None,
            "salary": household.salary,
        }
        for year, month in self._months():
            days = self._days_of(year, month)
            label = f"{DUTCH_MONTHS[month - 1]} {year}"
            self._pay(account, self._at(days[0], 7, 9), rent, landlord, f"Huur {label}")
            for signed in collectors:
                self._incasso(account, year, month, signed)
            for _ in range(self.random.randint(*RETAIL_CARDS_PER_MONTH)):
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

    def _shops(self, city: str, catalogue) -> list[tuple[str, str, tuple[int, int]]]:
        """The shops a customer's card is used at: label as on the statement, terminal, price range."""
        shops = []
        for merchant, prices in catalogue:
            label = f"{merchant} {self.random.randint(1000, 9999)} {city.upper()}"
            terminal = "".join(self.ids.choice(ALNUM) for _ in range(6))
            shops.append((label, terminal, prices))
        return shops

    def _webshops(self) -> list[tuple[Person, str]]:
        return [(self._person(name), what) for name, what in WEBSHOPS]


def _shop_profile(shops) -> list[list]:
    """The shops of a card as the living bank keeps them: label, terminal, lowest and highest price."""
    return [[label, terminal, prices[0], prices[1]] for label, terminal, prices in shops]


def _collector_profile(collectors) -> list[list]:
    """The signed direct debits as the living bank keeps them (JSON)."""
    return [
        [c.kind, c.description, p.party.name, p.party.iban, p.bic, creditor_id, mandate, day, amount]
        for c, p, creditor_id, mandate, day, amount in collectors
    ]
