"""The bank's backend: the one holder of state, with its services, like a moto backend."""

from __future__ import annotations

from mockbank.bank import Bank
from mockbank.consents import ConsentService
from mockbank.faults import FaultService
from mockbank.models import Base
from mockbank.models import ClockState
from mockbank.models import DueJob
from mockbank.models import IdSequence
from mockbank.sim.backend import SimBackend
from mockbank.sim.clock import SimClock
from mockbank.sim.ids import Ids


class BankBackend(SimBackend):
    """Database, clock, ids, due jobs and the service objects of one bank app."""

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
        # Trace-Ids come from their own sequence, so a mere read never shifts the next IBAN or token.
        self.trace_ids = Ids(f"trace-{config.get('ID_SEED', 0)}", store=self.sequences, name="trace")
        self.bank = Bank(db=self.db, clock=clock, ids=self.ids)
        self.consents = ConsentService(db=self.db, clock=clock, ids=self.ids, jobs=self.jobs, config=config)
        # Its table is in the bank's metadata, so reset and re-seed drop every fault with the rest.
        self.faults = FaultService(db=self.db, clock=clock)
        # Filled by later subsystems (the OAuth server's decision queue, the journey, registrations...).
        self.extras: dict = {}
        self.last_seed_summary: dict | None = None
        self.attach_to_clock()

    def reset(self) -> None:
        """Forget every customer, account, client, consent and job; the clock keeps its time."""
        self.empty()
        self.trace_ids.keep()
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
