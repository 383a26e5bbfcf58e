"""Consent arriving from the bank: flow A (the redirect round trip) and flows B/C (the bank's signed callback).

Both end in one transaction that stores every account's link with its tokens (``_store_grants``);
the bank is called before it, never while a database session is open.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import select

from consent_server import errors
from consent_server import models
from consent_server.services.bank import BankGateway
from consent_server.services.bank import BankGrant
from consent_server.services.base import Kernel
from consent_server.services.base import Service
from consent_server.services.links import Links
from consent_server.services.registrations import Registrations
from consent_server.services.registrations import state_rank
from consent_server.services.signature import signature_valid
from mockbank.sim.jsonbody import strict_loads


class ConsentCancelled(Exception):
    """The bank sent the user back without consent; ``message`` says why in Dutch."""

    def __init__(self, message: str, registration_id: int):
        self.message = message
        self.registration_id = registration_id
        super().__init__(message)


class AccountNotInAdministration(ConsentCancelled):
    """The bank gave consent (flow A) for an IBAN the administration has no bank account for: nothing is linked."""

    def __init__(self, iban: str, registration_id: int):
        self.iban = iban
        super().__init__(
            f"Rekening {iban} staat niet bij de kas- en bankrekeningen van deze administratie in eAccounting. "
            "Er is niets gekoppeld en de toestemming bij de bank is ingetrokken. Voeg de rekening toe in "
            "eAccounting en koppel hem daarna opnieuw.",
            registration_id,
        )


class ConsentIntake(Service):
    """Verbs of the bank consent step: start and complete the redirect, take in the bank's callback."""

    def __init__(self, kernel: Kernel, *, registrations: Registrations, bank: BankGateway, links: Links):
        super().__init__(kernel)
        self.registrations = registrations
        self.bank = bank
        self.links = links

    # --- Bankconsent: flow A (redirect) -------------------------------------------------------------

    def start_redirect(self, registration_id: int, *, redirect_uri: str) -> str:
        """The bank's authorization URL for one more account (flow A); remembers the round trip's state."""
        registration = self.registrations.get(registration_id)
        if state_rank(registration.state) < state_rank(models.REG_CONTACT):
            raise errors.Conflict(
                "registration has not reached the bank consent step", message="Vul eerst de contactgegevens in."
            )
        state = self.ids.token(32)
        url = self.bank.authorization_url(state=state, redirect_uri=redirect_uri)
        with self.db.transaction() as session:
            session.add(models.RedirectState(state=state, registration_id=registration_id, created_at=self.clock.now()))
            self.registrations.event(session, registration, "redirect_started", "naar de bank voor toestemming (PSD2)")
        return url

    def complete_redirect(
        self, *, state: str, code: str | None, error: str | None, error_description: str | None, redirect_uri: str
    ) -> models.Registration:
        """The bank sent the user back (flow A): exchange the code and store the link, or record the refusal."""
        with self.db.transaction() as session:
            pending = session.scalar(select(models.RedirectState).where(models.RedirectState.state == (state or "")))
            if pending is None or pending.used_at is not None:
                raise errors.Conflict(
                    "unknown or used state",
                    message="Deze terugkeer van de bank is ongeldig of al verwerkt. Start opnieuw.",
                )
            pending.used_at = self.clock.now()
            registration_id = pending.registration_id
        if error or not code:
            if error == "access_denied":
                message = "Er is bij de bank geen rekening gekozen die gekoppeld kan worden. Er is niets gekoppeld."
            else:
                message = "Je hebt de toestemming bij de bank geannuleerd. Er is niets gekoppeld."
            self.registrations.note(
                registration_id, "consent_cancelled", f"{error or 'no code'}: {error_description or ''}".strip()
            )
            raise ConsentCancelled(message, registration_id)
        grant = self.bank.exchange(code, redirect_uri=redirect_uri)
        if not self._in_administration(registration_id, grant.iban):
            # As the real portal: an account eAccounting does not have is not linked, counted, mailed or
            # imported; the consent it came with must not stay valid at the bank for nothing.
            self.bank.revoke(grant.refresh_token)
            self.registrations.note(
                registration_id, "consent_refused", f"{grant.iban} staat niet in de administratie; ingetrokken"
            )
            raise AccountNotInAdministration(grant.iban, registration_id)
        self._store_grants(registration_id, [grant], flow=models.FLOW_REDIRECT)
        return self.registrations.get(registration_id)

    def _in_administration(self, registration_id: int, iban: str) -> bool:
        with self.db.reading() as session:
            registration = session.get(models.Registration, registration_id)
            administration_id = session.get(models.Serial, registration.serial_id).administration_id
            return (
                session.scalar(
                    select(models.BankAccount.id).where(
                        models.BankAccount.administration_id == administration_id, models.BankAccount.iban == iban
                    )
                )
                is not None
            )

    # --- Bankconsent: flow B/C (the bank's signed callback) -------------------------------------------

    def receive_callback(self, body: bytes, signature: str | None) -> dict:
        """A bank-initiated registration: verify, exchange every code, check consent info, store all or nothing."""
        creds = self.bank.require_credentials()
        if not signature_valid(creds.callback_secret, body, signature):
            raise errors.CallbackRefused(
                "bad_signature", "De aanmelding kon niet worden gecontroleerd: de handtekening klopt niet.", status=401
            )
        try:
            payload = strict_loads(body)
            number = str(payload["serialNumber"]).strip()
            accounts = payload["accounts"]
            if not isinstance(accounts, list) or not accounts:
                raise ValueError("no accounts")
            claims = [(str(a["iban"]).replace(" ", "").upper(), str(a["code"])) for a in accounts]
        except (ValueError, KeyError, TypeError) as exc:
            raise errors.CallbackRefused("bad_request", "De aanmelding van de bank is onvolledig.") from exc
        with self.db.reading() as session:
            registration = session.scalar(
                select(models.Registration).join(models.Serial).where(models.Serial.number == number)
            )
            if registration is None:
                raise errors.CallbackRefused(
                    "unknown_serial",
                    f"Het klantnummer (serienummer) {number} is bij Visma onbekend. "
                    "Controleer het serienummer in Visma eAccounting (Instellingen > Kas- en bankrekeningen).",
                    status=404,
                )
            registration_id, state, kvk_number = registration.id, registration.state, registration.kvk_number
        if state_rank(state) < state_rank(models.REG_CONTACT):
            self.registrations.note(
                registration_id, "bank_registration_refused", "wizard nog niet tot en met Koppeling doorlopen"
            )
            raise errors.CallbackRefused(
                "registration_incomplete",
                f"De aanmelding voor serienummer {number} is bij Visma nog niet afgerond. Doorloop eerst in de "
                "Visma-wizard de stappen Gegevens en Koppeling, en start daarna opnieuw bij de bank.",
                status=409,
            )
        bank_kvk = payload.get("kvkNumber")
        if bank_kvk and kvk_number and bank_kvk != kvk_number:
            self.registrations.note(
                registration_id, "bank_registration_refused", f"KvK bij de bank {bank_kvk} ≠ {kvk_number}"
            )
            raise errors.CallbackRefused(
                "kvk_mismatch",
                f"Het KvK-nummer bij de bank ({bank_kvk}) hoort niet bij deze aanmelding ({kvk_number}).",
                status=409,
            )
        # A repeat is the same signed body (same codes): key deliveries by the body's hash.
        reference = hashlib.sha256(body).hexdigest()
        with self.db.reading() as session:
            earlier = session.scalar(select(models.BankDelivery).where(models.BankDelivery.reference == reference))
            if earlier is not None:
                # The bank repeats a delivery it did not hear back from: same answer, codes not reused.
                return dict(earlier.answer)
        grants: list[BankGrant] = []
        for iban, code in claims:
            try:
                grant = self.bank.exchange(code)
            except errors.BankUnavailable as exc:
                self.registrations.note(registration_id, "bank_registration_refused", exc.developer_message)
                raise errors.CallbackRefused(
                    "token_exchange_failed",
                    "Visma kon de toestemming niet bij de bank bevestigen. Er is niets gekoppeld; probeer het opnieuw.",
                    status=502,
                ) from exc
            if grant.iban != iban:
                self.registrations.note(
                    registration_id, "bank_registration_refused", f"consentinfo {grant.iban} ≠ {iban}"
                )
                raise errors.CallbackRefused(
                    "iban_mismatch", "De toestemming van de bank hoort bij een andere rekening."
                )
            grants.append(grant)
        answer = {
            "accepted": True,
            "serialNumber": number,
            "registrationState": models.REG_BANK_CONSENT,
            # Where the bank sends its user back to: the wizard's Rekeningen step (the wizard promises the return).
            "returnUrl": self.settings.portal_base.rstrip("/") + f"/registratie/rekeningen?licentienummer={number}",
        }
        state, states = self._store_grants(
            registration_id, grants, flow=models.FLOW_BANK, delivery=(reference, number, answer)
        )
        accounts = [{"iban": iban, "state": link_state} for iban, link_state in states.items()]
        return {**answer, "registrationState": state, "accounts": accounts}

    def _store_grants(
        self, registration_id: int, grants: list[BankGrant], *, flow: str, delivery: tuple | None = None
    ) -> tuple[str, dict[str, str]]:
        """One transaction: each account's link ``consented`` with its tokens, and what follows scheduled.

        Returns the registration's state and each IBAN's link state.
        """
        now = self.clock.now()
        states: dict[str, str] = {}
        with self.db.transaction() as session:
            registration = session.get(models.Registration, registration_id)
            administration_id = session.get(models.Serial, registration.serial_id).administration_id
            for grant in grants:
                link = session.scalar(
                    select(models.AccountLink).where(
                        models.AccountLink.registration_id == registration_id, models.AccountLink.iban == grant.iban
                    )
                )
                if link is None:
                    account_id = session.scalar(
                        select(models.BankAccount.id).where(
                            models.BankAccount.administration_id == administration_id,
                            models.BankAccount.iban == grant.iban,
                        )
                    )
                    link = models.AccountLink(
                        registration_id=registration_id,
                        bank_account_id=account_id,
                        iban=grant.iban,
                        state=models.LINK_REQUESTED,
                        flow=flow,
                        created_at=now,
                    )
                    session.add(link)
                    session.flush()
                    via = (
                        "via de bank (aanmelding bij ABN AMRO)"
                        if flow == models.FLOW_BANK
                        else "via doorverwijzing (PSD2)"
                    )
                    session.add(models.LinkEvent(link_id=link.id, state=models.LINK_REQUESTED, at=now, detail=via))
                previous = link.state
                link.flow = flow
                link.access_token = grant.access_token
                link.refresh_token = grant.refresh_token
                link.token_expires_at = grant.expires_at
                link.scopes = grant.scopes
                link.consent_valid_until = grant.valid_until
                link.bank_consent_ref = grant.consent_ref
                self.links.consent_received(session, link, now, previous=previous)
                states[grant.iban] = link.state
            self.registrations.move(session, registration, models.REG_BANK_CONSENT, ", ".join(g.iban for g in grants))
            if delivery is not None:
                reference, number, answer = delivery
                answer = {
                    **answer,
                    "registrationState": registration.state,
                    "accounts": [{"iban": iban, "state": state} for iban, state in states.items()],
                }
                session.add(
                    models.BankDelivery(reference=reference, serial_number=number, answer=answer, received_at=now)
                )
            return registration.state, states
