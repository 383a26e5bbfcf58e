"""The portal as an OAuth client of the bank: credentials, authorization URL, code exchange, consent info.

Every call goes over HTTP with ``requests`` to the configured ``BANK_*`` URLs, and never while a
database session is open: in-process the call comes straight back into the bank's app.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
from dataclasses import dataclass
from urllib.parse import urlencode

import requests
from sqlalchemy import select

from consent_server import errors
from consent_server import models
from mockbank.sim.clock import SimClock
from mockbank.sim.db import Database

SIGNATURE_HEADER = "X-Mockbank-Signature"
DEFAULT_SCOPES = "psd2:account:details:read psd2:account:balance:read psd2:account:transaction:read"


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


def sign(secret: str, body: bytes) -> str:
    """The callback signature: ``sha256=`` plus the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def signature_valid(secret: str | None, body: bytes, header: str | None) -> bool:
    """True when ``header`` is the body's signature under ``secret`` (constant-time compare)."""
    if not secret or not header:
        return False
    return hmac.compare_digest(sign(secret, body), header.strip())


class BankGateway:
    """The bank seen from the portal: its URLs and the portal's client credentials."""

    def __init__(self, *, db: Database, clock: SimClock, config: dict):
        self.db = db
        self.clock = clock
        self.config = config
        self.http = requests.Session()

    # --- credentials ------------------------------------------------------------------------------

    def load_from_config(self) -> None:
        """Store ``BANK_CLIENT_ID``/``BANK_API_KEY``/``BANK_CLIENT_SECRET``/``BANK_CALLBACK_SECRET`` when configured."""
        if self.config.get("BANK_CLIENT_ID") and self.config.get("BANK_API_KEY"):
            self.configure(
                client_id=self.config["BANK_CLIENT_ID"],
                api_key=self.config["BANK_API_KEY"],
                client_secret=self.config.get("BANK_CLIENT_SECRET"),
                callback_secret=self.config.get("BANK_CALLBACK_SECRET"),
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
        return self.config["BANK_AUTH_BASE"].rstrip("/")

    def registration_url(self, *, access_online: bool = False) -> str:
        """The bank's "Boekhoudkoppeling aanvragen" page (flow B), or its Access Online variant (flow C)."""
        url = f"{self.auth_base}/internetbankieren/boekhoudkoppeling"
        return url + "?login=access_online" if access_online else url

    def authorization_url(self, *, state: str, redirect_uri: str) -> str:
        """Flow A: the bank's authorization endpoint with the portal's client id, scopes and state."""
        creds = self.require_credentials()
        query = urlencode(
            {
                "client_id": creds.client_id,
                "redirect_uri": redirect_uri,
                "scope": self.config.get("BANK_SCOPES", DEFAULT_SCOPES),
                "state": state,
                "response_type": "code",
                "flow": "code",
                "bank": "NLAA01",
            }
        )
        return f"{self.auth_base}/as/authorization.oauth2?{query}"

    # --- calls ----------------------------------------------------------------------------------------

    def exchange(self, code: str, *, redirect_uri: str | None = None) -> BankGrant:
        """Exchange an authorization code at the token endpoint and check the consent it carries."""
        creds = self.require_credentials()
        form = {"grant_type": "authorization_code", "code": code, "client_id": creds.client_id}
        if creds.client_secret:
            form["client_secret"] = creds.client_secret
        if redirect_uri:
            form["redirect_uri"] = redirect_uri
        try:
            response = self.http.post(
                self.config["BANK_TOKEN_URL"],
                data=form,
                headers={"Accept": "application/json"},
                timeout=self.config.get("BANK_TIMEOUT", 10),
            )
        except requests.RequestException as exc:
            raise errors.BankUnavailable(f"token endpoint unreachable: {exc}") from exc
        if response.status_code != 200:
            raise errors.BankUnavailable(
                f"token endpoint answered {response.status_code}: {response.text[:300]}",
                message="De bank heeft de toestemming niet bevestigd. Probeer het opnieuw.",
            )
        token = response.json()
        info = self.consent_info(token["access_token"], creds)
        now = self.clock.now()
        valid = info.get("valid")
        return BankGrant(
            iban=info.get("iban") or "",
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token"),
            expires_at=now + dt.timedelta(seconds=int(token.get("expires_in", 7200))),
            scopes=info.get("scopes") or token.get("scope", ""),
            valid_until=dt.datetime.fromtimestamp(int(valid), dt.UTC) if valid else None,
            consent_ref=info.get("transactionId"),
        )

    def consent_info(self, access_token: str, creds: Credentials | None = None) -> dict:
        """``GET /v1/consentinfo`` with the portal's API-Key and the account's token."""
        creds = creds or self.require_credentials()
        try:
            response = self.http.get(
                self.config["BANK_API_BASE"].rstrip("/") + "/v1/consentinfo",
                headers={"API-Key": creds.api_key, "Authorization": f"Bearer {access_token}"},
                timeout=self.config.get("BANK_TIMEOUT", 10),
            )
        except requests.RequestException as exc:
            raise errors.BankUnavailable(f"consentinfo unreachable: {exc}") from exc
        if response.status_code != 200:
            raise errors.BankUnavailable(f"consentinfo answered {response.status_code}: {response.text[:300]}")
        return response.json()

    # --- after consent: refresh, transactions, revocation ---------------------------------------------

    def _token_form(self, creds: Credentials, **fields) -> dict:
        form = {"client_id": creds.client_id, **fields}
        if creds.client_secret:
            form["client_secret"] = creds.client_secret
        return form

    def refresh(self, refresh_token: str | None) -> TokenPair:
        """Refresh with rotation: a new access and refresh token; the old refresh token is dead afterwards."""
        creds = self.require_credentials()
        if not refresh_token:
            raise errors.BankAccessEnded(
                "the link holds no refresh token", message="Er is geen vernieuwbare toegang.", cause=ACCESS_INVALID
            )
        try:
            response = self.http.post(
                self.config["BANK_TOKEN_URL"],
                data=self._token_form(creds, grant_type="refresh_token", refresh_token=refresh_token),
                headers={"Accept": "application/json"},
                timeout=self.config.get("BANK_TIMEOUT", 10),
            )
        except requests.RequestException as exc:
            raise errors.BankUnavailable(f"token endpoint unreachable: {exc}", cause=UNREACHABLE) from exc
        if response.status_code == 400 or response.status_code == 401:
            error = _json_or_empty(response).get("error", "")
            if error in ("invalid_grant", "invalid_client", "unauthorized_client", "invalid_scope"):
                raise errors.BankAccessEnded(
                    f"refresh refused: {response.status_code} {response.text[:300]}", cause=ACCESS_INVALID
                )
        if response.status_code != 200:
            raise errors.BankUnavailable(
                f"token endpoint answered {response.status_code}: {response.text[:300]}",
                cause=_unavailable_cause(response.status_code),
            )
        token = response.json()
        return TokenPair(
            access_token=token["access_token"],
            refresh_token=token.get("refresh_token") or refresh_token,
            expires_at=self.clock.now() + dt.timedelta(seconds=int(token.get("expires_in", 7200))),
        )

    def transactions_page(
        self, access_token: str, iban: str, *, book_date_from: dt.date, book_date_to: dt.date, next_page_key=None
    ) -> dict:
        """One page of ``GET /v1/accounts/{iban}/transactions`` (the date filters repeated with the key)."""
        creds = self.require_credentials()
        params = {"bookDateFrom": book_date_from.isoformat(), "bookDateTo": book_date_to.isoformat()}
        if next_page_key:
            params["nextPageKey"] = next_page_key
        url = f"{self.config['BANK_API_BASE'].rstrip('/')}/v1/accounts/{iban}/transactions"
        try:
            response = self.http.get(
                url,
                params=params,
                headers={"API-Key": creds.api_key, "Authorization": f"Bearer {access_token}"},
                timeout=self.config.get("BANK_TIMEOUT", 10),
            )
        except requests.RequestException as exc:
            raise errors.BankUnavailable(f"transactions unreachable: {exc}", cause=UNREACHABLE) from exc
        if response.status_code in (401, 403):
            codes = [e.get("code") for e in _json_or_empty(response).get("errors", []) if isinstance(e, dict)]
            error = errors.BankAccessEnded(
                f"transactions answered {response.status_code} {', '.join(map(str, codes))}",
                cause=ACCESS_INVALID if response.status_code == 401 else ACCOUNT_REFUSED,
            )
            error.status = response.status_code
            raise error
        if response.status_code != 200:
            raise errors.BankUnavailable(
                f"transactions answered {response.status_code}: {response.text[:300]}",
                cause=_unavailable_cause(response.status_code),
            )
        return response.json()

    def revoke(self, refresh_token: str | None) -> None:
        """RFC 7009 at the bank: revoking the refresh token ends the consent (``terminatedByTpp``)."""
        creds = self.require_credentials()
        if not refresh_token:
            return
        try:
            response = self.http.post(
                self.revoke_url,
                data=self._token_form(creds, token=refresh_token, token_type_hint="refresh_token"),
                headers={"Accept": "application/json"},
                timeout=self.config.get("BANK_TIMEOUT", 10),
            )
        except requests.RequestException as exc:
            raise errors.BankUnavailable(f"revocation endpoint unreachable: {exc}") from exc
        if response.status_code != 200:
            raise errors.BankUnavailable(f"revocation answered {response.status_code}: {response.text[:300]}")

    @property
    def revoke_url(self) -> str:
        """The bank's RFC 7009 endpoint, beside its token endpoint unless ``BANK_REVOKE_URL`` says otherwise."""
        configured = self.config.get("BANK_REVOKE_URL")
        if configured:
            return configured
        return self.config["BANK_TOKEN_URL"].rsplit("/", 1)[0] + "/revoke_token.oauth2"


@dataclass(frozen=True)
class TokenPair:
    """A refreshed access token and the refresh token that replaces the used one."""

    access_token: str
    refresh_token: str
    expires_at: dt.datetime


# What went wrong, in the words of the mails to the rekeningbeheerder.
UNREACHABLE = "de bank was niet bereikbaar"
ACCESS_INVALID = "de toestemming is ingetrokken of de toegang is niet meer geldig"
ACCOUNT_REFUSED = "de toestemming geeft geen toegang meer tot deze rekening"


def _unavailable_cause(status: int) -> str:
    return "te veel verzoeken" if status == 429 else "een technische fout bij de bank"


def _json_or_empty(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
