"""Billing of linked accounts (condition 4 of the help article): two free, each further one a monthly price.

The rule, one for every case: an account counts in a calendar month (Amsterdam) when its link was
linked at any moment of that month — from its activation until it ended (consent expired or withdrawn,
switched off), a renewal starting a new period. No pro rata: an account linked on the 31st, or
unlinked on the 1st, counts for that whole month. Per administration the earliest-activated
``FREE_LINKED_ACCOUNTS`` are free, each further one costs ``EXTRA_ACCOUNT_PRICE``. A month is billed
after it ends (a due job at midnight on the 1st), as one billing line per administration that had
linked accounts in it, and never twice.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consent_server import models
from consent_server.services.base import Kernel
from consent_server.services.base import Service
from consent_server.services.links import BILLING_JOB
from consent_server.services.links import Links
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import first_of_next_month

_STARTS = set(models.LINKED_STATES)
_ENDS = set(models.ENDED_STATES)


def month_bounds(month: str) -> tuple[dt.datetime, dt.datetime]:
    """The first moment of ``YYYY-MM`` and of the month after it, in Amsterdam, as UTC."""
    year, number = (int(part) for part in month.split("-"))
    start = dt.datetime(year, number, 1, tzinfo=AMSTERDAM)
    return start.astimezone(dt.UTC), first_of_next_month(start)


def month_of(moment: dt.datetime) -> str:
    """``YYYY-MM`` of a moment in Amsterdam."""
    return moment.astimezone(AMSTERDAM).strftime("%Y-%m")


def previous_month(month: str) -> str:
    """The month before ``YYYY-MM``."""
    year, number = (int(part) for part in month.split("-"))
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def linked_periods(events: list[models.LinkEvent]) -> list[tuple[dt.datetime, dt.datetime | None]]:
    """The periods a link was linked, from its state history (an open period ends with None)."""
    periods: list[tuple[dt.datetime, dt.datetime | None]] = []
    start = None
    for event in sorted(events, key=lambda e: (e.at, e.id)):
        if event.state in _STARTS and start is None:
            start = event.at
        elif event.state in _ENDS and start is not None:
            periods.append((start, event.at))
            start = None
    if start is not None:
        periods.append((start, None))
    return periods


class Billing(Service):
    """Verbs of the monthly billing of bank connections."""

    def __init__(self, kernel: Kernel, *, links: Links):
        super().__init__(kernel)
        self.links = links
        self.jobs.register(BILLING_JOB, self._month_end_job, every=first_of_next_month)

    @property
    def free(self) -> int:
        """How many linked accounts an administration has for free."""
        return self.settings.free_linked_accounts

    @property
    def unit_price_cents(self) -> int:
        """The monthly price of each further account, in cents."""
        return int(self.settings.extra_account_price * 100)

    def _month_end_job(self, payload: dict, now: dt.datetime) -> None:
        # Due at midnight on the 1st: bill the month that just ended.
        try:
            self.bill_month(previous_month(month_of(now)))
        finally:
            self.links.end_series_when_unlinked(BILLING_JOB)

    def accounts_in(self, month: str) -> dict[int, list[dict]]:
        """Administration id → the accounts linked in ``month``, earliest activation first."""
        start, end = month_bounds(month)
        with self.db.reading() as session:
            links = session.scalars(
                select(models.AccountLink)
                .where(models.AccountLink.activated_at.is_not(None), models.AccountLink.activated_at < end)
                .options(
                    selectinload(models.AccountLink.events),
                    selectinload(models.AccountLink.bank_account),
                    selectinload(models.AccountLink.registration).selectinload(models.Registration.serial),
                )
            ).all()
        found: dict[int, list[dict]] = {}
        for link in links:
            periods = linked_periods(link.events)
            if not any(s < end and (e is None or e > start) for s, e in periods):
                continue
            found.setdefault(link.registration.serial.administration_id, []).append(
                {
                    "iban": link.iban,
                    "bankAccountId": link.bank_account.uid if link.bank_account else None,
                    "name": link.bank_account.name if link.bank_account else None,
                    "activatedAt": link.activated_at,
                }
            )
        for accounts in found.values():
            accounts.sort(key=lambda a: (a["activatedAt"], a["iban"]))
        return found

    def bill_month(self, month: str) -> list[models.BillingLine]:
        """Billing lines for ``month`` (``YYYY-MM``): one per administration with linked accounts; never twice."""
        _start, end = month_bounds(month)
        if end > self.clock.now():
            raise ValueError(f"{month} has not ended yet; it is billed afterwards")
        accounts_by_admin = self.accounts_in(month)
        lines = []
        with self.db.transaction() as session:
            for administration_id, accounts in sorted(accounts_by_admin.items()):
                existing = session.scalar(
                    select(models.BillingLine).where(
                        models.BillingLine.administration_id == administration_id, models.BillingLine.month == month
                    )
                )
                if existing is not None:
                    lines.append(existing)
                    continue
                billed = max(0, len(accounts) - self.free)
                line = models.BillingLine(
                    administration_id=administration_id,
                    month=month,
                    linked_accounts=len(accounts),
                    free_accounts=len(accounts) - billed,
                    billed_accounts=billed,
                    unit_price_cents=self.unit_price_cents,
                    amount_cents=billed * self.unit_price_cents,
                    accounts=[
                        {
                            "iban": a["iban"],
                            "bankAccountId": a["bankAccountId"],
                            "name": a["name"],
                            "activatedAt": a["activatedAt"].isoformat(),
                            "free": i < self.free,
                        }
                        for i, a in enumerate(accounts)
                    ],
                    created_at=self.clock.now(),
                )
                session.add(line)
                lines.append(line)
        return lines

    def lines(self, *, administration_id: int | None = None, month: str | None = None) -> list[models.BillingLine]:
        """Billing lines, newest month first."""
        query = select(models.BillingLine).order_by(models.BillingLine.month.desc(), models.BillingLine.id)
        if administration_id is not None:
            query = query.where(models.BillingLine.administration_id == administration_id)
        if month:
            query = query.where(models.BillingLine.month == month)
        with self.db.reading() as session:
            return list(session.scalars(query))


def billing_line_json(line: models.BillingLine) -> dict:
    """A billing line as the sandbox API shows it (money as strings)."""
    return {
        "administrationId": line.administration_id,
        "month": line.month,
        "linkedAccounts": line.linked_accounts,
        "freeAccounts": line.free_accounts,
        "billedAccounts": line.billed_accounts,
        "unitPrice": f"{Decimal(line.unit_price_cents) / 100:.2f}",
        "amount": f"{Decimal(line.amount_cents) / 100:.2f}",
        "currency": "EUR",
        "accounts": list(line.accounts or []),
        "billedAt": line.created_at.isoformat(),
    }
