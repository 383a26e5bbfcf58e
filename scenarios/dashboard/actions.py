"""What the dashboard's buttons do: move the clock, make a practice administration, run a scenario, reset.

Each is a verb on the ``World`` and the apps' service objects; the views only parse and call these.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from dataclasses import dataclass

from faker import Faker

from consent_server import errors
from consent_server import models as pm
from consent_server.services.eaccounting import AccountInput
from mockbank import models as bm
from mockbank.services.ledger_rules import Party
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import parse_moment
from mockbank.sim.errors import ClockError
from scenarios.dashboard.state import business_customers
from scenarios.dashboard.state import next_event

# The clock's buttons (``stap``).
HOUR = "uur"
WORKING_DAY = "werkdag"
FIVE_WORKING_DAYS = "vijf-werkdagen"
NEXT_EVENT = "volgende"
MOMENT = "moment"


class ActionRefused(Exception):
    """The action cannot be done as asked; the message says why in Dutch."""


def move_clock(world, step: str, moment: str | None = None) -> str:
    """Move the world's clock (due jobs of both servers run on the way); returns what happened, in Dutch."""
    try:
        if step == HOUR:
            world.advance(hours=1)
            return "De klok is een uur verder gezet."
        if step == WORKING_DAY:
            world.advance(working_days=1)
            return "De klok is een werkdag verder gezet."
        if step == FIVE_WORKING_DAYS:
            world.advance(working_days=5)
            return "De klok is vijf werkdagen verder gezet."
        if step == NEXT_EVENT:
            event = next_event(world)
            if event is None:
                raise ActionRefused("Er staat geen gebeurtenis gepland.")
            world.advance(to=max(event.due_at, world.now()))
            return f"Naar de volgende gebeurtenis: {event.title}."
        if step == MOMENT:
            target = _moment(moment)
            if target < world.now():
                raise ActionRefused("De klok gaat nooit terug: kies een moment na nu.")
            world.advance(to=target)
            return "De klok is verzet."
    except ClockError as exc:
        raise ActionRefused(f"De klok kan niet zo ver: {exc}") from exc
    raise ActionRefused("Onbekende knop.")


def _moment(text: str | None) -> dt.datetime:
    """A moment typed in Amsterdam time (``2026-01-12T09:03``, as a datetime-local field sends it)."""
    try:
        return parse_moment((text or "").strip())
    except ValueError as exc:
        raise ActionRefused("Vul een moment in als jjjj-mm-dd uu:mm, bijvoorbeeld 2026-01-12 09:03.") from exc


# --- Nieuwe oefenadministratie --------------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeAdministration:
    """What was made: the administration, its company, and where to log in to eAccounting."""

    administration_id: int
    company: str
    login_url: str


def company_choices(world) -> list[tuple[str, str]]:
    """The select's choices: the seed's businesses (by customer id) and a new Faker company."""
    choices = [("new", "Een nieuw bedrijf (Faker), met een Rekening-courant, een Spaarrekening en een tweede rekening")]
    choices += [
        (str(c.id), f"{c.trade_name or c.name} (KvK {c.kvk_number}, {len(c.accounts)} rekeningen)")
        for c in business_customers(world)
    ]
    return choices


def suggested_firm(world) -> str:
    """A made-up accounting firm's name (Faker, the same for the same world)."""
    return f"Administratiekantoor {_faker(world, 'firm').last_name()}"


def _faker(world, purpose: str) -> Faker:
    fake = Faker("nl_NL")
    count = len(world.portal_backend.eaccounting.administrations())
    fake.seed_instance(f"{world.seed}-{purpose}-{count}")
    return fake


def create_practice_administration(
    world, *, company: str, accounting_firm: str | None, add_accounts: bool
) -> PracticeAdministration:
    """An administration for a seed business (its customer id) or a new Faker company (``new``), logged in."""
    bank = world.bank_backend.bank
    if company == "new":
        customer = _new_company(world)
    else:
        customer = next((c for c in bank.customers() if str(c.id) == company and c.kind == bm.BUSINESS), None)
        if customer is None:
            raise ActionRefused("Dit bedrijf is er niet (meer). Kies een bedrijf uit de lijst.")
    accounts = _eaccounting_accounts(customer) if add_accounts else []
    name = customer.trade_name or customer.name
    portal = world.portal_backend
    administration = portal.eaccounting.create_administration(
        company_name=name, kvk_number=customer.kvk_number, accounting_firm=accounting_firm, accounts=accounts
    )
    token = portal.eaccounting.mint_token(administration.id)
    return PracticeAdministration(administration.id, name, eaccounting_login_url(world, token))


