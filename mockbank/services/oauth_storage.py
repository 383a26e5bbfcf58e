"""The OAuth server's storage on the consent service: authorization codes, and tokens as the endpoints see them.

A mixin of ``ConsentService``: one service object for clients, consents and tokens, its verbs kept by job.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.orm import selectinload

from mockbank import models
from mockbank.services.consent_rules import TERMINATED_BY_TPP
from mockbank.services.consent_rules import VALID
from mockbank.settings import BankSettings
from mockbank.sim.clock import SimClock
from mockbank.sim.db import Database


class OAuthStorage:
    """Codes (single use, short-lived, a replay revokes what they issued) and token lookups, on the simulated clock."""

    db: Database
    clock: SimClock
    settings: BankSettings

    def set_status(self, session, consent: models.Consent, status: str, reason: str | None = None) -> None:
        raise NotImplementedError

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
                issued = list(session.scalars(select(models.Token.id).where(models.Token.code_id == row.id)))
                self._revoke_chain(session, issued, now)
                return None
            row.used_at = now
            if row.expires_at <= now:
                return None
            return row

    def _revoke_chain(self, session, root_ids: list[int], now: dt.datetime) -> None:
        """Revoke these tokens and every token rotated out of them, in two statements (no read-modify-write)."""
        family: set[int] = set()
        pending = list(root_ids)
        while pending:
            family.update(pending)
            pending = list(session.scalars(select(models.Token.id).where(models.Token.parent_id.in_(pending))))
        if not family:
            return
        ids = sorted(family)
        session.execute(
            update(models.Token)
            .where(models.Token.id.in_(ids), models.Token.access_revoked_at.is_(None))
            .values(access_revoked_at=now)
        )
        session.execute(
            update(models.Token)
            .where(
                models.Token.id.in_(ids),
                models.Token.refresh_token.is_not(None),
                models.Token.refresh_revoked_at.is_(None),
            )
            .values(refresh_revoked_at=now)
        )

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
        """The token row of a refresh token that may still be used; None when unknown, ended, or used before.

        A refresh token presented after it was rotated out (or revoked) has leaked: every token of its
        authorization is revoked (RFC 9700 §4.14.2).
        """
        with self.db.reading() as session:
            token = session.scalars(
                select(models.Token)
                .where(models.Token.refresh_token == value)
                .options(selectinload(models.Token.consent))
            ).first()
        if token is None or not self.consent_usable(token.consent):
            return None
        if token.refresh_revoked_at is not None:
            self.revoke_family(token.id)
            return None
        return token

    def rotate_refresh_token(self, session, token_id: int) -> bool:
        """Inside the new token's transaction: retire the refresh token just used, if nobody did yet.

        A compare-and-set (``UPDATE ... WHERE refresh_revoked_at IS NULL``), so of several requests with one
        refresh token, on one worker or many, exactly one sees True and may store its successor.
        """
        result = session.execute(
            update(models.Token)
            .where(models.Token.id == token_id, models.Token.refresh_revoked_at.is_(None))
            .values(refresh_revoked_at=self.clock.now())
            .execution_options(synchronize_session=False)
        )
        return result.rowcount == 1

    def revoke_family(self, token_id: int) -> None:
        """Revoke every access and refresh token descended from the authorization this token came from."""
        with self.db.transaction() as session:
            root = token_id
            while (parent := session.scalar(select(models.Token.parent_id).where(models.Token.id == root))) is not None:
                root = parent
            self._revoke_chain(session, [root], self.clock.now())

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
                self._revoke_chain(session, [token.id], now)
                return
            consent = session.get(models.Consent, token.consent_id)
            siblings = list(session.scalars(select(models.Token.id).where(models.Token.consent_id == consent.id)))
            self._revoke_chain(session, siblings, now)
            if consent.status == VALID:
                self.set_status(session, consent, TERMINATED_BY_TPP, reason="refresh token revoked by the third party")
