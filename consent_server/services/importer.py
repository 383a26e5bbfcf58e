"""The daily import: once a day, for every activated link, fetch the new bookings from the bank over HTTP.

Each run of a link refreshes its tokens when they are due (rotation: the new refresh token is stored
at once), reads ``/v1/accounts/{iban}/transactions`` from its cursor (the last run's date) up to today,
every page, and only then stores what is new, in one transaction: a run that fails half-way stores
nothing and moves no cursor, so no booking is skipped. Each booking is known by its import key
(``import_key``): the bank's ``transactionId``, unique per account, or for a booking without one (ABN AMRO
sends ``""`` for card payments) a key made of its content and its place among identical rows, so none is
imported twice, lost or doubled across pages, days and re-runs. The first imported booking makes the link
``active``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import select

from consent_server import errors
from consent_server import models
from consent_server.services.bank import BankGateway
from consent_server.services.base import Kernel
from consent_server.services.base import Service
from consent_server.services.links import IMPORT_JOB
from consent_server.services.links import Links
from consent_server.services.links import local_date
from consent_server.services.links import transition
from consent_server.services.mail import MailLink
from mockbank.sim.calendar import months_back
from mockbank.sim.calendar import next_local_time

HISTORY_MONTHS = 18
# A token this close to its end is refreshed before use.
REFRESH_MARGIN = dt.timedelta(minutes=1)
MAX_PAGES = 10_000

RUN_OK = "ok"
RUN_FAILED = "failed"
RUN_ENDED = "access_ended"


def cents(amount) -> int:
    """Integer cents from a JSON amount (the bank sends numbers; never through a float)."""
    return int((Decimal(str(amount)) * 100).to_integral_value())


CONTENT_KEY = "content:"
# What identifies a booking that comes without a transactionId. Not its timestamp: only what a statement shows.
CONTENT_FIELDS = (
    "bookDate",
    "valueDate",
    "amount",
    "currency",
    "mutationCode",
    "counterPartyAccountNumber",
    "counterPartyName",
    "descriptionLines",
)


def content_digest(booking: dict) -> str:
    """A SHA-256 of what a booking shows on a statement (amounts compared as cents: ``-18`` is ``-18.00``)."""
    shown = {name: booking.get(name) for name in CONTENT_FIELDS}
    shown["amount"] = cents(shown["amount"]) if shown["amount"] is not None else None
    shown["descriptionLines"] = list(shown["descriptionLines"] or [])
    text = json.dumps(shown, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def import_keys(bookings: list[dict]) -> list[tuple[str, dict]]:
    """Each booking (as the bank lists them, newest first) with the key it is imported under.

    The bank's ``transactionId`` when it sends one; otherwise ``content:<digest>:<n>``, where ``n`` counts the
    identical rows before it, oldest first. Identical rows share their book date and every run fetches whole
    book dates, so the oldest keeps ``0`` in every run and a later twin of the same day gets the next number.
    """
    seen: Counter[str] = Counter()
    keyed = []
    for booking in reversed(bookings):
        transaction_id = str(booking.get("transactionId") or "")
        if transaction_id:
            keyed.append((transaction_id, booking))
            continue
        digest = content_digest(booking)[:40]
        keyed.append((f"{CONTENT_KEY}{digest}:{seen[digest]}", booking))
        seen[digest] += 1
    keyed.reverse()
    return keyed


@dataclass(frozen=True)
class RunSummary:
    """What one link's import did."""

    link_id: int
    outcome: str
    fetched: int
    imported: int
    state: str
    error: str | None = None


