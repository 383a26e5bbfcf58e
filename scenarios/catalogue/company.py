"""Steps of the seed's conditions: the company at ABN AMRO and in the KvK register, its eAccounting administration.

Each keeps what later steps need on the context: ``ctx.company`` and ``ctx.administration``.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

from client_sdk.eaccounting import CASH_ACCOUNT
from client_sdk.eaccounting import CHEQUE_ACCOUNT
from client_sdk.eaccounting import SAVINGS_ACCOUNT
from client_sdk.errors import NotFoundError
from scenarios.catalogue.roles import ACCOUNT_WORDS
from scenarios.catalogue.roles import BANK
from scenarios.catalogue.roles import FIRM
from scenarios.catalogue.roles import KVK
from scenarios.catalogue.roles import USER

# KvK numbers the portal's register answers with a technical fault: never a company's number.
KVK_ERROR_NUMBERS = frozenset({"90004973", "90002903"})


@dataclass
class Company:
    """A business customer at ABN AMRO with its accounts and one online-banking user (the rekeningbeheerder)."""

    name: str
    kvk_number: str
    address: dict
    customer_id: int
    ibans: dict[str, str]
    user_id: int
    person: str
    email: str
    login_means: dict[str, dict] = field(default_factory=dict)

    @property
    def current_iban(self) -> str:
        """The IBAN of the Rekening-courant."""
        return self.ibans["current"]


@dataclass
class Administration:
    """An eAccounting administration: its id, API token, browser login link and bank accounts by kind."""

    id: int
    company_name: str
    access_token: str
    login_url: str
    accounts: dict[str, str]
    accounting_firm: str | None = None


def _money(fake, low_cents: int, high_cents: int) -> str:
    return format(Decimal(fake.random_int(low_cents, high_cents)).scaleb(-2), "f")


def _person(fake) -> tuple[str, str]:
    first, last = fake.first_name(), fake.last_name()
    # An address a mail server takes as is: ASCII letters of the name, "van der" run together.
    folded = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore").decode()
    local = "".join(ch for ch in folded.lower() if ch.isalnum() or ch == ".")
    return f"{first} {last}", f"{local}@{fake.safe_domain_name()}"


def kvk_typo(ctx, number: str, taken: set[str]) -> str:
    """``number`` with two neighbouring digits swapped (a typing error) that no registered company has;
    a fresh number when every swap is taken."""
    positions = list(range(len(number) - 1))
    ctx.fake.random.shuffle(positions)
    for i in positions:
        typo = number[:i] + number[i + 1] + number[i] + number[i + 2 :]
        if typo != number and typo[0] != "0" and typo not in taken and typo not in KVK_ERROR_NUMBERS:
            return typo
    return draw_kvk_number(ctx, taken)


def draw_kvk_number(ctx, taken: set[str]) -> str:
    """Eight digits (no leading 0) that no company in the portal's KvK register has yet."""
    while True:
        number = ctx.fake.numerify("%#######")
        if number not in taken and number not in KVK_ERROR_NUMBERS:
            return number


# --- the world of the seed's conditions ---------------------------------------------------------------


def open_company_at_bank(ctx, *, savings: bool = False, login_means: tuple[str, ...] = ("edentifier",)) -> Company:
    """ABN AMRO: a business customer (Faker company, fresh KvK number) with a Rekening-courant, a Spaarrekening
    with its own IBAN when ``savings``, and a user with ``login_means``; kept as ``ctx.company``."""
    fake = ctx.fake
    name = fake.company()
    taken = {c["kvkNummer"] for c in ctx.portal.kvk_companies()}
    kvk_number = draw_kvk_number(ctx, taken)
    address = {
        "straatnaam": fake.street_name(),
        "huisnummer": fake.building_number(),
        "postcode": fake.postcode().replace(" ", ""),
        "plaats": fake.city(),
    }
    person, email = _person(fake)
    products = ("current", "savings") if savings else ("current",)
    kinds = " and a ".join(ACCOUNT_WORDS[p] for p in products)
    with ctx.step(BANK, f"open a business customer with a {kinds}") as step:
        customer = ctx.bank.create_customer(name=name, kind="business", trade_name=name, kvk_number=kvk_number)
        ibans = {}
        for product in products:
            low, high = (50_000, 2_500_000) if product == "current" else (100_000, 5_000_000)
            opened = ctx.bank.open_account(
                customer_id=customer["id"], product=product, balance=_money(fake, low, high), holder_name=name
            )
            ibans[product] = opened["iban"]
        user = ctx.bank.create_user(customer_id=customer["id"], name=person, email=email, login_means=login_means)
        means = {m["kind"]: m for m in user["loginMeans"]}
        ctx.expect(set(means) == set(login_means), f"the bank gave {person} {sorted(means)}, not {list(login_means)}")
        step.outcome = f"{name} (KvK {kvk_number}): " + ", ".join(ibans.values()) + f"; user {person}"
    ctx.company = Company(name, kvk_number, address, customer["id"], ibans, user["id"], person, email, means)
    ctx.remember("company", {"name": name, "kvkNumber": kvk_number, "address": address})
    ctx.remember(
        "bank",
        {
            "customerId": customer["id"],
            "accounts": ibans,
            "user": {"id": user["id"], "name": person, "email": email, "loginMeans": user["loginMeans"]},
        },
    )
    return ctx.company


