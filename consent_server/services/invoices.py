"""eAccounting's customers (with IBAN and direct-debit mandate) and sales invoices, as a service object.

Only what "Incasso-opdracht versturen" needs: a customer's IBAN and mandate (eAccounting's
``DirectDebitCustomerSettings``), and invoices whose rows add up to an exact amount in cents.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal
from decimal import InvalidOperation

from schwifty import IBAN
from sqlalchemy import func
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consent_server import errors
from consent_server import models
from consent_server.services.base import Service

PAYMENT_DAYS = 14
FIRST_CUSTOMER_NUMBER = 1001
FIRST_INVOICE_NUMBER = 1
# SEPA's restricted Latin set for mandate ids (Max35Text).
_MANDATE_ID = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")


@dataclass(frozen=True)
class DirectDebitSettings:
    """A customer's mandate: id, type (Core 1, B2B 2), sequence (recurring 1, final 2, one-off 3), signed on."""

    mandate_id: str
    signing_date: dt.date
    mandate_type: int = models.MANDATE_CORE
    sequence_type: int = models.SEQUENCE_RECURRING


@dataclass(frozen=True)
class CustomerInput:
    """A new customer, as the API or a page gives it."""

    name: str
    customer_number: str | None = None
    email: str | None = None
    is_private_person: bool = False
    iban: str | None = None
    direct_debit: DirectDebitSettings | None = None


@dataclass(frozen=True)
class InvoiceRow:
    """One row: text, unit price and quantity (amounts to pay, VAT included)."""

    text: str
    unit_price: Decimal
    quantity: Decimal = Decimal(1)


@dataclass(frozen=True)
class InvoiceInput:
    """A new sales invoice for a customer."""

    customer_uid: str
    rows: tuple[InvoiceRow, ...]
    invoice_date: dt.date | None = None
    due_date: dt.date | None = None


def _invalid(developer: str, message: str, field: str) -> errors.ValidationFailed:
    return errors.ValidationFailed(developer, message=message, field=field)