class DailyImport(Service):
    """Verbs of the daily import."""

    def __init__(self, kernel: Kernel, *, bank: BankGateway, links: Links):
        super().__init__(kernel)
        self.bank = bank
        self.links = links
        # Recurring: the next day's run is stored when this one is claimed, so a run that dies ends no series.
        self.jobs.register(IMPORT_JOB, self._daily_job, every=self._next_import)

    def _next_import(self, due: dt.datetime) -> dt.datetime:
        hour, minute = self.settings.import_hour_minute
        return next_local_time(due, hour, minute)

    def _daily_job(self, payload: dict, now: dt.datetime) -> None:
        try:
            self.run_all(now=now)
        finally:
            self.links.end_series_when_unlinked(IMPORT_JOB)

    def run_all(self, *, now: dt.datetime | None = None, force: bool = False) -> list[RunSummary]:
        """Import every activated link whose first import is due (``force``: also those still waiting)."""
        now = now or self.clock.now()
        with self.db.reading() as session:
            link_ids = session.scalars(
                select(models.AccountLink.id)
                .where(models.AccountLink.state.in_(models.LINKED_STATES))
                .order_by(models.AccountLink.id)
            ).all()
        summaries = []
        for link_id in link_ids:
            try:
                summary = self.run_link(link_id, now=now, force=force)
            except Exception as exc:  # one link's surprise must not stop the others' import
                error = f"{type(exc).__name__}: {exc}"
                run = {"started_at": now, "book_date_from": None, "book_date_to": None, "refreshed": False, "pages": 0}
                self._record(link_id, run, outcome=RUN_FAILED, error=error)
                summary = RunSummary(link_id, RUN_FAILED, 0, 0, self.links.link(link_id).state, error)
            if summary is not None:
                summaries.append(summary)
        return summaries

    def run_link(self, link_id: int, *, now: dt.datetime | None = None, force: bool = False) -> RunSummary | None:
        """One link's import; None when the link is not activated or its first import is not due yet."""
        now = now or self.clock.now()
        link = self.links.link(link_id)
        if link.state not in models.LINKED_STATES:
            return None
        if not force and link.first_import_at is not None and link.first_import_at > now:
            return None
        today = local_date(now)
        oldest = months_back(today, HISTORY_MONTHS)
        date_from = max(link.import_from or today, oldest)
        run = {"started_at": now, "book_date_from": date_from, "book_date_to": today, "refreshed": False, "pages": 0}
        access_token = link.access_token
        try:
            if link.token_expires_at is None or link.token_expires_at <= now + REFRESH_MARGIN:
                access_token = self._refresh(link_id, link.refresh_token)
                run["refreshed"] = True
            try:
                bookings = self._fetch(access_token, link.iban, date_from, today, run)
            except errors.BankAccessEnded:
                if run["refreshed"]:
                    raise
                # A token the bank stopped accepting early (it was revoked with its consent, or rotated away):
                # one refresh tells a dead consent from a stale token.
                access_token = self._refresh(link_id, link.refresh_token)
                run["refreshed"] = True
                bookings = self._fetch(access_token, link.iban, date_from, today, run)
        except errors.BankAccessEnded as ended:
            state = self.links.access_ended(link_id, ended.developer_message, cause=ended.cause)
            self._record(link_id, run, outcome=RUN_ENDED, error=ended.developer_message)
            return RunSummary(link_id, RUN_ENDED, 0, 0, state, ended.developer_message)
        except errors.BankUnavailable as unavailable:
            state = self._failing(link_id, now, unavailable.developer_message, cause=unavailable.cause)
            self._record(link_id, run, outcome=RUN_FAILED, error=unavailable.developer_message)
            return RunSummary(link_id, RUN_FAILED, 0, 0, state, unavailable.developer_message)
        imported, state = self._store(link_id, bookings, run, now, today)
        return RunSummary(link_id, RUN_OK, len(bookings), imported, state)

    # --- talking to the bank (no database session open) --------------------------------------------

    def _refresh(self, link_id: int, refresh_token: str | None) -> str:
        pair = self.bank.refresh(refresh_token)
        # Stored at once: after rotation the old refresh token is dead, whatever happens next.
        with self.db.transaction() as session:
            link = session.get(models.AccountLink, link_id)
            link.access_token = pair.access_token
            link.refresh_token = pair.refresh_token
            link.token_expires_at = pair.expires_at
        return pair.access_token

    def _fetch(self, access_token: str, iban: str, date_from: dt.date, date_to: dt.date, run: dict) -> list[dict]:
        bookings: list[dict] = []
        key = None
        for _ in range(MAX_PAGES):
            page = self.bank.transactions_page(
                access_token, iban, book_date_from=date_from, book_date_to=date_to, next_page_key=key
            )
            run["pages"] += 1
            bookings.extend(page.get("transactions") or [])
            key = page.get("nextPageKey")
            if not key:
                return bookings
        raise errors.BankUnavailable(f"more than {MAX_PAGES} pages of transactions for {iban}")

    # --- storing -------------------------------------------------------------------------------------

    def _store(self, link_id: int, bookings: list[dict], run: dict, now: dt.datetime, today: dt.date):
        with self.db.transaction() as session:
            link = session.get(models.AccountLink, link_id)
            import_run = self._run_row(session, link_id, run, outcome=RUN_OK, fetched=len(bookings))
            wanted = dict(import_keys(bookings))
            known = set()
            if wanted:
                known = set(
                    session.scalars(
                        select(models.ImportedTransaction.bank_transaction_id).where(
                            models.ImportedTransaction.iban == link.iban,
                            models.ImportedTransaction.bank_transaction_id.in_(list(wanted)),
                        )
                    )
                )
            new = [(key, b) for key, b in wanted.items() if key not in known]
            # Oldest first, so ids follow the order the bank booked them in (it answers newest first, and a
            # frozen clock books many at one timestamp: reversing first keeps their order within a moment).
            new.reverse()
            new.sort(key=lambda item: (item[1].get("bookDate", ""), item[1].get("transactionTimestamp", "")))
            for key, booking in new:
                session.add(
                    models.ImportedTransaction(
                        uid=self.ids.uuid(),
                        link_id=link.id,
                        bank_account_id=link.bank_account_id,
                        iban=link.iban,
                        bank_transaction_id=key,
                        book_date=dt.date.fromisoformat(booking["bookDate"]),
                        transaction_timestamp=booking.get("transactionTimestamp"),
                        amount_cents=cents(booking["amount"]),
                        currency=booking.get("currency") or "EUR",
                        mutation_code=booking.get("mutationCode"),
                        description_lines=list(booking.get("descriptionLines") or []),
                        counterparty_name=booking.get("counterPartyName"),
                        counterparty_iban=booking.get("counterPartyAccountNumber"),
                        imported_at=now,
                        import_run_id=import_run.id,
                    )
                )
            import_run.imported = len(new)
            # The next run starts at today again: a booking made later today is fetched tomorrow, and the
            # ones already here are recognised by their transactionId.
            link.import_from = today
            link.last_import_at = now
            if new and link.active_since is None:
                link.active_since = now
                transition(session, link, models.LINK_ACTIVE, now, f"eerste transactie geïmporteerd ({len(new)} nieuw)")
                self._link_active_mail(session, link_id)
            elif link.state == models.LINK_FAILING:
                back = models.LINK_ACTIVE if link.active_since else models.LINK_ACTIVATED
                transition(session, link, back, now, f"ophalen hersteld ({len(new)} nieuw)")
            state = link.state
        self.links.outbox.flush()
        return len(new), state

    def _link_active_mail(self, session, link_id: int) -> None:
        link = self.links.load(session, link_id)
        eaccounting = MailLink("eaccounting", "Bekijk de transacties in eAccounting", self.links.eaccounting_url(link))
        self.links.mail(session, link, "link_active", [eaccounting])

    def _failing(self, link_id: int, now: dt.datetime, detail: str, *, cause: str) -> str:
        with self.db.transaction() as session:
            link = self.links.load(session, link_id)
            if link.state != models.LINK_FAILING:
                transition(session, link, models.LINK_FAILING, now, f"ophalen mislukt: {detail[:200]}")
                self.links.mail(session, link, "import_failing", [], failed_at=now, reason=cause)
            state = link.state
        self.links.outbox.flush()
        return state

    def _record(self, link_id: int, run: dict, *, outcome: str, error: str | None) -> None:
        with self.db.transaction() as session:
            self._run_row(session, link_id, run, outcome=outcome, fetched=0, error=error)

    def _run_row(self, session, link_id: int, run: dict, *, outcome: str, fetched: int, error: str | None = None):
        row = models.ImportRun(
            link_id=link_id,
            started_at=run["started_at"],
            book_date_from=run["book_date_from"],
            book_date_to=run["book_date_to"],
            outcome=outcome,
            pages=run["pages"],
            fetched=fetched,
            imported=0,
            refreshed=run["refreshed"],
            error=error,
        )
        session.add(row)
        session.flush()
        return row

    # --- reading ------------------------------------------------------------------------------------

    def runs(self, *, iban: str | None = None, limit: int = 100) -> list[tuple[models.ImportRun, str]]:
        """The latest import runs (newest first) with their link's IBAN."""
        query = (
            select(models.ImportRun, models.AccountLink.iban)
            .join(models.AccountLink, models.AccountLink.id == models.ImportRun.link_id)
            .order_by(models.ImportRun.id.desc())
            .limit(limit)
        )
        if iban:
            query = query.where(models.AccountLink.iban == iban.replace(" ", "").upper())
        with self.db.reading() as session:
            return [(run, link_iban) for run, link_iban in session.execute(query)]

    def transactions(
        self, bank_account_id: int, *, date_from: dt.date | None = None, date_to: dt.date | None = None
    ) -> list[models.ImportedTransaction]:
        """The imported bookings of an eAccounting bank account, oldest first, within the dates given."""
        query = select(models.ImportedTransaction).where(models.ImportedTransaction.bank_account_id == bank_account_id)
        if date_from:
            query = query.where(models.ImportedTransaction.book_date >= date_from)
        if date_to:
            query = query.where(models.ImportedTransaction.book_date <= date_to)
        query = query.order_by(models.ImportedTransaction.book_date, models.ImportedTransaction.id)
        with self.db.reading() as session:
            return list(session.scalars(query))

    def transaction(self, bank_account_id: int, uid: str) -> models.ImportedTransaction:
        """One imported booking of an account, or ``NotFound``."""
        with self.db.reading() as session:
            row = session.scalar(
                select(models.ImportedTransaction).where(
                    models.ImportedTransaction.bank_account_id == bank_account_id,
                    models.ImportedTransaction.uid == uid,
                )
            )
        if row is None:
            raise errors.NotFound(f"no bank transaction {uid}", message="Deze banktransactie bestaat niet.")
        return row
