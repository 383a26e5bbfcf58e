"""Fault injection: "answer this request with an error" (``/sandbox/faults``), as a service object.

A fault names a path glob (``fnmatch`` over ``request.path`` inside the bank app, so the same
pattern works in-process and under server mode's prefixes), optionally a method and an OAuth
client, an HTTP status, and how many matching requests fail (``count``; None means every one until
it is removed). One ``before_request`` hook (``init_app``) asks ``FaultService.match_and_consume``
before any view runs; a matching request is answered with the error and the bank does nothing else.

Faults live in the bank's database, so every server worker sees the same ones, and a hit is one
transaction that locks the fault's row: ``count`` is never over- or under-spent under concurrency.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from flask import Flask
from flask import Response
from flask import g
from flask import request
from markupsafe import escape
from sqlalchemy import delete
from sqlalchemy import or_
from sqlalchemy import select
from werkzeug.http import HTTP_STATUS_CODES

from mockbank import errors
from mockbank import models
from mockbank import wire

METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS")
# Never faulted: the control API must keep working to remove a fault, and discovery stays reliable.
EXEMPT_ROOTS = ("/sandbox", "/.well-known")
OAUTH_PATHS = ("/as/token.oauth2", "/as/revoke_token.oauth2", "/as/introspect.oauth2")
DEFAULT_RETRY_AFTER = 1
MAX_RETRY_AFTER = 86_400
MAX_PATH = 500
MAX_CODE = 64
MAX_MESSAGE = 500
MAX_CLIENT_ID = 64
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

API = "api"
OAUTH = "oauth"
HTML = "html"

# ABN AMRO's own error per status where it has one; other 5xx are its technical error.
_API_ERRORS: dict[int, type[errors.BankError]] = {
    400: errors.InvalidRequest,
    401: errors.InvalidAccessToken,
    403: errors.InsufficientScope,
    404: errors.NotFound,
    429: errors.RateLimited,
}
_OAUTH_DESCRIPTIONS = {
    "temporarily_unavailable": "The authorization server is temporarily unavailable.",
    "server_error": "The authorization server encountered an unexpected condition.",
    "invalid_grant": "The authorization code or refresh token is invalid, expired or revoked.",
    "invalid_client": "Client authentication failed.",
    "unauthorized_client": "The client is not authorized to use this grant type.",
    "invalid_request": "The request is missing a required parameter or is otherwise malformed.",
}


def is_exempt(path: str) -> bool:
    """Whether ``path`` is never faulted (``/sandbox/*``, ``/.well-known/*``)."""
    return any(path == root or path.startswith(root + "/") for root in EXEMPT_ROOTS)


def answer_kind(path: str) -> str:
    """How a fault on ``path`` is answered: the API envelope, OAuth JSON, or an HTML page."""
    if path == "/v1" or path.startswith("/v1/"):
        return API
    if path in OAUTH_PATHS:
        return OAUTH
    return HTML


@dataclass(frozen=True)
class Caller:
    """Who sent a request, as far as faults care: an ``API-Key`` (``/v1``) or an OAuth ``client_id``."""

    client_id: str | None = None
    api_key: str | None = None


class FaultService:
    """Verbs of fault injection: add, list, remove, clear, match_and_consume."""

    def __init__(self, *, db, clock):
        self.db = db
        self.clock = clock

    def add(
        self,
        *,
        path: str | None,
        status: int | None,
        method: str | None = None,
        code: str | None = None,
        message: str | None = None,
        count: int | None = None,
        client_id: str | None = None,
        retry_after: int | None = None,
    ) -> models.Fault:
        """Store a fault after checking every field; ``SandboxError`` says what is wrong."""
        path = _text("path", path, MAX_PATH, required=True)
        if not path.startswith(("/", "*")):
            raise errors.SandboxError("'path' must start with '/' (or a '*' glob), e.g. /v1/accounts/*/transactions")
        if is_exempt(path.rstrip("*")):
            raise errors.SandboxError("/sandbox and /.well-known paths are never faulted")
        if status is None:
            raise errors.SandboxError("'status' is required")
        if isinstance(status, bool) or not isinstance(status, int):
            raise errors.SandboxError("'status' must be an integer")
        if not 400 <= status <= 599:
            raise errors.SandboxError("'status' must be an HTTP error status from 400 to 599")
        if method is not None:
            if not isinstance(method, str) or method.upper() not in METHODS:
                raise errors.SandboxError(f"'method' must be one of {', '.join(METHODS)} (or absent for any)")
            method = method.upper()
        code = _text("code", code, MAX_CODE)
        message = _text("message", message, MAX_MESSAGE)
        client_id = _text("clientId", client_id, MAX_CLIENT_ID)
        count = _whole("count", count, low=1, hint="use DELETE /sandbox/faults/{id} to stop a fault")
        retry_after = _whole("retryAfter", retry_after, low=0, high=MAX_RETRY_AFTER)
        with self.db.transaction() as session:
            if client_id is not None and not session.scalar(
                select(models.OAuthClient.id).where(models.OAuthClient.client_id == client_id)
            ):
                raise errors.SandboxNotFound(f"no client {client_id}")
            fault = models.Fault(
                path=path,
                method=method,
                status=status,
                code=code,
                message=message,
                count=count,
                remaining=count,
                client_id=client_id,
                retry_after=retry_after,
                hits=0,
                created_at=self.clock.now(),
            )
            session.add(fault)
            session.flush()
            return fault

    def list(self) -> list[models.Fault]:
        """Every fault, oldest first, exhausted ones (``remaining`` 0) included."""
        with self.db.reading() as session:
            return list(session.scalars(select(models.Fault).order_by(models.Fault.id)))

    def remove(self, fault_id: int) -> models.Fault:
        """Remove one fault and return it; ``SandboxNotFound`` when there is none."""
        with self.db.transaction() as session:
            fault = session.get(models.Fault, fault_id)
            if fault is None:
                raise errors.SandboxNotFound(f"no fault {fault_id}")
            session.delete(fault)
            return fault

    def clear(self) -> int:
        """Remove every fault; returns how many there were."""
        with self.db.transaction() as session:
            return session.execute(delete(models.Fault)).rowcount or 0

    def match_and_consume(
        self, *, path: str, method: str, caller: Callable[[], Caller] | Caller | None = None
    ) -> models.Fault | None:
        """The oldest live fault matching this request, with one hit counted and ``remaining`` spent; else None.

        ``caller`` (or a function giving it) is only asked when a matching fault names a client.
        """
        if is_exempt(path):
            return None
        method = method.upper()
        with self.db.reading() as session:
            live = list(
                session.scalars(
                    select(models.Fault)
                    .where(or_(models.Fault.remaining.is_(None), models.Fault.remaining > 0))
                    .order_by(models.Fault.id)
                )
            )
        candidates = [f for f in live if _method_matches(f.method, method) and fnmatch.fnmatchcase(path, f.path)]
        if any(f.client_id is not None for f in candidates):
            client_id = self._client_id(caller() if callable(caller) else caller)
            candidates = [f for f in candidates if f.client_id is None or f.client_id == client_id]
        if not candidates:
            return None
        # The read above took no lock: re-read under a row lock, so two workers never spend one count twice.
        with self.db.transaction() as session:
            rows = session.scalars(
                select(models.Fault)
                .where(models.Fault.id.in_([f.id for f in candidates]))
                .order_by(models.Fault.id)
                .with_for_update()
            )
            for fault in rows:
                if fault.remaining is not None:
                    if fault.remaining <= 0:
                        continue
                    fault.remaining -= 1
                fault.hits += 1
                fault.last_hit_at = self.clock.now()
                return fault
        return None

    def _client_id(self, caller: Caller | None) -> str | None:
        if caller is None:
            return None
        if caller.client_id:
            return caller.client_id
        if not caller.api_key:
            return None
        with self.db.reading() as session:
            return session.scalar(
                select(models.OAuthClient.client_id).where(models.OAuthClient.api_key == caller.api_key)
            )


def _text(name: str, value, limit: int, *, required: bool = False) -> str | None:
    if value is None or value == "":
        if required:
            raise errors.SandboxError(f"'{name}' is required")
        return None
    if not isinstance(value, str):
        raise errors.SandboxError(f"'{name}' must be a string")
    if len(value) > limit:
        raise errors.SandboxError(f"'{name}' is longer than {limit} characters")
    return value


def _whole(name: str, value, *, low: int, high: int | None = None, hint: str = "") -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.SandboxError(f"'{name}' must be an integer (or null)")
    if value < low or (high is not None and value > high):
        bounds = f"from {low} to {high}" if high is not None else f"at least {low}"
        raise errors.SandboxError(f"'{name}' must be {bounds}" + (f"; {hint}" if hint else ""))
    return value


def _method_matches(wanted: str | None, method: str) -> bool:
    # Flask answers HEAD with the GET view, so a GET fault covers HEAD too.
    return wanted is None or wanted == method or (wanted == "GET" and method == "HEAD")


# --- answers --------------------------------------------------------------------------------------


def fault_json(fault: models.Fault) -> dict:
    """A fault as the sandbox shows it."""
    return {
        "id": fault.id,
        "path": fault.path,
        "method": fault.method,
        "status": fault.status,
        "code": fault.code,
        "message": fault.message,
        "count": fault.count,
        "clientId": fault.client_id,
        "retryAfter": fault.retry_after,
        "remaining": fault.remaining,
        "hits": fault.hits,
        "createdAt": fault.created_at.isoformat(),
        "lastHitAt": fault.last_hit_at.isoformat() if fault.last_hit_at else None,
    }


def _phrase(status: int) -> str:
    return HTTP_STATUS_CODES.get(status) or ("Server Error" if status >= 500 else "Client Error")


def api_error(fault: models.Fault) -> errors.BankError:
    """The ABN AMRO error a fault on ``/v1`` answers: the bank's own per status, ``code``/``message`` overriding."""
    cls = _API_ERRORS.get(fault.status) or (errors.BackendError if fault.status >= 500 else None)
    if cls is None:
        # No ABN AMRO code for this status: the mock's own, named after the status.
        error = errors.BankError(_phrase(fault.status))
        error.code = f"HTTP_{fault.status}"
        error.category = _phrase(fault.status).upper().replace(" ", "_").replace("-", "_")
    else:
        error = cls()
    error.status = fault.status
    if fault.code:
        error.code = fault.code
    if fault.message:
        error.message = fault.message
    return error


def oauth_error(status: int) -> str:
    """The RFC 6749 ``error`` a token, revoke or introspect fault answers with this status."""
    if status in (429, 503):
        return "temporarily_unavailable"
    if status >= 500:
        return "server_error"
    return {400: "invalid_grant", 401: "invalid_client", 403: "unauthorized_client"}.get(status, "invalid_request")


def answer(fault: models.Fault, path: str, trace_id: str) -> Response:
    """The response a fault gives on ``path``: ABN AMRO's envelope, OAuth JSON or a plain HTML page."""
    headers = {}
    if fault.status == 429 or fault.retry_after is not None:
        headers["Retry-After"] = str(fault.retry_after if fault.retry_after is not None else DEFAULT_RETRY_AFTER)
    kind = answer_kind(path)
    if kind == API:
        return wire.json_response(wire.error_body(api_error(fault), trace_id), status=fault.status, headers=headers)
    if kind == OAUTH:
        error = fault.code or oauth_error(fault.status)
        description = fault.message or _OAUTH_DESCRIPTIONS.get(error) or _phrase(fault.status)
        headers.update({"Cache-Control": "no-store", "Pragma": "no-cache"})
        return wire.json_response(
            {"error": error, "error_description": description}, status=fault.status, headers=headers
        )
    default = (
        "De dienst is tijdelijk niet beschikbaar. Probeer het later opnieuw."
        if fault.status >= 500 or fault.status == 429
        else "Uw verzoek kon niet worden verwerkt."
    )
    title = f"{fault.status} {_phrase(fault.status)}"
    page = (
        '<!doctype html>\n<html lang="nl">\n<head><meta charset="utf-8">'
        f"<title>{escape(title)} - ABN AMRO (sandbox)</title></head>\n"
        f'<body>\n<h1>Er ging iets mis</h1>\n<p id="fault" data-status="{fault.status}">'
        f"{escape(fault.message or default)}</p>\n"
        f"<p><small>{escape(title)}</small></p>\n</body>\n</html>\n"
    )
    return Response(page, status=fault.status, headers=headers, mimetype="text/html")


# --- the hook -------------------------------------------------------------------------------------


def _caller(path: str) -> Caller:
    """Who sent the current request: ``API-Key`` under ``/v1``, else HTTP Basic or the ``client_id`` parameter."""
    if answer_kind(path) == API:
        return Caller(api_key=request.headers.get("API-Key"))
    auth = request.authorization
    if auth is not None and auth.type == "basic" and auth.username:
        # RFC 6749 §2.3.1: the Basic user name is the form-encoded client_id.
        return Caller(client_id=unquote(auth.username))
    client_id = request.form.get("client_id") if request.mimetype in FORM_TYPES else None
    return Caller(client_id=client_id or request.args.get("client_id") or None)


def init_app(app: Flask) -> None:
    """Answer matching faults before any view runs (register after the Trace-Id hook)."""
    state = app.extensions["mockbank"]

    @app.before_request
    def _injected_fault():
        path = request.path
        if is_exempt(path):
            return None
        fault = state.faults.match_and_consume(path=path, method=request.method, caller=lambda: _caller(path))
        if fault is None:
            return None
        return answer(fault, path, g.get("trace_id", ""))
