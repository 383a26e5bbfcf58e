"""Fault injection: "answer this request with an error" (``/sandbox/faults``), as a service object.

The HTTP side (the ``before_request`` hook, the answers, ``/sandbox/faults``) is ``views/faults.py``.

A fault names a path glob (``fnmatch`` over ``request.path`` inside the bank app, so the same
pattern works in-process and under server mode's prefixes), optionally a method and an OAuth
client, an HTTP status, and how many matching requests fail (``count``; None means every one until
it is removed). One ``before_request`` hook asks ``FaultService.match_and_consume``
before any view runs; a matching request is answered with the error and the bank does nothing else.

Faults live in the bank's database, so every server worker sees the same ones, and a hit is one
transaction that locks the fault's row: ``count`` is never over- or under-spent under concurrency.
The list of live faults a request is matched against is kept until the ``faults`` world version moves
(any fault added, hit, removed or cleared, in this process or, with a shared database, in another), so a
request with no fault to match reads nothing.
"""

from __future__ import annotations

import fnmatch
import functools
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import delete
from sqlalchemy import or_
from sqlalchemy import select

from mockbank import errors
from mockbank import models
from mockbank.sim.versions import VersionedCache
from mockbank.sim.versions import WorldVersions

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

API = "api"
OAUTH = "oauth"
HTML = "html"
# The world-version counter every write to the faults table moves (``BankBackend``'s watch).
FAULTS = "faults"

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


@dataclass(frozen=True)
class _LiveFault:
    id: int
    path: str
    method: str | None
    client_id: str | None


def _then_reload(verb: Callable) -> Callable:
    """After a verb that wrote faults: read the live list again now, so the next request needs no statement for it."""

    @functools.wraps(verb)
    def wrapper(self, *args, **kwargs):
        result = verb(self, *args, **kwargs)
        self.reload()
        return result

    return wrapper


class FaultService:
    """Verbs of fault injection: add, list, remove, clear, match_and_consume."""

    def __init__(self, *, db, clock, versions: WorldVersions):
        self.db = db
        self.clock = clock
        self._live: VersionedCache[list[_LiveFault]] = VersionedCache(versions, FAULTS)

    def reload(self) -> None:
        """Read the live faults now (after a change, and at start-up) rather than in the next request."""
        self._live.get(None, self._load_live)

    @_then_reload
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

    @_then_reload
    def remove(self, fault_id: int) -> models.Fault:
        """Remove one fault and return it; ``SandboxNotFound`` when there is none."""
        with self.db.transaction() as session:
            fault = session.get(models.Fault, fault_id)
            if fault is None:
                raise errors.SandboxNotFound(f"no fault {fault_id}")
            session.delete(fault)
            return fault

    @_then_reload
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
        live = self._live_faults()
        if not live:
            return None
        candidates = [f for f in live if _method_matches(f.method, method) and fnmatch.fnmatchcase(path, f.path)]
        if any(f.client_id is not None for f in candidates):
            client_id = self._client_id(caller() if callable(caller) else caller)
            candidates = [f for f in candidates if f.client_id is None or f.client_id == client_id]
        if not candidates:
            return None
        # The read above took no lock: re-read under a row lock, so two workers never spend one count twice.
        return self._consume([f.id for f in candidates])

    @_then_reload
    def _consume(self, ids: list[int]) -> models.Fault | None:
        with self.db.transaction() as session:
            rows = session.scalars(
                select(models.Fault)
                .where(models.Fault.id.in_(ids))
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

    def _live_faults(self) -> list[_LiveFault]:
        """The faults that may still answer, oldest first; read again only when a fault changed."""
        return self._live.get(None, self._load_live)

    def _load_live(self) -> list[_LiveFault]:
        F = models.Fault.__table__
        with self.db.lean_read() as connection:
            rows = connection.execute(
                select(F.c.id, F.c.path, F.c.method, F.c.client_id)
                .where(or_(F.c.remaining.is_(None), F.c.remaining > 0))
                .order_by(F.c.id)
            ).all()
        return [_LiveFault(*row) for row in rows]

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
