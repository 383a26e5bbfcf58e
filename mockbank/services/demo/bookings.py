"""The bank history of a demo build: its seeded randomness and calendar, the booking kinds, and the final write.

Bookings are collected per account in memory and written at the end, sorted, in one statement per account.
"""

from __future__ import annotations

import datetime as dt

from faker import Faker

from mockbank import models
from mockbank.services.demo.catalogue import SAVINGS_RATE_BASIS_POINTS
from mockbank.services.demo.catalogue import Person
from mockbank.services.ledger_rules import HISTORY_MONTHS
from mockbank.services.ledger_rules import MUTATION_CARD
from mockbank.services.ledger_rules import MUTATION_IDEAL
from mockbank.services.ledger_rules import MUTATION_INTEREST
from mockbank.services.ledger_rules import MUTATION_SEPA_INCASSO
from mockbank.services.ledger_rules import MUTATION_SEPA_TRANSFER_IN
from mockbank.services.ledger_rules import MUTATION_SEPA_TRANSFER_OUT
from mockbank.services.ledger_rules import NOBODY
from mockbank.services.ledger_rules import Party
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import UTC
from mockbank.sim.calendar import is_target2_day
from mockbank.sim.calendar import months_back
from mockbank.sim.calendar import next_business_day
from mockbank.sim.dutch import DUTCH_MONTHS
from mockbank.sim.dutch import format_eur


class LedgerHistory:
    """The seeded randomness, the calendar and the booking primitives of one build of the demo world."""

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
        # What each account's owner keeps doing after the history ends (the living bank's profiles).
        self.profiles: dict[int, dict] = {}
        self._seq = 0
        self.net: dict[int, int] = {}

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

    @staticmethod
    def _round(cents: int, to: int) -> int:
        return cents - cents % to

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
