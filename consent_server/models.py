"""The portal's tables: administrations and their bank accounts, serial numbers, registrations,
account links with their state history, the bank client credentials, and the small KvK register.

Times are aware UTC (``UTCDateTime``); every state change is a row with its simulated time.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import Date
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from mockbank.sim.db import UTCDateTime
from mockbank.sim.ids import id_sequence_model
from mockbank.sim.jobs import clock_state_model
from mockbank.sim.jobs import due_job_model
from mockbank.sim.security import secret_model


class Base(DeclarativeBase):
    """Declarative base of every portal table."""


ClockState = clock_state_model(Base)
DueJob = due_job_model(Base)
IdSequence = id_sequence_model(Base)
AppSecret = secret_model(Base)

# BankAccountType, Visma's enum (eaccounting-side.md §1); the Dutch names are the settings page's.
CHEQUE = 1
CASH = 2
SAVINGS = 3
CURRENCY = 4
ACCOUNT_TYPES = {
    CHEQUE: ("ChequeAccount", "Rekening-courant"),
    CASH: ("CashAccount", "Kasrekening"),
    SAVINGS: ("SavingsAccount", "Spaarrekening"),
    CURRENCY: ("CurrencyAccount", "Vreemdevalutarekening"),
}

# Bank-connection preparation of an eAccounting bank account.
CONNECTION_NONE = "none"
CONNECTION_PREPARING = "preparing"
CONNECTION_PREPARED = "prepared"

# Registration (one per serial number), architecture.md.
REG_PREPARED = "prepared"
REG_DETAILS = "details"
REG_CONTACT = "contact"
REG_BANK_CONSENT = "bank_consent"
REG_ACCOUNTS = "accounts"
REG_DONE = "done"
REGISTRATION_STATES = (REG_PREPARED, REG_DETAILS, REG_CONTACT, REG_BANK_CONSENT, REG_ACCOUNTS, REG_DONE)

# Account link (one per bank account), architecture.md:
# requested → consented → activation_scheduled → activation_sent → activated → active,
# exits rejected, expired (consent or activation link), revoked; and ``failing`` (our addition): the
# bank answered errors at the daily import, the link returns to activated/active on the next good run.
LINK_REQUESTED = "requested"
LINK_CONSENTED = "consented"
LINK_ACTIVATION_SCHEDULED = "activation_scheduled"
LINK_ACTIVATION_SENT = "activation_sent"
LINK_ACTIVATED = "activated"
LINK_ACTIVE = "active"
LINK_FAILING = "failing"
LINK_REJECTED = "rejected"
LINK_EXPIRED = "expired"
LINK_REVOKED = "revoked"
# The bank has given consent and nothing has ended it (what the wizard's Rekeningen step counts).
CONSENT_GIVEN_STATES = (
    LINK_CONSENTED,
    LINK_ACTIVATION_SCHEDULED,
    LINK_ACTIVATION_SENT,
    LINK_ACTIVATED,
    LINK_ACTIVE,
    LINK_FAILING,
)
# Activated and not ended: the daily import fetches these, and billing counts them.
LINKED_STATES = (LINK_ACTIVATED, LINK_ACTIVE, LINK_FAILING)
ENDED_STATES = (LINK_REJECTED, LINK_EXPIRED, LINK_REVOKED)

FLOW_REDIRECT = "redirect"
FLOW_BANK = "bank"


class Administration(Base):
    """A company's administration in eAccounting, optionally kept by an accounting firm."""

    __tablename__ = "administrations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_name: Mapped[str] = mapped_column(String(200))
    kvk_number: Mapped[str | None] = mapped_column(String(8), nullable=True)
    accounting_firm: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    accounts: Mapped[list[BankAccount]] = relationship(back_populates="administration", order_by="BankAccount.id")


