"""Third-party clients, consents and tokens as a service object.

The OAuth server (``oauth.py``) and the sandbox's token minting both go through these verbs, so a
minted token and an OAuth-issued one are the same thing to the account API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import bindparam
from sqlalchemy import insert
from sqlalchemy import select
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm import selectinload

from mockbank import errors
from mockbank import models
from mockbank.services.consent_rules import EXPIRED
from mockbank.services.consent_rules import RECEIVED
from mockbank.services.consent_rules import REVOKED_BY_PSU
from mockbank.services.consent_rules import VALID
from mockbank.services.consent_rules import ScopeError
from mockbank.services.consent_rules import check_scopes
from mockbank.services.consent_rules import check_transition
from mockbank.services.oauth_storage import OAuthStorage
from mockbank.settings import BankSettings
from mockbank.sim.clock import SimClock
from mockbank.sim.db import Database
from mockbank.sim.ids import Ids
from mockbank.sim.jobs import DueJobQueue
from mockbank.sim.versions import VersionedCache
from mockbank.sim.versions import WorldVersions

CONSENT_EXPIRY_JOB = "consent.expire"
# The world-version counter that every change to a client, consent or token moves (``BankBackend``'s watch).
AUTH = "auth"

_CLIENTS = models.OAuthClient.__table__
_TOKENS = models.Token.__table__
_CONSENTS = models.Consent.__table__
_ACCOUNTS = models.Account.__table__
_INSERT_TOKEN = insert(_TOKENS)
# Client, token, consent and account of an ``/v1`` request in one statement (the token part is empty when the
# bearer is unknown, the consent part when the token has none).
_RESOLVE = (
    select(
        _CLIENTS.c.client_id,
        _TOKENS.c.id,
        _TOKENS.c.client_id,
        _TOKENS.c.scope,
        _TOKENS.c.expires_at,
        _TOKENS.c.access_revoked_at,
        _TOKENS.c.consent_id,
        _CONSENTS.c.status,
        _CONSENTS.c.valid_until,
        _CONSENTS.c.account_id,
        _ACCOUNTS.c.iban,
    )
    .select_from(
        _CLIENTS.outerjoin(_TOKENS, _TOKENS.c.access_token == bindparam("bearer"))
        .outerjoin(_CONSENTS, _CONSENTS.c.id == _TOKENS.c.consent_id)
        .outerjoin(_ACCOUNTS, _ACCOUNTS.c.id == _CONSENTS.c.account_id)
    )
    .where(_CLIENTS.c.api_key == bindparam("api_key"))
)


@dataclass(frozen=True)
class AccessGrant:
    """What a valid API request may do: the client, the consent and its account, the token's scopes."""

    client_id: str
    consent_id: int | None
    account_id: int | None
    iban: str | None
    scopes: frozenset[str]
    token_id: int


@dataclass(frozen=True)
class ConsentFacts:
    """What ``/v1/consentinfo`` tells of a consent."""

    transaction_id: str | None
    scopes: str
    valid_until: dt.datetime | None


@dataclass(frozen=True)
class _CheckedGrant:
    grant: AccessGrant
    expires_at: dt.datetime
    consent_valid_until: dt.datetime | None


