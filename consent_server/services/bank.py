"""The bank seen from the portal: its stored client credentials and the SDK's ``AbnAmroClient`` for every call.

Every call goes over HTTP to the configured ``BANK_*`` URLs, and never while a database session is
open: in-process the call comes straight back into the bank's app. The SDK's errors become the
portal's ``BankError`` family here, with a ``cause`` the mails quote.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import requests
from sqlalchemy import select

from client_sdk import errors as sdk
from client_sdk.abnamro import AbnAmroClient
from client_sdk.http import RetryPolicy
from client_sdk.models import TokenSet
from consent_server import errors
from consent_server import models
from mockbank.sim.clock import SimClock
from mockbank.sim.db import Database

# What went wrong, in the words of the mails to the rekeningbeheerder.
UNREACHABLE = "de bank was niet bereikbaar"
ACCESS_INVALID = "de toestemming is ingetrokken of de toegang is niet meer geldig"
ACCOUNT_REFUSED = "de toestemming geeft geen toegang meer tot deze rekening"
NOT_CONFIRMED = "De bank heeft de toestemming niet bevestigd. Probeer het opnieuw."
# OAuth errors on a refresh that mean the consent is over, not that the bank had a bad moment.
ACCESS_ENDED_OAUTH = frozenset({"invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope"})


@dataclass(frozen=True)
class Credentials:
    """What the bank gave the portal when it registered as a client."""

    client_id: str
    api_key: str
    client_secret: str | None
    callback_secret: str | None


@dataclass(frozen=True)
class BankGrant:
    """Tokens for one account, checked against ``/v1/consentinfo``."""

    iban: str
    access_token: str
    refresh_token: str | None
    expires_at: dt.datetime
    scopes: str
    valid_until: dt.datetime | None
    consent_ref: str | None


@dataclass(frozen=True)
class TokenPair:
    """A refreshed access token and the refresh token that replaces the used one."""

    access_token: str
    refresh_token: str
    expires_at: dt.datetime


def no_wall_clock_wait(seconds: float) -> None:
    """The portal's retries never sleep: a simulated world must not wait on the wall clock."""


def retry_policy(retries: int) -> RetryPolicy:
    """The SDK's policy for the portal: ``retries`` repeats of a safe call, none of them waiting."""
    return RetryPolicy(max_retries=retries, sleep=no_wall_clock_wait, jitter=None)


def _unavailable_cause(status: int | None) -> str:
    return "te veel verzoeken" if status == 429 else "een technische fout bij de bank"


def _what_failed(what: str, exc: sdk.BankApiError) -> str:
    if isinstance(exc, sdk.APIConnectionError):
        return f"{what} unreachable: {exc.message}"
    return f"{what} answered {exc.status}: {exc}"[:400]


def unavailable(what: str, exc: sdk.BankApiError, *, message: str | None = None, why: bool = True):
    """``BankUnavailable`` for an SDK error; ``why`` gives the cause (unreachable, too many requests, bank fault)."""
    cause = None
    if why:
        cause = UNREACHABLE if isinstance(exc, sdk.APIConnectionError) else _unavailable_cause(exc.status)
    return errors.BankUnavailable(_what_failed(what, exc), message=message, cause=cause)


