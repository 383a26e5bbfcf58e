"""Reading a direct-debit file as ABN AMRO takes it: base64 of a gzip of a pain.008.001.02 XML document.

``decode`` unpacks ``fileData`` (errors of the envelope are the bank's 400s); ``read`` checks the XML against
the pain.008.001.02 XSD (lxml, the schema shipped with ``sepaxml``) and against ABN AMRO's batch rules, and
returns the batch or raises ``FileRejected`` with one ``Problem`` per fault, each naming its element.
Nothing here touches the database: what the batch means for accounts and dates is ``sdd.py``'s business.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import gzip
import hashlib
import io
import re
import zlib
from dataclasses import dataclass
from decimal import Decimal
from decimal import InvalidOperation
from functools import lru_cache
from importlib.resources import files

from lxml import etree
from schwifty import IBAN
from schwifty.checksum import ISO7064_mod97_10

from mockbank import errors

NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.008.001.02"
SCT_NAMESPACE = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
SEQUENCE_TYPES = ("FRST", "RCUR", "OOFF", "FNAL")
LOCAL_INSTRUMENTS = ("CORE", "B2B")
# A gzip that inflates beyond this is refused before it is read (a zip bomb would otherwise fill the memory).
MAX_FILE_BYTES = 20 * 1024 * 1024
_NS = {"p": NAMESPACE}
_CREDITOR_ID = re.compile(r"^([A-Z]{2})(\d{2})([A-Z0-9]{3})([A-Z0-9]{1,28})$")


@dataclass(frozen=True)
class Problem:
    """One fault of a file: the element it concerns (a path such as ``/Document/.../CtrlSum``) and what is wrong."""

    element: str
    message: str


class FileRejected(Exception):
    """The file was read but cannot be collected; ``problems`` says where and why (status ``REJECTED``)."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(f"{p.element}: {p.message}" for p in problems))
        self.problems = list(problems)


@dataclass(frozen=True)
class Collection:
    """One direct debit of the batch (``DrctDbtTxInf``)."""

    end_to_end_id: str
    amount_cents: int
    mandate_id: str
    mandate_date: dt.date
    debtor_name: str
    debtor_iban: str
    debtor_bic: str
    remittance: str


@dataclass(frozen=True)
class DirectDebitFile:
    """A readable pain.008.001.02 file with one batch (``PmtInf``) and its collections."""

    message_id: str
    payment_info_id: str
    sequence_type: str
    local_instrument: str
    collection_date: dt.date
    creditor_name: str
    creditor_iban: str
    creditor_id: str
    total_cents: int
    collections: tuple[Collection, ...]
    sha256: str


# --- the envelope: base64 of a gzip ------------------------------------------------------------


