"""``AbnAmroClient``: ABN AMRO's OAuth 2.0 flow and account information API, as a third party uses them."""

from __future__ import annotations

import base64
import datetime as dt
import gzip
import json
from collections.abc import Callable
from collections.abc import Iterable
from collections.abc import Iterator
from decimal import Decimal
from urllib.parse import quote
from urllib.parse import urlencode

import requests

from client_sdk import decimal_json
from client_sdk import errors
from client_sdk import pkce
from client_sdk.http import RetryPolicy
from client_sdk.http import Transport
from client_sdk.http import parse_json
from client_sdk.models import AccountDetails
from client_sdk.models import Balance
from client_sdk.models import BatchReceipt
from client_sdk.models import ConsentInfo
from client_sdk.models import Funds
from client_sdk.models import PaymentStatus
from client_sdk.models import TokenSet
from client_sdk.models import Transaction
from client_sdk.models import TransactionPage

API_BASE = "https://api-sandbox.abnamro.com"
AUTH_BASE = "https://auth-sandbox.connect.abnamro.com"
TOKEN_URL = "https://auth-sandbox.connect.abnamro.com:8443/as/token.oauth2"
REDIRECT_URI = "https://localhost/auth"

AIS_SCOPES = (
    "psd2:account:details:read",
    "psd2:account:balance:read",
    "psd2:account:transaction:read",
)
PAYMENT_WRITE_SCOPE = "psd2:payment:sepa:write"
# A single payment's consent: execute it and read its status.
PAYMENT_SCOPES = (PAYMENT_WRITE_SCOPE, "psd2:payment:sepa:read")
# A direct-debit batch's consent (no transactionId: the holder picks the account that collects).
BATCH_SDD_SCOPES = ("psd2:payment:batchsdd:write",)


def _money(value) -> str:
    """An amount for a query string: Decimal, int or str; a float is refused (it is not exact)."""
    if isinstance(value, float):
        raise TypeError("pass money as Decimal or str, not float")
    amount = Decimal(str(value))
    if not amount.is_finite():
        raise ValueError(f"not an amount: {value!r}")
    return format(amount, "f")


def _day(value) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        raise TypeError("book dates are dates, not datetimes")
    if isinstance(value, dt.date):
        return value.isoformat()
    return dt.date.fromisoformat(str(value)).isoformat()


