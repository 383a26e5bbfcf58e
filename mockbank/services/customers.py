"""The bank's customers and their internet-banking users with login means (e.dentifier, app, Access Online)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from mockbank import errors
from mockbank import models
from mockbank.sim.clock import SimClock
from mockbank.sim.db import Database
from mockbank.sim.ids import Ids


class CustomerBook:
    """Verbs for customers, users and login means. State lives in the database; the clock gives every 'now'."""

    def __init__(self, *, db: Database, clock: SimClock, ids: Ids):
        self.db = db
        self.clock = clock
        self.ids = ids

    # --- customers, users and login means ---------------------------------------------------

    def create_customer(
        self, *, kind: str, name: str, trade_name: str | None = None, kvk_number: str | None = None
    ) -> models.Customer:
        """A retail or business customer; a business one needs an 8-digit KvK number."""
        if kind not in (models.RETAIL, models.BUSINESS):
            raise errors.SandboxError(f"kind must be 'retail' or 'business', not {kind!r}")
        if not name or not name.strip():
            raise errors.SandboxError("a customer needs a name")
        if kind == models.BUSINESS:
            if not kvk_number or len(kvk_number) != 8 or not kvk_number.isdigit():
                raise errors.SandboxError("a business customer needs an 8-digit KvK number")
        with self.db.transaction() as session:
            customer = models.Customer(
                kind=kind,
                name=name.strip(),
                trade_name=(trade_name or None) if kind == models.BUSINESS else None,
                kvk_number=kvk_number if kind == models.BUSINESS else None,
                created_at=self.clock.now(),
            )
            session.add(customer)
            session.flush()
            return customer

    def create_user(
        self,
        *,
        customer_id: int,
        name: str,
        email: str | None = None,
        behaviour: str | None = None,
        login_means: tuple[str, ...] = (models.EDENTIFIER, models.MOBILE_APP),
    ) -> models.OnlineUser:
        """An internet-banking user of a customer with its login means (Access Online for businesses)."""
        with self.db.transaction() as session:
            customer = session.get(models.Customer, customer_id)
            if customer is None:
                raise errors.SandboxNotFound(f"no customer {customer_id}")
            if models.ACCESS_ONLINE in login_means and customer.kind != models.BUSINESS:
                raise errors.SandboxError("Access Online is for business customers only")
            user = models.OnlineUser(
                customer_id=customer_id,
                name=name,
                email=email,
                behaviour=behaviour,
                created_at=self.clock.now(),
            )
            session.add(user)
            session.flush()
            first_account = session.scalar(
                select(models.Account.iban).where(models.Account.customer_id == customer_id).order_by(models.Account.id)
            )
            for kind in login_means:
                session.add(self._new_login_means(user, kind, first_account))
            session.flush()
            return self._load_user(session, user.id)

    def _new_login_means(self, user: models.OnlineUser, kind: str, account_iban: str | None) -> models.LoginMeans:
        if kind == models.EDENTIFIER:
            return models.LoginMeans(
                user_id=user.id,
                kind=kind,
                account_number=account_iban,
                card_number=self.ids.digits(3),
                response_code=self.ids.digits(8),
            )
        if kind == models.MOBILE_APP:
            return models.LoginMeans(user_id=user.id, kind=kind, app_device=f"device-{self.ids.digits(6)}")
        if kind == models.ACCESS_ONLINE:
            return models.LoginMeans(
                user_id=user.id,
                kind=kind,
                access_online_user_id=f"AO{self.ids.digits(6)}",
                card_number=self.ids.digits(3),
                response_code=self.ids.digits(8),
            )
        raise errors.SandboxError(f"unknown login means {kind!r}")

    def _load_user(self, session, user_id: int) -> models.OnlineUser:
        return session.scalars(
            select(models.OnlineUser)
            .where(models.OnlineUser.id == user_id)
            .options(selectinload(models.OnlineUser.login_means), selectinload(models.OnlineUser.customer))
        ).one()

    def user(self, user_id: int) -> models.OnlineUser:
        """A user with login means and customer loaded."""
        with self.db.reading() as session:
            user = session.get(models.OnlineUser, user_id)
            if user is None:
                raise errors.SandboxNotFound(f"no user {user_id}")
            return self._load_user(session, user_id)

    def users(self) -> list[models.OnlineUser]:
        """Every online-banking user."""
        with self.db.reading() as session:
            ids = session.scalars(select(models.OnlineUser.id).order_by(models.OnlineUser.id)).all()
            return [self._load_user(session, user_id) for user_id in ids]

    def customers(self) -> list[models.Customer]:
        """Every customer with accounts and users."""
        with self.db.reading() as session:
            return list(
                session.scalars(
                    select(models.Customer)
                    .order_by(models.Customer.id)
                    .options(selectinload(models.Customer.accounts), selectinload(models.Customer.users))
                )
            )