class BankGateway:
    """The portal's registration at the bank (one stored row) and the calls it makes with it."""

    def __init__(self, *, db: Database, clock: SimClock, settings: Callable):
        self.db = db
        self.clock = clock
        self._settings = settings
        self.http = requests.Session()

    @property
    def settings(self):
        return self._settings()

    # --- credentials ------------------------------------------------------------------------------

    def load_from_config(self) -> None:
        """Store ``BANK_CLIENT_ID``/``BANK_API_KEY``/``BANK_CLIENT_SECRET``/``BANK_CALLBACK_SECRET`` when configured."""
        settings = self.settings
        if settings.bank_client_id and settings.bank_api_key:
            self.configure(
                client_id=settings.bank_client_id,
                api_key=settings.bank_api_key,
                client_secret=settings.bank_client_secret,
                callback_secret=settings.bank_callback_secret,
            )

    def configure(self, *, client_id: str, api_key: str, client_secret: str | None, callback_secret: str | None):
        """Remember the portal's registration at the bank (one row, replaced)."""
        for name, value in (("clientId", client_id), ("apiKey", api_key)):
            if not isinstance(value, str) or not value:
                raise errors.SandboxError(f"'{name}' is required")
        with self.db.transaction() as session:
            row = session.scalar(select(models.BankClient))
            if row is None:
                row = models.BankClient(id=1)
                session.add(row)
            row.client_id = client_id
            row.api_key = api_key
            row.client_secret = client_secret
            row.callback_secret = callback_secret
            row.updated_at = self.clock.now()
        return self.credentials()

    def credentials(self) -> Credentials | None:
        """The stored credentials, or None before the portal is registered at the bank."""
        with self.db.reading() as session:
            row = session.scalar(select(models.BankClient))
            if row is None:
                return None
            return Credentials(row.client_id, row.api_key, row.client_secret, row.callback_secret)

    def require_credentials(self) -> Credentials:
        """The credentials, or a clear error when the portal has not been registered at the bank."""
        creds = self.credentials()
        if creds is None:
            raise errors.BankUnavailable(
                "the portal has no bank client: POST /sandbox/bank-client or set BANK_CLIENT_ID/BANK_API_KEY",
                message="De koppeling met de bank is nog niet ingericht. Probeer het later opnieuw.",
            )
        return creds

    # --- URLs -----------------------------------------------------------------------------------------

    @property
    def auth_base(self) -> str:
        """The bank's authorization host (its screens)."""
        return self.settings.bank_auth_base.rstrip("/")

    def registration_url(self, *, access_online: bool = False) -> str:
        """The bank's "Boekhoudkoppeling aanvragen" page (flow B), or its Access Online variant (flow C)."""
        url = f"{self.auth_base}/internetbankieren/boekhoudkoppeling"
        return url + "?login=access_online" if access_online else url

    def client(self, *, redirect_uri: str | None = None, tokens: TokenSet | None = None) -> AbnAmroClient:
        """The SDK's client with the stored credentials, the configured hosts and the portal's retry policy."""
        creds = self.require_credentials()
        settings = self.settings
        return AbnAmroClient(
            client_id=creds.client_id,
            api_key=creds.api_key,
            client_secret=creds.client_secret,
            redirect_uri=redirect_uri,
            api_base=settings.bank_api_base,
            auth_base=settings.bank_auth_base,
            token_url=settings.bank_token_url,
            revoke_url=self.revoke_url,
            tokens=tokens,
            session=self.http,
            retry=retry_policy(settings.bank_retries),
            timeout=settings.bank_timeout,
            auto_refresh=False,
            clock=self.clock.now,
        )

    def authorization_url(self, *, state: str, redirect_uri: str) -> str:
        """Flow A: the bank's authorization endpoint with the portal's client id, scopes and state."""
        client = self.client(redirect_uri=redirect_uri)
        # Plain form encoding, as the portal always sent it: the redirect URI shows no readable path.
        return client.authorization_url(self.settings.bank_scopes, state=state)

    @property
    def revoke_url(self) -> str:
        """The bank's RFC 7009 endpoint, beside its token endpoint unless ``BANK_REVOKE_URL`` says otherwise."""
        settings = self.settings
        return settings.bank_revoke_url or settings.bank_token_url.rsplit("/", 1)[0] + "/revoke_token.oauth2"

    # --- calls ----------------------------------------------------------------------------------------

    def exchange(self, code: str, *, redirect_uri: str | None = None) -> BankGrant:
        """Exchange an authorization code at the token endpoint and check the consent it carries."""
        client = self.client(redirect_uri=redirect_uri)
        try:
            token = client.exchange_code(code)
        except sdk.BankApiError as exc:
            message = None if isinstance(exc, sdk.APIConnectionError) else NOT_CONFIRMED
            raise unavailable("token endpoint", exc, message=message, why=False) from exc
        info = self._consent_info(client)
        return BankGrant(
            iban=info.iban or "",
            access_token=token.access_token,
            refresh_token=token.refresh_token,
            expires_at=token.expires_at or self.clock.now() + dt.timedelta(seconds=7200),
            scopes=" ".join(info.scopes) or " ".join(token.scope),
            valid_until=info.valid_until,
            consent_ref=info.transaction_id,
        )

    def consent_info(self, access_token: str) -> dict:
        """``GET /v1/consentinfo`` with the portal's API-Key and the account's token (the bank's JSON)."""
        return self._consent_info(self.client(tokens=TokenSet(access_token=access_token))).raw

    def _consent_info(self, client: AbnAmroClient):
        try:
            return client.consent_info()
        except sdk.BankApiError as exc:
            raise unavailable("consentinfo", exc, why=False) from exc

    def refresh(self, refresh_token: str | None) -> TokenPair:
        """Refresh with rotation: a new access and refresh token; the old refresh token is dead afterwards."""
        self.require_credentials()
        if not refresh_token:
            raise errors.BankAccessEnded(
                "the link holds no refresh token", message="Er is geen vernieuwbare toegang.", cause=ACCESS_INVALID
            )
        client = self.client(tokens=TokenSet(access_token="", refresh_token=refresh_token))
        try:
            token = client.refresh()
        except sdk.OAuthError as exc:
            if exc.status in (400, 401) and exc.code in ACCESS_ENDED_OAUTH:
                raise errors.BankAccessEnded(f"refresh refused: {exc}", cause=ACCESS_INVALID) from exc
            raise unavailable("token endpoint", exc) from exc
        except sdk.BankApiError as exc:
            raise unavailable("token endpoint", exc) from exc
        return TokenPair(token.access_token, token.refresh_token or refresh_token, token.expires_at)

    def transactions_page(
        self, access_token: str, iban: str, *, book_date_from: dt.date, book_date_to: dt.date, next_page_key=None
    ) -> dict:
        """One page of ``GET /v1/accounts/{iban}/transactions`` (the date filters repeated with the key)."""
        client = self.client(tokens=TokenSet(access_token=access_token))
        pages = client.transaction_pages(
            iban, book_date_from=book_date_from, book_date_to=book_date_to, next_page_key=next_page_key
        )
        try:
            return next(pages).raw or {}
        except (sdk.AuthenticationError, sdk.PermissionDeniedError) as exc:
            error = errors.BankAccessEnded(
                f"transactions answered {exc.status} {exc.code or ''}".rstrip(),
                cause=ACCESS_INVALID if exc.status == 401 else ACCOUNT_REFUSED,
            )
            error.status = exc.status
            raise error from exc
        except sdk.BankApiError as exc:
            raise unavailable("transactions", exc) from exc

    def revoke(self, refresh_token: str | None) -> None:
        """RFC 7009 at the bank: revoking the refresh token ends the consent (``terminatedByTpp``)."""
        client = self.client()
        if not refresh_token:
            return
        try:
            client.revoke(refresh_token)
        except sdk.BankApiError as exc:
            raise unavailable("revocation endpoint", exc, why=False) from exc