class AbnAmroClient:
    """A third party's client of ABN AMRO: authorize, exchange and refresh tokens, read one consented account.

    Every host is a constructor argument, so the same code talks to the real sandbox, to
    ``mockbank serve`` or to the in-process world. ``session`` is any ``requests.Session`` (carry
    the mTLS certificate on it for the real bank); ``retry`` a ``RetryPolicy``; ``on_tokens`` is
    called with every new ``TokenSet`` (store the rotated refresh token there).

    Example::

        client = AbnAmroClient(client_id="TPP_test", api_key=key, on_tokens=store)
        url = client.authorization_url(["psd2:account:balance:read"], state=state)
        # ... the user consents; the bank redirects to https://localhost/auth?code=...&state=...
        client.exchange_code(client.code_from_redirect(redirect_url, state=state))
        balance = client.balance(client.consent_info().iban).amount   # a Decimal
    """

    def __init__(
        self,
        *,
        client_id: str,
        api_key: str,
        redirect_uri: str | None = REDIRECT_URI,
        api_base: str = API_BASE,
        auth_base: str = AUTH_BASE,
        token_url: str = TOKEN_URL,
        client_secret: str | None = None,
        tokens: TokenSet | dict | None = None,
        session: requests.Session | None = None,
        retry: RetryPolicy | None = None,
        on_tokens: Callable[[TokenSet], None] | None = None,
        authorize_path: str = "/as/authorization.oauth2",
        revoke_path: str = "/as/revoke_token.oauth2",
        revoke_url: str | None = None,
        introspect_path: str = "/as/introspect.oauth2",
        token_auth: str = "client_secret_post",
        auto_refresh: bool = True,
        timeout: float | tuple[float, float] | None = 30.0,
        clock: Callable[[], dt.datetime] | None = None,
    ):
        if token_auth not in ("client_secret_post", "client_secret_basic"):
            raise ValueError("token_auth is 'client_secret_post' or 'client_secret_basic'")
        self.client_id = client_id
        self.api_key = api_key
        self.redirect_uri = redirect_uri
        self.api_base = api_base.rstrip("/")
        self.auth_base = auth_base.rstrip("/")
        self.token_url = token_url
        self.authorize_url = self.auth_base + authorize_path
        # ABN AMRO's revocation endpoint sits beside its token endpoint (port 8443): a full URL wins over the path.
        self.revoke_url = revoke_url or self.auth_base + revoke_path
        self.introspect_url = self.auth_base + introspect_path
        self.client_secret = client_secret
        self.token_auth = token_auth
        self.auto_refresh = auto_refresh
        self.on_tokens = on_tokens
        # The client's own clock only dates received tokens; the bank decides when they really expire.
        self._now = clock or (lambda: dt.datetime.now(dt.UTC))
        self.transport = Transport(session=session, retry=retry, timeout=timeout)
        if isinstance(tokens, dict):
            tokens = TokenSet.from_response(tokens, now=self._now())
        self.tokens: TokenSet | None = tokens
        self._registration_tokens: dict[str, TokenSet] = {}

    @property
    def session(self) -> requests.Session:
        """The ``requests`` session every call goes through."""
        return self.transport.session

    def __repr__(self) -> str:
        # Never the API key, secret or tokens: reprs end up in logs.
        return f"AbnAmroClient(client_id={self.client_id!r}, api_base={self.api_base!r}, auth_base={self.auth_base!r})"

    # --- OAuth ---------------------------------------------------------------------------------

    def authorization_url(
        self,
        scopes: Iterable[str] | str,
        *,
        state: str,
        bank: str = "NLAA01",
        code_verifier: str | None = None,
        transaction_id: str | None = None,
    ) -> str:
        """Where to send the user: ABN AMRO's consent app, with ``flow=code`` and (given a verifier) PKCE S256."""
        scope = scopes if isinstance(scopes, str) else " ".join(scopes)
        params = {
            "scope": scope,
            "client_id": self.client_id,
            "response_type": "code",
            "flow": "code",
            "redirect_uri": self.redirect_uri,
            "bank": bank,
            "state": state,
        }
        if self.redirect_uri is None:
            del params["redirect_uri"]
        if transaction_id:
            params["transactionId"] = transaction_id
        if code_verifier:
            params["code_challenge"] = pkce.s256_challenge(code_verifier)
            params["code_challenge_method"] = "S256"
        # ABN AMRO's own examples join scopes with "+" and keep ":" and "/" readable.
        return f"{self.authorize_url}?{urlencode(params, quote_via=quote, safe=':/')}".replace("%20", "+")

    def code_from_redirect(self, url: str, *, state: str | None = None) -> str:
        """The code of a redirect back; ``AuthorizationRedirectError`` for ``error=`` or a state mismatch."""
        failure = errors.AuthorizationRedirectError.from_url(url)
        if failure is not None:
            raise failure
        params = errors.redirect_params(url)
        if state is not None and params.get("state") != state:
            raise errors.AuthorizationRedirectError(
                "invalid_state",
                f"state {params.get('state')!r} is not the one sent",
                state=params.get("state"),
                url=url,
            )
        if not params.get("code"):
            raise errors.AuthorizationRedirectError("invalid_request", "the redirect carries no code", url=url)
        return params["code"]

    def exchange_code(self, code: str, *, code_verifier: str | None = None) -> TokenSet:
        """Trade an authorization code (valid 60 s at ABN AMRO) for tokens, and keep them."""
        form = {"grant_type": "authorization_code", "code": code}
        # A code the bank issued without a redirect (its own registration flow) is exchanged without one.
        if self.redirect_uri is not None:
            form["redirect_uri"] = self.redirect_uri
        if code_verifier:
            form["code_verifier"] = code_verifier
        return self._store(self._token_request(form))

    def refresh(self) -> TokenSet:
        """New tokens for the held refresh token; ABN AMRO rotates it, so the new one replaces the old."""
        if self.tokens is None or not self.tokens.refresh_token:
            raise ValueError("no refresh token to refresh with")
        form = {"grant_type": "refresh_token", "refresh_token": self.tokens.refresh_token}
        fresh = self._token_request(form)
        if fresh.refresh_token is None:
            # A server that does not rotate keeps the old refresh token valid.
            fresh = TokenSet(
                access_token=fresh.access_token,
                refresh_token=self.tokens.refresh_token,
                token_type=fresh.token_type,
                expires_at=fresh.expires_at,
                scope=fresh.scope or self.tokens.scope,
                expires_in=fresh.expires_in,
                raw=fresh.raw,
            )
        return self._store(fresh)

    def client_credentials(self, scopes: Iterable[str] | str) -> TokenSet:
        """A client-credentials token (ABN AMRO: payment registration, no refresh token)."""
        scope = scopes if isinstance(scopes, str) else " ".join(scopes)
        return self._store(self._token_request({"grant_type": "client_credentials", "scope": scope}))

    def revoke(self, token: str | None = None, *, token_type_hint: str = "refresh_token") -> None:
        """Revoke a token (RFC 7009), by default the held refresh token.

        Revoking the held refresh token ends the consent, so the held tokens are dropped; after
        revoking only the access token the refresh token is kept (the next call refreshes).
        """
        held = self.tokens
        if token is None:
            if held is None:
                raise ValueError("no token to revoke")
            token = held.refresh_token if token_type_hint == "refresh_token" else held.access_token
            if token is None:
                raise ValueError(f"no {token_type_hint} to revoke")
        self.transport.request(
            "POST",
            self.revoke_url,
            data={**self._client_form(), "token": token, "token_type_hint": token_type_hint},
            auth=self._client_auth(),
        )
        if held is not None and token == held.refresh_token:
            self.tokens = None

    def introspect(self, token: str | None = None, *, token_type_hint: str = "access_token") -> dict:
        """RFC 7662 introspection of a token (the held access token by default)."""
        if token is None:
            if self.tokens is None:
                raise ValueError("no token to introspect")
            token = self.tokens.access_token
        response = self.transport.request(
            "POST",
            self.introspect_url,
            data={**self._client_form(), "token": token, "token_type_hint": token_type_hint},
            auth=self._client_auth(),
        )
        return parse_json(response) or {}

    def _client_form(self) -> dict:
        # ABN AMRO identifies the client by client_id in the form (plus its TLS certificate).
        form = {"client_id": self.client_id}
        if self.client_secret and self.token_auth == "client_secret_post":
            form["client_secret"] = self.client_secret
        return form

    def _client_auth(self):
        if self.client_secret and self.token_auth == "client_secret_basic":
            return requests.auth.HTTPBasicAuth(self.client_id, self.client_secret)
        return None

    def _token_request(self, form: dict) -> TokenSet:
        # Token POSTs are never repeated after a 5xx or a lost connection: a code works once and a
        # rotated refresh token may already be spent.
        response = self.transport.request(
            "POST", self.token_url, data={**self._client_form(), **form}, auth=self._client_auth()
        )
        payload = parse_json(response)
        if not isinstance(payload, dict) or "access_token" not in payload:
            raise errors.BankApiError(
                "the token endpoint answered without an access_token",
                status=response.status_code,
                body=response.content,
                headers=dict(response.headers),
            )
        return TokenSet.from_response(payload, now=self._now())

    def _store(self, tokens: TokenSet) -> TokenSet:
        self.tokens = tokens
        if self.on_tokens is not None:
            self.on_tokens(tokens)
        return tokens

    # --- account information -------------------------------------------------------------------

    def _get(self, path: str, params: dict | None = None):
        """GET an API path with API-Key and bearer; one refresh and retry on an expired token."""
        try:
            return self._get_once(path, params)
        except errors.AuthenticationError as exc:
            if not (self.auto_refresh and exc.token_expired and self.tokens and self.tokens.refresh_token):
                raise
            self.refresh()
            return self._get_once(path, params)

    def _get_once(self, path: str, params: dict | None):
        if self.tokens is None:
            raise ValueError("no access token: exchange a code, refresh, or pass tokens=")
        headers = {"API-Key": self.api_key, "Authorization": f"Bearer {self.tokens.access_token}"}
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        response = self.transport.request("GET", self.api_base + path, params=clean or None, headers=headers)
        return parse_json(response)

    @staticmethod
    def _account_path(iban: str, what: str) -> str:
        return f"/v1/accounts/{quote(iban.replace(' ', '').upper(), safe='')}/{what}"

    def consent_info(self) -> ConsentInfo:
        """The IBAN, scopes and end of validity of the held token's consent."""
        return ConsentInfo.from_json(self._get("/v1/consentinfo"))

    def account_details(self, iban: str) -> AccountDetails:
        """Account number, currency and holder name."""
        return AccountDetails.from_json(self._get(self._account_path(iban, "details")))

    def balance(self, iban: str) -> Balance:
        """The book balance."""
        return Balance.from_json(self._get(self._account_path(iban, "balances")))

    def transaction_pages(
        self,
        iban: str,
        *,
        book_date_from: dt.date | str | None = None,
        book_date_to: dt.date | str | None = None,
        next_page_key: str | None = None,
    ) -> Iterator[TransactionPage]:
        """Pages of transactions, newest first, following ``nextPageKey`` with the date filters repeated."""
        filters = {"bookDateFrom": _day(book_date_from), "bookDateTo": _day(book_date_to)}
        path = self._account_path(iban, "transactions")
        key = next_page_key
        while True:
            page = TransactionPage.from_json(self._get(path, {**filters, "nextPageKey": key}), iban=iban)
            yield page
            if not page.next_page_key:
                return
            key = page.next_page_key

    def transactions(
        self,
        iban: str,
        *,
        book_date_from: dt.date | str | None = None,
        book_date_to: dt.date | str | None = None,
    ) -> Iterator[Transaction]:
        """Every transaction in the date range, newest first, across all pages."""
        for page in self.transaction_pages(iban, book_date_from=book_date_from, book_date_to=book_date_to):
            yield from page.transactions

    def funds(self, iban: str, amount: Decimal | str | int, currency: str = "EUR") -> Funds:
        """Whether ``amount`` can be paid from the account now."""
        return Funds.from_json(
            self._get(self._account_path(iban, "funds"), {"amount": _money(amount), "currency": currency})
        )

    # --- payment initiation ----------------------------------------------------------------------

    def register_payment(
        self,
        *,
        counterparty_iban: str,
        counterparty_name: str,
        amount: Decimal | str | int,
        initiating_iban: str | None = None,
        requested_execution_date: dt.date | str | None = None,
        remittance_info: str | None = None,
        reference: str | None = None,
        reference_issuer: str = "CUR",
    ) -> PaymentStatus:
        """``POST /v1/payments`` with a client-credentials token of the client's own (the held user tokens stay):
        the payment is ``STORED``; send the holder to ``payment_authorization_url`` next.

        ``reference`` is a structured reference (betalingskenmerk), instead of ``remittance_info``.
        """
        body = {
            "initiatingpartyAccountNumber": initiating_iban.replace(" ", "").upper() if initiating_iban else None,
            "counterpartyAccountNumber": counterparty_iban.replace(" ", "").upper(),
            "counterpartyName": counterparty_name,
            "amount": Decimal(_money(amount)),
            "currency": "EUR",
            "requestedExecutionDate": _day(requested_execution_date),
            "remittanceInfo": remittance_info,
            "structuredRemittanceInfo": {"issuer": reference_issuer, "reference": reference} if reference else None,
        }
        # ABN AMRO wants the amount as a JSON number, with exactly its digits.
        text = decimal_json.dumps({k: v for k, v in body.items() if v is not None})
        token = self._registration_token(PAYMENT_WRITE_SCOPE)
        response = self.transport.request(
            "POST",
            self.api_base + "/v1/payments",
            data=text.encode(),
            headers={**self._api_headers(token), "Content-Type": "application/json"},
        )
        return PaymentStatus.from_json(parse_json(response))

    def payment_authorization_url(
        self,
        transaction_id: str,
        *,
        state: str,
        scopes: Iterable[str] | str = PAYMENT_SCOPES,
        code_verifier: str | None = None,
    ) -> str:
        """Where the holder consents to one registered payment (``transactionId`` on the authorization request)."""
        return self.authorization_url(scopes, state=state, code_verifier=code_verifier, transaction_id=transaction_id)

    def execute_payment(self, transaction_id: str) -> PaymentStatus:
        """``PUT /v1/payments/{id}`` with the holder's token: ``EXECUTED``, ``SCHEDULED``, ``INPROGRESS`` or
        ``REJECTED``. Never repeated by itself: after a 5xx, read ``payment_status`` first (ABN AMRO's advice)."""
        return PaymentStatus.from_json(self._user_call("PUT", self._payment_path(transaction_id), data=b""))

    def payment_status(self, transaction_id: str) -> PaymentStatus:
        """``GET /v1/payments/{id}`` with the holder's token (``psd2:payment:sepa:read``)."""
        return PaymentStatus.from_json(self._user_call("GET", self._payment_path(transaction_id)))

    def cancel_payment(self, transaction_id: str) -> None:
        """``DELETE /v1/payments/{id}``: cancel a ``SCHEDULED`` payment before its execution date."""
        self._user_call("DELETE", self._payment_path(transaction_id))

    def send_direct_debit_batch(self, xml: bytes, *, file_name: str) -> BatchReceipt:
        """``POST /v1/payments/batch`` with the holder's token (``psd2:payment:batchsdd:write``): the pain.008 file is
        gzipped and base64-encoded here. A readable file comes back ``RECEIVED`` or ``REJECTED`` (see ``problems``);
        a broken envelope raises ``InvalidRequestError``."""
        if not isinstance(xml, bytes):
            raise TypeError("the file is the XML as bytes, as written (the hash is taken over these bytes)")
        data = base64.b64encode(gzip.compress(xml, mtime=0)).decode("ascii")
        body = {"sepaBatchPaymentInstruction": {"fileName": file_name, "fileData": data}}
        return BatchReceipt.from_json(
            self._user_call("POST", "/v1/payments/batch", data=json.dumps(body).encode(), json_content=True)
        )

    @staticmethod
    def _payment_path(transaction_id: str) -> str:
        return f"/v1/payments/{quote(transaction_id, safe='')}"

    def _api_headers(self, access_token: str) -> dict:
        return {"API-Key": self.api_key, "Authorization": f"Bearer {access_token}"}

    def _registration_token(self, scope: str) -> str:
        """A client-credentials token for registering payments, kept apart from the holder's tokens."""
        held = self._registration_tokens.get(scope)
        if held is None or held.expired(self._now() + dt.timedelta(seconds=60)):
            form = {"grant_type": "client_credentials", "scope": scope}
            held = self._registration_tokens[scope] = self._token_request(form)
        return held.access_token

    def _user_call(self, method: str, path: str, *, data: bytes | None = None, json_content: bool = False):
        """A call with the holder's token; one refresh and retry on an expired token."""
        try:
            return self._user_call_once(method, path, data, json_content)
        except errors.AuthenticationError as exc:
            if not (self.auto_refresh and exc.token_expired and self.tokens and self.tokens.refresh_token):
                raise
            self.refresh()
            return self._user_call_once(method, path, data, json_content)

    def _user_call_once(self, method: str, path: str, data: bytes | None, json_content: bool):
        if self.tokens is None:
            raise ValueError("no access token: exchange a code, refresh, or pass tokens=")
        headers = self._api_headers(self.tokens.access_token)
        if json_content:
            headers["Content-Type"] = "application/json"
        response = self.transport.request(method, self.api_base + path, data=data, headers=headers)
        return parse_json(response)
