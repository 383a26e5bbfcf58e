"""The bank's login and consent journey: pending authorization requests, login means, app logins, magic users.

The screens (``views/screens.py``) and the OAuth server (``oauth/``) call these verbs; Authlib never sees them.
The two tables live here rather than in ``models.py`` because only this journey reads them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import JSON
from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import case
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import selectinload

from mockbank import errors
from mockbank import models
from mockbank.models import Base
from mockbank.services import consent_rules
from mockbank.services.bank import Bank
from mockbank.services.consents import ConsentService
from mockbank.services.ledger_rules import is_eligible
from mockbank.services.ledger_rules import normalize_iban
from mockbank.settings import BankSettings
from mockbank.sim.clock import SimClock
from mockbank.sim.db import Database
from mockbank.sim.db import UTCDateTime
from mockbank.sim.ids import Ids

AT_LOGIN = "login"
AT_CONSENT = "consent"
DONE = "done"

# An app confirmation for signing an order carries this prefix instead of an authorization request's key.
SIGNING = "sign:"

# App login states.
PENDING = "pending"
CONFIRMED = "confirmed"
USED = "used"

# The magic users' behaviours (``OnlineUser.behaviour``).
ALWAYS_APPROVE = "approve"
ALWAYS_CANCEL = "cancel"
BLOCKED = "blocked"
NO_ACCOUNTS = "no_accounts"
SLOW_APP = "slow_app"
BEHAVIOURS = (ALWAYS_APPROVE, ALWAYS_CANCEL, BLOCKED, NO_ACCOUNTS, SLOW_APP)

BLOCKED_MESSAGE = (
    "Uw e.dentifier is geblokkeerd, omdat er drie keer een verkeerde response is ingevoerd. "
    "Neem contact op met ABN AMRO om hem te laten deblokkeren."
)
APP_BLOCKED_MESSAGE = "Inloggen met de app is geblokkeerd. Neem contact op met ABN AMRO."
# Login means that answer with a response code (the e.dentifier's card reader, Access Online's).
RESPONSE_MEANS = (models.EDENTIFIER, models.ACCESS_ONLINE)


class AuthorizationRequest(Base):
    """One visit to ``/as/authorization.oauth2``, from the first redirect until the user has decided."""

    __tablename__ = "authorization_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    client_id: Mapped[str] = mapped_column(String(64), index=True)
    # The original query, replayed into Authlib when the user approves or refuses.
    params: Mapped[dict] = mapped_column(JSON)
    scope: Mapped[str] = mapped_column(String(500))
    bank: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default=AT_LOGIN)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("online_users.id"), nullable=True)
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class AppLogin(Base):
    """A login waiting for confirmation in the mobile app (the "phone" page or the sandbox confirms it)."""

    __tablename__ = "app_logins"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("online_users.id"))
    login_means_id: Mapped[int] = mapped_column(ForeignKey("login_means.id"))
    request_key: Mapped[str | None] = mapped_column(String(40), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default=PENDING)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    # The "slow app" magic user confirms by itself once the simulated clock passes this moment.
    confirm_after: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


class BankingSession(Base):
    """A browser logged in to internet banking; logging out ends it here, so a copied cookie stops working."""

    __tablename__ = "banking_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("online_users.id"))
    means: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)


def is_signing(login: AppLogin) -> bool:
    """Whether an app login signs an order rather than logging in (it never opens a session)."""
    return bool(login.request_key) and login.request_key.startswith(SIGNING)


class LoginRefused(Exception):
    """A login attempt the bank refuses; ``message`` is what the user reads (Dutch)."""

    def __init__(self, message: str, *, blocked: bool = False):
        super().__init__(message)
        self.message = message
        self.blocked = blocked


@dataclass(frozen=True)
class LoggedIn:
    """Who logged in, with which means."""

    user_id: int
    customer_id: int
    name: str
    behaviour: str | None
    means: str


class AuthFlowService:
    """Verbs of the login and consent journey, on the simulated clock."""

    def __init__(
        self, *, db: Database, clock: SimClock, ids: Ids, settings: BankSettings, bank: Bank, consents, payments=None
    ):
        self.db = db
        self.clock = clock
        self.ids = ids
        self.settings = settings
        self.bank = bank
        self.consents: ConsentService = consents
        # A consent naming a registered payment (``transactionId``) decides that payment too.
        self.payments = payments

    # --- authorization requests ----------------------------------------------------------------

    def start_request(self, *, client_id: str, params: dict, scope: str, bank: str) -> AuthorizationRequest:
        """Remember a validated authorization request until the user has logged in and decided."""
        with self.db.transaction() as session:
            row = AuthorizationRequest(
                key=self.ids.token(32),
                client_id=client_id,
                params=dict(params),
                scope=scope,
                bank=bank,
                status=AT_LOGIN,
                created_at=self.clock.now(),
            )
            session.add(row)
            session.flush()
            return row

    def request(self, key: str | None) -> AuthorizationRequest | None:
        """The authorization request with this key, or None."""
        if not key:
            return None
        with self.db.reading() as session:
            return session.scalar(select(AuthorizationRequest).where(AuthorizationRequest.key == key))

    def attach_user(self, key: str, user_id: int) -> AuthorizationRequest:
        """The user has logged in for this request: a consent is ``received`` and the consent screen is next."""
        with self.db.transaction() as session:
            row = session.scalar(select(AuthorizationRequest).where(AuthorizationRequest.key == key))
            if row is None or row.status == DONE:
                raise errors.SandboxNotFound("this authorization request is finished")
            self._consent_for(session, row, user_id=user_id)
            row.user_id = user_id
            row.status = AT_CONSENT
            return row

    def approve(self, session, key: str, iban: str) -> models.Consent:
        """Inside the code's transaction: bind the chosen account, make the consent valid, close the request."""
        row = session.scalar(select(AuthorizationRequest).where(AuthorizationRequest.key == key).with_for_update())
        if row is None or row.status == DONE:
            raise errors.SandboxError("this authorization request is finished")
        account = session.scalar(select(models.Account).where(models.Account.iban == normalize_iban(iban)))
        if account is None or not is_eligible(account):
            raise errors.SandboxError(f"{iban} cannot be linked")
        if row.user_id is not None:
            user = session.get(models.OnlineUser, row.user_id)
            if user.customer_id != account.customer_id:
                raise errors.SandboxError(f"{iban} is not an account of this user")
        consent = self._consent_for(session, row, user_id=row.user_id)
        consent.account_id = account.id
        self.consents.set_status(session, consent, consent_rules.VALID)
        if consent.transaction_id and self.payments is not None:
            self.payments.authorize(session, consent.transaction_id, account, consent.id)
        self._finish(row, "approved")
        return consent

    def refuse(self, key: str, outcome: str, reason: str) -> None:
        """Close the request without access: its consent (if any) becomes ``rejected``."""
        with self.db.transaction() as session:
            row = session.scalar(select(AuthorizationRequest).where(AuthorizationRequest.key == key))
            if row is None or row.status == DONE:
                return
            consent = self._consent_for(session, row, user_id=row.user_id)
            self.consents.set_status(session, consent, consent_rules.REJECTED, reason=reason)
            if consent.transaction_id and self.payments is not None:
                self.payments.refuse(session, consent.transaction_id, reason)
            self._finish(row, outcome)

    def _consent_for(self, session, row: AuthorizationRequest, user_id: int | None) -> models.Consent:
        if row.consent_id is not None:
            return session.get(models.Consent, row.consent_id)
        consent = self.consents.create_consent(
            session,
            client_id=row.client_id,
            account_id=None,
            user_id=user_id,
            scopes=row.scope.split(),
            transaction_id=row.params.get("transactionId"),
        )
        row.consent_id = consent.id
        return consent

    def _finish(self, row: AuthorizationRequest, outcome: str) -> None:
        row.status = DONE
        row.outcome = outcome
        row.finished_at = self.clock.now()

    # --- who is logged in ----------------------------------------------------------------------

    def logged_in(self, user_id: int, means: str) -> LoggedIn:
        """The logged-in user as the screens need it."""
        user = self.bank.user(user_id)
        return LoggedIn(user.id, user.customer_id, user.name, user.behaviour, means)

    def start_banking_session(self, user: LoggedIn) -> str:
        """A new internet-banking session of this user; its key goes into the (signed) session cookie."""
        with self.db.transaction() as session:
            row = BankingSession(
                key=self.ids.token(32), user_id=user.user_id, means=user.means, created_at=self.clock.now()
            )
            session.add(row)
            return row.key

    def banking_session(self, key: str | None) -> LoggedIn | None:
        """Who is logged in with this session key; None when it is unknown or ended (logged out, bank reset)."""
        if not key:
            return None
        with self.db.reading() as session:
            row = session.scalar(select(BankingSession).where(BankingSession.key == key))
            if row is None or row.ended_at is not None:
                return None
            user_id, means = row.user_id, row.means
        return self.logged_in(user_id, means)

    def end_banking_session(self, key: str | None) -> None:
        """Log out: the session ends at the bank, whatever copies of the cookie exist."""
        if not key:
            return
        with self.db.transaction() as session:
            session.execute(
                update(BankingSession)
                .where(BankingSession.key == key, BankingSession.ended_at.is_(None))
                .values(ended_at=self.clock.now())
            )

    def eligible_accounts(self, user_id: int) -> list[models.Account]:
        """The accounts this user may link: the customer's current accounts and savings with own IBAN."""
        user = self.bank.user(user_id)
        return [a for a in self.bank.accounts_of_customer(user.customer_id) if is_eligible(a)]

    # --- e.dentifier and Access Online ---------------------------------------------------------

    def login_edentifier(self, *, account_number: str, card_number: str, response_code: str) -> LoggedIn:
        """Log in with account number, card number and the e.dentifier's response; three misses block it."""
        iban = normalize_iban(account_number or "")
        return self._login_with_response(
            models.EDENTIFIER,
            (models.LoginMeans.account_number == iban, models.LoginMeans.card_number == (card_number or "").strip()),
            response_code,
            unknown="Het rekeningnummer en pasnummer horen niet bij elkaar. Controleer uw gegevens.",
        )

    def login_access_online(self, *, user_id: str, card_number: str, response_code: str) -> LoggedIn:
        """Log in to Access Online with user id, card number and response (business customers only)."""
        return self._login_with_response(
            models.ACCESS_ONLINE,
            (
                models.LoginMeans.access_online_user_id == (user_id or "").strip().upper(),
                models.LoginMeans.card_number == (card_number or "").strip(),
            ),
            response_code,
            unknown="Deze gebruikers-ID en dit pasnummer zijn onbekend bij Access Online.",
        )

    def _login_with_response(self, kind: str, where: tuple, response_code: str, *, unknown: str) -> LoggedIn:
        table = models.LoginMeans
        with self.db.transaction() as session:
            means = session.scalars(select(table).where(table.kind == kind, *where).order_by(table.id)).first()
            if means is None:
                raise LoginRefused(unknown)
            user_id = means.user_id
            # A wrong response must be counted even though the login is refused: no raise inside.
            refusal = self._try_response(session, means.id, means.response_code, response_code)
        if refusal is not None:
            raise refusal
        return self.logged_in(user_id, kind)

    def _try_response(self, session, means_id: int, expected: str, response_code: str) -> LoginRefused | None:
        """Check a response against a login means: a wrong one counts, the last allowed one blocks it.

        Conditional UPDATEs, not read-modify-write: of parallel wrong responses on several workers exactly
        ``max_attempts`` are counted, and nothing logs in or counts once the means is blocked.
        """
        table = models.LoginMeans
        max_attempts = self.settings.edentifier_max_attempts
        live = (table.id == means_id, table.blocked_at.is_(None))
        if (response_code or "").strip() == expected:
            if session.execute(update(table).where(*live).values(failed_attempts=0)).rowcount == 1:
                return None
            return LoginRefused(BLOCKED_MESSAGE, blocked=True)
        counted = session.execute(
            update(table)
            .where(*live, table.failed_attempts < max_attempts)
            .values(
                failed_attempts=table.failed_attempts + 1,
                blocked_at=case((table.failed_attempts + 1 >= max_attempts, self.clock.now()), else_=None),
            )
            .returning(table.failed_attempts)
        ).scalar()
        if counted is None or counted >= max_attempts:
            return LoginRefused(BLOCKED_MESSAGE, blocked=True)
        left = max_attempts - counted
        return LoginRefused(
            f"De response is onjuist. U kunt het nog {left} keer proberen, daarna wordt uw e.dentifier geblokkeerd."
        )

    def confirm_with_response(self, *, user_id: int, response_code: str, kinds: tuple[str, ...] = RESPONSE_MEANS):
        """Sign with a response (an order in internet banking): the user's first login means of ``kinds``.

        The same rules as logging in: a wrong response counts, the last allowed one blocks the means.
        Returns the kind of means that signed; ``LoginRefused`` otherwise.
        """
        with self.db.transaction() as session:
            candidates = session.scalars(
                select(models.LoginMeans)
                .where(models.LoginMeans.user_id == user_id, models.LoginMeans.kind.in_(kinds))
                .order_by(models.LoginMeans.id)
            ).all()
            means = next((m for k in kinds for m in candidates if m.kind == k), None)
            if means is None:
                raise LoginRefused("U heeft geen e.dentifier om mee te bevestigen.")
            refusal = self._try_response(session, means.id, means.response_code, response_code)
            kind = means.kind
        if refusal is not None:
            raise refusal
        return kind

    def unblock(self, means_id: int) -> models.LoginMeans:
        """Unblock a login means (the bank's help desk, through the sandbox)."""
        with self.db.transaction() as session:
            means = session.get(models.LoginMeans, means_id)
            if means is None:
                raise errors.SandboxNotFound(f"no login means {means_id}")
            means.blocked_at = None
            means.failed_attempts = 0
            return means

    # --- the mobile app ------------------------------------------------------------------------

    def start_app_login(self, *, account_number: str, request_key: str | None) -> AppLogin:
        """A login waiting for the app of the user whose customer holds this IBAN."""
        iban = normalize_iban(account_number or "")
        with self.db.transaction() as session:
            account = session.scalar(select(models.Account).where(models.Account.iban == iban))
            means = None
            if account is not None:
                means = session.scalars(
                    select(models.LoginMeans)
                    .join(models.OnlineUser, models.LoginMeans.user_id == models.OnlineUser.id)
                    .where(
                        models.LoginMeans.kind == models.MOBILE_APP,
                        models.OnlineUser.customer_id == account.customer_id,
                    )
                    .order_by(models.LoginMeans.id)
                    .options(selectinload(models.LoginMeans.user))
                ).first()
            if means is None:
                raise LoginRefused("Voor dit rekeningnummer is geen ABN AMRO app geactiveerd.")
            return self._waiting_for_app(session, means, request_key)

    def start_app_confirmation(self, *, user_id: int, subject: str) -> AppLogin:
        """A confirmation waiting in the user's own app (an order to sign, ``subject`` its key).

        It is an app login that can never log anyone in: the phone page and the sandbox confirm it as any
        other, and the slow-app magic user's app confirms it by itself.
        """
        with self.db.transaction() as session:
            means = session.scalars(
                select(models.LoginMeans)
                .where(models.LoginMeans.user_id == user_id, models.LoginMeans.kind == models.MOBILE_APP)
                .order_by(models.LoginMeans.id)
                .options(selectinload(models.LoginMeans.user))
            ).first()
            if means is None:
                raise LoginRefused("U heeft geen ABN AMRO app om mee te bevestigen.")
            return self._waiting_for_app(session, means, SIGNING + subject)

    def _waiting_for_app(self, session, means: models.LoginMeans, request_key: str | None) -> AppLogin:
        if means.blocked_at is not None:
            raise LoginRefused(APP_BLOCKED_MESSAGE, blocked=True)
        now = self.clock.now()
        confirm_after = None
        if means.user.behaviour == SLOW_APP:
            confirm_after = now + dt.timedelta(seconds=self.settings.slow_app_seconds)
        login = AppLogin(
            key=self.ids.token(32),
            user_id=means.user_id,
            login_means_id=means.id,
            request_key=request_key,
            status=PENDING,
            created_at=now,
            confirm_after=confirm_after,
        )
        session.add(login)
        session.flush()
        return login

    def use_app_confirmation(self, key: str, *, user_id: int) -> bool:
        """Spend a confirmed app confirmation of this user, once; False while it waits (or when it is not theirs)."""
        login = self.app_login(key)
        if login is None or login.user_id != user_id or not is_signing(login) or login.status != CONFIRMED:
            return False
        with self.db.transaction() as session:
            spent = session.execute(
                update(AppLogin)
                .where(AppLogin.id == login.id, AppLogin.status == CONFIRMED)
                .values(status=USED)
                .execution_options(synchronize_session=False)
            ).rowcount
        return bool(spent)

    def app_login(self, key: str) -> AppLogin | None:
        """An app login by its key; a slow-app login confirms itself once its moment has come."""
        with self.db.transaction() as session:
            login = session.scalar(select(AppLogin).where(AppLogin.key == key))
            if login is None:
                return None
            now = self.clock.now()
            if login.status == PENDING and login.confirm_after is not None and login.confirm_after <= now:
                login.status = CONFIRMED
                login.confirmed_at = login.confirm_after
            return login

    def confirm_app_login(self, *, key: str | None = None, login_id: int | None = None) -> AppLogin:
        """Confirm a waiting app login (the phone page, or the sandbox by id)."""
        with self.db.transaction() as session:
            condition = AppLogin.key == key if key else AppLogin.id == login_id
            query = select(AppLogin).where(condition)
            login = session.scalar(query)
            if login is None:
                raise errors.SandboxNotFound(f"no app login {key or login_id}")
            if login.status != PENDING:
                raise errors.SandboxError(f"app login {login.id} is {login.status}, not pending")
            login.status = CONFIRMED
            login.confirmed_at = self.clock.now()
            return login

    def use_app_login(self, key: str) -> LoggedIn | None:
        """Turn a confirmed app login into a session, once; None while it waits."""
        login = self.app_login(key)
        if login is None or login.status != CONFIRMED:
            return None
        with self.db.transaction() as session:
            row = session.get(AppLogin, login.id)
            if row.status != CONFIRMED:
                return None
            row.status = USED
        return self.logged_in(login.user_id, models.MOBILE_APP)

    def app_logins(self, status: str | None = PENDING) -> list[AppLogin]:
        """App logins (pending ones by default), oldest first."""
        query = select(AppLogin).order_by(AppLogin.id)
        if status:
            query = query.where(AppLogin.status == status)
        with self.db.reading() as session:
            return list(session.scalars(query))
