"""The living bank: as simulated days pass, every seeded account gets the bookings its owner would have.

The demo world leaves each of its accounts a profile (``LivingProfile``): the shops its card pays at, the
direct debits signed, the clients that pay a business's invoices, the employer that pays a person's
salary. Each simulated day's bookings of an account are drawn from (seed, IBAN, date) alone, never from a
running random sequence, so one seed and one start give one history, across restarts too. A recurring due
job, the bank's evening run at 22:00 (Amsterdam), books what happened since the last run, each booking at
its own moment: card payments (``transactionId`` "" as ABN AMRO sends them), incoming invoice payments on
TARGET2 days, salaries on the 24th (or the bank day before), direct debits on their day, and the
monthly interest of savings accounts. Each booked (or skipped) event is recorded under its key in the same
transaction, so a run killed half-way books nothing twice. Nothing overdraws: a payment the account cannot
bear is skipped.

Switched by the ``LIVING_BANK`` setting (off by default; ``mockbank serve`` switches it on).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from mockbank import errors
from mockbank import models
from mockbank.models import Base
from mockbank.services.bank import Bank
from mockbank.services.demo.catalogue import SAVINGS_RATE_BASIS_POINTS
from mockbank.services.ledger_rules import MUTATION_CARD
from mockbank.services.ledger_rules import MUTATION_INTEREST
from mockbank.services.ledger_rules import MUTATION_SEPA_INCASSO
from mockbank.services.ledger_rules import MUTATION_SEPA_TRANSFER_IN
from mockbank.services.ledger_rules import MUTATION_SEPA_TRANSFER_OUT
from mockbank.services.ledger_rules import Leg
from mockbank.services.ledger_rules import Party
from mockbank.settings import BankSettings
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import UTC
from mockbank.sim.calendar import is_target2_day
from mockbank.sim.calendar import next_business_day
from mockbank.sim.calendar import next_local_time
from mockbank.sim.clock import SimClock
from mockbank.sim.db import Database
from mockbank.sim.db import UTCDateTime
from mockbank.sim.dutch import DUTCH_MONTHS
from mockbank.sim.dutch import format_eur
from mockbank.sim.ids import Ids
from mockbank.sim.jobs import DueJobQueue

LIVING_JOB = "bank.living"
RUN_HOUR = 22  # the bank's evening run (Amsterdam): every booking it makes happened before it
# A weekend's or holiday's card payment is booked on the next TARGET2 day: at most this many days later.
LONGEST_DELAY_DAYS = 5
SALARY_DAY = 24
FIXED_DEBITS = ("zorg", "sport", "lease")  # collectors whose amount never varies

SINCE = "living_bank_since"
UNTIL = "living_bank_until"

BUSINESS = "business"
HOUSEHOLD = "household"
SAVINGS = "savings"

BOOKED = "booked"
SKIPPED = "skipped"
DONE_ELSEWHERE = "elsewhere"


class LivingProfile(Base):
    """What moves on one seeded account as days pass: shops, debits, clients, employer (JSON, from the demo)."""

    __tablename__ = "living_profiles"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    profile: Mapped[dict] = mapped_column(JSON)


class LivingEvent(Base):
    """One event of the living bank, booked or skipped, under its key: no run books it twice."""

    __tablename__ = "living_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(96), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


@dataclass(frozen=True)
class Event:
    """A booking the living bank makes: its key, its moment, and its legs (interest: computed when booked)."""

    key: str
    moment: dt.datetime
    legs: tuple[Leg, ...] = ()
    interest_on: str | None = None
    transfer_id: str | None = None


@dataclass
class _Day:
    """The seeded draws of one account on one day."""

    seed: int
    iban: str
    day: dt.date
    draws: Ids = field(init=False)
    events: list[Event] = field(default_factory=list)

    def __post_init__(self):
        # Every day of every account has its own sequence: (seed, IBAN, date) decide what happens, nothing else.
        self.draws = Ids(f"living/{self.seed}/{self.iban}/{self.day.isoformat()}")

    def chance(self, per_thousand: int) -> bool:
        return self.draws.randint(1, 1000) <= per_thousand

    def moment(self, day: dt.date, first_hour: int, last_hour: int) -> dt.datetime:
        seconds = self.draws.randint(first_hour * 3600, last_hour * 3600 - 1)
        at = dt.time(seconds // 3600, seconds % 3600 // 60, seconds % 60, self.draws.randint(0, 999) * 1000)
        return dt.datetime.combine(day, at, AMSTERDAM).astimezone(UTC)

    def add(self, kind: str, moment: dt.datetime, *legs: Leg, interest_on: str | None = None, transfer=False):
        key = f"{self.iban}/{self.day.isoformat()}/{kind}/{len(self.events)}"
        transfer_id = self.draws.uuid() if transfer else None
        self.events.append(Event(key, moment, tuple(legs), interest_on, transfer_id))


def _clamped(year: int, month: int, day: int) -> dt.date:
    while True:
        try:
            return dt.date(year, month, day)
        except ValueError:
            day -= 1


def _payday(year: int, month: int) -> dt.date:
    """The 24th, or the bank day before it: salaries arrive before the weekend, not after."""
    day = dt.date(year, month, SALARY_DAY)
    while not is_target2_day(day):
        day -= dt.timedelta(days=1)
    return day


def _previous_month(day: dt.date) -> tuple[int, int]:
    return (day.year - 1, 12) if day.month == 1 else (day.year, day.month - 1)


def _sepa_lines(other: list, description: str, reference: str = "") -> list[str]:
    name, iban, bic = other
    lines = ["SEPA Overboeking", f"IBAN: {iban}", f"BIC: {bic}", f"Naam: {name}", f"Omschrijving: {description}"]
    return lines + ([f"Kenmerk: {reference}"] if reference else [])


def day_events(seed: int, iban: str, profile: dict, day: dt.date) -> list[Event]:
    """What happens on ``iban`` on ``day`` (Amsterdam): drawn from (seed, IBAN, day) and the account's profile only."""
    draw = _Day(seed, iban, day)
    kind = profile.get("kind")
    if kind in (BUSINESS, HOUSEHOLD):
        _card_payments(draw, profile)
        _direct_debits(draw, profile)
    if kind == BUSINESS:
        _invoices_paid(draw, profile)
        _staff_salaries(draw, profile)
    if kind == HOUSEHOLD:
        _salary(draw, profile)
    if kind == SAVINGS:
        _interest(draw)
    return draw.events


