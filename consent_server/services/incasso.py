"""eAccounting's "Incasso-opdracht versturen": open sales invoices collected by SEPA direct debit from a linked
ABN AMRO account, through the bank's payment initiation API, and matched to the bookings the daily import brings.

An order needs the bank's consent to send direct-debit files for the account (``psd2:payment:batchsdd:write``,
a consent of its own: ABN AMRO does not combine it with the account-information consent of the link). Without
one, the user is sent to the bank first; the bank sends them back to the portal's redirect URI, and the order
goes out with the consent's token. The SDK builds the pain.008 file (``client_sdk.sepa``, on ``sepaxml``) and
sends it; the holder then signs the batch in the bank's task list. ABN AMRO has no status call for batches:
after the collection date the daily import brings the batch's booking (``Kenmerk`` = the file's ``PmtInfId``:
the order's invoices are paid) and, later, stornos (``Kenmerk`` = the invoice number, ``Reden`` = the return
reason: that invoice is open again, with the reason). Every bank call is made with no database session open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from schwifty import IBAN
from schwifty.checksum import ISO7064_mod97_10
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from client_sdk import errors as sdk
from client_sdk.abnamro import BATCH_SDD_SCOPES
from client_sdk.models import TokenSet
from client_sdk.sepa import DirectDebitInvoice
from client_sdk.sepa import direct_debit_file
from consent_server import errors
from consent_server import models
from consent_server.services.bank import BankGateway
from consent_server.services.base import Kernel
from consent_server.services.base import Service
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import add_business_days
from mockbank.sim.calendar import next_local_time

MATCH_JOB = "incasso.match"
# Returns come up to eight weeks after the collection (MD06): orders are watched that long, and a little more.
WATCH_DAYS = 60
# The bank needs a file one TARGET2 day before the collection (before its 12:30 cut-off); two leave room.
LEAD_TARGET2_DAYS = 2
SEQUENCE_CODES = {
    models.SEQUENCE_RECURRING: "RCUR",
    models.SEQUENCE_RECURRING_FINAL: "FNAL",
    models.SEQUENCE_ONE_OFF: "OOFF",
}
CONSENT_PENDING = "pending"
CONSENT_VALID = "valid"
CONSENT_ENDED = "ended"
REFRESH_MARGIN = dt.timedelta(minutes=1)
BATCH_LINE = "SEPA Incasso batch"
STORNO_LINE = "SEPA Incasso storno"


@dataclass(frozen=True)
class OrderStart:
    """A new order, and where to send the user when the bank's consent is needed first (else None)."""

    order: models.DirectDebitOrder
    bank_consent_url: str | None


def creditor_identifier(kvk_number: str) -> str:
    """The Dutch SEPA creditor identifier of a company: ``NLkkZZZ`` + KvK number + ``0000`` (ISO 7064 check)."""
    national = f"{kvk_number}0000"
    return f"NL{ISO7064_mod97_10().compute([national + 'NL'])}ZZZ{national}"


def _line_value(lines: list[str], label: str) -> str | None:
    for line in lines:
        name, _, value = line.partition(":")
        if name.strip().lower() == label and value.strip():
            return value.strip()
    return None


