"""What both servers do alike to protect a browser: no framing of their pages, and a session secret of their own.

The session secret is the one value in a world not drawn from its seeded ids: it must not be guessable from
the seed. It is made once per database (so once per data folder, and shared by every worker on one
database) and kept through restarts and sandbox resets.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import Flask
from sqlalchemy import String
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

SESSION_SECRET = "session"
FRAME_HEADERS = {"X-Frame-Options": "DENY", "Content-Security-Policy": "frame-ancestors 'none'"}


def deny_framing(app: Flask) -> None:
    """Every HTML page of ``app`` refuses to be shown in a frame (clickjacking of the login and consent screens)."""

    @app.after_request
    def _no_frames(response):
        if response.mimetype == "text/html":
            for name, value in FRAME_HEADERS.items():
                response.headers.setdefault(name, value)
        return response


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