def _card_payments(draw: _Day, profile: dict) -> None:
    low, high = profile["cardsPerMonth"]
    # Four chances a day whose expectation over a month is the profile's count of card payments.
    per_thousand = min(1000, (low + high) * 1000 // 2 // 30 // 4)
    for _ in range(4):
        if not draw.chance(per_thousand):
            continue
        label, terminal, lowest, highest = draw.draws.choice(profile["shops"])
        paid = draw.moment(draw.day, 8, 21)
        # Card payments of a weekend or holiday are booked in the bank's next morning run.
        booked = paid if is_target2_day(draw.day) else draw.moment(next_business_day(draw.day, "target2"), 4, 6)
        local = paid.astimezone(AMSTERDAM)
        lines = (f"BEA   NR:{terminal}   {local:%d.%m.%y/%H.%M}", f"{label[:24]},PAS{profile['card']}")
        amount = draw.draws.randint(lowest, highest)
        draw.add("card", booked, Leg(draw.iban, -amount, MUTATION_CARD, lines, Party(), ""))


def _direct_debits(draw: _Day, profile: dict) -> None:
    this_month = (draw.day.year, draw.day.month)
    for index, debit in enumerate(profile.get("collectors", [])):
        kind, description, name, creditor_iban, bic, creditor_id, mandate, day_of_month, amount = debit
        # A collection on a weekend moves to the next bank day, sometimes into the next month.
        for year, month in (_previous_month(draw.day), this_month):
            if next_business_day(_clamped(year, month, day_of_month), "target2") != draw.day:
                continue
            number = draw.draws.digits(8)
            text = description.format(month=DUTCH_MONTHS[month - 1], year=year, number=number)
            varied = amount if kind in FIXED_DEBITS else amount + draw.draws.randint(-8_00, 8_00)
            lines = (
                "SEPA Incasso algemeen doorlopend",
                f"Incassant: {creditor_id}",
                f"Naam: {name}",
                f"Machtiging: {mandate}",
                f"Omschrijving: {text}",
                f"IBAN: {creditor_iban}",
                f"Kenmerk: {draw.draws.digits(10)}",
            )
            leg = Leg(
                draw.iban,
                -max(varied, 1_00),
                MUTATION_SEPA_INCASSO,
                lines,
                Party(creditor_iban, name),
                draw.draws.transaction_id(),
            )
            draw.add(f"incasso{index}", draw.moment(draw.day, 4, 6), leg)


def _invoices_paid(draw: _Day, profile: dict) -> None:
    if not is_target2_day(draw.day):
        return
    low, high = profile["invoicesPerMonth"]
    # Three chances a bank day (about 21 a month) whose expectation is the profile's invoices a month.
    per_thousand = min(1000, (low + high) * 1000 // 2 // 21 // 3)
    for _ in range(3):
        if not draw.chance(per_thousand):
            continue
        client = draw.draws.choice(profile["clients"])
        amount = draw.draws.randint(*profile["invoice"])
        number = f"{draw.day.year}-{draw.draws.randint(1000, 9999)}"
        lines = _sepa_lines(client, f"Factuur {number}", "NOTPROVIDED")
        leg = Leg(
            draw.iban,
            amount,
            MUTATION_SEPA_TRANSFER_IN,
            lines,
            Party(client[1], client[0]),
            draw.draws.transaction_id(),
        )
        draw.add("invoice", draw.moment(draw.day, 7, 20), leg)


def _staff_salaries(draw: _Day, profile: dict) -> None:
    if draw.day != _payday(draw.day.year, draw.day.month):
        return
    label = f"Salaris {DUTCH_MONTHS[draw.day.month - 1]} {draw.day.year}"
    moment = draw.moment(draw.day, 6, 7)
    for name, iban, bic, salary in profile.get("staff", []):
        lines = _sepa_lines([name, iban, bic], label)
        leg = Leg(draw.iban, -salary, MUTATION_SEPA_TRANSFER_OUT, lines, Party(iban, name), draw.draws.transaction_id())
        draw.add("staff", moment, leg)


def _salary(draw: _Day, profile: dict) -> None:
    employer = profile.get("employer")
    if not employer or draw.day != _payday(draw.day.year, draw.day.month):
        return
    label = f"Salaris {DUTCH_MONTHS[draw.day.month - 1]} {draw.day.year}"
    holder = profile["holder"]
    # The employer banks here too: both sides are booked at once, as the demo's history does.
    out = Leg(
        employer["iban"],
        -profile["salary"],
        MUTATION_SEPA_TRANSFER_OUT,
        _sepa_lines([holder, draw.iban, "ABNANL2A"], label),
        Party(draw.iban, holder),
        draw.draws.transaction_id(),
    )
    into = Leg(
        draw.iban,
        profile["salary"],
        MUTATION_SEPA_TRANSFER_IN,
        _sepa_lines([employer["name"], employer["iban"], "ABNANL2A"], label),
        Party(employer["iban"], employer["name"]),
        draw.draws.transaction_id(),
    )
    draw.add("salary", draw.moment(draw.day, 6, 7), out, into, transfer=True)


def _interest(draw: _Day) -> None:
    if draw.day != next_business_day(dt.date(draw.day.year, draw.day.month, 1), "target2"):
        return
    draw.add("interest", draw.moment(draw.day, 3, 4), interest_on=draw.iban)


def interest_legs(iban: str, balance_cents: int, day: dt.date) -> tuple[Leg, ...]:
    """A month's credit interest on ``balance_cents``, booked early in the next month (none on nothing).

    The demo's history pays the same yearly rate per quarter; the living bank pays it monthly.
    """
    interest = balance_cents * SAVINGS_RATE_BASIS_POINTS // 10_000 // 12
    if interest <= 0:
        return ()
    month_end = dt.date(day.year, day.month, 1) - dt.timedelta(days=1)
    amount_text = format_eur(interest).removeprefix("€ ") + "C"
    lines = (f"RENTEAFSLUITING PER {month_end:%d.%m}", f"CREDITRENTE{amount_text:>21}")
    return (Leg(iban, interest, MUTATION_INTEREST, lines, Party(), ""),)


class LivingBank:
    """Verbs of the living bank; its evening run is a recurring due job."""

    def __init__(self, *, db: Database, clock: SimClock, jobs: DueJobQueue, bank: Bank, settings: BankSettings):
        self.db = db
        self.clock = clock
        self.jobs = jobs
        self.bank = bank
        self.settings = settings
        jobs.register(LIVING_JOB, self._run_job, every=self._next_run)

    @property
    def enabled(self) -> bool:
        """Whether this world's bank lives (the ``LIVING_BANK`` setting)."""
        return self.settings.living_bank

    @staticmethod
    def _next_run(due: dt.datetime) -> dt.datetime:
        return next_local_time(due, RUN_HOUR)

    # --- set-up ------------------------------------------------------------------------------------

    def remember(self, profiles: dict[int, dict]) -> None:
        """Keep the profiles of the demo's accounts (account id -> profile), written while the world is seeded."""
        with self.db.transaction() as session:
            for account_id, profile in profiles.items():
                session.add(LivingProfile(account_id=account_id, profile=profile))

    def start(self) -> None:
        """Life begins now (right after a seed): the first evening run is scheduled when the bank lives."""
        now = self.clock.now()
        self.bank.set_setting(SINCE, now.isoformat())
        self.bank.set_setting(UNTIL, now.isoformat())
        self.resume()

    def resume(self) -> None:
        """On start-up: a living, seeded bank has its evening run pending; a silent one has none."""
        if not self.enabled:
            self.jobs.cancel(LIVING_JOB, lambda payload: True)
            return
        if self.bank.get_setting(SINCE) is None:
            return
        with self.db.transaction() as session:
            self.jobs.ensure_scheduled(LIVING_JOB, self._next_run(self.clock.now()), session=session)

    # --- the evening run ---------------------------------------------------------------------------

    def _run_job(self, payload: dict, now: dt.datetime) -> None:
        if not self.enabled or self.bank.get_setting(SINCE) is None:
            # Switched off (a restart with LIVING_BANK off) or never seeded: the series ends.
            self.jobs.cancel(LIVING_JOB, lambda payload: True)
            return
        self.run(now)

    def events(self, since: dt.datetime, until: dt.datetime) -> list[Event]:
        """Every event of every profiled account booked after ``since`` up to ``until``, in time order."""
        seed = int(self.bank.get_setting("seed") or 0)
        with self.db.reading() as session:
            profiles = session.execute(
                select(models.Account.iban, LivingProfile.profile)
                .join(LivingProfile, LivingProfile.account_id == models.Account.id)
                .order_by(models.Account.id)
            ).all()
        first = since.astimezone(AMSTERDAM).date() - dt.timedelta(days=LONGEST_DELAY_DAYS)
        last = until.astimezone(AMSTERDAM).date()
        found = []
        for iban, profile in profiles:
            for day in _days(first, last):
                found += [e for e in day_events(seed, iban, profile, day) if since < e.moment <= until]
        return sorted(found, key=lambda e: (e.moment, e.key))

    def run(self, now: dt.datetime | None = None) -> dict[str, int]:
        """Book every event since the last run up to ``now``; returns how many were booked, skipped, or found booked
        by another worker's run."""
        now = now or self.clock.now()
        since_text = self.bank.get_setting(UNTIL) or self.bank.get_setting(SINCE)
        if since_text is None:
            return {BOOKED: 0, SKIPPED: 0, DONE_ELSEWHERE: 0}
        since = max(dt.datetime.fromisoformat(since_text), dt.datetime.fromisoformat(self.bank.get_setting(SINCE)))
        events = self.events(since, now)
        with self.db.reading() as session:
            done = set(session.scalars(select(LivingEvent.key).where(LivingEvent.key.in_([e.key for e in events]))))
        counts = {BOOKED: 0, SKIPPED: 0, DONE_ELSEWHERE: 0}
        for event in events:
            if event.key not in done:
                counts[self.book(event)] += 1
        # Only an optimisation (the next run starts drawing here): the events' keys keep every booking single.
        self.bank.set_setting(UNTIL, now.isoformat())
        return counts

    def book(self, event: Event) -> str:
        """Book one event with its key, in one transaction: ``booked``, ``skipped`` (it would overdraw) or
        ``elsewhere`` (its key is taken: another worker's run booked it)."""
        try:
            with self.db.transaction() as session:
                session.add(LivingEvent(key=event.key, status=BOOKED, at=event.moment))
                legs = event.legs
                if event.interest_on is not None:
                    balance = session.scalar(
                        select(models.Account.balance_cents).where(models.Account.iban == event.interest_on)
                    )
                    legs = interest_legs(event.interest_on, balance or 0, event.moment.astimezone(AMSTERDAM).date())
                if legs:
                    self.bank.post(legs, transfer_id=event.transfer_id, booked_at=event.moment, session=session)
            return BOOKED
        except IntegrityError:
            # Another worker's run booked this event first (its key is taken): nothing to do.
            return DONE_ELSEWHERE
        except (errors.InsufficientFunds, errors.SandboxNotFound):
            # Never overdraw (and never pay from an account that is gone): the payment does not happen.
            with self.db.transaction() as session:
                session.add(LivingEvent(key=event.key, status=SKIPPED, at=event.moment))
            return SKIPPED


def _days(first: dt.date, last: dt.date) -> Iterator[dt.date]:
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)