class DirectDebitCollections(Service):
    """Verbs of direct-debit orders."""

    def __init__(self, kernel: Kernel, *, bank: BankGateway):
        super().__init__(kernel)
        self.bank = bank
        self.jobs.register(MATCH_JOB, self._match_job, every=self._next_match)

    # --- starting an order -------------------------------------------------------------------------------

    def start(
        self,
        administration_id: int,
        *,
        bank_account_uid: str,
        invoice_uids: list[str],
        redirect_uri: str,
        collection_date: dt.date | None = None,
    ) -> OrderStart:
        """Collect these open invoices from this linked account: send at once with a valid consent of the bank,
        else answer the bank's consent URL to send the user to first."""
        now = self.clock.now()
        today = now.astimezone(AMSTERDAM).date()
        # The bank judges a date that is too soon (and moves one without TARGET2): the portal only wants a future one.
        if collection_date is not None and collection_date <= today:
            raise errors.ValidationFailed(
                f"CollectionDate {collection_date} is not after today",
                message="Kies een incassodatum na vandaag.",
                field="CollectionDate",
            )
        earliest = add_business_days(today, LEAD_TARGET2_DAYS, "target2")
        with self.db.transaction() as session:
            administration = session.get(models.Administration, administration_id)
            account = self._linked_account(session, administration_id, bank_account_uid)
            if not administration.kvk_number:
                raise errors.Conflict(
                    "the administration has no KvK number for its creditor identifier",
                    message="Vul het KvK-nummer van de administratie in: het is de basis van je incassant-ID.",
                )
            invoices = self._collectable(session, administration_id, invoice_uids)
            order = models.DirectDebitOrder(
                uid=self.ids.uuid(),
                administration_id=administration_id,
                bank_account_id=account.id,
                iban=account.iban,
                status=models.ORDER_CONSENT,
                collection_date=collection_date or earliest,
                total_cents=sum(i.total_cents for i in invoices),
                count=len(invoices),
                message_id=f"EAC{self.ids.digits(12)}",
                payment_info_id=f"INC{self.ids.digits(12)}",
                file_name="incasso.xml",
                problems=[],
                created_at=now,
            )
            session.add(order)
            session.flush()
            order.file_name = f"incasso-{order.id}.xml"[:18]
            for invoice in invoices:
                invoice.status = models.INVOICE_COLLECTING
                invoice.order_id = order.id
            consent = self._valid_consent(session, administration_id, account.iban, now)
            order_id = order.id
            state = None
            if consent is None:
                state = self._ask_consent(session, administration_id, account.iban, order_id)
        if state is None:
            self.send(order_id)
            return OrderStart(self.order(administration_id, self.order_uid(order_id)), None)
        # Built after the commit: the SDK's client reads the stored credentials in a session of its own.
        url = self.bank.client(redirect_uri=redirect_uri).authorization_url(BATCH_SDD_SCOPES, state=state)
        return OrderStart(self.order(administration_id, self.order_uid(order_id)), url)

    def _linked_account(self, session, administration_id: int, uid: str) -> models.BankAccount:
        account = session.scalar(select(models.BankAccount).where(models.BankAccount.uid == uid))
        if account is None or account.administration_id != administration_id:
            raise errors.NotFound(f"no bank account {uid}", message="Deze rekening bestaat niet.")
        link = session.scalar(
            select(models.AccountLink).where(
                models.AccountLink.bank_account_id == account.id,
                models.AccountLink.state.in_(models.LINKED_STATES),
            )
        )
        if link is None or not account.iban or IBAN(account.iban).bank_code != "ABNA":
            raise errors.Conflict(
                f"bank account {uid} has no active ABN AMRO bank connection",
                message="Incasso-opdrachten gaan via de bankkoppeling: activeer eerst de koppeling van deze rekening.",
                field="BankAccountId",
            )
        return account

    def _collectable(self, session, administration_id: int, uids: list[str]) -> list[models.CustomerInvoice]:
        if not uids:
            raise errors.ValidationFailed(
                "no invoices chosen", message="Kies de facturen die je wilt incasseren.", field="InvoiceIds"
            )
        invoices = list(
            session.scalars(
                select(models.CustomerInvoice)
                .where(models.CustomerInvoice.uid.in_(list(dict.fromkeys(uids))))
                .options(selectinload(models.CustomerInvoice.customer))
                .with_for_update()
            )
        )
        found = {i.uid for i in invoices if i.administration_id == administration_id}
        missing = [uid for uid in uids if uid not in found]
        if missing:
            raise errors.NotFound(f"no customer invoice {missing[0]}", message="Deze factuur bestaat niet.")
        sequences = set()
        for invoice in invoices:
            customer = invoice.customer
            if invoice.status != models.INVOICE_OPEN and invoice.status != models.INVOICE_RETURNED:
                raise errors.Conflict(
                    f"invoice {invoice.invoice_number} is {invoice.status}",
                    message=f"Factuur {invoice.invoice_number} staat niet open.",
                    field="InvoiceIds",
                )
            if not (customer.iban and customer.mandate_id and customer.signing_date):
                raise errors.Conflict(
                    f"customer {customer.customer_number} has no IBAN and mandate",
                    message=f"{customer.name} heeft geen IBAN en machtiging: incasseren kan niet.",
                    field="InvoiceIds",
                )
            sequences.add(customer.sequence_type or models.SEQUENCE_RECURRING)
        if len(sequences) > 1:
            raise errors.Conflict(
                "one sequence type per order",
                message="Kies facturen van klanten met dezelfde soort machtiging (doorlopend of eenmalig).",
                field="InvoiceIds",
            )
        return sorted(invoices, key=lambda i: i.invoice_number)

    # --- the bank's consent --------------------------------------------------------------------------------

    def _valid_consent(self, session, administration_id: int, iban: str, now: dt.datetime):
        return session.scalar(
            select(models.PaymentConsent)
            .where(
                models.PaymentConsent.administration_id == administration_id,
                models.PaymentConsent.iban == iban,
                models.PaymentConsent.status == CONSENT_VALID,
                models.PaymentConsent.valid_until > now,
            )
            .order_by(models.PaymentConsent.id.desc())
        )

    def _ask_consent(self, session, administration_id: int, iban: str, order_id: int) -> str:
        """A pending consent round trip for the order; its ``state`` goes to the bank."""
        state = self.ids.token(32)
        session.add(
            models.PaymentConsent(
                administration_id=administration_id,
                iban=iban,
                state=state,
                order_id=order_id,
                status=CONSENT_PENDING,
                created_at=self.clock.now(),
            )
        )
        return state

    def owns_state(self, state: str | None) -> bool:
        """Whether a return from the bank (``state``) belongs to a direct-debit consent."""
        if not state:
            return False
        with self.db.reading() as session:
            return (
                session.scalar(select(models.PaymentConsent.id).where(models.PaymentConsent.state == state)) is not None
            )

    def complete_consent(
        self, *, state: str, code: str | None, error: str | None, redirect_uri: str
    ) -> models.DirectDebitOrder:
        """The bank sent the user back: keep the consent's tokens and send the waiting order (or cancel it)."""
        with self.db.transaction() as session:
            consent = session.scalar(select(models.PaymentConsent).where(models.PaymentConsent.state == state))
            if consent is None or consent.status != CONSENT_PENDING:
                raise errors.Conflict(
                    "unknown or used state", message="Deze terugkeer van de bank is ongeldig of al verwerkt."
                )
            consent.status = CONSENT_ENDED
            consent_id, order_id, iban = consent.id, consent.order_id, consent.iban
            administration_id = consent.administration_id
        if error or not code:
            self._give_up(order_id, "Je hebt de toestemming bij de bank geannuleerd. Er is niets verstuurd.")
            return self.order(administration_id, self.order_uid(order_id))
        grant = self.bank.exchange(code, redirect_uri=redirect_uri)
        if grant.iban != iban:
            self._give_up(
                order_id, f"De bank gaf toestemming voor {grant.iban}, niet voor {iban}. Er is niets verstuurd."
            )
            return self.order(administration_id, self.order_uid(order_id))
        with self.db.transaction() as session:
            consent = session.get(models.PaymentConsent, consent_id)
            consent.status = CONSENT_VALID
            consent.access_token = grant.access_token
            consent.refresh_token = grant.refresh_token
            consent.token_expires_at = grant.expires_at
            consent.valid_until = grant.valid_until or self.clock.now() + dt.timedelta(days=90)
        self.send(order_id)
        return self.order(administration_id, self.order_uid(order_id))

    def _access_token(self, administration_id: int, iban: str) -> str | None:
        """A usable access token of the account's consent (refreshed, and its rotation stored, when due)."""
        now = self.clock.now()
        with self.db.reading() as session:
            consent = self._valid_consent(session, administration_id, iban, now)
            if consent is None:
                return None
            consent_id, access, refresh, expires = (
                consent.id,
                consent.access_token,
                consent.refresh_token,
                consent.token_expires_at,
            )
        if expires is not None and expires > now + REFRESH_MARGIN:
            return access
        try:
            pair = self.bank.refresh(refresh)
        except errors.BankAccessEnded:
            with self.db.transaction() as session:
                session.get(models.PaymentConsent, consent_id).status = CONSENT_ENDED
            return None
        with self.db.transaction() as session:
            consent = session.get(models.PaymentConsent, consent_id)
            consent.access_token, consent.refresh_token = pair.access_token, pair.refresh_token
            consent.token_expires_at = pair.expires_at
        return pair.access_token

    # --- sending -----------------------------------------------------------------------------------------

    def send(self, order_id: int) -> models.DirectDebitOrder:
        """Build the pain.008 file and send it with the consent's token: ``sent``, ``rejected`` or ``failed``."""
        with self.db.reading() as session:
            order = session.scalar(
                select(models.DirectDebitOrder)
                .where(models.DirectDebitOrder.id == order_id)
                .options(selectinload(models.DirectDebitOrder.invoices).selectinload(models.CustomerInvoice.customer))
            )
            administration = session.get(models.Administration, order.administration_id)
            xml = self._file(order, administration)
            administration_id, iban, file_name = order.administration_id, order.iban, order.file_name
        token = self._access_token(administration_id, iban)
        if token is None:
            self._give_up(
                order_id, "De toestemming van de bank om incasso's te versturen is verlopen. Verstuur opnieuw."
            )
            return self.order(administration_id, self.order_uid(order_id))
        client = self.bank.client(tokens=TokenSet(access_token=token))
        try:
            receipt = client.send_direct_debit_batch(xml, file_name=file_name)
        except sdk.BankApiError as exc:
            self._give_up(order_id, f"De bank nam de opdracht niet aan: {exc.message}")
            return self.order(administration_id, self.order_uid(order_id))
        with self.db.transaction() as session:
            order = session.get(models.DirectDebitOrder, order_id)
            if receipt.received:
                order.status = models.ORDER_SENT
                order.sent_at = self.clock.now()
                order.bank_batch_id = receipt.id
                order.bank_hash = receipt.hash
                order.authorization_url = receipt.authorization_url
                hour, minute = self.settings.import_hour_minute
                first = next_local_time(self.clock.now(), hour, minute) + dt.timedelta(minutes=30)
                self.jobs.ensure_scheduled(MATCH_JOB, first, session=session)
            else:
                order.problems = [{"element": p.element, "message": p.message} for p in receipt.problems]
                self._reopen(session, order, models.ORDER_REJECTED)
        return self.order(administration_id, self.order_uid(order_id))

    def _file(self, order: models.DirectDebitOrder, administration: models.Administration) -> bytes:
        first = order.invoices[0].customer
        return direct_debit_file(
            creditor_name=administration.company_name[:70],
            creditor_iban=order.iban,
            creditor_bic=str(IBAN(order.iban).bic),
            creditor_id=creditor_identifier(administration.kvk_number),
            collection_date=order.collection_date,
            sequence_type=SEQUENCE_CODES.get(first.sequence_type or models.SEQUENCE_RECURRING, "RCUR"),
            invoices=[
                DirectDebitInvoice(
                    number=str(invoice.invoice_number),
                    amount=f"{invoice.total_cents // 100}.{invoice.total_cents % 100:02d}",
                    debtor_name=invoice.customer.name,
                    debtor_iban=invoice.customer.iban,
                    mandate_id=invoice.customer.mandate_id,
                    mandate_date=invoice.customer.signing_date,
                    description=f"Factuur {invoice.invoice_number}",
                )
                for invoice in order.invoices
            ],
            message_id=order.message_id,
            payment_info_id=order.payment_info_id,
            created_at=order.created_at,
        )

    def _give_up(self, order_id: int, message: str) -> None:
        with self.db.transaction() as session:
            order = session.get(models.DirectDebitOrder, order_id)
            order.problems = [{"element": "", "message": message}]
            self._reopen(session, order, models.ORDER_FAILED)

    @staticmethod
    def _reopen(session, order: models.DirectDebitOrder, status: str) -> None:
        order.status = status
        for invoice in session.scalars(
            select(models.CustomerInvoice).where(models.CustomerInvoice.order_id == order.id)
        ):
            invoice.status = models.INVOICE_OPEN

    # --- matching the imported bookings ----------------------------------------------------------------------

    def _next_match(self, due: dt.datetime) -> dt.datetime:
        hour, minute = self.settings.import_hour_minute
        return next_local_time(due, hour, minute) + dt.timedelta(minutes=30)

    def _match_job(self, payload: dict, now: dt.datetime) -> None:
        if not self.match(now=now):
            self.jobs.cancel(MATCH_JOB, lambda job: True)

    def match(self, *, now: dt.datetime | None = None) -> int:
        """Match the imported bookings to sent orders and their invoices; returns how many orders are still
        watched (sent, or settled less than eight weeks and a bit ago)."""
        now = now or self.clock.now()
        today = now.astimezone(AMSTERDAM).date()
        watched = 0
        with self.db.transaction() as session:
            orders = session.scalars(
                select(models.DirectDebitOrder)
                .where(models.DirectDebitOrder.status.in_([models.ORDER_SENT, models.ORDER_SETTLED]))
                .options(selectinload(models.DirectDebitOrder.invoices))
            ).all()
            for order in orders:
                if order.status == models.ORDER_SETTLED and order.settled_on < today - dt.timedelta(days=WATCH_DAYS):
                    continue
                watched += 1
                bookings = session.scalars(
                    select(models.ImportedTransaction)
                    .where(
                        models.ImportedTransaction.bank_account_id == order.bank_account_id,
                        models.ImportedTransaction.book_date >= order.collection_date,
                    )
                    .order_by(models.ImportedTransaction.id)
                ).all()
                self._match_order(order, bookings)
        return watched

    @staticmethod
    def _match_order(order: models.DirectDebitOrder, bookings) -> None:
        by_number = {str(i.invoice_number): i for i in order.invoices}
        for booking in bookings:
            lines = list(booking.description_lines or [])
            first = lines[0] if lines else ""
            reference = _line_value(lines, "kenmerk")
            if first == BATCH_LINE and reference == order.payment_info_id and order.status == models.ORDER_SENT:
                order.status = models.ORDER_SETTLED
                order.settled_on = booking.book_date
                for invoice in order.invoices:
                    if invoice.status == models.INVOICE_COLLECTING:
                        invoice.status = models.INVOICE_PAID
                        invoice.remaining_cents = 0
                        invoice.paid_on = booking.book_date
            elif first == STORNO_LINE and reference in by_number:
                invoice = by_number[reference]
                if invoice.status == models.INVOICE_PAID and invoice.returned_on is None:
                    reason = (_line_value(lines, "reden") or "").split(" ")[0]
                    invoice.status = models.INVOICE_RETURNED
                    invoice.remaining_cents = invoice.total_cents
                    invoice.return_reason = reason[:4] or None
                    invoice.returned_on = booking.book_date

    # --- reading ------------------------------------------------------------------------------------------

    def orders(self, administration_id: int) -> list[models.DirectDebitOrder]:
        """The administration's orders, newest first."""
        with self.db.reading() as session:
            return list(
                session.scalars(
                    select(models.DirectDebitOrder)
                    .where(models.DirectDebitOrder.administration_id == administration_id)
                    .order_by(models.DirectDebitOrder.id.desc())
                    .options(
                        selectinload(models.DirectDebitOrder.invoices).selectinload(models.CustomerInvoice.customer),
                        selectinload(models.DirectDebitOrder.bank_account),
                    )
                )
            )

    def order(self, administration_id: int, uid: str) -> models.DirectDebitOrder:
        """One order with its invoices, or ``NotFound``."""
        with self.db.reading() as session:
            order = session.scalar(
                select(models.DirectDebitOrder)
                .where(models.DirectDebitOrder.uid == uid)
                .options(
                    selectinload(models.DirectDebitOrder.invoices).selectinload(models.CustomerInvoice.customer),
                    selectinload(models.DirectDebitOrder.bank_account),
                )
            )
            if order is None or order.administration_id != administration_id:
                raise errors.NotFound(f"no direct-debit order {uid}", message="Deze incasso-opdracht bestaat niet.")
            return order

    def order_uid(self, order_id: int) -> str:
        """An order's uid by its row id."""
        with self.db.reading() as session:
            return session.get(models.DirectDebitOrder, order_id).uid
