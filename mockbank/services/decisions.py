"""The decision queue: "the next authorization request of this client is approved for this IBAN" (or refused).

Tests and scripts that must not click enqueue a decision through ``/sandbox/decisions``; the
authorization endpoint takes the oldest pending one for the client and answers without a screen.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey
from sqlalchemy import Integer
from sqlalchemy import String
from sqlalchemy import select
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from mockbank import errors
from mockbank import models
from mockbank.models import Base
from mockbank.services.ledger_rules import is_eligible
from mockbank.services.ledger_rules import normalize_iban
from mockbank.sim.db import UTCDateTime

APPROVE = "approve"
REFUSE = "refuse"
CANCEL_DESCRIPTION = "Unexpected Runtime Authn Adapter Integration Problem."
# RFC 6749 §4.1.2.1 error codes an authorization endpoint may redirect with.
REFUSAL_ERRORS = (
    "access_denied",
    "server_error",
    "invalid_request",
    "unauthorized_client",
    "unsupported_response_type",
    "invalid_scope",
    "temporarily_unavailable",
)


class QueuedDecision(Base):
    """One scripted answer to a future authorization request of a client."""

    __tablename__ = "queued_decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.client_id"), index=True)
    decision: Mapped[str] = mapped_column(String(16))
    iban: Mapped[str | None] = mapped_column(String(34), nullable=True)
    error: Mapped[str | None] = mapped_column(String(40), nullable=True)
    error_description: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, nullable=True)
    request_key: Mapped[str | None] = mapped_column(String(40), nullable=True)


class DecisionQueue:
    """Verbs of the decision queue."""

    def __init__(self, *, db, clock):
        self.db = db
        self.clock = clock

    def enqueue(
        self,
        *,
        client_id: str,
        decision: str,
        iban: str | None = None,
        error: str | None = None,
        error_description: str | None = None,
    ) -> QueuedDecision:
        """Queue an approval for an eligible IBAN, or a refusal with an RFC 6749 error code."""
        if decision not in (APPROVE, REFUSE):
            raise errors.SandboxError("'decision' must be 'approve' or 'refuse'")
        with self.db.transaction() as session:
            if not session.scalar(select(models.OAuthClient.id).where(models.OAuthClient.client_id == client_id)):
                raise errors.SandboxNotFound(f"no client {client_id}")
            if decision == APPROVE:
                if not iban:
                    raise errors.SandboxError("an approval needs the 'iban' of the account to link")
                iban = normalize_iban(iban)
                account = session.scalar(select(models.Account).where(models.Account.iban == iban))
                if account is None:
                    raise errors.SandboxNotFound(f"no account {iban}")
                if not is_eligible(account):
                    raise errors.SandboxError(f"{iban} is a savings account without its own IBAN: it cannot be linked")
                error = error_description = None
            else:
                error = error or "access_denied"
                if error not in REFUSAL_ERRORS:
                    raise errors.SandboxError(f"'error' must be one of {', '.join(REFUSAL_ERRORS)}")
                if error == "server_error" and not error_description:
                    error_description = CANCEL_DESCRIPTION
                iban = None
            row = QueuedDecision(
                client_id=client_id,
                decision=decision,
                iban=iban,
                error=error,
                error_description=error_description,
                created_at=self.clock.now(),
            )
            session.add(row)
            session.flush()
            return row

    def take(self, client_id: str, request_key: str) -> QueuedDecision | None:
        """The oldest pending decision of the client, now used by this request; None when none waits."""
        with self.db.transaction() as session:
            row = session.scalars(
                select(QueuedDecision)
                .where(QueuedDecision.client_id == client_id, QueuedDecision.used_at.is_(None))
                .order_by(QueuedDecision.id)
                .with_for_update()
            ).first()
            if row is None:
                return None
            row.used_at = self.clock.now()
            row.request_key = request_key
            return row

    def pending(self, client_id: str | None = None) -> list[QueuedDecision]:
        """Decisions not used yet, oldest first."""
        query = select(QueuedDecision).where(QueuedDecision.used_at.is_(None)).order_by(QueuedDecision.id)
        if client_id:
            query = query.where(QueuedDecision.client_id == client_id)
        with self.db.reading() as session:
            return list(session.scalars(query))

    def clear(self, client_id: str | None = None) -> int:
        """Drop pending decisions (of one client, or all); returns how many."""
        with self.db.transaction() as session:
            rows = list(session.scalars(select(QueuedDecision).where(QueuedDecision.used_at.is_(None))))
            rows = [r for r in rows if client_id is None or r.client_id == client_id]
            for row in rows:
                session.delete(row)
            return len(rows)
