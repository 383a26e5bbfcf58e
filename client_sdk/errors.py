"""The SDK's errors: one base with HTTP context, an OAuth family, and the one function that picks the class.

``error_from_response`` is the only place that looks at a failed response: ABN AMRO's
``{"errors":[...]}`` envelope (account API and sandbox), RFC 6749 ``{"error": ...}`` JSON (token,
revoke and introspect endpoints) and anything else (a proxy's HTML page, an empty body).
"""

from __future__ import annotations

import json
from decimal import Decimal
from urllib.parse import parse_qsl
from urllib.parse import urlsplit

import requests

from client_sdk.headers import parse_retry_after

INSUFFICIENT_SCOPE_CODE = "ERR_3002_003"
# Codes that mean "the access token is not (or no longer) good": a refresh may help.
EXPIRED_TOKEN_CODES = frozenset({"ERR_2002_002", "ERR_2100_001", "invalid_token"})


class BankApiError(Exception):
    """Anything the bank (or the way to it) answered instead of what was asked for."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        category: str | None = None,
        trace_id: str | None = None,
        body: str | bytes | None = None,
        headers: dict | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.category = category
        self.headers = dict(headers or {})
        self.trace_id = trace_id or self.headers.get("Trace-Id")
        self.request_id = self.headers.get("X-Request-ID")
        self.body = body

    @property
    def json_body(self):
        """The body parsed as JSON (amounts as ``Decimal``), or None."""
        return _json_or_none(self.body)

    def __str__(self) -> str:
        parts = [str(self.status) if self.status is not None else None, self.code, self.category]
        head = " ".join(p for p in parts if p)
        text = f"{head}: {self.message}" if head else self.message
        return f"{text} (Trace-Id {self.trace_id})" if self.trace_id else text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(message={self.message!r}, status={self.status!r}, code={self.code!r}, "
            f"category={self.category!r}, trace_id={self.trace_id!r})"
        )


class InvalidRequestError(BankApiError):
    """400 (and other 4xx without a class of their own): the request itself is wrong."""


class AuthenticationError(BankApiError):
    """401: the access token or the API-Key is missing, wrong or expired."""

    @property
    def token_expired(self) -> bool:
        """Whether a fresh access token could cure this (not a bad API-Key)."""
        return self.code in EXPIRED_TOKEN_CODES or self.category == "INVALID_ACCESS_TOKEN"


class PermissionDeniedError(BankApiError):
    """403: the token is good but may not do this (e.g. another account than the consented one)."""


class InsufficientScopeError(PermissionDeniedError):
    """403 ``ERR_3002_003``: the consent lacks the scope the call needs."""


class NotFoundError(BankApiError):
    """404: no such resource (or a method the path does not allow)."""


class RateLimitError(BankApiError):
    """429: slow down; ``retry_after`` holds the server's hint in seconds, if it gave one."""

    @property
    def retry_after(self) -> float | None:
        """Seconds the server asked to wait (``Retry-After``)."""
        return parse_retry_after(self.headers)


class ServerError(BankApiError):
    """5xx: the bank failed; safe requests have been retried already."""


class APIConnectionError(BankApiError):
    """No response at all: DNS, refused connection, timeout, TLS."""

    def __init__(self, message: str, *, should_retry: bool = True, **kwargs):
        super().__init__(message, **kwargs)
        self.should_retry = should_retry


# --- OAuth 2.0 (RFC 6749 §5.2, RFC 7009) --------------------------------------------------------


class OAuthError(BankApiError):
    """An OAuth error; ``error`` is the RFC string, ``description`` the server's ``error_description``."""

    def __init__(
        self,
        error: str,
        description: str | None = None,
        status: int | None = None,
        body: str | bytes | None = None,
        *,
        headers: dict | None = None,
    ):
        super().__init__(description or error, status=status, code=error, body=body, headers=headers)
        self.error = error
        self.description = description

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(error={self.error!r}, description={self.description!r}, "
            f"status={self.status!r}, trace_id={self.trace_id!r})"
        )


class InvalidRequestOAuthError(OAuthError):
    """``invalid_request``: a parameter is missing, repeated or malformed."""


class InvalidClientError(OAuthError):
    """``invalid_client``: the client is unknown or failed to authenticate."""


class InvalidGrantError(OAuthError):
    """``invalid_grant``: the code or refresh token is wrong, used, expired or revoked."""


class UnauthorizedClientError(OAuthError):
    """``unauthorized_client``: this client may not use this grant type."""


class UnsupportedGrantTypeError(OAuthError):
    """``unsupported_grant_type``."""


