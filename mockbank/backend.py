"""The bank's backend: the one holder of state, with its services, like a moto backend."""

from __future__ import annotations

from mockbank.bank import Bank
from mockbank.bank import Ids
from mockbank.clock import DatabaseClockStore
from mockbank.clock import DueJobQueue
from mockbank.clock import SimClock
from mockbank.consents import ConsentService
from mockbank.db import Database
from mockbank.faults import FaultService
from mockbank.models import ClockState
from mockbank.models import DueJob


class BankBackend:
    """Database, clock, ids, due jobs and the service objects of one bank app."""

    def __init__(self, *, config: dict, clock: SimClock):
        self.config = config
        self.clock = clock
        self.db = Database(config["DATABASE_URL"])
        self.db.create_all()
        self.ids = Ids(config.get("ID_SEED", 0))
        # Trace-Ids come from their own sequence, so a mere read never shifts the next IBAN or token.
        self.trace_ids = Ids(f"trace-{config.get('ID_SEED', 0)}")
        self.jobs = DueJobQueue(
            transaction=self.db.transaction, reading=self.db.reading, job_model=DueJob, clock=clock
        )
        self.clock_store = DatabaseClockStore(
            transaction=self.db.transaction, reading=self.db.reading, state_model=ClockState
        )
        self.bank = Bank(db=self.db, clock=clock, ids=self.ids)
        self.consents = ConsentService(db=self.db, clock=clock, ids=self.ids, jobs=self.jobs, config=config)
        # Its table is in the bank's metadata, so reset and re-seed drop every fault with the rest.
        self.faults = FaultService(db=self.db, clock=clock)
        # Filled by later subsystems (the OAuth server's decision queue, the journey, registrations...).
        self.extras: dict = {}
        clock.add_store(self.clock_store)
        clock.add_job_source(self.jobs)
        self.last_seed_summary: dict | None = None

    def reset(self) -> None:
        """Forget every customer, account, client, consent and job; the clock keeps its time."""
        self.db.drop_all()
        self.db.create_all()
        self.clock_store.save_clock_state(self.clock.state())
        self.jobs.invalidate()
        self.ids.reseed(self.config.get("ID_SEED", 0))
        self.last_seed_summary = None
        for hook in self.extras.get("reset_hooks", []):
            hook()

    def seed(self, seed: int) -> dict:
        """Reset, then build the deterministic demo world of ``seed``; returns what was made."""
        from mockbank.demo import build_demo_world

        self.reset()
        self.ids.reseed(seed)
        summary = build_demo_world(self, seed)
        # The demo history ends on the day it is seeded, so its length varies with the date: what is made after
        # it draws from a sequence of its own, and the same seed gives the same IBANs and codes on any day.
        self.ids.reseed(f"{seed}-after-demo")
        self.bank.set_setting("seed", str(seed))
        self.last_seed_summary = summary
        return summary

    def close(self) -> None:
        """Save the clock's time, detach from the clock and close the database."""
        # A running clock only saves on advances; without this a restart would resume in the past.
        self.clock_store.save_clock_state(self.clock.state())
        self.clock.remove_job_source(self.jobs)
        self.clock.remove_store(self.clock_store)
        self.db.dispose()