class ApiToken(Base):
    """A bearer token for the eAccounting API, bound to one administration (minted by the sandbox)."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class BankAccount(Base):
    """A "kas- of bankrekening" of an administration, with its bank-connection preparation state."""

    __tablename__ = "bank_accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    account_type: Mapped[int] = mapped_column(Integer)
    iban: Mapped[str | None] = mapped_column(String(34), nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    ledger_account: Mapped[int] = mapped_column(BigInteger)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_default_cheque: Mapped[bool] = mapped_column(Boolean, default=False)
    holder_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    connection_state: Mapped[str] = mapped_column(String(16), default=CONNECTION_NONE)
    connection_requested_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    serial_id: Mapped[int | None] = mapped_column(ForeignKey("serials.id"), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    modified_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    administration: Mapped[Administration] = relationship(back_populates="accounts")
    serial: Mapped[Serial | None] = relationship()


class Serial(Base):
    """A serial number ("serienummer", "licentienummer"): 7 digits, one per administration and product."""

    __tablename__ = "serials"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(7), unique=True)
    product: Mapped[str] = mapped_column(String(32))
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"), index=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    administration: Mapped[Administration] = relationship()


class Registration(Base):
    """One onboarding through the wizard, for one serial number: its state and the user's answers."""

    __tablename__ = "registrations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    serial_id: Mapped[int] = mapped_column(ForeignKey("serials.id"), unique=True)
    state: Mapped[str] = mapped_column(String(16), default=REG_PREPARED)
    kvk_number: Mapped[str | None] = mapped_column(String(8), nullable=True)
    company_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    product: Mapped[str | None] = mapped_column(String(32), nullable=True)
    bank: Mapped[str | None] = mapped_column(String(32), nullable=True)
    terms_accepted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    contact_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    serial: Mapped[Serial] = relationship()
    events: Mapped[list[RegistrationEvent]] = relationship(order_by="RegistrationEvent.id")
    links: Mapped[list[AccountLink]] = relationship(back_populates="registration", order_by="AccountLink.id")


class RegistrationEvent(Base):
    """A registration state change or a notable refusal, at its simulated time."""

    __tablename__ = "registration_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    state: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class AccountLink(Base):
    """The link of one bank account (by IBAN) to the administration, with the bank tokens the portal holds."""

    __tablename__ = "account_links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"), index=True)
    bank_account_id: Mapped[int | None] = mapped_column(ForeignKey("bank_accounts.id"), nullable=True)
    iban: Mapped[str] = mapped_column(String(34), index=True)
    state: Mapped[str] = mapped_column(String(32), default=LINK_REQUESTED)
    flow: Mapped[str] = mapped_column(String(16))
    bank_consent_ref: Mapped[str | None] = mapped_column(String(64), nullable=True)
    scopes: Mapped[str] = mapped_column(String(500), default="")
    consent_valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    access_token: Mapped[str | None] = mapped_column(String(128), nullable=True)
    refresh_token: Mapped[str | None] = mapped_column(String(128), nullable=True)
    token_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # After consent: activation, the daily import's cursor and the first booking.
    activated_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    first_import_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    import_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    last_import_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    active_since: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_reason: Mapped[str | None] = mapped_column(String(32), nullable=True)

    registration: Mapped[Registration] = relationship(back_populates="links")
    bank_account: Mapped[BankAccount | None] = relationship()
    events: Mapped[list[LinkEvent]] = relationship(order_by="LinkEvent.id")


class LinkEvent(Base):
    """One state change of an account link, at its simulated time."""

    __tablename__ = "link_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("account_links.id"), index=True)
    state: Mapped[str] = mapped_column(String(32))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)


class RedirectState(Base):
    """An outstanding flow-A round trip: the OAuth ``state`` the portal sent to the bank."""

    __tablename__ = "redirect_states"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(64), unique=True)
    registration_id: Mapped[int] = mapped_column(ForeignKey("registrations.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BankDelivery(Base):
    """A bank-initiated registration the bank delivered, by the bank's reference: a repeat gets the same answer."""

    __tablename__ = "bank_deliveries"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    serial_number: Mapped[str] = mapped_column(String(16))
    answer: Mapped[dict] = mapped_column(JSON)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class BankClient(Base):
    """The portal's own registration at the bank as an OAuth client (one row)."""

    __tablename__ = "bank_client"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64))
    api_key: Mapped[str] = mapped_column(String(64))
    client_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    callback_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class KvkCompany(Base):
    """A company in the portal's KvK register (public test numbers, seeded and world companies)."""

    __tablename__ = "kvk_companies"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kvk_number: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32), default="rechtspersoon")
    address: Mapped[dict] = mapped_column(JSON, default=dict)
    rsin: Mapped[str | None] = mapped_column(String(9), nullable=True)
    source: Mapped[str] = mapped_column(String(16), default="sandbox")


