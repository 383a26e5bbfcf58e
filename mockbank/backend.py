"""The bank's backend: the one holder of state, with every service built here, like a moto backend."""

from __future__ import annotations

import json

from mockbank.migrations import MIGRATIONS
from mockbank.models import AppSecret
from mockbank.models import Base
from mockbank.models import ClockState
from mockbank.models import DueJob
from mockbank.models import IdSequence
from mockbank.services.authflow import AuthFlowService
from mockbank.services.bank import Bank
from mockbank.services.consents import ConsentService
from mockbank.services.decisions import DecisionQueue
from mockbank.services.demo import build_demo_world
from mockbank.services.demo import demo_contract_ibans
from mockbank.services.faults import FaultService
from mockbank.services.internet_banking import InternetBanking
from mockbank.services.living import LivingBank
from mockbank.services.payments import Payments
from mockbank.services.reads import AccountReads
from mockbank.services.registration import AccountingRegistrations
from mockbank.services.sdd import DirectDebits
from mockbank.settings import BankSettings
from mockbank.shapes import contract_json
from mockbank.sim.backend import SimBackend
from mockbank.sim.clock import SimClock
from mockbank.sim.ids import Ids
from mockbank.sim.versions import Watch
from mockbank.sim.versions import WorldVersions

# What the caches of the hot path depend on: grants and clients (by key: a new row changes no cached one), the
# list of live faults (every new fault too), and accounts with their pages of bookings (every new booking too).
WATCH = {
    "auth": Watch(tables=("oauth_clients", "consents", "tokens")),
    "faults": Watch(tables=("faults",), inserts=True),
    "ledger": Watch(tables=("accounts", "customers", "bookings"), inserts=True),
}

SEED_SUMMARY = "seed_summary"


class BankBackend(SimBackend):
    """Database, clock, ids, due jobs and the service objects of one bank app."""

    bank: Bank
    consents: ConsentService
    faults: FaultService
    reads: AccountReads
    versions: WorldVersions
    authflow: AuthFlowService
    decisions: DecisionQueue
    registrations: AccountingRegistrations
    internet_banking: InternetBanking
    living: LivingBank
    payments: Payments
    sdd: DirectDebits

    def __init__(self, *, settings: BankSettings, clock: SimClock):
        self.settings = settings
        # Every table (the journey's, the decisions', the registrations' too) is in ``Base``'s metadata by now,
        # so the database is made whole here and reset drops and recreates all of it.
        super().__init__(
            database_url=settings.database_url,
            id_seed=settings.id_seed,
            clock=clock,
            base=Base,
            job_model=DueJob,
            state_model=ClockState,
            sequence_model=IdSequence,
            secret_model=AppSecret,
            migrations=MIGRATIONS,
        )
        # Trace-Ids come from their own sequence, so a mere read never shifts the next IBAN or token.
        self.trace_ids = Ids(f"trace-{settings.id_seed}", store=self.sequences, name="trace")
        shared = settings.shared_database if settings.shared_database is not None else not self.db.in_memory
        self.versions = WorldVersions(self.db, WATCH, shared=shared)
        self.bank = Bank(db=self.db, clock=clock, ids=self.ids)
        self.reads = AccountReads(db=self.db, versions=self.versions)
        self.consents = ConsentService(
            db=self.db, clock=clock, ids=self.ids, jobs=self.jobs, settings=settings, versions=self.versions
        )
        self.faults = FaultService(db=self.db, clock=clock, versions=self.versions)
        self.faults.reload()
        self.payments = Payments(db=self.db, clock=clock, ids=self.ids, jobs=self.jobs, bank=self.bank)
        self.sdd = DirectDebits(db=self.db, clock=clock, ids=self.ids, jobs=self.jobs, bank=self.bank)
        self.authflow = AuthFlowService(
            db=self.db,
            clock=clock,
            ids=self.ids,
            settings=settings,
            bank=self.bank,
            consents=self.consents,
            payments=self.payments,
        )
        self.decisions = DecisionQueue(db=self.db, clock=clock)
        self.registrations = AccountingRegistrations(
            db=self.db, clock=clock, ids=self.ids, settings=settings, consents=self.consents, authflow=self.authflow
        )
        self.internet_banking = InternetBanking(
            db=self.db, clock=clock, ids=self.ids, bank=self.bank, authflow=self.authflow
        )
        self.living = LivingBank(db=self.db, clock=clock, jobs=self.jobs, bank=self.bank, settings=settings)
        self.attach_to_clock()
        self.living.resume()

    @property
    def last_seed_summary(self) -> dict | None:
        """What the last seed made; kept in the database, so every server worker and a restarted bank answer it."""
        text = self.bank.get_setting(SEED_SUMMARY)
        return json.loads(text) if text else None

    def all_ids(self) -> list[Ids]:
        """The bank's ids and its Trace-Ids."""
        return [self.ids, self.trace_ids]

    def reset(self) -> None:
        """Forget every customer, account, client, consent, fault, decision and job; the clock keeps its time.

        Every service keeps its state in the database, so emptying it is the whole reset.
        """
        self.empty()
        # Dropping tables writes no row: every cache must hear of it (other workers through the stored counters).
        self.versions.bump_all()
        self.faults.reload()
        self.trace_ids.keep()

    def seed(self, seed: int) -> dict:
        """Reset, then build the deterministic demo world of ``seed``; returns what was made."""
        self.reset()
        self.ids.reseed(seed)
        summary = build_demo_world(self, seed)
        summary["directDebitContracts"] = [
            contract_json(c) for c in self.sdd.seed_contracts(demo_contract_ibans(summary))
        ]
        # The demo history ends on the day it is seeded, so its length varies with the date: what is made after
        # it draws from a sequence of its own, and the same seed gives the same IBANs and codes on any day.
        self.ids.reseed(f"{seed}-after-demo")
        self.bank.set_setting(SEED_SUMMARY, json.dumps(summary))
        self.bank.set_setting("seed", str(seed))
        self.living.start()
        return summary
