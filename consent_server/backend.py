"""The portal's backend: the one holder of state (database, clock, ids, due jobs) and its service objects."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict
from typing import Any

from consent_server.models import AppSecret
from consent_server.models import Base
from consent_server.models import ClockState
from consent_server.models import DueJob
from consent_server.models import IdSequence
from consent_server.settings import PortalSettings
from consent_server.settings import settings_from
from mockbank.sim.backend import SimBackend
from mockbank.sim.clock import SimClock


class PortalBackend(SimBackend):
    """Database, clock, ids, due jobs and the service objects of one portal app."""

    def __init__(self, *, config: dict, clock: SimClock):
        # The Flask config; ``reconfigure`` changes both it and the typed settings read from it.
        self.config = config
        self.settings: PortalSettings = settings_from(config)
        settings = self.settings
        super().__init__(
            database_url=settings.database_url,
            id_seed=settings.id_seed,
            clock=clock,
            base=Base,
            job_model=DueJob,
            state_model=ClockState,
            sequence_model=IdSequence,
            secret_model=AppSecret,
        )
        self._build_services()
        self.attach_to_clock()

    def reconfigure(self, changes: Mapping[str, Any]) -> None:
        """Change settings of a running portal (a world served at its new base URL, a test's SMTP server)."""
        self.config.update(changes)
        self.settings = settings_from(self.config)

    def _build_services(self) -> None:
        # Imported here: the service modules import the models, which need the database module first.
        from consent_server.services.activation import Activations
        from consent_server.services.bank import BankGateway
        from consent_server.services.base import Kernel
        from consent_server.services.billing import Billing
        from consent_server.services.connections import BankConnections
        from consent_server.services.eaccounting import EAccounting
        from consent_server.services.importer import DailyImport
        from consent_server.services.incasso import DirectDebitCollections
        from consent_server.services.intake import ConsentIntake
        from consent_server.services.invoices import Invoicing
        from consent_server.services.kvk import KvkRegister
        from consent_server.services.links import Links
        from consent_server.services.mail import Outbox
        from consent_server.services.read_models import RegistrationViews
        from consent_server.services.registrations import Registrations

        kernel = Kernel(
            db=self.db, clock=self.clock, ids=self.ids, jobs=self.jobs, current_settings=lambda: self.settings
        )
        self.kvk = KvkRegister(db=self.db)
        self.bank = BankGateway(db=self.db, clock=self.clock, settings=lambda: self.settings)
        self.outbox = Outbox(kernel)
        self.links = Links(kernel, outbox=self.outbox, bank=self.bank)
        self.activations = Activations(kernel, links=self.links)
        self.imports = DailyImport(kernel, bank=self.bank, links=self.links)
        self.billing = Billing(kernel, links=self.links)
        self.registrations = Registrations(kernel, kvk=self.kvk, links=self.links)
        self.intake = ConsentIntake(kernel, registrations=self.registrations, bank=self.bank, links=self.links)
        self.read_models = RegistrationViews(kernel, registrations=self.registrations, links=self.links)
        self.eaccounting = EAccounting(kernel, kvk=self.kvk)
        self.connections = BankConnections(kernel, eaccounting=self.eaccounting, registrations=self.registrations)
        self.invoicing = Invoicing(kernel)
        self.incasso = DirectDebitCollections(kernel, bank=self.bank)
        self.kvk.load_defaults()
        self.bank.load_from_config()

    def reset(self) -> None:
        """Forget every administration, registration, link and job; the clock and the bank client stay."""
        credentials = self.bank.credentials()
        self.empty()
        self.kvk.load_defaults()
        if credentials is not None:
            self.bank.configure(**asdict(credentials))
        else:
            self.bank.load_from_config()

