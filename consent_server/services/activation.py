"""The activation link page: what a link's page shows, using it, and asking for a new one when it expired."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from consent_server import errors
from consent_server import models
from consent_server.services.base import Kernel
from consent_server.services.base import Service
from consent_server.services.links import ENDED_ACTIVATION_LINK
from consent_server.services.links import Links
from consent_server.services.links import local_date
from consent_server.services.links import transition
from mockbank.sim.calendar import business_days_later
from mockbank.sim.dutch import dutch_date

# What an activation link page can say (``ActivationView.status``).
LINK_VALID = "valid"
LINK_USED = "used"
LINK_EXPIRED = "expired"
LINK_SUPERSEDED = "superseded"


@dataclass(frozen=True)
class ActivationView:
    """What an activation link page shows."""

    status: str
    iban: str
    account_name: str | None
    company: str
    link_state: str
    expires_at: dt.datetime
    first_import_at: dt.datetime | None
    can_request_new: bool
    consent_valid: bool
    eaccounting_url: str


class Activations(Service):
    """Verbs of the activation link page."""

    def __init__(self, kernel: Kernel, *, links: Links):
        super().__init__(kernel)
        self.links = links

    # --- the activation link page -------------------------------------------------------------------

    def activation(self, value: str) -> ActivationView:
        """What the page of an activation link shows; ``ActivationRefused('unknown')`` for a made-up link."""
        with self.db.reading() as session:
            token, link = self._token(session, value)
            return self._view(token, link)

    def activate(self, value: str) -> ActivationView:
        """Use the link: the account's link becomes ``activated``, its first import due in some werkdagen."""
        now = self.clock.now()
        with self.db.transaction() as session:
            token, link = self._token(session, value)
            refusal = refusal_of(self._status(token, link, now), link.iban)
            if refusal is not None:
                raise refusal
            if link.state != models.LINK_ACTIVATION_SENT:
                raise errors.ActivationRefused(
                    "ended",
                    f"De koppeling van rekening {link.iban} kan niet meer worden geactiveerd: de toestemming van de "
                    "bank geldt niet meer. Geef opnieuw toestemming bij de bank.",
                    status=409,
                )
            token.used_at = now
            link.activated_at = now
            # The promise is the day the first import can bring bookings: the first daily run at or after
            # FIRST_IMPORT_WORKING_DAYS werkdagen, which is when the import job first takes this link.
            link.first_import_at = self.links.import_run_at_or_after(
                business_days_later(now, self.settings.first_import_working_days)
            )
            link.import_from = local_date(now)
            transition(
                session,
                link,
                models.LINK_ACTIVATED,
                now,
                f"geactiveerd; eerste transacties vanaf {dutch_date(link.first_import_at)}",
            )
            self.links.ensure_import_scheduled(session, now)
            self.links.ensure_billing_scheduled(session, now)
            return self._view(token, link)

    def request_new_activation(self, value: str) -> ActivationView:
        """A new activation link by mail, for an expired one whose consent is still valid."""
        now = self.clock.now()
        with self.db.transaction() as session:
            token, link = self._token(session, value)
            view = self._view(token, link)
            if not view.can_request_new:
                if not view.consent_valid:
                    raise errors.ActivationRefused(
                        "consent_ended",
                        "De toestemming van de bank geldt niet meer. Geef opnieuw toestemming bij de bank; "
                        "daarna ontvang je een nieuwe activatielink.",
                        status=409,
                    )
                raise errors.ActivationRefused(
                    "not_expired", "Deze activatielink is nog te gebruiken; een nieuwe is niet nodig.", status=409
                )
            link.ended_reason = None
            new = self.links.send_activation(session, link, now)
            view = self._view(new, link)
        self.links.outbox.flush()
        return view

    def _token(self, session, value: str) -> tuple[models.ActivationToken, models.AccountLink]:
        token = session.scalar(select(models.ActivationToken).where(models.ActivationToken.token == (value or "")))
        if token is None:
            raise errors.ActivationRefused(
                "unknown",
                "Deze activatielink bestaat niet. Controleer of je de hele link uit de e-mail hebt gebruikt.",
                status=404,
            )
        return token, self.links.load(session, token.link_id)

    def _status(self, token: models.ActivationToken, link: models.AccountLink, now: dt.datetime) -> str:
        if token.used_at is not None:
            return LINK_USED
        if token.superseded_at is not None:
            return LINK_SUPERSEDED
        if token.expires_at <= now or (
            link.state == models.LINK_EXPIRED and link.ended_reason == ENDED_ACTIVATION_LINK
        ):
            return LINK_EXPIRED
        return LINK_VALID

    def _view(self, token: models.ActivationToken, link: models.AccountLink) -> ActivationView:
        now = self.clock.now()
        status = self._status(token, link, now)
        consent_valid = link.consent_valid_until is None or link.consent_valid_until > now
        waiting = link.state == models.LINK_ACTIVATION_SENT or (
            link.state == models.LINK_EXPIRED and link.ended_reason == ENDED_ACTIVATION_LINK
        )
        registration = link.registration
        return ActivationView(
            status=status,
            iban=link.iban,
            account_name=link.bank_account.name if link.bank_account else None,
            company=registration.company_name or registration.serial.administration.company_name,
            link_state=link.state,
            expires_at=token.expires_at,
            first_import_at=link.first_import_at,
            can_request_new=status == LINK_EXPIRED and waiting and consent_valid,
            consent_valid=consent_valid,
            eaccounting_url=self.links.eaccounting_url(link),
        )


def refusal_of(status: str, iban: str) -> errors.ActivationRefused | None:
    """Why a link in ``status`` cannot activate (what its page says); None for a usable link."""
    if status == LINK_USED:
        return errors.ActivationRefused(
            "used", f"Deze activatielink is al gebruikt. De koppeling van rekening {iban} is geactiveerd."
        )
    if status == LINK_SUPERSEDED:
        return errors.ActivationRefused(
            "superseded", "Er is een nieuwere activatielink voor deze rekening verstuurd. Gebruik die link."
        )
    if status == LINK_EXPIRED:
        return errors.ActivationRefused("expired", "Deze activatielink is verlopen.")
    return None
