"""``EAccountingClient``: eAccounting's bank-account API (``/v2/bankaccounts``) with Visma's names.

The bearer token names the administration (the mock's portal sandbox mints one per administration).
Errors are the SDK's usual classes; their message is Visma's ``DeveloperErrorMessage`` and ``code``
its ``ErrorCode``, and ``dutch_message`` holds the ``ErrorMessage`` a user would read.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field
from decimal import Decimal

import requests

from client_sdk import decimal_json
from client_sdk import errors
from client_sdk.http import RetryPolicy
from client_sdk.http import Transport
from client_sdk.http import parse_json

API_BASE = "https://eaccountingapi-sandbox.test.vismaonline.com"

# BankAccountType (Visma's enum); the Dutch settings page calls them Rekening-courant, Kasrekening,
# Spaarrekening and Vreemdevalutarekening.
CHEQUE_ACCOUNT = 1
CASH_ACCOUNT = 2
SAVINGS_ACCOUNT = 3
CURRENCY_ACCOUNT = 4


def visma_error(error: errors.BankApiError) -> errors.BankApiError:
    """The same error class, with Visma's ``{"ErrorCode", "ErrorMessage", "DeveloperErrorMessage"}`` read."""
    body = error.json_body
    if not isinstance(body, dict) or "ErrorCode" not in body:
        return error
    mapped = type(error)(
        body.get("DeveloperErrorMessage") or body.get("ErrorMessage") or error.message,
        status=error.status,
        code=str(body["ErrorCode"]),
        trace_id=body.get("ErrorId"),
        body=error.body,
        headers=error.headers,
    )
    mapped.dutch_message = body.get("ErrorMessage")
    mapped.field = body.get("ErrorField")
    return mapped


@dataclass(frozen=True)
class BankAccount:
    """``BankAccountApi``."""

    id: str
    name: str
    bank_account_type: int
    bank_account_type_description: str
    iban: str | None
    ledger_account_number: int
    currency_code: str
    is_active: bool
    has_active_bank_agreement: bool
    modified_utc: str | None
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict) -> BankAccount:
        """Parse Visma's JSON."""
        return cls(
            id=data["Id"],
            name=data["Name"],
            bank_account_type=data["BankAccountType"],
            bank_account_type_description=data.get("BankAccountTypeDescription", ""),
            iban=data.get("Iban"),
            ledger_account_number=data["LedgerAccountNumber"],
            currency_code=data.get("CurrencyCode", "EUR"),
            is_active=data.get("IsActive", True),
            has_active_bank_agreement=data.get("HasActiveBankAgreement", False),
            modified_utc=data.get("ModifiedUtc"),
            raw=data,
        )


@dataclass(frozen=True)
class BankConnection:
    """How far "Schakel bankkoppeling in" is for one account."""

    bank_account_id: str
    status: str
    serial_number: str | None
    can_enable: bool
    reason: str | None
    link_state: str | None

    @classmethod
    def from_json(cls, data: dict) -> BankConnection:
        """Parse the mock's JSON."""
        return cls(
            bank_account_id=data["BankAccountId"],
            status=data["Status"],
            serial_number=data.get("SerialNumber"),
            can_enable=data.get("CanEnable", False),
            reason=data.get("Reason"),
            link_state=data.get("LinkState"),
        )

    @property
    def prepared(self) -> bool:
        """Whether the serial number has been issued."""
        return self.status == "Prepared"


@dataclass(frozen=True)
class BankTransaction:
    """``BankTransactionApi``: a booking the bank connection imported."""

    id: str
    transaction_date: dt.date
    is_reconciled: bool
    reference: str | None
    transaction_amount: Decimal
    currency: str
    raw: dict = field(repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict) -> BankTransaction:
        """Parse Visma's JSON (amounts exact)."""
        return cls(
            id=data["Id"],
            transaction_date=dt.date.fromisoformat(str(data["TransactionDate"])[:10]),
            is_reconciled=bool(data.get("IsReconciled", False)),
            reference=data.get("Reference"),
            transaction_amount=Decimal(str(data["TransactionAmount"])),
            currency=data.get("TransactionAmountCurrency") or "EUR",
            raw=data,
        )


