"""An account link after the bank's consent: the activation mail and link, consent expiry, renewal, unlinking.

The link's states follow architecture.md (``consented → activation_scheduled → activation_sent →
activated → active``, exits ``rejected``, ``expired``, ``revoked``); every change is a ``LinkEvent``
with its simulated time. The delays are the help article's promises and all configurable:
``ACTIVATION_MAIL_WORKING_DAYS`` (5 werkdagen from consent to the activation mail),
``ACTIVATION_LINK_DAYS`` (how long the link works), ``FIRST_IMPORT_WORKING_DAYS`` (5 werkdagen from
activation to the first import).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consent_server import errors
from consent_server import models
from consent_server.services.bank import BankGateway
from consent_server.services.base import Kernel
from consent_server.services.base import Service
from consent_server.services.mail import MailLink
from consent_server.services.mail import Outbox
from consent_server.services.states import LINK_TRANSITIONS
from consent_server.services.states import check
from mockbank.sim.calendar import AMSTERDAM
from mockbank.sim.calendar import business_days_later
from mockbank.sim.calendar import first_of_next_month
from mockbank.sim.calendar import next_local_time
from mockbank.sim.dutch import dutch_date

ACTIVATION_SEND_JOB = "activation.send"
ACTIVATION_EXPIRE_JOB = "activation.expire"
CONSENT_EXPIRY_JOB = "link.consent_expiry"
IMPORT_JOB = "import.daily"
BILLING_JOB = "billing.month"

# Why a link ended (``AccountLink.ended_reason``).
ENDED_ACTIVATION_LINK = "activation_link"
ENDED_CONSENT_EXPIRED = "consent_expired"
ENDED_ACCESS_REFUSED = "access_refused"
ENDED_UNLINKED = "unlinked"

BANK_NAMES = {"abnamro": "ABN AMRO"}


def transition(session, link: models.AccountLink, state: str, at: dt.datetime, detail: str | None = None) -> None:
    """Move a link to ``state`` and record it with its simulated time; ``IllegalTransition`` off the table."""
    check(LINK_TRANSITIONS, f"link {link.id}", link.state, state)
    link.state = state
    session.add(models.LinkEvent(link_id=link.id, state=state, at=at, detail=detail))


def local_date(moment: dt.datetime) -> dt.date:
    """The Amsterdam date of a moment."""
    return moment.astimezone(AMSTERDAM).date()


class Links(Service):
    """Verbs of an account link's life after consent."""

    def __init__(self, kernel: Kernel, *, outbox: Outbox, bank: BankGateway):
        super().__init__(kernel)
        self.outbox = outbox
        self.bank = bank
        self.jobs.register(ACTIVATION_SEND_JOB, self._send_activation_job)
        self.jobs.register(ACTIVATION_EXPIRE_JOB, self._expire_activation_job)
        self.jobs.register(CONSENT_EXPIRY_JOB, self._consent_expiry_job)

    # --- consent ------------------------------------------------------------------------------------

    def consent_received(self, session, link: models.AccountLink, now: dt.datetime, *, previous: str | None) -> None:
        """The bank gave (or renewed) consent for a link whose tokens are stored: schedule what follows.

        A link that was activated before resumes where it was (``activated`` or ``active``) and its import
        goes on from its cursor; a link in its activation phase keeps it; any other link gets its
        activation mail ``ACTIVATION_MAIL_WORKING_DAYS`` werkdagen later.
        """
        until = link.consent_valid_until.date().isoformat() if link.consent_valid_until else "onbekend"
        renewed = previous is not None and previous != models.LINK_REQUESTED
        transition(session, link, models.LINK_CONSENTED, now, f"{'vernieuwd, ' if renewed else ''}geldig tot {until}")
        if link.consent_valid_until is not None:
            self.jobs.schedule(
                CONSENT_EXPIRY_JOB,
                link.consent_valid_until,
                {"link": link.id, "validUntil": link.consent_valid_until.isoformat()},
                session=session,
            )
        if link.activated_at is not None:
            link.ended_reason = None
            state = models.LINK_ACTIVE if link.active_since else models.LINK_ACTIVATED
            since = link.import_from.isoformat() if link.import_from else "de activatie"
            transition(session, link, state, now, f"toestemming vernieuwd; transacties vanaf {since}")
            self.ensure_import_scheduled(session, now)
            self.ensure_billing_scheduled(session, now)
            return
        if previous in (models.LINK_ACTIVATION_SCHEDULED, models.LINK_ACTIVATION_SENT):
            transition(session, link, previous, now, "toestemming vernieuwd; de activatie loopt door")
            return
        link.ended_reason = None
        due = business_days_later(now, self.settings.activation_mail_working_days)
        self.jobs.schedule(ACTIVATION_SEND_JOB, due, {"link": link.id}, session=session)
        transition(session, link, models.LINK_ACTIVATION_SCHEDULED, now, f"activatiemail op {dutch_date(due)}")

    # --- the activation mail ------------------------------------------------------------------------

    def _send_activation_job(self, payload: dict, now: dt.datetime) -> None:
        with self.db.transaction() as session:
            link = self.load(session, payload["link"])
            if link is None or link.state != models.LINK_ACTIVATION_SCHEDULED:
                return
            self.send_activation(session, link, now)
        self.outbox.flush()

    def send_activation(self, session, link: models.AccountLink, now: dt.datetime) -> models.ActivationToken:
        """A new single-use link (older ones of this account stop working) and its mail; ``activation_sent``."""
        for older in session.scalars(
            select(models.ActivationToken).where(
                models.ActivationToken.link_id == link.id,
                models.ActivationToken.used_at.is_(None),
                models.ActivationToken.superseded_at.is_(None),
            )
        ):
            older.superseded_at = now
        expires = now + dt.timedelta(days=self.settings.activation_link_days)
        token = models.ActivationToken(token=self.ids.token(40), link_id=link.id, created_at=now, expires_at=expires)
        session.add(token)
        session.flush()
        url = self.portal_url(f"/activeren/{token.token}")
        mail = self.mail(
            session,
            link,
            "activation",
            [MailLink("activate", "Activeer de koppeling", url)],
            expires_at=expires,
            first_import_days=self.settings.first_import_working_days,
        )
        token.mail_id = mail.id
        self.jobs.schedule(ACTIVATION_EXPIRE_JOB, expires, {"token": token.id}, session=session)
        transition(session, link, models.LINK_ACTIVATION_SENT, now, f"activatiemail naar {mail.recipient}")
        return token

    def _expire_activation_job(self, payload: dict, now: dt.datetime) -> None:
        with self.db.transaction() as session:
            token = session.get(models.ActivationToken, payload["token"])
            if token is None or token.used_at is not None or token.superseded_at is not None:
                return
            link = self.load(session, token.link_id)
            if link.state != models.LINK_ACTIVATION_SENT:
                return
            link.ended_reason = ENDED_ACTIVATION_LINK
            transition(session, link, models.LINK_EXPIRED, now, "activatielink verlopen zonder activatie")
            self.mail(
                session,
                link,
                "activation_expired",
                [MailLink("renew", "Vraag een nieuwe activatielink aan", self.portal_url(f"/activeren/{token.token}"))],
                expired_at=now,
            )
        self.outbox.flush()

    # --- the end of a consent -----------------------------------------------------------------------

    def _consent_expiry_job(self, payload: dict, now: dt.datetime) -> None:
        with self.db.transaction() as session:
            link = self.load(session, payload["link"])
            if link is None or link.consent_valid_until is None or link.consent_valid_until > now:
                return  # renewed in the meantime: a later job watches the new validity
            if link.state in models.ENDED_STATES or link.state == models.LINK_REQUESTED:
                return
            self._end(
                session, link, now, models.LINK_EXPIRED, ENDED_CONSENT_EXPIRED, "toestemming van de bank verlopen"
            )
        self.outbox.flush()

    def access_ended(self, link_id: int, detail: str, *, cause: str) -> str:
        """The bank no longer accepts the link's tokens: ``expired`` when the consent ran out, else ``revoked``."""
        now = self.clock.now()
        with self.db.transaction() as session:
            link = self.load(session, link_id)
            if link.state in models.ENDED_STATES:
                return link.state
            if link.consent_valid_until is not None and link.consent_valid_until <= now:
                self._end(session, link, now, models.LINK_EXPIRED, ENDED_CONSENT_EXPIRED, detail)
            else:
                self._end(session, link, now, models.LINK_REVOKED, ENDED_ACCESS_REFUSED, detail, cause=cause)
            state = link.state
        self.outbox.flush()
        return state

    def _end(
        self,
        session,
        link: models.AccountLink,
        now: dt.datetime,
        state: str,
        reason: str,
        detail: str,
        *,
        cause: str | None = None,
    ) -> None:
        link.ended_reason = reason
        transition(session, link, state, now, detail)
        renew = self._renew_links(link)
        if reason == ENDED_CONSENT_EXPIRED:
            started = session.scalar(
                select(models.LinkEvent.at)
                .where(models.LinkEvent.link_id == link.id, models.LinkEvent.state == models.LINK_CONSENTED)
                .order_by(models.LinkEvent.id.desc())
            )
            days = round((link.consent_valid_until - started).total_seconds() / 86400) if started else 90
            self.mail(session, link, "consent_expired", renew, expired_at=now, consent_days=days)
        elif reason == ENDED_ACCESS_REFUSED:
            self.mail(session, link, "consent_revoked", renew, reason=cause or "de bank weigert de toegang")

    def unlink(self, administration_id: int, uid: str) -> models.AccountLink:
        """ "Schakel bankkoppeling uit": revoke the consent at the bank and end the link (``revoked``)."""
        now = self.clock.now()
        with self.db.reading() as session:
            link = session.scalar(
                select(models.AccountLink)
                .join(models.BankAccount, models.BankAccount.id == models.AccountLink.bank_account_id)
                .where(models.BankAccount.uid == uid, models.BankAccount.administration_id == administration_id)
                .order_by(models.AccountLink.id.desc())
            )
            if link is None or link.state in models.ENDED_STATES:
                raise errors.Conflict(
                    f"bank account {uid} has no bank connection to switch off",
                    message="Deze rekening heeft geen bankkoppeling om uit te schakelen.",
                )
            link_id, refresh_token = link.id, link.refresh_token
        # Revoking the refresh token ends the consent at the bank (terminatedByTpp); over HTTP, no session open.
        self.bank.revoke(refresh_token)
        with self.db.transaction() as session:
            link = self.load(session, link_id)
            link.ended_reason = ENDED_UNLINKED
            link.access_token = link.refresh_token = None
            transition(session, link, models.LINK_REVOKED, now, "uitgeschakeld in eAccounting")
            self.mail(
                session,
                link,
                "unlinked",
                [MailLink("bank", "Start de aanmeldprocedure van de bank", self.bank.registration_url())],
                unlinked_at=now,
            )
        self.outbox.flush()
        return self.link(link_id)

    # --- scheduling ---------------------------------------------------------------------------------

    def import_run_at_or_after(self, moment: dt.datetime) -> dt.datetime:
        """The first daily import run at or after ``moment`` (the job runs every day at ``IMPORT_TIME``)."""
        hour, minute = self.settings.import_hour_minute
        return next_local_time(moment - dt.timedelta(microseconds=1), hour, minute)

    def ensure_import_scheduled(self, session, now: dt.datetime) -> None:
        """The daily import job at the configured hour (one pending at a time)."""
        hour, minute = self.settings.import_hour_minute
        self.jobs.ensure_scheduled(IMPORT_JOB, next_local_time(now, hour, minute), session=session)

    def end_series_when_unlinked(self, kind: str) -> None:
        """A recurring job (daily import, month-end billing) stops once no account is linked; a new link restarts it."""
        with self.db.reading() as session:
            linked = session.scalar(
                select(models.AccountLink.id).where(models.AccountLink.state.in_(models.LINKED_STATES))
            )
        if linked is None:
            self.jobs.cancel(kind, lambda payload: True)

    def ensure_billing_scheduled(self, session, now: dt.datetime) -> None:
        """The month-end billing job, at midnight when the next month starts (one pending at a time)."""
        self.jobs.ensure_scheduled(BILLING_JOB, first_of_next_month(now), session=session)

    # --- reading ------------------------------------------------------------------------------------

    def link(self, link_id: int) -> models.AccountLink:
        """A link with its registration, bank account and events."""
        with self.db.reading() as session:
            return self.load(session, link_id)

    def load(self, session, link_id: int) -> models.AccountLink | None:
        return session.scalars(
            select(models.AccountLink)
            .where(models.AccountLink.id == link_id)
            .options(
                selectinload(models.AccountLink.registration)
                .selectinload(models.Registration.serial)
                .selectinload(models.Serial.administration),
                selectinload(models.AccountLink.bank_account),
                selectinload(models.AccountLink.events),
            )
        ).first()

    # --- mails ----------------------------------------------------------------------------------------

    def mail_context(self, link: models.AccountLink) -> dict:
        """What every mail about a link says: who, which account, which company and serial."""
        registration = link.registration
        return {
            "name": registration.contact_name or "rekeningbeheerder",
            "iban": link.iban,
            "account_name": link.bank_account.name if link.bank_account else None,
            "company": registration.company_name or registration.serial.administration.company_name,
            "serial": registration.serial.number,
            "bank": BANK_NAMES.get(registration.bank or "abnamro", "de bank"),
        }

    def mail(self, session, link: models.AccountLink, kind: str, links: list[MailLink], **extra) -> models.Mail:
        registration = link.registration
        if not registration.contact_email:
            raise errors.Conflict(f"registration {registration.id} has no rekeningbeheerder to mail")
        return self.outbox.compose(
            session,
            kind=kind,
            to=registration.contact_email,
            context={**self.mail_context(link), **extra},
            links=links,
            link_id=link.id,
            registration_id=registration.id,
            iban=link.iban,
        )

    def _renew_links(self, link: models.AccountLink) -> list[MailLink]:
        serial = link.registration.serial.number
        return [
            MailLink("bank", "Start de aanmeldprocedure van de bank", self.bank.registration_url()),
            MailLink("portal", "de Visma Directe Bankkoppeling", self.portal_url(f"/?licentienummer={serial}")),
        ]

    def eaccounting_url(self, link: models.AccountLink) -> str:
        """The account's page in eAccounting (or the account list when no eAccounting account has the IBAN)."""
        base = self.settings.eaccounting_base.rstrip("/") + "/instellingen/kas-en-bankrekeningen"
        return f"{base}/{link.bank_account.uid}" if link.bank_account else base

    def portal_url(self, path: str) -> str:
        # Read at send time: a re-based world (server mode on a new port) mails links that work.
        return self.settings.portal_base.rstrip("/") + path