class Invoicing(Service):
    """Verbs of customers and sales invoices."""

    # --- customers ---------------------------------------------------------------------------------------

    def create_customer(self, administration_id: int, data: CustomerInput) -> models.Customer:
        """A customer; with a mandate it needs an IBAN, and the mandate is signed no later than today."""
        name = (data.name or "").strip()
        if not name or len(name) > 50:
            raise _invalid("Name is required, at most 50 characters", "Vul een naam in (maximaal 50 tekens).", "Name")
        iban = None
        if data.iban:
            try:
                iban = str(IBAN(data.iban))
            except ValueError as exc:
                raise _invalid(f"Iban is not valid: {exc}", "Vul een geldig IBAN in.", "Iban") from exc
        mandate = data.direct_debit
        if mandate is not None:
            if iban is None:
                raise _invalid("a mandate needs the customer's Iban", "Vul het IBAN van de klant in.", "Iban")
            if not _MANDATE_ID.match(mandate.mandate_id or ""):
                raise _invalid(
                    "MandateId is 1 to 35 of A-Z a-z 0-9 / - ? : ( ) . , ' + space",
                    "Vul een geldig machtigingskenmerk in.",
                    "DirectDebitCustomerSettings.MandateId",
                )
            if mandate.signing_date > self.clock.today():
                raise _invalid(
                    "SigningDate is after today",
                    "De machtiging kan niet in de toekomst getekend zijn.",
                    "DirectDebitCustomerSettings.SigningDate",
                )
            if mandate.mandate_type not in (models.MANDATE_CORE, models.MANDATE_B2B):
                raise _invalid("MandateType is 1 (Core) or 2 (B2B)", "Kies een soort machtiging.", "MandateType")
            if mandate.sequence_type not in (
                models.SEQUENCE_RECURRING,
                models.SEQUENCE_RECURRING_FINAL,
                models.SEQUENCE_ONE_OFF,
            ):
                raise _invalid("SequenceType is 1, 2 or 3", "Kies doorlopend of eenmalig.", "SequenceType")
        with self.db.transaction() as session:
            self._administration(session, administration_id)
            number = data.customer_number or self._next_customer_number(session, administration_id)
            taken = session.scalar(
                select(models.Customer.id).where(
                    models.Customer.administration_id == administration_id, models.Customer.customer_number == number
                )
            )
            if taken:
                raise _invalid(f"CustomerNumber {number} is taken", "Dit klantnummer bestaat al.", "CustomerNumber")
            customer = models.Customer(
                uid=self.ids.uuid(),
                administration_id=administration_id,
                customer_number=number,
                name=name,
                email=data.email,
                is_private_person=data.is_private_person,
                iban=iban,
                mandate_id=mandate.mandate_id if mandate else None,
                mandate_type=mandate.mandate_type if mandate else None,
                sequence_type=mandate.sequence_type if mandate else None,
                signing_date=mandate.signing_date if mandate else None,
                created_at=self.clock.now(),
            )
            session.add(customer)
            session.flush()
            return customer

    @staticmethod
    def _next_customer_number(session, administration_id: int) -> str:
        numbers = session.scalars(
            select(models.Customer.customer_number).where(models.Customer.administration_id == administration_id)
        )
        digits = [int(n) for n in numbers if n.isdigit()]
        return str(max(digits, default=FIRST_CUSTOMER_NUMBER - 1) + 1)

    def customers(self, administration_id: int) -> list[models.Customer]:
        """The administration's customers by number."""
        with self.db.reading() as session:
            return list(
                session.scalars(
                    select(models.Customer)
                    .where(models.Customer.administration_id == administration_id)
                    .order_by(models.Customer.id)
                )
            )

    def customer(self, administration_id: int, uid: str) -> models.Customer:
        """One customer of the administration, or ``NotFound``."""
        with self.db.reading() as session:
            return self._customer(session, administration_id, uid)

    @staticmethod
    def _customer(session, administration_id: int, uid: str) -> models.Customer:
        customer = session.scalar(select(models.Customer).where(models.Customer.uid == uid))
        if customer is None or customer.administration_id != administration_id:
            raise errors.NotFound(f"no customer {uid}", message="Deze klant bestaat niet.")
        return customer

    # --- invoices ----------------------------------------------------------------------------------------

    def create_invoice(self, administration_id: int, data: InvoiceInput) -> models.CustomerInvoice:
        """A sales invoice: the next number, today's date by default, due in 14 days; rows in exact cents."""
        if not data.rows:
            raise _invalid("an invoice needs at least one row", "Voeg minstens een regel toe.", "Rows")
        total = Decimal(0)
        rows = []
        for index, row in enumerate(data.rows, start=1):
            try:
                amount = row.unit_price * row.quantity
            except (InvalidOperation, TypeError) as exc:
                raise _invalid(f"row {index} has no amount", "Vul een prijs en aantal in.", "Rows") from exc
            if amount != amount.quantize(Decimal("0.01")):
                raise _invalid(
                    f"row {index}: {row.unit_price} x {row.quantity} is not a whole number of cents",
                    "Een regel moet op hele centen uitkomen.",
                    "Rows",
                )
            total += amount
            rows.append(
                {
                    "LineNumber": index,
                    "Text": row.text,
                    "UnitPrice": str(row.unit_price),
                    "Quantity": str(row.quantity),
                }
            )
        if total <= 0:
            raise _invalid("the invoice total must be positive", "Het totaal moet meer dan nul zijn.", "Rows")
        today = self.clock.today()
        invoice_date = data.invoice_date or today
        due_date = data.due_date or invoice_date + dt.timedelta(days=PAYMENT_DAYS)
        if due_date < invoice_date:
            raise _invalid("DueDate is before InvoiceDate", "De vervaldatum ligt voor de factuurdatum.", "DueDate")
        with self.db.transaction() as session:
            customer = self._customer(session, administration_id, data.customer_uid)
            last = session.scalar(
                select(func.max(models.CustomerInvoice.invoice_number)).where(
                    models.CustomerInvoice.administration_id == administration_id
                )
            )
            cents = int(total * 100)
            invoice = models.CustomerInvoice(
                uid=self.ids.uuid(),
                administration_id=administration_id,
                customer_id=customer.id,
                invoice_number=(last or FIRST_INVOICE_NUMBER - 1) + 1,
                invoice_date=invoice_date,
                due_date=due_date,
                rows=rows,
                total_cents=cents,
                remaining_cents=cents,
                status=models.INVOICE_OPEN,
                created_at=self.clock.now(),
            )
            session.add(invoice)
            session.flush()
            session.refresh(invoice, ["customer", "order"])
            return invoice

    def invoices(self, administration_id: int, *, status: str | None = None) -> list[models.CustomerInvoice]:
        """The administration's invoices by number, with customer and order."""
        query = (
            select(models.CustomerInvoice)
            .where(models.CustomerInvoice.administration_id == administration_id)
            .order_by(models.CustomerInvoice.invoice_number)
            .options(selectinload(models.CustomerInvoice.customer), selectinload(models.CustomerInvoice.order))
        )
        if status:
            query = query.where(models.CustomerInvoice.status == status)
        with self.db.reading() as session:
            return list(session.scalars(query))

    def invoice(self, administration_id: int, uid: str) -> models.CustomerInvoice:
        """One invoice of the administration, or ``NotFound``."""
        with self.db.reading() as session:
            invoice = session.scalar(
                select(models.CustomerInvoice)
                .where(models.CustomerInvoice.uid == uid)
                .options(selectinload(models.CustomerInvoice.customer), selectinload(models.CustomerInvoice.order))
            )
            if invoice is None or invoice.administration_id != administration_id:
                raise errors.NotFound(f"no customer invoice {uid}", message="Deze factuur bestaat niet.")
            return invoice

    @staticmethod
    def _administration(session, administration_id: int) -> models.Administration:
        administration = session.get(models.Administration, administration_id)
        if administration is None:
            raise errors.NotFound(f"no administration {administration_id}")
        return administration
