"""The wizard's registrations: reading them, their forward-only states, and the steps Gegevens to Klaar.

States and their words follow architecture.md. A registration's state is the last step it completed:
``prepared`` (serial issued) → ``details`` (Gegevens) → ``contact`` (Koppeling) → ``bank_consent``
(the bank delivered consent) → ``accounts`` (Rekeningen confirmed) → ``done`` (Klaar).
"""

from __future__ import annotations

from dataclasses import asdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from consent_server import errors
from consent_server import models
from consent_server.services import wizard_rules as rules
from consent_server.services.base import Kernel
from consent_server.services.base import Service
from consent_server.services.kvk import KvkError
from consent_server.services.kvk import KvkRegister
from consent_server.services.links import Links
from consent_server.services.states import REGISTRATION_TRANSITIONS
from consent_server.services.states import check
from consent_server.services.wizard_rules import BANKS
from consent_server.services.wizard_rules import PRODUCTS

KVK_UNREACHABLE = "Het KvK-register is op dit moment niet bereikbaar. Probeer het later opnieuw."
KVK_PROBLEMS = {
    400: "Een KvK-nummer bestaat uit 8 cijfers.",
    404: "Dit KvK-nummer is niet gevonden in het Handelsregister.",
}

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


class Registrations(Service):
    """Verbs of the portal's registrations and account links."""

    def __init__(self, kernel: Kernel, *, kvk: KvkRegister, links: Links):
        super().__init__(kernel)
        self.kvk = kvk
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

    def event(self, session, registration: models.Registration, state: str, detail: str | None = None) -> None:
        session.add(
            models.RegistrationEvent(registration_id=registration.id, state=state, at=self.clock.now(), detail=detail)
        )

    def move(self, session, registration: models.Registration, state: str, detail: str | None = None) -> None:
        """Move forward to ``state`` (never backwards) and record it."""
        if state_rank(state) <= state_rank(registration.state):
            return
        check(REGISTRATION_TRANSITIONS, f"registration {registration.id}", registration.state, state)
        registration.state = state
        self.event(session, registration, state, detail)

    def open(self, session, serial: models.Serial) -> models.Registration:
        """The registration of a newly issued serial, in state ``prepared`` (inside the caller's session)."""
        registration = models.Registration(serial_id=serial.id, state=models.REG_PREPARED, created_at=self.clock.now())
        session.add(registration)
        session.flush()
        self.event(session, registration, models.REG_PREPARED, f"serienummer {serial.number} uitgegeven")
        return registration

    def note(self, registration_id: int, state: str, detail: str) -> None:
        """Record a refusal or cancellation in the registration's history (its state does not change)."""
        with self.db.transaction() as session:
            registration = session.get(models.Registration, registration_id)
            self.event(session, registration, state, detail)

    # --- Gegevens -----------------------------------------------------------------------------------

    def company_name(self, kvk_number: str) -> str | None:
        """The company name the KvK register gives for a number, or None."""
        try:
            return self.kvk.lookup(kvk_number.strip()).name
        except KvkError:
            return None

    def submit_details(self, data: DetailsInput, *, problems: dict[str, str] | None = None) -> models.Registration:
        """Check every field of the Gegevens step and store them all, or raise ``DetailsInvalid`` and store nothing.

        ``problems`` are what the form's validators found already (the same field rules); without a form
        the rules of ``wizard_rules`` are applied here. The register and the database are checked for
        the fields that passed.
        """
        if problems is None:
            problems = rules.details_problems(**asdict(data))
        problems = dict(problems)
        kvk_number = (data.kvk_number or "").strip()
        company = None
        if "kvk_number" not in problems:
            try:
                company = self.kvk.lookup(kvk_number)
            except KvkError as exc:
                problems["kvk_number"] = KVK_PROBLEMS.get(exc.status, KVK_UNREACHABLE)
        product = data.product or ""
        bank = data.bank or ""
        number = (data.serial or "").strip()
        with self.db.transaction() as session:
            serial = None
            if "serial" not in problems:
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
            self.move(
                session, registration, models.REG_DETAILS, f"KvK {kvk_number}, {PRODUCTS[product]}, {BANKS[bank]}"
            )
            registration_id = registration.id
        return self.get(registration_id)

    # --- Koppeling ----------------------------------------------------------------------------------

    def submit_contact(
        self, registration_id: int, *, name: str, email: str, problems: dict[str, str] | None = None
    ) -> models.Registration:
        """Store the rekeningbeheerder's name and e-mail address, or raise ``DetailsInvalid``.

        ``problems`` are the form's findings; without them the field rules are applied here.
        """
        problems = rules.contact_problems(name=name, email=email) if problems is None else dict(problems)
        name = rules.normal_name(name)
        normalized = rules.normal_email(email)
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
            self.move(session, registration, models.REG_CONTACT, f"rekeningbeheerder {name} <{normalized}>")
        return self.get(registration_id)

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
            self.move(
                session, registration, models.REG_ACCOUNTS, f"{len(consented)} rekening(en): {', '.join(consented)}"
            )
        return self.get(registration_id)

    def finish(self, registration_id: int) -> models.Registration:
        """Klaar: the wizard is done; mails with activation links follow (next issue)."""
        with self.db.transaction() as session:
            registration = session.get(models.Registration, registration_id)
            if state_rank(registration.state) < state_rank(models.REG_ACCOUNTS):
                raise errors.DetailsInvalid({"form": "Bevestig eerst de rekeningen."})
            self.move(session, registration, models.REG_DONE)
        return self.get(registration_id)