class InvalidScopeError(OAuthError):
    """``invalid_scope``: unknown scopes or a combination ABN AMRO refuses."""


class AccessDeniedError(OAuthError):
    """``access_denied``."""


class OAuthServerError(OAuthError):
    """``server_error`` / ``temporarily_unavailable``."""


OAUTH_ERRORS: dict[str, type[OAuthError]] = {
    "invalid_request": InvalidRequestOAuthError,
    "invalid_client": InvalidClientError,
    "invalid_grant": InvalidGrantError,
    "unauthorized_client": UnauthorizedClientError,
    "unsupported_grant_type": UnsupportedGrantTypeError,
    "unsupported_token_type": InvalidRequestOAuthError,
    "invalid_scope": InvalidScopeError,
    "access_denied": AccessDeniedError,
    "server_error": OAuthServerError,
    "temporarily_unavailable": OAuthServerError,
}


class AuthorizationRedirectError(OAuthError):
    """The bank sent the user back to the redirect URI with ``error=`` instead of a code.

    ABN AMRO uses ``access_denied`` when no account can be authorized and ``server_error`` with
    "Unexpected Runtime Authn Adapter Integration Problem." when the user cancelled.
    """

    def __init__(self, error: str, description: str | None = None, *, state: str | None = None, url: str = ""):
        super().__init__(error, description)
        self.state = state
        self.url = url

    @property
    def cancelled(self) -> bool:
        """Whether the user pressed cancel (ABN AMRO says ``server_error`` for that)."""
        return self.error == "server_error"

    @classmethod
    def from_url(cls, url: str) -> AuthorizationRedirectError | None:
        """The error carried by a redirect URL (query or fragment), or None when it has none."""
        params = redirect_params(url)
        if "error" not in params:
            return None
        return cls(params["error"], params.get("error_description"), state=params.get("state"), url=url)


def redirect_params(url: str) -> dict[str, str]:
    """Query and fragment parameters of a redirect back (ABN AMRO appends a bare ``#``)."""
    parts = urlsplit(url)
    params = dict(parse_qsl(parts.fragment)) if "=" in parts.fragment else {}
    params.update(parse_qsl(parts.query))
    return params


# --- the one mapping -----------------------------------------------------------------------------

_BY_STATUS: dict[int, type[BankApiError]] = {
    400: InvalidRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    429: RateLimitError,
}
# RFC 6750 bearer errors come from a resource server: they are API errors, not OAuth ones.
_BEARER_ERRORS: dict[str, type[BankApiError]] = {
    "invalid_token": AuthenticationError,
    "insufficient_scope": InsufficientScopeError,
}


def _class_for_status(status: int, code: str | None, category: str | None) -> type[BankApiError]:
    if status == 403 and (code == INSUFFICIENT_SCOPE_CODE or category == "INSUFFICIENT_SCOPE"):
        return InsufficientScopeError
    if status in _BY_STATUS:
        return _BY_STATUS[status]
    if status >= 500:
        return ServerError
    if status >= 400:
        return InvalidRequestError
    return BankApiError


def _json_or_none(body):
    if body is None or body == b"" or body == "":
        return None
    try:
        return json.loads(body, parse_float=Decimal)
    except (ValueError, TypeError):
        return None


def error_from_response(response: requests.Response) -> BankApiError:
    """The error a failed response stands for: the bank's envelope, OAuth JSON, or by status alone."""
    status = response.status_code
    headers = dict(response.headers)
    body = response.content
    payload = _json_or_none(body)
    if isinstance(payload, dict):
        envelope = payload.get("errors")
        if isinstance(envelope, list) and envelope and isinstance(envelope[0], dict):
            first = envelope[0]
            code = first.get("code")
            category = first.get("category")
            cls = _class_for_status(status, code, category)
            return cls(
                first.get("message") or response.reason or f"HTTP {status}",
                status=status,
                code=code,
                category=category,
                trace_id=first.get("traceId") or None,
                body=body,
                headers=headers,
            )
        error = payload.get("error")
        if isinstance(error, str) and error:
            description = payload.get("error_description")
            if error in _BEARER_ERRORS:
                cls = _BEARER_ERRORS[error]
                return cls(description or error, status=status, code=error, body=body, headers=headers)
            oauth_cls = OAUTH_ERRORS.get(error, OAuthError)
            return oauth_cls(error, description, status, body, headers=headers)
    text = response.text.strip() if body else ""
    message = text[:200] if text and not text.lstrip().startswith("<") else (response.reason or f"HTTP {status}")
    return _class_for_status(status, None, None)(message, status=status, body=body, headers=headers)