def decode(file_data) -> bytes:
    """The XML bytes inside ``fileData``; the bank's 400 for text that is not base64, or bytes that are not gzip."""
    if not isinstance(file_data, str) or not file_data.strip():
        raise errors.BatchNotBase64("fileData is missing or empty")
    try:
        packed = base64.b64decode("".join(file_data.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise errors.BatchNotBase64() from exc
    if not packed.startswith(b"\x1f\x8b"):
        raise errors.BatchNotGzip()
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(packed)) as unpacked:
            xml = unpacked.read(MAX_FILE_BYTES + 1)
    except (OSError, EOFError, zlib.error) as exc:
        raise errors.BatchNotGzip(f"File data is not in gzipped format: {exc}") from exc
    if len(xml) > MAX_FILE_BYTES:
        raise errors.BatchNotGzip(f"the unpacked file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    return xml


def sha256(xml: bytes) -> str:
    """ABN AMRO's ``hash``: SHA-256 of the uncompressed file, in hex."""
    return hashlib.sha256(xml).hexdigest()


# --- the document ----------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _schema() -> etree.XMLSchema:
    # The schema sepaxml validates its own output with: the file a library builds is checked by the same XSD.
    path = files("sepaxml") / "schemas" / "pain.008.001.02.xsd"
    return etree.XMLSchema(etree.parse(str(path)))


def _parser() -> etree.XMLParser:
    # No DTDs, entities or network: a file from outside must not make the bank read anything else.
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def read(xml: bytes, *, today: dt.date) -> DirectDebitFile:
    """The batch of a pain.008.001.02 file, or ``FileRejected`` naming each faulty element.

    Errors of the envelope (no ``<?xml`` declaration, another message type) are the bank's 400s.
    ``today`` is the bank's date: a mandate signed after it is refused (the collection date is ``sdd.py``'s).
    """
    if not xml.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<?xml"):
        raise errors.BatchNotXml()
    try:
        root = etree.fromstring(xml, _parser())
    except etree.XMLSyntaxError as exc:
        line, column = exc.position
        raise FileRejected([Problem(f"line {line}, column {column}", f"not well-formed XML: {exc.msg}")]) from exc
    namespace = etree.QName(root).namespace
    if namespace == SCT_NAMESPACE:
        raise errors.BatchNotPain(
            "File Type is not in PAIN format: a credit-transfer file (pain.001.001.03) needs scope "
            "psd2:payment:batchsct:write; this call takes direct debits (pain.008.001.02)"
        )
    if namespace != NAMESPACE or etree.QName(root).localname != "Document":
        raise errors.BatchNotPain(
            f"File Type is not in PAIN format: expected a Document in {NAMESPACE}, got {etree.QName(root).text}"
        )
    tree = root.getroottree()
    schema = _schema()
    if not schema.validate(tree):
        raise FileRejected([_schema_problem(tree, entry) for entry in schema.error_log])
    return _Rules(root, today).check(xml)


def _schema_problem(tree, entry) -> Problem:
    found = tree.xpath(entry.path) if entry.path else []
    element = path_of(found[0]) if found else (entry.path or f"line {entry.line}")
    message = re.sub(r"\{[^}]*\}", "", entry.message)
    return Problem(element, f"does not follow the pain.008.001.02 schema: {message}")


def path_of(element) -> str:
    """``/Document/CstmrDrctDbtInitn/PmtInf[1]/DrctDbtTxInf[2]/DbtrAcct/Id/IBAN``: local names, with a position
    where an element has siblings of its own name."""
    steps = []
    while element is not None:
        name = etree.QName(element).localname
        parent = element.getparent()
        if parent is not None:
            same = [child for child in parent if isinstance(child.tag, str) and child.tag == element.tag]
            if len(same) > 1:
                name += f"[{same.index(element) + 1}]"
        steps.append(name)
        element = parent
    return "/" + "/".join(reversed(steps))


def make_creditor_identifier(national_id: str, country: str = "NL", business_code: str = "ZZZ") -> str:
    """A SEPA creditor identifier for a national id (in the Netherlands: KvK number + 4 digits)."""
    check = ISO7064_mod97_10().compute([national_id + country])
    return f"{country}{check}{business_code}{national_id}"


def creditor_identifier_problem(value: str) -> str | None:
    """Why ``value`` is not a SEPA creditor identifier (``NLkkZZZ`` + national id, ISO 7064 check), or None."""
    match = _CREDITOR_ID.match(value or "")
    if not match:
        return f"{value!r} is not a creditor identifier (country, 2 check digits, business code, national id)"
    country, check, _business_code, national_id = match.groups()
    # The business code (ZZZ) is left out of the check digits: creditors may change it freely.
    if ISO7064_mod97_10().compute([national_id + country]) != check:
        return f"{value!r} is not a creditor identifier: its check digits {check} do not match"
    return None


class _Rules:
    """ABN AMRO's rules for a direct-debit batch, on a document that passed the XSD."""

    def __init__(self, root, today: dt.date):
        self.root = root
        self.today = today
        self.problems: list[Problem] = []

    def fault(self, element, message: str) -> None:
        self.problems.append(Problem(path_of(element) if not isinstance(element, str) else element, message))

    def one(self, element, path: str):
        found = element.xpath(path, namespaces=_NS)
        return found[0] if found else None

    def text(self, element, path: str) -> str:
        found = self.one(element, path)
        return (found.text or "").strip() if found is not None else ""

    def check(self, xml: bytes) -> DirectDebitFile:
        root = self.root
        initiation = self.one(root, "p:CstmrDrctDbtInitn")
        header = self.one(initiation, "p:GrpHdr")
        batches = initiation.xpath("p:PmtInf", namespaces=_NS)
        all_transactions = initiation.xpath("p:PmtInf/p:DrctDbtTxInf", namespaces=_NS)
        self._check_totals(header, all_transactions, "the file")
        first = batches[0]
        sequence_type, collection_date = self._batch_kind(first)
        for batch in batches:
            self._check_totals(batch, batch.xpath("p:DrctDbtTxInf", namespaces=_NS), "this batch")
        for extra in batches[1:]:
            self._compare(extra, sequence_type, collection_date)
        instrument = self.text(first, "p:PmtTpInf/p:LclInstrm/p:Cd")
        if instrument not in LOCAL_INSTRUMENTS:
            where = self.one(first, "p:PmtTpInf/p:LclInstrm/p:Cd")
            self.fault(
                where if where is not None else path_of(first) + "/PmtTpInf/LclInstrm/Cd",
                f"the local instrument must be CORE or B2B, not {instrument or 'missing'}",
            )
        service_level = self.text(first, "p:PmtTpInf/p:SvcLvl/p:Cd")
        if service_level != "SEPA":
            self.fault(path_of(first) + "/PmtTpInf/SvcLvl/Cd", f"the service level must be SEPA, not {service_level!r}")
        creditor_iban = self._iban(self.one(first, "p:CdtrAcct/p:Id/p:IBAN"), path_of(first) + "/CdtrAcct/Id/IBAN")
        creditor_id = self._creditor_id(first)
        currency = self.text(first, "p:CdtrAcct/p:Ccy")
        if currency and currency != "EUR":
            self.fault(self.one(first, "p:CdtrAcct/p:Ccy"), f"the creditor account must be in EUR, not {currency}")
        collections = tuple(self._collection(tx, creditor_id) for tx in all_transactions)
        self._unique_end_to_end(all_transactions)
        if self.problems:
            raise FileRejected(self.problems)
        return DirectDebitFile(
            message_id=self.text(header, "p:MsgId"),
            payment_info_id=self.text(first, "p:PmtInfId"),
            sequence_type=sequence_type,
            local_instrument=instrument,
            collection_date=collection_date,
            creditor_name=self.text(first, "p:Cdtr/p:Nm"),
            creditor_iban=creditor_iban,
            creditor_id=creditor_id,
            total_cents=sum(c.amount_cents for c in collections),
            collections=collections,
            sha256=sha256(xml),
        )

    # --- group and batch level ---------------------------------------------------------------

    def _check_totals(self, element, transactions, what: str) -> None:
        """``NbOfTxs`` and ``CtrlSum`` present and equal to the transactions they count (ABN AMRO rejects both)."""
        count = self.one(element, "p:NbOfTxs")
        if count is None:
            self.fault(path_of(element) + "/NbOfTxs", f"NbOfTxs is missing: it must count the transactions of {what}")
        elif int(count.text) != len(transactions):
            self.fault(count, f"NbOfTxs says {int(count.text)} but {what} holds {len(transactions)} transactions")
        control = self.one(element, "p:CtrlSum")
        total = sum((self._amount(tx, quiet=True) for tx in transactions), Decimal(0))
        if control is None:
            self.fault(path_of(element) + "/CtrlSum", f"CtrlSum is missing: it must be the total of {what} ({total})")
        elif Decimal(control.text.strip()) != total:
            self.fault(control, f"CtrlSum says {control.text.strip()} but the transactions of {what} add up to {total}")

    def _batch_kind(self, batch) -> tuple[str, dt.date | None]:
        sequence = self.one(batch, "p:PmtTpInf/p:SeqTp")
        if sequence is None:
            self.fault(path_of(batch) + "/PmtTpInf/SeqTp", "the sequence type (FRST, RCUR, OOFF, FNAL) is missing")
        for tx_sequence in batch.xpath("p:DrctDbtTxInf/p:PmtTpInf/p:SeqTp", namespaces=_NS):
            if sequence is not None and tx_sequence.text != sequence.text:
                self.fault(
                    tx_sequence,
                    f"one sequence type per batch: this transaction says {tx_sequence.text}, the batch {sequence.text}",
                )
        date_element = self.one(batch, "p:ReqdColltnDt")
        return (sequence.text if sequence is not None else ""), dt.date.fromisoformat(date_element.text.strip())

    def _compare(self, batch, sequence_type: str, collection_date) -> None:
        """A second ``PmtInf``: ABN AMRO authorizes one batch per file, one sequence type and one collection date."""
        other_sequence, other_date = self._batch_kind(batch)
        if other_sequence != sequence_type:
            self.fault(
                path_of(batch) + "/PmtTpInf/SeqTp",
                f"one sequence type per file: {other_sequence} here, {sequence_type} in the first PmtInf",
            )
        if other_date != collection_date:
            self.fault(
                self.one(batch, "p:ReqdColltnDt"),
                f"one collection date per file: {other_date} here, {collection_date} in the first PmtInf",
            )
        if other_sequence == sequence_type and other_date == collection_date:
            self.fault(batch, "one batch (PmtInf) per file: put every collection of this date in the first PmtInf")

    def _creditor_id(self, batch) -> str:
        element = self.one(batch, "p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr")
        per_transaction = batch.xpath("p:DrctDbtTxInf/p:DrctDbtTx/p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr", namespaces=_NS)
        if element is None and per_transaction:
            element = per_transaction[0]
        if element is None:
            self.fault(path_of(batch) + "/CdtrSchmeId", "the creditor identifier (CdtrSchmeId) is missing")
            return ""
        value = self.text(element, "p:Id")
        problem = creditor_identifier_problem(value)
        if problem:
            self.fault(self.one(element, "p:Id"), problem)
        scheme = self.text(element, "p:SchmeNm/p:Prtry")
        if scheme != "SEPA":
            self.fault(
                path_of(element) + "/SchmeNm/Prtry", f"the creditor identifier's scheme must be SEPA, not {scheme!r}"
            )
        return value

    # --- transactions ------------------------------------------------------------------------

    def _amount(self, tx, *, quiet: bool = False) -> Decimal:
        element = self.one(tx, "p:InstdAmt")
        try:
            amount = Decimal(element.text.strip())
        except (InvalidOperation, AttributeError):
            return Decimal(0)
        if not quiet:
            if element.get("Ccy") != "EUR":
                self.fault(element, f"SEPA direct debits are in EUR, not {element.get('Ccy')}")
            if amount <= 0:
                self.fault(element, "the amount must be at least 0.01")
            elif amount != amount.quantize(Decimal("0.01")):
                self.fault(element, f"{amount} has more than two decimals")
            elif amount > Decimal("999999999.99"):
                self.fault(element, f"{amount} is more than a SEPA direct debit may be (999999999.99)")
        return amount

    def _iban(self, element, where: str) -> str:
        if element is None:
            self.fault(where, "an IBAN is required")
            return ""
        value = (element.text or "").strip()
        try:
            return str(IBAN(value))
        except ValueError as exc:
            self.fault(element, f"{value!r} is not a valid IBAN: {exc}")
            return value

    def _collection(self, tx, creditor_id: str) -> Collection:
        amount = self._amount(tx)
        mandate = self.one(tx, "p:DrctDbtTx/p:MndtRltdInf")
        mandate_id, mandate_date = "", self.today
        if mandate is None:
            self.fault(path_of(tx) + "/DrctDbtTx/MndtRltdInf", "the mandate (MndtId and DtOfSgntr) is missing")
        else:
            mandate_id = self.text(mandate, "p:MndtId")
            signed = self.one(mandate, "p:DtOfSgntr")
            if not mandate_id:
                self.fault(path_of(mandate) + "/MndtId", "the mandate id is missing")
            if signed is None:
                self.fault(path_of(mandate) + "/DtOfSgntr", "the mandate's date of signature is missing")
            else:
                mandate_date = dt.date.fromisoformat(signed.text.strip())
                if mandate_date > self.today:
                    self.fault(signed, f"the mandate is signed on {mandate_date}, after today ({self.today})")
        own_id = self.text(tx, "p:DrctDbtTx/p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id")
        if own_id and creditor_id and own_id != creditor_id:
            self.fault(
                self.one(tx, "p:DrctDbtTx/p:CdtrSchmeId/p:Id/p:PrvtId/p:Othr/p:Id"),
                f"one creditor per batch: {own_id} here, {creditor_id} for the batch",
            )
        debtor_iban = self._iban(self.one(tx, "p:DbtrAcct/p:Id/p:IBAN"), path_of(tx) + "/DbtrAcct/Id/IBAN")
        name = self.text(tx, "p:Dbtr/p:Nm")
        if not name:
            self.fault(path_of(tx) + "/Dbtr/Nm", "the debtor's name is missing")
        try:
            cents = int(amount * 100) if amount == amount.quantize(Decimal("0.01")) else 0
        except InvalidOperation:
            cents = 0
        return Collection(
            end_to_end_id=self.text(tx, "p:PmtId/p:EndToEndId"),
            amount_cents=cents,
            mandate_id=mandate_id,
            mandate_date=mandate_date,
            debtor_name=name,
            debtor_iban=debtor_iban,
            debtor_bic=self.text(tx, "p:DbtrAgt/p:FinInstnId/p:BIC"),
            remittance=" ".join(e.text or "" for e in tx.xpath("p:RmtInf/p:Ustrd", namespaces=_NS)).strip(),
        )

    def _unique_end_to_end(self, transactions) -> None:
        seen: dict[str, int] = {}
        for tx in transactions:
            element = self.one(tx, "p:PmtId/p:EndToEndId")
            value = (element.text or "").strip()
            if value == "NOTPROVIDED":
                continue
            if value in seen:
                self.fault(element, f"EndToEndId {value!r} is used twice in this file")
            seen[value] = 1
