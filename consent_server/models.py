"""The portal's tables: administrations and their bank accounts, serial numbers, registrations,
account links with their state history, the bank client credentials, and the small KvK register.

Times are aware UTC (``UTCDateTime``); every state change is a row with its simulated time.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import Text
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from consent_server.db import Base
from mockbank.clock import UTCDateTime
from mockbank.clock import clock_state_model
from mockbank.clock import due_job_model

ClockState = clock_state_model(Base)
DueJob = due_job_model(Base)

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

# Account link (one per bank account), architecture.md; this issue goes up to ``consented``.
LINK_REQUESTED = "requested"
LINK_CONSENTED = "consented"
LINK_REJECTED = "rejected"
LINK_EXPIRED = "expired"
LINK_REVOKED = "revoked"

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
