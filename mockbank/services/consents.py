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
from mockbank.services.consent_rules import TERMINATED_BY_TPP
from mockbank.services.consent_rules import VALID
from mockbank.services.consent_rules import ScopeError
from mockbank.services.consent_rules import check_scopes
from mockbank.services.consent_rules import check_transition
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


class ConsentService:
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

    # --- authorization codes (the OAuth server's storage) ----------------------------------------

    def save_code(
        self,
        session,
        *,
        code: str,
        client_id: str,
        consent_id: int | None,
        redirect_uri: str | None,
        scope: str,
        code_challenge: str | None,
        code_challenge_method: str | None,
    ) -> models.AuthorizationCode:
        """A new authorization code inside ``session``, valid for ``AUTH_CODE_SECONDS`` (60 s)."""
        now = self.clock.now()
        row = models.AuthorizationCode(
            code=code,
            client_id=client_id,
            consent_id=consent_id,
            redirect_uri=redirect_uri,
            scope=scope,
            code_challenge=code_challenge,
            code_challenge_method=code_challenge_method,
            issued_at=now,
            expires_at=now + dt.timedelta(seconds=self.settings.auth_code_seconds),
        )
        session.add(row)
        session.flush()
        return row

    def redeem_code(self, code: str, client_id: str) -> models.AuthorizationCode | None:
        """The code, marked used, if it is this client's, unused and unexpired; else None.

        A code presented a second time revokes every token issued from it (RFC 6749 §4.1.2). The code
        is marked used here, in one transaction, so two simultaneous exchanges cannot both succeed.
        """
        now = self.clock.now()
        with self.db.transaction() as session:
            row = session.scalar(
                select(models.AuthorizationCode).where(models.AuthorizationCode.code == code).with_for_update()
            )
            if row is None or row.client_id != client_id:
                return None
            if row.used_at is not None:
                issued = list(session.scalars(select(models.Token).where(models.Token.code_id == row.id)))
                self._revoke_chain(session, issued, now)
                return None
            row.used_at = now
            if row.expires_at <= now:
                return None
            return row

    def _revoke_chain(self, session, roots: list[models.Token], now: dt.datetime) -> None:
        """Revoke these tokens and every token rotated out of them."""
        pending = list(roots)
        while pending:
            for token in pending:
                token.access_revoked_at = token.access_revoked_at or now
                if token.refresh_token:
                    token.refresh_revoked_at = token.refresh_revoked_at or now
            parents = [t.id for t in pending]
            pending = list(session.scalars(select(models.Token).where(models.Token.parent_id.in_(parents))))

    # --- tokens seen by the OAuth endpoints ------------------------------------------------------

    def consent_usable(self, consent: models.Consent | None) -> bool:
        """True while a consent lets its tokens work: valid and inside its validity period."""
        if consent is None:
            return True
        now = self.clock.now()
        return consent.status == VALID and (consent.valid_until is None or consent.valid_until > now)

    def find_token(self, value: str, hint: str | None = None) -> tuple[models.Token, str] | None:
        """The token row whose access or refresh string is ``value``, with ``"access_token"`` or ``"refresh_token"``."""
        if not value:
            return None
        order = ("refresh_token", "access_token") if hint == "refresh_token" else ("access_token", "refresh_token")
        with self.db.reading() as session:
            for kind in order:
                column = models.Token.access_token if kind == "access_token" else models.Token.refresh_token
                token = session.scalars(
                    select(models.Token)
                    .where(column == value)
                    .options(selectinload(models.Token.consent).selectinload(models.Consent.account))
                ).first()
                if token is not None:
                    return token, kind
        return None

    def live_refresh_token(self, value: str) -> models.Token | None:
        """The token row of a refresh token that may still be used (not rotated, revoked, or its consent ended)."""
        with self.db.reading() as session:
            token = session.scalars(
                select(models.Token)
                .where(models.Token.refresh_token == value)
                .options(selectinload(models.Token.consent))
            ).first()
            if token is None or token.refresh_revoked_at is not None or not self.consent_usable(token.consent):
                return None
            return token

    def retire_refresh_token(self, token_id: int) -> None:
        """Rotation: the refresh token just used dies (its access token lives until it expires)."""
        with self.db.transaction() as session:
            token = session.get(models.Token, token_id)
            token.refresh_revoked_at = token.refresh_revoked_at or self.clock.now()

    def revoke_by_client(self, token_id: int, kind: str) -> None:
        """RFC 7009 revocation by the client: an access token alone, or a refresh token and its consent.

        Revoking a refresh token ends the consent (``terminatedByTpp``) and every token issued for it.
        """
        now = self.clock.now()
        with self.db.transaction() as session:
            token = session.get(models.Token, token_id)
            if kind == "access_token":
                token.access_revoked_at = token.access_revoked_at or now
                return
            if token.consent_id is None:
                self._revoke_chain(session, [token], now)
                return
            consent = session.get(models.Consent, token.consent_id)
            siblings = list(session.scalars(select(models.Token).where(models.Token.consent_id == consent.id)))
            self._revoke_chain(session, siblings, now)
            if consent.status == VALID:
                self.set_status(session, consent, TERMINATED_BY_TPP, reason="refresh token revoked by the third party")

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