class EAccountingClient:
    """One administration's bank accounts; one method per call."""

    def __init__(
        self,
        *,
        access_token: str,
        base_url: str = API_BASE,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        timeout: float | tuple[float, float] | None = 30.0,
    ):
        self.base_url = base_url.rstrip("/")
        self.access_token = access_token
        self.transport = Transport(session=session, retry=retry, timeout=timeout)
        self.last_meta: dict | None = None

    def _call(self, method: str, path: str, *, body: dict | None = None, params: dict | None = None):
        headers = {"Authorization": f"Bearer {self.access_token}"}
        if body is not None:
            headers["Content-Type"] = "application/json"
        try:
            response = self.transport.request(
                method,
                f"{self.base_url}/v2{path}",
                # Amounts travel as exact JSON numbers (Decimal), never through a float.
                data=decimal_json.dumps(body).encode() if body is not None else None,
                params=params,
                headers=headers,
                idempotent=method in ("PUT", "DELETE"),
            )
        except errors.BankApiError as exc:
            raise visma_error(exc) from None
        return parse_json(response)

    # --- bank accounts ---------------------------------------------------------------------------

    def list_bank_accounts(self, *, page: int | None = None, page_size: int | None = None) -> list[BankAccount]:
        """The administration's kas- en bankrekeningen (one page; ``Meta`` is in ``last_meta``)."""
        params = {k: v for k, v in (("$page", page), ("$pagesize", page_size)) if v is not None}
        answer = self._call("GET", "/bankaccounts", params=params or None)
        self.last_meta = answer["Meta"]
        return [BankAccount.from_json(item) for item in answer["Data"]]

    def get_bank_account(self, account_id: str) -> BankAccount:
        """One account."""
        return BankAccount.from_json(self._call("GET", f"/bankaccounts/{account_id}"))

    def create_bank_account(
        self,
        *,
        name: str,
        bank_account_type: int,
        iban: str | None = None,
        currency_code: str = "EUR",
        ledger_account_number: int | None = None,
        is_active: bool = True,
    ) -> BankAccount:
        """Add a bank account; the ledger account defaults by type (1100 bank, 1140 spaar, 1000 kas)."""
        body = {
            "Name": name,
            "BankAccountType": bank_account_type,
            "Iban": iban,
            "CurrencyCode": currency_code,
            "LedgerAccountNumber": ledger_account_number,
            "IsActive": is_active,
        }
        return BankAccount.from_json(self._call("POST", "/bankaccounts", body=body))

    def replace_bank_account(self, account_id: str, **fields) -> BankAccount:
        """Replace an account: the current fields, with ``fields`` (Visma's JSON names) changed."""
        current = dict(self.get_bank_account(account_id).raw)
        current.update(fields)
        return BankAccount.from_json(self._call("PUT", f"/bankaccounts/{account_id}", body=current))

    def delete_bank_account(self, account_id: str) -> None:
        """Delete an account."""
        self._call("DELETE", f"/bankaccounts/{account_id}")

    # --- bank connection -------------------------------------------------------------------------

    def bank_connection(self, account_id: str) -> BankConnection:
        """Whether the account can be linked and how far its preparation is."""
        return BankConnection.from_json(self._call("GET", f"/bankaccounts/{account_id}/bankconnection"))

    def enable_bank_connection(self, account_id: str) -> BankConnection:
        """Press "Schakel bankkoppeling in"; a refused account raises ``InvalidRequestError`` (409) with the reason."""
        return BankConnection.from_json(self._call("POST", f"/bankaccounts/{account_id}/bankconnection"))

    def wait_for_serial(
        self, account_id: str, *, advance: Callable[[], object] | None = None, polls: int = 30, interval: float = 1.0
    ) -> str:
        """Poll until the serial number is issued; between polls ``advance()`` moves simulated time (else sleep)."""
        for _ in range(polls):
            connection = self.bank_connection(account_id)
            if connection.prepared:
                return connection.serial_number
            if connection.status == "NotEnabled":
                raise errors.InvalidRequestError("the bank connection was not enabled for this account")
            if advance is not None:
                advance()
            else:
                time.sleep(interval)
        raise errors.APIConnectionError(f"no serial number after {polls} polls", should_retry=True)

    def disable_bank_connection(self, account_id: str) -> BankConnection:
        """ "Schakel bankkoppeling uit": the consent is revoked at the bank; no more bookings arrive."""
        return BankConnection.from_json(self._call("DELETE", f"/bankaccounts/{account_id}/bankconnection"))

    # --- bank transactions -----------------------------------------------------------------------

    def unmatched_transactions(
        self, account_id: str, *, from_date: dt.date | str | None = None, to_date: dt.date | str | None = None
    ) -> list[BankTransaction]:
        """Imported bookings not matched yet, every page (Visma's default dates: the current month)."""
        return self._transactions(f"/banktransactions/{account_id}/unmatched", from_date, to_date)

    def matched_transactions(
        self, account_id: str, *, from_date: dt.date | str | None = None, to_date: dt.date | str | None = None
    ) -> list[BankTransaction]:
        """Imported bookings already matched to a voucher."""
        return self._transactions(f"/banktransactions/{account_id}/matched", from_date, to_date)

    def bank_transaction(self, account_id: str, transaction_id: str) -> BankTransaction:
        """One imported booking."""
        return BankTransaction.from_json(self._call("GET", f"/banktransactions/{account_id}/{transaction_id}"))

    def _transactions(self, path: str, from_date, to_date) -> list[BankTransaction]:
        params = {name: str(value) for name, value in (("fromDate", from_date), ("toDate", to_date)) if value}
        found: list[BankTransaction] = []
        page = 1
        while True:
            answer = self._call("GET", path, params={**params, "$page": page})
            self.last_meta = answer["Meta"]
            found += [BankTransaction.from_json(item) for item in answer["Data"]]
            if page >= answer["Meta"]["TotalNumberOfPages"]:
                return found
            page += 1

    # --- customers, sales invoices and direct-debit orders ------------------------------------------

    def create_customer(
        self,
        *,
        name: str,
        iban: str | None = None,
        mandate_id: str | None = None,
        mandate_date: dt.date | None = None,
        sequence_type: int = 1,
        customer_number: str | None = None,
        email: str | None = None,
        is_private_person: bool = False,
    ) -> dict:
        """A customer (``CustomerApi``); with ``mandate_id`` and ``mandate_date`` its direct-debit mandate
        (``DirectDebitCustomerSettings``: sequence 1 recurring, 2 final, 3 one-off)."""
        body = {
            "Name": name,
            "CustomerNumber": customer_number,
            "EmailAddress": email,
            "IsPrivatePerson": is_private_person,
            "Iban": iban,
        }
        if mandate_id is not None:
            body["DirectDebitCustomerSettings"] = {
                "MandateId": mandate_id,
                "SigningDate": mandate_date.isoformat() if mandate_date else None,
                "MandateType": 1,
                "SequenceType": sequence_type,
            }
        return self._call("POST", "/customers", body={k: v for k, v in body.items() if v is not None})

    def list_customers(self) -> list[dict]:
        """Every customer (all pages)."""
        return self._all("/customers")

    def create_customer_invoice(
        self,
        *,
        customer_id: str,
        rows: list[tuple[str, Decimal | str | int, Decimal | str | int]],
        invoice_date: dt.date | None = None,
        due_date: dt.date | None = None,
    ) -> dict:
        """A sales invoice (``CustomerInvoiceApi``); ``rows``: (text, unit price, quantity), money as Decimal or str."""
        body = {
            "CustomerId": customer_id,
            "InvoiceDate": invoice_date.isoformat() if invoice_date else None,
            "DueDate": due_date.isoformat() if due_date else None,
            "Rows": [
                {"Text": text, "UnitPrice": _exact(price), "Quantity": _exact(quantity)}
                for text, price, quantity in rows
            ],
        }
        return self._call("POST", "/customerinvoices", body={k: v for k, v in body.items() if v is not None})

    def list_customer_invoices(self) -> list[dict]:
        """Every sales invoice (all pages), with ``RemainingAmount`` and mockbank's ``DirectDebit`` outcome."""
        return self._all("/customerinvoices")

    def get_customer_invoice(self, invoice_id: str) -> dict:
        """One sales invoice."""
        return self._call("GET", f"/customerinvoices/{invoice_id}")

    def create_direct_debit_order(
        self, *, bank_account_id: str, invoice_ids: list[str], collection_date: dt.date | None = None
    ) -> dict:
        """ "Incasso-opdracht versturen" (mockbank's own ``/v2/directdebitorders``): ``Status`` ``Sent`` (sign at
        ``AuthorizationUrl``), ``Rejected`` (``Problems``) or ``AwaitingBankConsent`` (go to ``BankConsentUrl``)."""
        body = {
            "BankAccountId": bank_account_id,
            "InvoiceIds": list(invoice_ids),
            "CollectionDate": collection_date.isoformat() if collection_date else None,
        }
        return self._call("POST", "/directdebitorders", body={k: v for k, v in body.items() if v is not None})

    def get_direct_debit_order(self, order_id: str) -> dict:
        """One direct-debit order."""
        return self._call("GET", f"/directdebitorders/{order_id}")

    def _all(self, path: str) -> list[dict]:
        found: list[dict] = []
        page = 1
        while True:
            answer = self._call("GET", path, params={"$page": page})
            self.last_meta = answer["Meta"]
            found += answer["Data"]
            if page >= answer["Meta"]["TotalNumberOfPages"]:
                return found
            page += 1


def _exact(value) -> Decimal:
    if isinstance(value, float) or isinstance(value, bool):
        raise TypeError("pass money as Decimal or str, not float")
    return Decimal(str(value))
