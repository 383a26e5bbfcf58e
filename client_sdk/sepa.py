"""Direct-debit files (pain.008.001.02) for invoices, built with ``sepaxml`` (a library of its own, so a file the
bank accepts here is one any accounting package could have written).

``sepaxml`` draws its message and batch ids from a random source and dates the file by the wall clock; pass
``message_id``, ``payment_info_id`` and ``created_at`` (the world's clock) to get the same bytes for the same
invoices, and to recognise the batch's booking later (ABN AMRO's batch line carries the ``PmtInfId`` as Kenmerk).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from sepaxml import SepaDD

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
SCHEMA = "pain.008.001.02"
SEQUENCE_TYPES = ("FRST", "RCUR", "OOFF", "FNAL")
# SEPA's Max35Text in the restricted Latin set: ids go into the file as they are.
_ID = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")


@dataclass(frozen=True)
class DirectDebitInvoice:
    """One invoice to collect: ``number`` becomes the EndToEndId (and the Kenmerk on the debtor's statement)."""

    number: str
    amount: Decimal | str | int
    debtor_name: str
    debtor_iban: str
    mandate_id: str
    mandate_date: dt.date
    description: str = ""
    debtor_bic: str | None = None


def _cents(value) -> int:
    if isinstance(value, float) or isinstance(value, bool):
        raise TypeError("pass money as Decimal or str, not float")
    amount = Decimal(str(value))
    if not amount.is_finite() or amount <= 0 or amount != amount.quantize(Decimal("0.01")):
        raise ValueError(f"not a positive amount in cents: {value!r}")
    return int(amount * 100)


def _checked_id(name: str, value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"{name} must be 1 to 35 of A-Z a-z 0-9 / - ? : ( ) . , ' + space: {value!r}")
    return value


def _local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(AMSTERDAM) if moment.tzinfo else moment


def direct_debit_file(
    *,
    creditor_name: str,
    creditor_iban: str,
    creditor_id: str,
    collection_date: dt.date,
    invoices: Iterable[DirectDebitInvoice],
    creditor_bic: str = "ABNANL2A",
    sequence_type: str = "RCUR",
    message_id: str | None = None,
    payment_info_id: str | None = None,
    created_at: dt.datetime | None = None,
) -> bytes:
    """A pain.008.001.02 file with one batch collecting ``invoices`` on ``collection_date``, validated by ``sepaxml``
    against the XSD; amounts in ``Decimal`` or ``str`` (never float)."""
    if sequence_type not in SEQUENCE_TYPES:
        raise ValueError(f"sequence_type is one of {', '.join(SEQUENCE_TYPES)}")
    invoices = list(invoices)
    if not invoices:
        raise ValueError("a direct-debit file needs at least one invoice")
    config = {
        "name": creditor_name,
        "IBAN": creditor_iban.replace(" ", "").upper(),
        "BIC": creditor_bic,
        "batch": True,
        "creditor_id": creditor_id,
        "currency": "EUR",
    }
    sepa = SepaDD(config, schema=SCHEMA, clean=True)
    for invoice in invoices:
        payment = {
            "name": invoice.debtor_name,
            "IBAN": invoice.debtor_iban.replace(" ", "").upper(),
            "amount": _cents(invoice.amount),
            "type": sequence_type,
            "collection_date": collection_date,
            "mandate_id": _checked_id("mandate_id", invoice.mandate_id),
            "mandate_date": invoice.mandate_date,
            "description": invoice.description or invoice.number,
            "endtoend_id": _checked_id("number", invoice.number),
        }
        if invoice.debtor_bic:
            payment["BIC"] = invoice.debtor_bic
        sepa.add_payment(payment)
    xml = sepa.export(validate=True)
    # One batch per file, so each of these elements occurs once: replace sepaxml's random and wall-clock values.
    replacements = {
        "MsgId": _checked_id("message_id", message_id) if message_id else None,
        "PmtInfId": _checked_id("payment_info_id", payment_info_id) if payment_info_id else None,
        "CreDtTm": _local(created_at).strftime("%Y-%m-%dT%H:%M:%S") if created_at else None,
    }
    for tag, value in replacements.items():
        if value is not None:
            xml, count = re.subn(rf"<{tag}>[^<]*</{tag}>".encode(), f"<{tag}>{value}</{tag}>".encode(), xml)
            if count != 1:
                raise AssertionError(f"expected one {tag} in sepaxml's output, found {count}")
    return xml