def register_company_at_kvk(ctx) -> None:
    """KvK: the company in the portal's KvK register, so the wizard fills in its name."""
    company = ctx.company
    with ctx.step(KVK, f"register {company.name} in the Handelsregister") as step:
        ctx.portal.add_kvk_company(kvk_number=company.kvk_number, name=company.name, **company.address)
        found = ctx.kvk.search(company.kvk_number)["resultaten"][0]
        ctx.expect(found["naam"] == company.name, f"KvK Zoeken answers {found['naam']!r}, not {company.name!r}")
        step.outcome = f"KvK {company.kvk_number}: {found['naam']}, {company.address['plaats']}"


def create_administration(
    ctx, *, savings: bool = False, accounting_firm: str | None = None, current: bool = True
) -> Administration:
    """eAccounting (step 1): the company's administration with its Kasrekening, the ABN AMRO Rekening-courant
    and, when ``savings``, the Spaarrekening; kept as ``ctx.administration``."""
    company = ctx.company
    wanted = []
    if current:
        wanted.append({"Name": "ABN AMRO", "BankAccountType": CHEQUE_ACCOUNT, "Iban": company.ibans["current"]})
    if savings:
        wanted.append({"Name": "Spaarrekening", "BankAccountType": SAVINGS_ACCOUNT, "Iban": company.ibans["savings"]})
    actor = FIRM if accounting_firm else USER
    kinds = ["Kasrekening"] + [ACCOUNT_WORDS[k] for k, on in (("current", current), ("savings", savings)) if on]
    with ctx.step(actor, f"Instellingen - Kas- en bankrekeningen: {', '.join(kinds)}") as step:
        made = ctx.portal.create_administration(
            company_name=company.name,
            kvk_number=company.kvk_number,
            accounting_firm=accounting_firm,
            bank_accounts=wanted or None,
        )
        listed = ctx.eaccounting(made["accessToken"]).list_bank_accounts()
        by_type = {CASH_ACCOUNT: "cash", CHEQUE_ACCOUNT: "current", SAVINGS_ACCOUNT: "savings"}
        accounts = {by_type[a.bank_account_type]: a.id for a in listed}
        ctx.expect("cash" in accounts, "a new administration starts with its Kasrekening")
        ctx.expect(len(listed) == len(wanted) + 1, f"eAccounting lists {len(listed)} accounts, not {len(wanted) + 1}")
        step.outcome = "; ".join(
            f"{a.name} ({a.bank_account_type_description}, {a.ledger_account_number})" for a in listed
        )
    ctx.administration = Administration(
        made["id"], company.name, made["accessToken"], made["loginUrl"], accounts, accounting_firm
    )
    ctx.link("eAccounting", made["loginUrl"])
    remember_administration(ctx, listed)
    return ctx.administration


def remember_administration(ctx, listed=None) -> None:
    """Keep the administration with its accounts (as eAccounting lists them now) in the result."""
    administration = ctx.administration
    if listed is None:
        listed = ctx.eaccounting(administration.access_token).list_bank_accounts()
    accounts = [
        {
            "id": a.id,
            "name": a.name,
            "type": a.bank_account_type_description,
            "iban": a.iban,
            "ledgerAccountNumber": a.ledger_account_number,
        }
        for a in listed
    ]
    ctx.remember(
        "administration",
        {
            "id": administration.id,
            "companyName": administration.company_name,
            "kvkNumber": ctx.company.kvk_number,
            "accountingFirm": administration.accounting_firm,
            "accessToken": administration.access_token,
            "bankAccounts": accounts,
        },
    )


def kvk_search_fails(ctx, kvk_number: str) -> None:
    """KvK: the number is not in the Handelsregister."""
    with ctx.step(KVK, f"KvK Zoeken {kvk_number}") as step:
        try:
            ctx.kvk.search(kvk_number)
        except NotFoundError as missing:
            step.outcome = "; ".join(f["omschrijving"] for f in missing.json_body.get("fout", [])) or "not found"
            return
        ctx.expect(False, f"KvK {kvk_number} is in the register")