class Mail(Base):
    """A mail the portal sent: stored in the outbox always, and delivered over SMTP when one is configured."""

    __tablename__ = "mails"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(32), index=True)
    sender: Mapped[str] = mapped_column(String(254))
    recipient: Mapped[str] = mapped_column(String(254), index=True)
    subject: Mapped[str] = mapped_column(String(300))
    text_body: Mapped[str] = mapped_column(Text)
    html_body: Mapped[str] = mapped_column(Text)
    links: Mapped[list] = mapped_column(JSON, default=list)
    sent_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    link_id: Mapped[int | None] = mapped_column(ForeignKey("account_links.id"), nullable=True, index=True)
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"), nullable=True)
    iban: Mapped[str | None] = mapped_column(String(34), nullable=True)
    # SMTP delivery: ``stored`` (no SMTP configured), ``pending``, ``delivered`` or ``failed`` (gave up).
    delivery_status: Mapped[str] = mapped_column(String(16), default="stored", index=True)
    delivery_attempts: Mapped[int] = mapped_column(Integer, default=0)
    delivery_error: Mapped[str | None] = mapped_column(Text, nullable=True)
    next_attempt_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class ActivationToken(Base):
    """The single-use link of one activation mail, for one account link."""

    __tablename__ = "activation_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("account_links.id"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # A newer link for the same account replaces this one.
    superseded_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    mail_id: Mapped[int | None] = mapped_column(ForeignKey("mails.id"), nullable=True)

    link: Mapped[AccountLink] = relationship()