class ConsentService(OAuthStorage):
    """Verbs for clients, consents and tokens, on the simulated clock.

    ``authenticate`` and ``client`` answer from a per-process cache that ``versions`` (the ``auth`` counter)
    invalidates on any change to a client, consent or token; expiry is checked against the clock on every use.
    """

    def __init__(
        self,
        *,
        db: Database,
        clock: SimClock,
        ids: Ids,
        jobs: DueJobQueue,
        settings: BankSettings,
        versions: WorldVersions,
    ):
        self.db = db
        self.clock = clock
        self.ids = ids
        self.jobs = jobs
        self.settings = settings
        self._grants: VersionedCache[_CheckedGrant] = VersionedCache(versions, AUTH)
        self._clients: VersionedCache[models.OAuthClient] = VersionedCache(versions, AUTH)
        self._consent_facts: VersionedCache[ConsentFacts] = VersionedCache(versions, AUTH)
        jobs.register(CONSENT_EXPIRY_JOB, self._expire_job)

    # --- clients -------------------------------------------------------------------------------

    def register_client(
        self,
        *,
        name: str,
        redirect_uris: list[str],
        public: bool = False,
        client_id: str | None = None,
        api_key: str | None = None,
        software_name: str | None = None,
        callback_url: str | None = None,
    ) -> models.OAuthClient:
        """Register a third party: its name is shown on the consent screen."""
        if not name or not name.strip():
            raise errors.SandboxError("a client needs a name")
        if not isinstance(redirect_uris, list) or not all(isinstance(u, str) and u for u in redirect_uris):
            raise errors.SandboxError("redirect_uris must be a list of URLs")
        for uri in redirect_uris:
            if not uri.startswith(("http://", "https://")):
                raise errors.SandboxError(f"not an http(s) redirect URI: {uri}")
        with self.db.transaction() as session:
            client_id = client_id or f"TPP_{self.ids.token(12)}"
            if session.scalar(select(models.OAuthClient.id).where(models.OAuthClient.client_id == client_id)):
                raise errors.SandboxError(f"client_id {client_id} is taken")
            api_key = api_key or self.ids.token(32)
            if session.scalar(select(models.OAuthClient.id).where(models.OAuthClient.api_key == api_key)):
                raise errors.SandboxError("that API-Key is taken")
            client = models.OAuthClient(
                client_id=client_id,
                name=name.strip(),
                api_key=api_key,
                client_secret=None if public else self.ids.token(32),
                redirect_uris=list(redirect_uris),
                public=public,
                software_name=software_name,
                callback_url=callback_url,
                callback_secret=self.ids.token(32) if callback_url else None,
                created_at=self.clock.now(),
            )
            session.add(client)
            session.flush()
            return client

    def client(self, client_id: str) -> models.OAuthClient | None:
        """The registered client, or None: a detached row shared by callers, to read (change it in a transaction)."""
        try:
            return self._clients.get(client_id, lambda: self._load_client(client_id))
        except LookupError:
            return None

    def _load_client(self, client_id: str) -> models.OAuthClient:
        with self.db.reading() as session:
            client = session.scalar(select(models.OAuthClient).where(models.OAuthClient.client_id == client_id))
        if client is None:
            raise LookupError(client_id)  # unknown clients are not cached: one may be registered next
        return client

    def clients(self) -> list[models.OAuthClient]:
        """Every registered client."""
        with self.db.reading() as session:
            return list(session.scalars(select(models.OAuthClient).order_by(models.OAuthClient.id)))

    # --- consents ------------------------------------------------------------------------------

    def consent_days(self) -> int:
        """How long a consent stays valid (90 by default, 180 by configuration)."""
        return self.settings.consent_days

    def create_consent(
        self,
        session,
        *,
        client_id: str,
        account_id: int | None,
        user_id: int | None,
        scopes: list[str],
        status: str = RECEIVED,
        transaction_id: str | None = None,
    ) -> models.Consent:
        """A new consent inside ``session``, with its first event; a valid one gets its expiry job."""
        now = self.clock.now()
        consent = models.Consent(
            client_id=client_id,
            account_id=account_id,
            user_id=user_id,
            scopes=" ".join(scopes),
            status=RECEIVED,
            transaction_id=transaction_id,
            created_at=now,
            valid_until=None,
        )
        session.add(consent)
        session.flush()
        session.add(models.ConsentEvent(consent_id=consent.id, status=RECEIVED, at=now))
        if status != RECEIVED:
            self.set_status(session, consent, status)
        return consent

    def set_status(self, session, consent: models.Consent, status: str, reason: str | None = None) -> None:
        """Move a consent to ``status`` and record the change; becoming valid starts its validity period.

        The one place a consent's status changes: the state machine (``consent_rules.TRANSITIONS``) is asked
        first, and an illegal change raises ``IllegalTransition`` before anything is touched.
        """
        if consent.status == status:
            return
        check_transition(consent.status, status, consent_id=consent.id)
        now = self.clock.now()
        consent.status = status
        if status == VALID:
            consent.valid_until = now + dt.timedelta(days=self.consent_days())
            self.jobs.schedule(CONSENT_EXPIRY_JOB, consent.valid_until, {"consent_id": consent.id}, session=session)
        session.add(models.ConsentEvent(consent_id=consent.id, status=status, at=now, reason=reason))

    def _expire_job(self, payload: dict, now: dt.datetime) -> None:
        with self.db.transaction() as session:
            consent = session.get(models.Consent, payload["consent_id"])
            if consent is not None and consent.status == VALID and consent.valid_until <= now:
                self.set_status(session, consent, EXPIRED, reason="validity period ended")

    def consent(self, consent_id: int) -> models.Consent:
        """A consent with its account and events."""
        with self.db.reading() as session:
            consent = session.scalars(
                select(models.Consent)
                .where(models.Consent.id == consent_id)
                .options(selectinload(models.Consent.account), selectinload(models.Consent.events))
            ).first()
            if consent is None:
                raise errors.SandboxNotFound(f"no consent {consent_id}")
            return consent

    def consent_facts(self, consent_id: int) -> ConsentFacts:
        """A consent's transaction id, scopes and end, kept until a consent changes (one statement otherwise)."""

        def load() -> ConsentFacts:
            with self.db.lean_read() as connection:
                row = connection.execute(
                    select(_CONSENTS.c.transaction_id, _CONSENTS.c.scopes, _CONSENTS.c.valid_until).where(
                        _CONSENTS.c.id == consent_id
                    )
                ).first()
            if row is None:
                raise errors.SandboxNotFound(f"no consent {consent_id}")
            return ConsentFacts(*row)

        return self._consent_facts.get(consent_id, load)

    def consents(self, *, client_id: str | None = None, user_id: int | None = None) -> list[models.Consent]:
        """Consents (of a client, or given by a user), oldest first."""
        query = (
            select(models.Consent)
            .order_by(models.Consent.id)
            .options(selectinload(models.Consent.account), selectinload(models.Consent.events))
        )
        if client_id:
            query = query.where(models.Consent.client_id == client_id)
        if user_id:
            query = query.where(models.Consent.user_id == user_id)
        with self.db.reading() as session:
            return list(session.scalars(query))

    # --- tokens --------------------------------------------------------------------------------

    def issue_token(
        self,
        session,
        *,
        client_id: str,
        consent_id: int | None,
        scope: str,
        with_refresh: bool = True,
        code_id: int | None = None,
        parent_id: int | None = None,
        minted: bool = False,
        access_token: str | None = None,
        refresh_token: str | None = None,
        expires_in: int | None = None,
    ) -> models.Token:
        """A new access token (and refresh token) inside ``session``; the OAuth server passes its own strings.

        ``expires_in`` is the lifetime the OAuth server announced; a minted token lives ``ACCESS_TOKEN_SECONDS``.
        """
        now = self.clock.now()
        values = {
            "access_token": access_token or self.ids.token(28),
            "refresh_token": (refresh_token or self.ids.token(42)) if with_refresh else None,
            "client_id": client_id,
            "consent_id": consent_id,
            "scope": scope,
            "issued_at": now,
            "expires_at": now
            + dt.timedelta(seconds=self.settings.token_seconds() if expires_in is None else expires_in),
            "code_id": code_id,
            "parent_id": parent_id,
            "access_revoked_at": None,
            "refresh_revoked_at": None,
            "minted": minted,
        }
        # One prepared INSERT in the session's transaction (the token endpoint's hot path), then the row as a
        # persistent object without the unit of work's bookkeeping: a flush of one new object cost more than it.
        token_id = session.connection().execute(_INSERT_TOKEN, values).inserted_primary_key[0]
        token = models.Token(id=token_id, **values)
        make_transient_to_detached(token)
        session.add(token)
        return token

    def mint_token(self, *, client_id: str, iban: str, scopes: list[str] | str) -> models.Token:
        """A consent (valid) for one account plus a token for it, without any screen: the sandbox shortcut."""
        try:
            scope_list = check_scopes(scopes)
        except ScopeError as exc:
            raise errors.SandboxError(str(exc)) from exc
        with self.db.transaction() as session:
            client = session.scalar(select(models.OAuthClient).where(models.OAuthClient.client_id == client_id))
            if client is None:
                raise errors.SandboxNotFound(f"no client {client_id}")
            account = session.scalar(select(models.Account).where(models.Account.iban == iban))
            if account is None:
                raise errors.SandboxNotFound(f"no account {iban}")
            consent = self.create_consent(
                session, client_id=client_id, account_id=account.id, user_id=None, scopes=scope_list, status=VALID
            )
            token = self.issue_token(
                session, client_id=client_id, consent_id=consent.id, scope=" ".join(scope_list), minted=True
            )
            session.flush()
            session.refresh(token, ["consent"])
            return token

    def authenticate(self, *, api_key: str | None, bearer: str | None) -> AccessGrant:
        """What an ``/v1`` request may do, given its ``API-Key`` and bearer token; raises the bank's errors.

        A grant once checked is kept per (API-Key, token) until the ``auth`` version moves (a client, consent or
        token changed); the token's and the consent's end are checked against the simulated clock on every use.
        A grant not kept costs one statement (client, token, consent and account together).
        """
        if not api_key:
            raise errors.InvalidApiKey()
        now = self.clock.now()
        checked = self._grants.get((api_key, bearer or ""), lambda: self._check_grant(api_key, bearer, now))
        if checked.expires_at <= now or (checked.consent_valid_until and checked.consent_valid_until <= now):
            # Kept from an earlier moment: the simulated clock has passed the token's or the consent's end.
            raise errors.InvalidAccessToken()
        return checked.grant

    def _check_grant(self, api_key: str, bearer: str | None, now: dt.datetime) -> _CheckedGrant:
        with self.db.lean_read() as connection:
            row = connection.execute(_RESOLVE, {"api_key": api_key, "bearer": bearer}).first()
        if row is None:
            raise errors.InvalidApiKey()
        client_id, token_id, token_client, scope, expires_at, revoked_at, consent_id, status, valid_until = row[:9]
        account_id, iban = row[9:]
        if not bearer or token_id is None or token_client != client_id or revoked_at is not None or expires_at <= now:
            raise errors.InvalidAccessToken()
        if consent_id is None:
            grant = AccessGrant(client_id, None, None, None, frozenset(scope.split()), token_id)
            return _CheckedGrant(grant, expires_at, None)
        if status != VALID or (valid_until and valid_until <= now):
            raise errors.InvalidAccessToken()
        grant = AccessGrant(client_id, consent_id, account_id, iban, frozenset(scope.split()), token_id)
        return _CheckedGrant(grant, expires_at, valid_until)

    # --- the customer's side: internet banking -------------------------------------------------

    def consents_of_customer(self, customer_id: int) -> list[models.Consent]:
        """Every consent given for one of the customer's accounts, newest first."""
        with self.db.reading() as session:
            return list(
                session.scalars(
                    select(models.Consent)
                    .join(models.Account, models.Consent.account_id == models.Account.id)
                    .where(models.Account.customer_id == customer_id)
                    .order_by(models.Consent.id.desc())
                    .options(selectinload(models.Consent.account), selectinload(models.Consent.events))
                )
            )

    def withdraw(self, consent_id: int, customer_id: int) -> models.Consent:
        """The customer withdraws a valid consent on one of its accounts: ``revokedByPsu``."""
        with self.db.transaction() as session:
            consent = session.get(models.Consent, consent_id)
            account = session.get(models.Account, consent.account_id) if consent and consent.account_id else None
            if consent is None or account is None or account.customer_id != customer_id:
                raise errors.SandboxNotFound(f"no consent {consent_id} for this customer")
            if consent.status != VALID:
                raise errors.SandboxError(f"consent {consent_id} is {consent.status}, not valid")
            self.set_status(session, consent, REVOKED_BY_PSU, reason="withdrawn in internet banking")
            return consent