def eaccounting_login_url(world, token: str) -> str:
    """The browser's way into eAccounting as an administration (what the sandbox's ``loginUrl`` is)."""
    return f"{world.urls.eaccounting}/inloggen?token={token}"


def open_administration(world, administration_id: int) -> str:
    """A fresh login URL for an existing administration."""
    portal = world.portal_backend
    try:
        token = portal.eaccounting.mint_token(administration_id)
    except errors.NotFound as exc:
        raise ActionRefused("Deze administratie bestaat niet (meer).") from exc
    return eaccounting_login_url(world, token)


def _eaccounting_accounts(customer) -> list[AccountInput]:
    """The customer's bank accounts as eAccounting's kas- en bankrekeningen (only those a bank connection takes)."""
    made, currents = [], 0
    for account in customer.accounts:
        if account.product == bm.CURRENT:
            currents += 1
            name = "ABN AMRO" if currents == 1 else f"ABN AMRO {currents}"
            made.append(AccountInput(name=name, account_type=pm.CHEQUE, iban=account.iban))
        elif account.product == bm.SAVINGS and account.has_own_iban:
            made.append(AccountInput(name="Spaarrekening", account_type=pm.SAVINGS, iban=account.iban))
    return made


def _new_company(world):
    """A new business customer at the bank (Faker): three accounts, one user with every login means, in KvK."""
    fake = _faker(world, "company")
    bank = world.bank_backend.bank
    taken = {c.kvk_number for c in world.portal_backend.kvk.companies()} | {c.kvk_number for c in bank.customers()}
    kvk_number = fake.numerify("%#######")
    while kvk_number in taken or kvk_number in ("90004973", "90002903"):
        kvk_number = fake.numerify("%#######")
    name = fake.company()
    customer = bank.create_customer(kind=bm.BUSINESS, name=name, trade_name=name, kvk_number=kvk_number)
    for product, cents in ((bm.CURRENT, 250_000), (bm.SAVINGS, 1_000_000), (bm.CURRENT, 10_000)):
        account = bank.open_account(customer_id=customer.id, product=product, holder_name=name)
        bank.book(
            iban=account.iban,
            amount_cents=cents,
            mutation_code="654",
            description_lines=["Storting", "Openingssaldo"],
            counterparty=Party(),
            transaction_id="",
        )
    person = f"{fake.first_name()} {fake.last_name()}"
    folded = unicodedata.normalize("NFKD", person.replace(" ", ".")).encode("ascii", "ignore").decode().lower()
    email = "".join(ch for ch in folded if ch.isalnum() or ch == ".") + "@" + fake.safe_domain_name()
    bank.create_user(
        customer_id=customer.id,
        name=person,
        email=email,
        login_means=(bm.EDENTIFIER, bm.MOBILE_APP, bm.ACCESS_ONLINE),
    )
    world.portal_backend.kvk.add(
        kvk_number=kvk_number,
        name=name,
        street=fake.street_name(),
        house_number=fake.building_number(),
        postcode=fake.postcode().replace(" ", ""),
        city=fake.city(),
        source="world",
    )
    return next(c for c in bank.customers() if c.id == customer.id)


# --- replacing the world ----------------------------------------------------------------------------------


def run_catalogue_scenario(world, name: str, seed: int):
    """Play a catalogue scenario on this world (it replaces the world first); returns its result."""
    from scenarios import catalogue
    from scenarios.runner import run_scenario

    try:
        catalogue.get(name)
    except catalogue.UnknownScenario as exc:
        raise ActionRefused("Dit scenario bestaat niet. Kies er een uit de lijst.") from exc
    return run_scenario(world, name, seed=seed)


def replace_world(world, seed: int | None) -> str:
    """Reset to the freshly seeded world of ``seed`` (None: an empty bank); the clock keeps its time."""
    world.reseed(seed)
    now = world.now().astimezone(AMSTERDAM)
    made = f"de wereld van seed {seed}" if seed is not None else "een lege wereld"
    return f"De wereld is vervangen door {made}; de klok staat nog op {now:%d-%m-%Y %H:%M}."
