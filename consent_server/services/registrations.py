"""The bank-connection portal as a service object: registrations, the wizard's steps, account links, timeline.

States and their words follow architecture.md. A registration's state is the last step it completed:
``prepared`` (serial issued) → ``details`` (Gegevens) → ``contact`` (Koppeling) → ``bank_consent``
(the bank delivered consent) → ``accounts`` (Rekeningen confirmed) → ``done`` (Klaar).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from dataclasses import dataclass

from email_validator import EmailNotValidError
from email_validator import validate_email
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consent_server import errors
from consent_server import models
from consent_server.services.bank import BankGateway
from consent_server.services.bank import BankGrant
from consent_server.services.base import Kernel
from consent_server.services.base import Service
from consent_server.services.kvk import KvkError
from consent_server.services.kvk import KvkRegister
from consent_server.services.links import Links
from consent_server.services.signature import signature_valid
from consent_server.services.states import REGISTRATION_TRANSITIONS
from consent_server.services.states import check
from mockbank.sim.money import to_cents

PRODUCTS = {"eaccounting": "Visma eAccounting"}
BANKS = {"abnamro": "ABN AMRO"}
PRODUCT_BANKS = {"eaccounting": ("abnamro",)}

# The wizard's five steps: (url part, label). Labels follow the seed; the steps are a product assumption.
STEPS = (
    ("gegevens", "Gegevens"),
    ("koppeling", "Koppeling"),
    ("bankconsent", "Bankconsent"),
    ("rekeningen", "Rekeningen"),
    ("klaar", "Klaar"),
)
# The step a registration resumes at, given its state.
RESUME_STEP = {
    models.REG_PREPARED: "gegevens",
    models.REG_DETAILS: "koppeling",
    models.REG_CONTACT: "bankconsent",
    models.REG_BANK_CONSENT: "rekeningen",
    models.REG_ACCOUNTS: "klaar",
    models.REG_DONE: "klaar",
}
# The furthest step a registration in a state may look at.
REACHABLE = {state: [s for s, _ in STEPS].index(step) for state, step in RESUME_STEP.items()}

SERIAL_PATTERN = re.compile(r"^[0-9]{7}$")


def state_rank(state: str) -> int:
    """The position of a registration state in its sequence."""
    return models.REGISTRATION_STATES.index(state)


@dataclass(frozen=True)
class DetailsInput:
    """What the Gegevens step sends."""

    kvk_number: str
    product: str
    serial: str
    bank: str
    terms_service: bool
    terms_privacy: bool


class ConsentCancelled(Exception):
    """The bank sent the user back without consent; ``message`` says why in Dutch."""

    def __init__(self, message: str, registration_id: int):
        self.message = message
        self.registration_id = registration_id
        super().__init__(message)


class Registrations(Service):
    """Verbs of the portal's registrations and account links."""

    def __init__(self, kernel: Kernel, *, kvk: KvkRegister, bank: BankGateway, links: Links):
        super().__init__(kernel)
        self.kvk = kvk
        self.bank = bank
        self.links = links

    # --- reading ------------------------------------------------------------------------------------

    def _load(self, session, registration_id: int) -> models.Registration:
        registration = session.scalars(
            select(models.Registration)
            .where(models.Registration.id == registration_id)
            .options(
                selectinload(models.Registration.serial).selectinload(models.Serial.administration),
                selectinload(models.Registration.events),
                selectinload(models.Registration.links).selectinload(models.AccountLink.events),
                selectinload(models.Registration.links).selectinload(models.AccountLink.bank_account),
            )
        ).first()
        if registration is None:
            raise errors.NotFound(f"no registration {registration_id}")
        return registration

    def get(self, registration_id: int) -> models.Registration:
        """A registration with its serial, administration, events and links."""
        with self.db.reading() as session:
            return self._load(session, registration_id)

    def by_serial(self, number: str) -> models.Registration:
        """The registration of a serial number."""
        with self.db.reading() as session:
            reg_id = session.scalar(
                select(models.Registration.id).join(models.Serial).where(models.Serial.number == number)
            )
            if reg_id is None:
                raise errors.NotFound(f"no registration for serial {number}", message="Onbekend serienummer.")
            return self._load(session, reg_id)

    def all(self) -> list[models.Registration]:
        """Every registration, oldest first."""
        with self.db.reading() as session:
            ids = session.scalars(select(models.Registration.id).order_by(models.Registration.id)).all()
            return [self._load(session, i) for i in ids]

    def resume_step(self, registration: models.Registration) -> str:
        """The wizard step this registration continues at."""
        return RESUME_STEP[registration.state]

    def may_view(self, registration: models.Registration, step: str) -> bool:
        """Whether the wizard may show ``step`` (only steps up to the one reached)."""
        return [s for s, _ in STEPS].index(step) <= REACHABLE[registration.state]

    # --- transitions --------------------------------------------------------------------------------

    def _event(self, session, registration: models.Registration, state: str, detail: str | None = None) -> None:
        session.add(
            models.RegistrationEvent(registration_id=registration.id, state=state, at=self.clock.now(), detail=detail)
        )

    def _move(self, session, registration: models.Registration, state: str, detail: str | None = None) -> None:
        """Move forward to ``state`` (never backwards) and record it."""
        if state_rank(state) <= state_rank(registration.state):
            return
        check(REGISTRATION_TRANSITIONS, f"registration {registration.id}", registration.state, state)
        registration.state = state
        self._event(session, registration, state, detail)

    def open(self, session, serial: models.Serial) -> models.Registration:
        """The registration of a newly issued serial, in state ``prepared`` (inside the caller's session)."""
        registration = models.Registration(serial_id=serial.id, state=models.REG_PREPARED, created_at=self.clock.now())
        session.add(registration)
        session.flush()
        self._event(session, registration, models.REG_PREPARED, f"serienummer {serial.number} uitgegeven")
        return registration

    def note(self, registration_id: int, state: str, detail: str) -> None:
        """Record a refusal or cancellation in the registration's history (its state does not change)."""
        with self.db.transaction() as session:
            registration = session.get(models.Registration, registration_id)
            self._event(session, registration, state, detail)

    # --- Gegevens -----------------------------------------------------------------------------------

    def company_name(self, kvk_number: str) -> str | None:
        """The company name the KvK register gives for a number, or None."""
        try:
            return self.kvk.lookup(kvk_number.strip()).name
        except KvkError:
            return None

    def submit_details(self, data: DetailsInput) -> models.Registration:
        """Check every field of the Gegevens step and store them all, or raise ``DetailsInvalid`` and store nothing."""
        problems: dict[str, str] = {}
        kvk_number = (data.kvk_number or "").strip()
        company = None
        if not kvk_number:
            problems["kvk_number"] = "Vul het KvK-nummer in."
        else:
            try:
                company = self.kvk.lookup(kvk_number)
            except KvkError as exc:
                if exc.status == 400:
                    problems["kvk_number"] = "Een KvK-nummer bestaat uit 8 cijfers."
                elif exc.status == 404:
                    problems["kvk_number"] = "Dit KvK-nummer is niet gevonden in het Handelsregister."
                else:
                    problems["kvk_number"] = (
                        "Het KvK-register is op dit moment niet bereikbaar. Probeer het later opnieuw."
                    )
        product = data.product or ""
        if not product:
            problems["product"] = "Kies het te koppelen product."
        elif product not in PRODUCTS:
            problems["product"] = "Kies een product uit de lijst."
        bank = data.bank or ""
        if not product or product not in PRODUCTS:
            problems["bank"] = "Kies eerst het te koppelen product."
        elif not bank:
            problems["bank"] = "Kies je bank."
        elif bank not in PRODUCT_BANKS[product]:
            problems["bank"] = f"Deze bank is niet beschikbaar voor {PRODUCTS[product]}."
        if not data.terms_service:
            problems["terms_service"] = "Ga akkoord met de Servicevoorwaarden van Visma Software."
        if not data.terms_privacy:
            problems["terms_privacy"] = "Ga akkoord met het Privacybeleid van Visma Software."
        number = (data.serial or "").strip()
        with self.db.transaction() as session:
            serial = None
            if not number:
                problems["serial"] = "Vul het licentienummer of de aanmeldcode in."
            elif not SERIAL_PATTERN.match(number):
                problems["serial"] = "Een licentienummer bestaat uit 7 cijfers."
            else:
                serial = session.scalar(select(models.Serial).where(models.Serial.number == number))
                if serial is None:
                    problems["serial"] = (
                        "Dit licentienummer is onbekend. Je vindt het in eAccounting bij Instellingen > "
                        "Kas- en bankrekeningen, in het veld Serienummer."
                    )
                elif product in PRODUCTS and serial.product != product:
                    problems["serial"] = f"Dit licentienummer hoort niet bij {PRODUCTS[product]}."
            registration = None
            if serial is not None:
                registration = session.scalar(
                    select(models.Registration).where(models.Registration.serial_id == serial.id)
                )
                administration = session.get(models.Administration, serial.administration_id)
                if company is not None and "kvk_number" not in problems:
                    if administration.kvk_number and administration.kvk_number != kvk_number:
                        problems["kvk_number"] = (
                            "Dit KvK-nummer hoort niet bij de administratie van dit licentienummer."
                        )
                    elif (
                        registration is not None
                        and state_rank(registration.state) >= state_rank(models.REG_BANK_CONSENT)
                        and registration.kvk_number != kvk_number
                    ):
                        problems["kvk_number"] = (
                            "Voor dit licentienummer is al toestemming gegeven met een ander KvK-nummer."
                        )
            if problems:
                raise errors.DetailsInvalid(problems)
            if state_rank(registration.state) < state_rank(models.REG_BANK_CONSENT):
                registration.kvk_number = kvk_number
                registration.company_name = company.name
                registration.product = product
                registration.bank = bank
                registration.terms_accepted_at = self.clock.now()
            self._move(
                session, registration, models.REG_DETAILS, f"KvK {kvk_number}, {PRODUCTS[product]}, {BANKS[bank]}"
            )
            registration_id = registration.id
        return self.get(registration_id)

    # --- Koppeling ----------------------------------------------------------------------------------

    def submit_contact(self, registration_id: int, *, name: str, email: str) -> models.Registration:
        """Store the rekeningbeheerder's name and e-mail address, or raise ``DetailsInvalid``."""
        problems: dict[str, str] = {}
        name = " ".join((name or "").split())
        if not name:
            problems["name"] = "Vul je voor- en achternaam in."
        elif len(name.split(" ")) < 2:
            problems["name"] = "Vul zowel je voornaam als je achternaam in."
        elif len(name) > 200:
            problems["name"] = "Een naam is hoogstens 200 tekens lang."
        normalized = None
        if not (email or "").strip():
            problems["email"] = "Vul je e-mailadres in."
        else:
            try:
                normalized = validate_email(email.strip(), check_deliverability=False).normalized
            except EmailNotValidError:
                problems["email"] = "Vul een geldig e-mailadres in, bijvoorbeeld naam@bedrijf.nl."
        with self.db.transaction() as session:
            registration = session.get(models.Registration, registration_id)
            if registration is None:
                raise errors.NotFound(f"no registration {registration_id}")
            if state_rank(registration.state) < state_rank(models.REG_DETAILS):
                problems["form"] = "Vul eerst de stap Gegevens in."
            if problems:
                raise errors.DetailsInvalid(problems)
            registration.contact_name = name
            registration.contact_email = normalized
            self._move(session, registration, models.REG_CONTACT, f"rekeningbeheerder {name} <{normalized}>")
        return self.get(registration_id)

    # --- Bankconsent: flow A (redirect) -------------------------------------------------------------

    def start_redirect(self, registration_id: int, *, redirect_uri: str) -> str:
        """The bank's authorization URL for one more account (flow A); remembers the round trip's state."""
        registration = self.get(registration_id)
        if state_rank(registration.state) < state_rank(models.REG_CONTACT):
            raise errors.Conflict(
                "registration has not reached the bank consent step", message="Vul eerst de contactgegevens in."
            )
        state = self.ids.token(32)
        url = self.bank.authorization_url(state=state, redirect_uri=redirect_uri)
        with self.db.transaction() as session:
            session.add(models.RedirectState(state=state, registration_id=registration_id, created_at=self.clock.now()))
            self._event(session, registration, "redirect_started", "naar de bank voor toestemming (PSD2)")
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
            self.note(registration_id, "consent_cancelled", f"{error or 'no code'}: {error_description or ''}".strip())
            raise ConsentCancelled(message, registration_id)
        grant = self.bank.exchange(code, redirect_uri=redirect_uri)
        self._store_grants(registration_id, [grant], flow=models.FLOW_REDIRECT)
        return self.get(registration_id)

    # --- Bankconsent: flow B/C (the bank's signed callback) -------------------------------------------

    def receive_callback(self, body: bytes, signature: str | None) -> dict:
        """A bank-initiated registration: verify, exchange every code, check consent info, store all or nothing."""
        creds = self.bank.require_credentials()
        if not signature_valid(creds.callback_secret, body, signature):
            raise errors.CallbackRefused(
                "bad_signature", "De aanmelding kon niet worden gecontroleerd: de handtekening klopt niet.", status=401
            )
        try:
            payload = json.loads(body)
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
            self.note(registration_id, "bank_registration_refused", "wizard nog niet tot en met Koppeling doorlopen")
            raise errors.CallbackRefused(
                "registration_incomplete",
                f"De aanmelding voor serienummer {number} is bij Visma nog niet afgerond. Doorloop eerst in de "
                "Visma-wizard de stappen Gegevens en Koppeling, en start daarna opnieuw bij de bank.",
                status=409,
            )
        bank_kvk = payload.get("kvkNumber")
        if bank_kvk and kvk_number and bank_kvk != kvk_number:
            self.note(registration_id, "bank_registration_refused", f"KvK bij de bank {bank_kvk} ≠ {kvk_number}")
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
                self.note(registration_id, "bank_registration_refused", exc.developer_message)
                raise errors.CallbackRefused(
                    "token_exchange_failed",
                    "Visma kon de toestemming niet bij de bank bevestigen. Er is niets gekoppeld; probeer het opnieuw.",
                    status=502,
                ) from exc
            if grant.iban != iban:
                self.note(registration_id, "bank_registration_refused", f"consentinfo {grant.iban} ≠ {iban}")
                raise errors.CallbackRefused(
                    "iban_mismatch", "De toestemming van de bank hoort bij een andere rekening."
                )
            grants.append(grant)
        answer = {
            "accepted": True,
            "serialNumber": number,
            "registrationState": models.REG_BANK_CONSENT,
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
            self._move(session, registration, models.REG_BANK_CONSENT, ", ".join(g.iban for g in grants))
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

    # --- Rekeningen and Klaar -----------------------------------------------------------------------

    def confirm_accounts(self, registration_id: int) -> models.Registration:
        """Rekeningen → Volgende: at least one consented account is needed."""
        with self.db.transaction() as session:
            registration = session.get(models.Registration, registration_id)
            consented = session.scalars(
                select(models.AccountLink.iban).where(
                    models.AccountLink.registration_id == registration_id,
                    models.AccountLink.state.in_(models.CONSENT_GIVEN_STATES),
                )
            ).all()
            if not consented:
                raise errors.DetailsInvalid(
                    {
                        "form": "De bank heeft nog geen toestemming gegeven voor een rekening. "
                        "Rond eerst de aanmelding bij de bank af."
                    }
                )
            self._move(
                session, registration, models.REG_ACCOUNTS, f"{len(consented)} rekening(en): {', '.join(consented)}"
            )
        return self.get(registration_id)

    def finish(self, registration_id: int) -> models.Registration:
        """Klaar: the wizard is done; mails with activation links follow (next issue)."""
        with self.db.transaction() as session:
            registration = session.get(models.Registration, registration_id)
            if state_rank(registration.state) < state_rank(models.REG_ACCOUNTS):
                raise errors.DetailsInvalid({"form": "Bevestig eerst de rekeningen."})
            self._move(session, registration, models.REG_DONE)
        return self.get(registration_id)

    def pricing(self, registration: models.Registration) -> dict:
        """The price rule applied to the consented accounts (condition 4 of the seed; configurable)."""
        free = self.settings.free_linked_accounts
        price = self.settings.extra_account_price
        count = sum(1 for link in registration.links if link.state in models.CONSENT_GIVEN_STATES)
        extra = max(0, count - free)
        return {
            "linked": count,
            "free": free,
            "extra": extra,
            "pricePerMonth": price,
            "monthly": price * extra,
            "monthlyCents": to_cents(price * extra),
        }

    # --- timeline -----------------------------------------------------------------------------------

    def timeline(self, number: str) -> dict:
        """Every step of one serial number's onboarding, with its simulated time."""
        registration = self.by_serial(number)
        serial = registration.serial
        with self.db.reading() as session:
            accounts = session.scalars(
                select(models.BankAccount)
                .where(
                    models.BankAccount.serial_id == serial.id, models.BankAccount.connection_requested_at.is_not(None)
                )
                .order_by(models.BankAccount.connection_requested_at, models.BankAccount.id)
            ).all()
        events = [
            {
                "at": account.connection_requested_at,
                "subject": "bankaccount",
                "bankAccountId": account.uid,
                "iban": account.iban,
                "state": "connection_requested",
                "detail": f"Schakel bankkoppeling in: {account.name}",
            }
            for account in accounts
        ]
        events += [
            {"at": e.at, "subject": "registration", "state": e.state, "detail": e.detail, "_order": e.id}
            for e in registration.events
        ]
        links = []
        for link in registration.links:
            link_events = [{"at": _iso(e.at), "state": e.state, "detail": e.detail} for e in link.events]
            events += [
                {"at": e.at, "subject": "link", "iban": link.iban, "state": e.state, "detail": e.detail}
                for e in link.events
            ]
            links.append(
                {
                    "iban": link.iban,
                    "state": link.state,
                    "flow": link.flow,
                    "bankAccountId": link.bank_account.uid if link.bank_account else None,
                    "consentValidUntil": _iso(link.consent_valid_until),
                    "events": link_events,
                }
            )
        with self.db.reading() as session:
            mails = session.scalars(
                select(models.Mail).where(models.Mail.registration_id == registration.id).order_by(models.Mail.id)
            ).all()
        events += [
            {
                "at": mail.sent_at,
                "subject": "mail",
                "iban": mail.iban,
                "state": mail.kind,
                "detail": f"{mail.subject} → {mail.recipient}",
                "mailId": mail.id,
            }
            for mail in mails
        ]
        # At one moment: the request for the connection, then the wizard's steps, the links the bank
        # delivered, the states those links caused, and the mails they sent.
        rank = {"bankaccount": 0, "registration": 1, "link": 2, "mail": 4}
        late = {models.REG_BANK_CONSENT, models.REG_ACCOUNTS, models.REG_DONE}
        events.sort(
            key=lambda e: (e["at"], 3 if e["subject"] == "registration" and e["state"] in late else rank[e["subject"]])
        )
        for event in events:
            event["at"] = _iso(event["at"])
            event.pop("_order", None)
        return {
            "serialNumber": serial.number,
            "product": serial.product,
            "administrationId": serial.administration_id,
            "registration": {
                "state": registration.state,
                "kvkNumber": registration.kvk_number,
                "companyName": registration.company_name,
                "bank": registration.bank,
                "contactName": registration.contact_name,
                "contactEmail": registration.contact_email,
                "events": [{"at": _iso(e.at), "state": e.state, "detail": e.detail} for e in registration.events],
            },
            "links": links,
            "events": events,
        }


def _iso(moment: dt.datetime | None) -> str | None:
    return moment.isoformat() if moment else None
