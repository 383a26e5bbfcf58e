"""What both servers do alike to protect themselves: no framing of their pages, a session secret of their own,
and (on a shared host) a token in front of their sandbox control API.

The session secret is the one value in a world not drawn from its seeded ids: it must not be guessable from
the seed. It is made once per database (so once per data folder, and shared by every worker on one
database) and kept through restarts and sandbox resets.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Callable

from flask import Flask
from flask import request
from sqlalchemy import String
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

SESSION_SECRET = "session"
FRAME_HEADERS = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"}
SANDBOX_PREFIX = "/sandbox"
SANDBOX_TOKEN_HEADER = "X-Sandbox-Token"


def deny_framing(app: Flask) -> None:
    """Every HTML page of ``app`` refuses to be shown in a frame (clickjacking of the login and consent screens)."""

    @app.after_request
    def _no_frames(response):
        if response.mimetype == "text/html":
            for name, value in FRAME_HEADERS.items():
                response.headers.setdefault(name, value)
        return response


def guard_sandbox(app: Flask, *, token: Callable[[], str | None], refusal: Callable[[], Exception]) -> None:
    """While ``token()`` names a token, every ``/sandbox`` request of ``app`` must carry it, else ``refusal()``.

    The token comes as ``Authorization: Bearer <token>`` or ``X-Sandbox-Token: <token>``; the refusal is
    answered by the app's own error handler (its envelope), with ``WWW-Authenticate: Bearer``.
    """

    @app.before_request
    def _sandbox_token():
        expected = token()
        path = request.path
        if not expected or not (path == SANDBOX_PREFIX or path.startswith(SANDBOX_PREFIX + "/")):
            return None
        if sandbox_token_matches(expected):
            return None
        response = app.make_response(app.handle_user_exception(refusal()))
        response.headers["WWW-Authenticate"] = 'Bearer realm="sandbox"'
        return response


def sandbox_token_matches(expected: str) -> bool:
    """Whether this request carries ``expected`` as its bearer token or ``X-Sandbox-Token`` (constant time)."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    offered = [request.headers.get(SANDBOX_TOKEN_HEADER, "")]
    if scheme.lower() == "bearer":
        offered.append(credentials.strip())
    wanted = expected.encode()
    return any(hmac.compare_digest(value.encode(), wanted) for value in offered if value)


def secret_model(base: type) -> type:
    """The table where an app keeps its secrets (the session secret), one row per name."""

    class AppSecret(base):
        __tablename__ = "app_secrets"
        name: Mapped[str] = mapped_column(String(64), primary_key=True)
        value: Mapped[str] = mapped_column(String(200))

    return AppSecret


class DatabaseSecretStore:
    """Secrets made once and kept in the app's database; several workers on one database share them."""

    def __init__(self, *, transaction: Callable, model: type):
        self._transaction = transaction
        self._model = model

    def get_or_create(self, name: str) -> str:
        """The secret called ``name``; a new random one the first time any worker asks."""
        for _ in range(2):
            try:
                with self._transaction() as session:
                    row = session.scalar(select(self._model).where(self._model.name == name))
                    if row is not None:
                        return row.value
                    value = secrets.token_urlsafe(32)
                    session.add(self._model(name=name, value=value))
                    return value
            except IntegrityError:
                continue  # another worker made it at the same moment: read theirs
        raise RuntimeError(f"could not read or make the secret {name!r}")

    def put(self, name: str, value: str) -> None:
        """Keep ``value`` as the secret ``name`` (after the tables were emptied)."""
        with self._transaction() as session:
            row = session.get(self._model, name)
            if row is None:
                session.add(self._model(name=name, value=value))
            else:
                row.value = value
