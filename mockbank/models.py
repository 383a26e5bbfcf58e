"""The bank's tables: customers, users and login means, accounts, bookings, OAuth clients, consents, tokens.

Money is stored in integer cents. Times are aware UTC (``UTCDateTime``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON
from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import Date
from sqlalchemy import ForeignKey
from sqlalchemy import Index
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
    """Declarative base of every bank table."""


ClockState = clock_state_model(Base)
DueJob = due_job_model(Base)
IdSequence = id_sequence_model(Base)
AppSecret = secret_model(Base)

RETAIL = "retail"
BUSINESS = "business"

CURRENT = "current"
SAVINGS = "savings"

EDENTIFIER = "edentifier"
MOBILE_APP = "app"
ACCESS_ONLINE = "access_online"


class Customer(Base):
    """A bank customer: a person (retail) or a company (business, with KvK number and trade name)."""

    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    trade_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    kvk_number: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    accounts: Mapped[list[Account]] = relationship(back_populates="customer", order_by="Account.id")
    users: Mapped[list[OnlineUser]] = relationship(back_populates="customer", order_by="OnlineUser.id")


class OnlineUser(Base):
    """A person who logs in to internet banking for a customer.

    ``behaviour`` marks the sandbox's magic users (``approve``, ``cancel``, ``blocked``,
    ``no_accounts``, ``slow_app``); ordinary users have ``None`` and see the screens.
    """

    __tablename__ = "online_users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(200), nullable=True)
    behaviour: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship(back_populates="users")
    login_means: Mapped[list[LoginMeans]] = relationship(back_populates="user", order_by="LoginMeans.id")


class LoginMeans(Base):
    """One way a user logs in: an e.dentifier (card number + response), the app, or Access Online."""

    __tablename__ = "login_means"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("online_users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # e.dentifier: account number + card number; Access Online: user id + card number.
    account_number: Mapped[str | None] = mapped_column(String(34), nullable=True)
    card_number: Mapped[str | None] = mapped_column(String(8), nullable=True, index=True)
    access_online_user_id: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    # The sandbox tells the valid response code; the mobile app is confirmed instead.
    response_code: Mapped[str | None] = mapped_column(String(16), nullable=True)
    app_device: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    blocked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    user: Mapped[OnlineUser] = relationship(back_populates="login_means")


class Account(Base):
    """A bank account. ``balance_cents`` always equals the last booking's ``balance_after_cents``."""

    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    iban: Mapped[str] = mapped_column(String(34), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    product: Mapped[str] = mapped_column(String(16))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    holder_name: Mapped[str] = mapped_column(String(200))
    # A savings account without its own IBAN hangs under a current account and cannot be linked.
    has_own_iban: Mapped[bool] = mapped_column(Boolean, default=True)
    balance_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    credit_limit_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    booking_count: Mapped[int] = mapped_column(Integer, default=0)
    opened_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)

    customer: Mapped[Customer] = relationship(back_populates="accounts")


class Booking(Base):
    """One line on an account statement. Written once, never changed."""

    __tablename__ = "bookings"
    __table_args__ = (Index("ix_bookings_keyset", "account_id", "book_date", "id"),)
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    transfer_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    transaction_id: Mapped[str] = mapped_column(String(40), default="")
    mutation_code: Mapped[str] = mapped_column(String(8))
    description_lines: Mapped[list] = mapped_column(JSON)
    booked_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    book_date: Mapped[dt.date] = mapped_column(Date)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    balance_after_cents: Mapped[int] = mapped_column(BigInteger)
    counterparty_iban: Mapped[str] = mapped_column(String(34), default="")
    counterparty_name: Mapped[str] = mapped_column(String(70), default="")


class OAuthClient(Base):
    """A third party registered with the bank (a TPP, or Visma's portal)."""

    __tablename__ = "oauth_clients"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    api_key: Mapped[str] = mapped_column(String(64), unique=True)
    client_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    redirect_uris: Mapped[list] = mapped_column(JSON, default=list)
    public: Mapped[bool] = mapped_column(Boolean, default=False)
    # Where bank-initiated registrations (flow B) are delivered, and the secret that signs them.
    software_name: Mapped[str | None] = mapped_column(String(100), nullable=True)
    callback_url: Mapped[str | None] = mapped_column(String(500), nullable=True)
    callback_secret: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Consent(Base):
    """A customer's permission for one client to use one account with some scopes."""

    __tablename__ = "consents"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.client_id"), index=True)
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), nullable=True, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("online_users.id"), nullable=True)
    scopes: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20), default="received")
    transaction_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    valid_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)

    account: Mapped[Account | None] = relationship()
    events: Mapped[list[ConsentEvent]] = relationship(order_by="ConsentEvent.id")


class ConsentEvent(Base):
    """One status change of a consent, at its simulated time."""

    __tablename__ = "consent_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    consent_id: Mapped[int] = mapped_column(ForeignKey("consents.id"), index=True)
    status: Mapped[str] = mapped_column(String(20))
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(String(200), nullable=True)


class AuthorizationCode(Base):
    """An authorization code: short-lived and single use."""

    __tablename__ = "authorization_codes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"), nullable=True)
    redirect_uri: Mapped[str | None] = mapped_column(String(500), nullable=True)
    scope: Mapped[str] = mapped_column(String(500))
    code_challenge: Mapped[str | None] = mapped_column(String(128), nullable=True)
    code_challenge_method: Mapped[str | None] = mapped_column(String(10), nullable=True)
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class Token(Base):
    """An access token with its refresh token. Rotation revokes the old pair's refresh token."""

    __tablename__ = "tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    access_token: Mapped[str] = mapped_column(String(64), unique=True)
    refresh_token: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"), nullable=True, index=True)
    scope: Mapped[str] = mapped_column(String(500))
    issued_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # Which code or refresh produced it: a replayed code revokes everything it issued.
    code_id: Mapped[int | None] = mapped_column(ForeignKey("authorization_codes.id"), nullable=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("tokens.id"), nullable=True)
    access_revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    refresh_revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    minted: Mapped[bool] = mapped_column(Boolean, default=False)

    consent: Mapped[Consent | None] = relationship()


class Setting(Base):
    """Small persisted facts of the bank (the seed it was built from, counters)."""

    __tablename__ = "settings"
    __table_args__ = (UniqueConstraint("key"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)


class Fault(Base):
    """An error the sandbox asked the bank to answer instead of doing the work (fault injection).

    ``remaining`` counts down once per answered request (None: every matching request until removed);
    ``hits`` counts the answers given.
    """

    __tablename__ = "faults"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    path: Mapped[str] = mapped_column(String(500))
    method: Mapped[str | None] = mapped_column(String(10), nullable=True)
    status: Mapped[int] = mapped_column(Integer)
    code: Mapped[str | None] = mapped_column(String(64), nullable=True)
    message: Mapped[str | None] = mapped_column(String(500), nullable=True)
    count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    remaining: Mapped[int | None] = mapped_column(Integer, nullable=True)
    client_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    retry_after: Mapped[int | None] = mapped_column(Integer, nullable=True)
    hits: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    last_hit_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
