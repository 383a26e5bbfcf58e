"""The portal's backend: the one holder of state (database, clock, ids, due jobs) and its service objects."""

from __future__ import annotations

from dataclasses import asdict

from consent_server.models import Base
from consent_server.models import ClockState
from consent_server.models import DueJob
from consent_server.models import IdSequence
from mockbank.sim.backend import SimBackend
from mockbank.sim.clock import SimClock


class PortalBackend(SimBackend):
    """Database, clock, ids, due jobs and the service objects of one portal app."""

    def __init__(self, *, config: dict, clock: SimClock):
        self.config = config
        super().__init__(
            database_url=config["DATABASE_URL"],
            id_seed=config.get("ID_SEED", 0),
            clock=clock,
            base=Base,
            job_model=DueJob,
            state_model=ClockState,
            sequence_model=IdSequence,
        )
        self._build_services()
        self.attach_to_clock()

    def _build_services(self) -> None:
        # Imported here: the service modules import the models, which need the database module first.
        from consent_server.bankclient import BankGateway
        from consent_server.billing import Billing
        from consent_server.eaccounting import EAccounting
        from consent_server.importer import DailyImport
        from consent_server.kvk import KvkRegister
        from consent_server.links import Links
        from consent_server.mail import Outbox
        from consent_server.portal import Registrations

        common = {"db": self.db, "clock": self.clock, "config": self.config}
        self.kvk = KvkRegister(db=self.db, config=self.config)
        self.bank = BankGateway(**common)
        self.outbox = Outbox(**common, ids=self.ids, jobs=self.jobs)
        self.links = Links(**common, ids=self.ids, jobs=self.jobs, outbox=self.outbox, bank=self.bank)
        self.imports = DailyImport(**common, ids=self.ids, jobs=self.jobs, bank=self.bank, links=self.links)
        self.billing = Billing(**common, jobs=self.jobs, links=self.links)
        self.registrations = Registrations(**common, ids=self.ids, kvk=self.kvk, bank=self.bank, links=self.links)
        self.eaccounting = EAccounting(
            db=self.db,
            clock=self.clock,
            ids=self.ids,
            jobs=self.jobs,
            config=self.config,
            kvk=self.kvk,
            registrations=self.registrations,
        )
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