class ImportedTransaction(Base):
    """A booking the daily import fetched from the bank, stored for eAccounting (never twice)."""

    __tablename__ = "imported_transactions"
    __table_args__ = (UniqueConstraint("iban", "bank_transaction_id", name="uq_imported_once"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("account_links.id"), index=True)
    bank_account_id: Mapped[int | None] = mapped_column(ForeignKey("bank_accounts.id"), nullable=True, index=True)
    iban: Mapped[str] = mapped_column(String(34))
    # The import key: the bank's transactionId, or ``content:<digest>:<n>`` for a booking the bank sends without
    # one (card payments); see ``services/importer.import_keys``.
    bank_transaction_id: Mapped[str] = mapped_column(String(64))
    book_date: Mapped[dt.date] = mapped_column(Date, index=True)
    transaction_timestamp: Mapped[str | None] = mapped_column(String(32), nullable=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    mutation_code: Mapped[str | None] = mapped_column(String(8), nullable=True)
    description_lines: Mapped[list] = mapped_column(JSON, default=list)
    counterparty_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    counterparty_iban: Mapped[str | None] = mapped_column(String(34), nullable=True)
    imported_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    import_run_id: Mapped[int | None] = mapped_column(ForeignKey("import_runs.id"), nullable=True)


class ImportRun(Base):
    """One daily import of one account link: what it fetched, what was new, or why it failed."""

    __tablename__ = "import_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("account_links.id"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    book_date_from: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    book_date_to: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))
    pages: Mapped[int] = mapped_column(Integer, default=0)
    fetched: Mapped[int] = mapped_column(Integer, default=0)
    imported: Mapped[int] = mapped_column(Integer, default=0)
    refreshed: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class BillingLine(Base):
    """What one administration owes for one calendar month of linked accounts (condition 4 of the seed)."""

    __tablename__ = "billing_lines"
    __table_args__ = (UniqueConstraint("administration_id", "month", name="uq_billed_once"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"), index=True)
    month: Mapped[str] = mapped_column(String(7))
    linked_accounts: Mapped[int] = mapped_column(Integer)
    free_accounts: Mapped[int] = mapped_column(Integer)
    billed_accounts: Mapped[int] = mapped_column(Integer)
    unit_price_cents: Mapped[int] = mapped_column(Integer)
    amount_cents: Mapped[int] = mapped_column(Integer)
    accounts: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


# --- sales invoices and direct debits (automatische incasso) ------------------------------------------------

# DirectDebitCustomerSettings' enums, as Visma's API numbers them.
MANDATE_CORE = 1
MANDATE_B2B = 2
SEQUENCE_RECURRING = 1
SEQUENCE_RECURRING_FINAL = 2
SEQUENCE_ONE_OFF = 3

INVOICE_OPEN = "open"
INVOICE_COLLECTING = "collecting"
INVOICE_PAID = "paid"
INVOICE_RETURNED = "returned"

# A direct-debit order: waits for the bank's consent, is sent (the holder signs it in the bank's task list),
# or was rejected by the bank; settled once the batch's booking is imported.
ORDER_CONSENT = "awaiting_bank_consent"
ORDER_SENT = "sent"
ORDER_REJECTED = "rejected"
ORDER_FAILED = "failed"
ORDER_SETTLED = "settled"


class Customer(Base):
    """A customer of the administration, with the IBAN and mandate a direct debit needs (eAccounting's
    ``CustomerApi`` with ``DirectDebitCustomerSettings``)."""

    __tablename__ = "customers"
    __table_args__ = (UniqueConstraint("administration_id", "customer_number", name="uq_customer_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"), index=True)
    customer_number: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(255), nullable=True)
    is_private_person: Mapped[bool] = mapped_column(Boolean, default=False)
    iban: Mapped[str | None] = mapped_column(String(34), nullable=True)
    mandate_id: Mapped[str | None] = mapped_column(String(35), nullable=True)
    mandate_type: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sequence_type: Mapped[int | None] = mapped_column(Integer, nullable=True)
    signing_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    latest_direct_debit: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class DirectDebitOrder(Base):
    """An "Incasso-opdracht": open invoices collected from one linked bank account in one batch file."""

    __tablename__ = "direct_debit_orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"), index=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_accounts.id"))
    iban: Mapped[str] = mapped_column(String(34))
    status: Mapped[str] = mapped_column(String(24), default=ORDER_CONSENT)
    collection_date: Mapped[dt.date] = mapped_column(Date)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    count: Mapped[int] = mapped_column(Integer)
    message_id: Mapped[str] = mapped_column(String(35))
    payment_info_id: Mapped[str] = mapped_column(String(35), unique=True)
    file_name: Mapped[str] = mapped_column(String(18))
    bank_batch_id: Mapped[str | None] = mapped_column(String(80), nullable=True)
    bank_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    authorization_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    problems: Mapped[list] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    settled_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)

    bank_account: Mapped[BankAccount] = relationship()
    invoices: Mapped[list[CustomerInvoice]] = relationship(back_populates="order", order_by="CustomerInvoice.id")


class CustomerInvoice(Base):
    """A sales invoice ("verkoopfactuur"): what the customer owes, and what its direct debit came to."""

    __tablename__ = "customer_invoices"
    __table_args__ = (UniqueConstraint("administration_id", "invoice_number", name="uq_invoice_number"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"), index=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    invoice_number: Mapped[int] = mapped_column(Integer)
    invoice_date: Mapped[dt.date] = mapped_column(Date)
    due_date: Mapped[dt.date] = mapped_column(Date)
    rows: Mapped[list] = mapped_column(JSON, default=list)
    total_cents: Mapped[int] = mapped_column(BigInteger)
    remaining_cents: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), default=INVOICE_OPEN)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("direct_debit_orders.id"), nullable=True, index=True)
    # What the imported bookings said: the batch's booking (paid) or a storno with its reason (returned).
    paid_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    return_reason: Mapped[str | None] = mapped_column(String(4), nullable=True)
    returned_on: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship()
    order: Mapped[DirectDebitOrder | None] = relationship(back_populates="invoices")


class PaymentConsent(Base):
    """The bank's consent to send direct-debit files for one IBAN (``psd2:payment:batchsdd:write``), or the
    round trip to get it (``state``), with the tokens the portal holds."""

    __tablename__ = "payment_consents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    administration_id: Mapped[int] = mapped_column(ForeignKey("administrations.id"), index=True)
    iban: Mapped[str] = mapped_column(String(34), index=True)
    state: Mapped[str] = mapped_column(String(64), unique=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("direct_debit_orders.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    access_token: Mapped[str | None] = mapped_column(String(128), nullable=True)
    refresh_token: Mapped[str | None] = mapped_column(String(128), nullable=True)
    token_expires_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
