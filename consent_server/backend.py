"""The portal's backend: the one holder of state (database, clock, ids, due jobs) and its service objects."""

from __future__ import annotations

from dataclasses import asdict

from consent_server.db import Database
from consent_server.ids import Ids
from consent_server.models import ClockState
from consent_server.models import DueJob
from mockbank.clock import DatabaseClockStore
from mockbank.clock import DueJobQueue
from mockbank.clock import SimClock


class PortalBackend:
    """Database, clock, ids, due jobs and the service objects of one portal app."""

    def __init__(self, *, config: dict, clock: SimClock):
        self.config = config
        self.clock = clock
        self.db = Database(config["DATABASE_URL"])
        self.db.create_all()
        self.ids = Ids(config.get("ID_SEED", 0))
        self.jobs = DueJobQueue(transaction=self.db.transaction, reading=self.db.reading, job_model=DueJob, clock=clock)
        self.clock_store = DatabaseClockStore(
            transaction=self.db.transaction, reading=self.db.reading, state_model=ClockState
        )
        self._reset_hooks: list = []
        self._build_services()
        clock.add_store(self.clock_store)
        clock.add_job_source(self.jobs)

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
        self.db.drop_all()
        self.db.create_all()
        self.clock_store.save_clock_state(self.clock.state())
        self.jobs.invalidate()
        self.ids.reseed(self.config.get("ID_SEED", 0))
        self.kvk.load_defaults()
        if credentials is not None:
            self.bank.configure(**asdict(credentials))
        else:
            self.bank.load_from_config()

    def close(self) -> None:
        """Save the clock's time, detach from the clock and close the database."""
        # A running clock only saves on advances; without this a restart would resume in the past.
        self.clock_store.save_clock_state(self.clock.state())
        self.clock.remove_job_source(self.jobs)
        self.clock.remove_store(self.clock_store)
        self.db.dispose()
