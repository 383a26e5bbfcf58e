"""Third-party clients, consents and tokens as a service object.

The OAuth server (``oauth.py``) and the sandbox's token minting both go through these verbs, so a
minted token and an OAuth-issued one are the same thing to the account API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
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

CONSENT_EXPIRY_JOB = "consent.expire"


@dataclass(frozen=True)
class AccessGrant:
    """What a valid API request may do: the client, the consent and its account, the token's scopes."""

    client_id: str
    consent_id: int | None
    account_id: int | None
    iban: str | None
    scopes: frozenset[str]
    token_id: int


class ConsentService(OAuthStorage):
    """Verbs for clients, consents and tokens, on the simulated clock."""

    def __init__(self, *, db: Database, clock: SimClock, ids: Ids, jobs: DueJobQueue, settings: BankSettings):
        self.db = db
        self.clock = clock
        self.ids = ids
        self.jobs = jobs
        self.settings = settings
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
        """The registered client, or None."""
        with self.db.reading() as session:
            return session.scalar(select(models.OAuthClient).where(models.OAuthClient.client_id == client_id))

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
        token = models.Token(
            access_token=access_token or self.ids.token(28),
            refresh_token=(refresh_token or self.ids.token(42)) if with_refresh else None,
            client_id=client_id,
            consent_id=consent_id,
            scope=scope,
            issued_at=now,
            expires_at=now + dt.timedelta(seconds=self.settings.token_seconds() if expires_in is None else expires_in),
            code_id=code_id,
            parent_id=parent_id,
            minted=minted,
        )
        session.add(token)
        session.flush()
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
        """What an ``/v1`` request may do, given its ``API-Key`` and bearer token; raises the bank's errors."""
        if not api_key:
            raise errors.InvalidApiKey()
        with self.db.reading() as session:
            client = session.scalar(select(models.OAuthClient).where(models.OAuthClient.api_key == api_key))
            if client is None:
                raise errors.InvalidApiKey()
            if not bearer:
                raise errors.InvalidAccessToken()
            token = session.scalar(select(models.Token).where(models.Token.access_token == bearer))
            now = self.clock.now()
            if (
                token is None
                or token.client_id != client.client_id
                or token.access_revoked_at is not None
                or token.expires_at <= now
            ):
                raise errors.InvalidAccessToken()
            iban = None
            account_id = None
            if token.consent_id is not None:
                consent = session.get(models.Consent, token.consent_id)
                if consent.status != VALID or (consent.valid_until and consent.valid_until <= now):
                    raise errors.InvalidAccessToken()
                account_id = consent.account_id
                if account_id is not None:
                    iban = session.get(models.Account, account_id).iban
            return AccessGrant(
                client_id=client.client_id,
                consent_id=token.consent_id,
                account_id=account_id,
                iban=iban,
                scopes=frozenset(token.scope.split()),
                token_id=token.id,
            )

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
