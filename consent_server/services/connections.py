"""eAccounting's "Schakel bankkoppeling in": which accounts may be linked, preparing a serial, and link labels."""

from __future__ import annotations

import datetime as dt

from schwifty import IBAN
from sqlalchemy import select

from consent_server import errors
from consent_server import models
from consent_server.services.base import Kernel
from consent_server.services.base import Service
from consent_server.services.eaccounting import EAccounting
from consent_server.services.registrations import Registrations

PREPARE_JOB = "bankconnection.prepare"
PRODUCT = "eaccounting"

NOT_LINKABLE = (
    "De bankkoppeling werkt alleen voor rekeningen van het type Rekening-courant en voor spaarrekeningen "
    "met een eigen IBAN."
)


class BankConnections(Service):
    """Verbs of an eAccounting bank account's bank connection."""

    def __init__(self, kernel: Kernel, *, eaccounting: EAccounting, registrations: Registrations):
        super().__init__(kernel)
        self.eaccounting = eaccounting
        self.registrations = registrations
        self.jobs.register(PREPARE_JOB, self._prepare_job)

    # --- "Schakel bankkoppeling in" -----------------------------------------------------------------

    def refusal(self, account: models.BankAccount) -> str | None:
        """Why this account cannot get a bank connection, in plain Dutch; None when it can."""
        if account.account_type == models.CASH:
            return f"Een kasrekening kan niet aan de bank worden gekoppeld. {NOT_LINKABLE}"
        if account.account_type == models.CURRENCY:
            return f"Een vreemdevalutarekening kan niet aan de bank worden gekoppeld. {NOT_LINKABLE}"
        if account.account_type == models.SAVINGS and not account.iban:
            return (
                "Deze spaarrekening heeft geen eigen IBAN. Alleen spaarrekeningen met een eigen IBAN kunnen "
                "worden gekoppeld; vul het IBAN in als de spaarrekening er een heeft."
            )
        if account.account_type not in (models.CHEQUE, models.SAVINGS):
            return NOT_LINKABLE
        if not account.is_active:
            return "Deze rekening is inactief. Maak de rekening eerst weer actief."
        bank_code = IBAN(account.iban).bank_code if account.iban else ""
        banks = self.settings.supported_bank_codes
        if bank_code not in banks:
            return (
                "Voor de bank van deze rekening is geen directe bankkoppeling beschikbaar. "
                f"De koppeling is er voor: {', '.join(sorted(banks.values()))}."
            )
        return None

    def bank_name(self, account: models.BankAccount) -> str | None:
        """The supported bank of the account's IBAN ("ABN AMRO"), or None."""
        if not account.iban:
            return None
        return self.settings.supported_bank_codes.get(IBAN(account.iban).bank_code)

    def enable_connection(self, administration_id: int, uid: str) -> models.BankAccount:
        """Start preparing the bank connection ("Bankkoppeling voorbereiden…"); an ineligible account is refused."""
        account = self.eaccounting.account(administration_id, uid)
        reason = self.refusal(account)
        if reason:
            raise errors.Conflict(f"account {uid} cannot get a bank connection: {reason}", message=reason)
        if account.connection_state != models.CONNECTION_NONE:
            return account
        now = self.clock.now()
        with self.db.transaction() as session:
            row = session.scalar(select(models.BankAccount).where(models.BankAccount.uid == uid))
            row.connection_state = models.CONNECTION_PREPARING
            row.connection_requested_at = now
            row.modified_at = now
            due = now + dt.timedelta(seconds=self.settings.prepare_seconds)
            self.jobs.schedule(PREPARE_JOB, due, {"account": uid}, session=session)
        return self.eaccounting.account(administration_id, uid)

    def _prepare_job(self, payload: dict, now: dt.datetime) -> None:
        """The preparation finished: the administration's serial (issued once) goes on the account."""
        with self.db.transaction() as session:
            account = session.scalar(select(models.BankAccount).where(models.BankAccount.uid == payload["account"]))
            if account is None or account.connection_state != models.CONNECTION_PREPARING:
                return
            serial = session.scalar(
                select(models.Serial).where(
                    models.Serial.administration_id == account.administration_id, models.Serial.product == PRODUCT
                )
            )
            if serial is None:
                number = self.ids.serial_number()
                while session.scalar(select(models.Serial.id).where(models.Serial.number == number)):
                    number = self.ids.serial_number()
                serial = models.Serial(
                    number=number, product=PRODUCT, administration_id=account.administration_id, issued_at=now
                )
                session.add(serial)
                session.flush()
                self.registrations.open(session, serial)
            account.serial_id = serial.id
            account.connection_state = models.CONNECTION_PREPARED
            account.modified_at = now

    def connection_label(self, account: models.BankAccount, link_states: dict[str, str]) -> str:
        """The "Bankkoppeling" column: Geen, Voorbereiden…, Voorbereid, or the link's state in Dutch."""
        if account.iban and account.iban in link_states:
            return LINK_LABELS.get(link_states[account.iban], link_states[account.iban])
        return {
            models.CONNECTION_NONE: "Geen",
            models.CONNECTION_PREPARING: "Voorbereiden…",
            models.CONNECTION_PREPARED: "Voorbereid",
        }[account.connection_state]

    def link_states(self, administration_id: int) -> dict[str, str]:
        """IBAN → account-link state for the administration's registrations."""
        with self.db.reading() as session:
            rows = session.execute(
                select(models.AccountLink.iban, models.AccountLink.state)
                .join(models.Registration, models.Registration.id == models.AccountLink.registration_id)
                .join(models.Serial, models.Serial.id == models.Registration.serial_id)
                .where(models.Serial.administration_id == administration_id)
            ).all()
        return {iban: state for iban, state in rows}

    def active_agreements(self, administration_id: int) -> set[str]:
        """IBANs whose link is active (its first booking arrived, nothing has ended it): ``HasActiveBankAgreement``."""
        with self.db.reading() as session:
            rows = session.execute(
                select(models.AccountLink.iban, models.AccountLink.state, models.AccountLink.active_since)
                .join(models.Registration, models.Registration.id == models.AccountLink.registration_id)
                .join(models.Serial, models.Serial.id == models.Registration.serial_id)
                .where(models.Serial.administration_id == administration_id)
            ).all()
        return {
            iban
            for iban, state, since in rows
            if state == models.LINK_ACTIVE or (state == models.LINK_FAILING and since is not None)
        }

    def link_of(self, administration_id: int, uid: str) -> models.AccountLink | None:
        """The account link of one eAccounting bank account (the newest), or None."""
        account = self.eaccounting.account(administration_id, uid)
        with self.db.reading() as session:
            return session.scalar(
                select(models.AccountLink)
                .where(models.AccountLink.bank_account_id == account.id)
                .order_by(models.AccountLink.id.desc())
            )


LINK_LABELS = {
    models.LINK_REQUESTED: "Aangevraagd",
    models.LINK_CONSENTED: "Toestemming gegeven",
    models.LINK_ACTIVATION_SCHEDULED: "Wacht op activatiemail",
    models.LINK_ACTIVATION_SENT: "Activatiemail verstuurd",
    models.LINK_ACTIVATED: "Geactiveerd",
    models.LINK_ACTIVE: "Actief",
    models.LINK_FAILING: "Storing bij ophalen",
    models.LINK_REJECTED: "Geweigerd",
    models.LINK_EXPIRED: "Verlopen",
    models.LINK_REVOKED: "Ingetrokken",
}
