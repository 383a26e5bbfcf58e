"""What every app's backend stands on: its database, seeded ids, due jobs, and a place on the world's clock."""

from __future__ import annotations

from sqlalchemy.orm import DeclarativeBase

from mockbank.sim.clock import SimClock
from mockbank.sim.db import Database
from mockbank.sim.db import Migrations
from mockbank.sim.ids import DatabaseSequenceStore
from mockbank.sim.ids import Ids
from mockbank.sim.jobs import DatabaseClockStore
from mockbank.sim.jobs import DueJobQueue
from mockbank.sim.security import SESSION_SECRET
from mockbank.sim.security import DatabaseSecretStore


class SimBackend:
    """Database, clock, ids and due jobs of one app; the app's backend adds its service objects.

    ``base`` is the app's declarative base; ``job_model`` and ``state_model`` are its due-job and
    clock-state tables (``jobs.due_job_model(base)``, ``jobs.clock_state_model(base)``), ``sequence_model``
    where its ids reserve their blocks (``ids.id_sequence_model(base)``), so a restart repeats no id;
    ``secret_model`` (``security.secret_model(base)``) where its session secret is kept.
    ``migrations`` names the app's Alembic revisions: a new database is built at their head, an older one
    upgraded (without them the tables are only created).
    """

    def __init__(
        self,
        *,
        database_url: str,
        id_seed: int | str,
        clock: SimClock,
        base: type[DeclarativeBase],
        job_model: type,
        state_model: type,
        sequence_model: type,
        secret_model: type | None = None,
        migrations: Migrations | None = None,
    ):
        self.clock = clock
        self.id_seed = id_seed
        self.db = Database(database_url, base)
        self.db.prepare(migrations)
        self.sequences = DatabaseSequenceStore(transaction=self.db.transaction, model=sequence_model)
        self.ids = Ids(id_seed, store=self.sequences)
        self.jobs = DueJobQueue(
            transaction=self.db.transaction, reading=self.db.reading, job_model=job_model, clock=clock
        )
        self.clock_store = DatabaseClockStore(
            transaction=self.db.transaction,
            reading=self.db.reading,
            state_model=state_model,
            lean_read=self.db.lean_read,
        )
        self.secrets = secret_model and DatabaseSecretStore(transaction=self.db.transaction, model=secret_model)
        self._session_secret: str | None = None

    def session_secret(self) -> str:
        """The random secret that signs this app's session cookies: made once per database, then kept."""
        if self._session_secret is None:
            self._session_secret = self.secrets.get_or_create(SESSION_SECRET)
        return self._session_secret

    def attach_to_clock(self) -> None:
        """Resume from the saved time and let the clock run this app's due jobs (once the services exist).

        After a crash the saved time may lag the jobs' records (a job finished, the clock not yet saved): the
        clock resumes no earlier than the last finished job. Jobs the crash left running are pending again.
        """
        self.clock.add_store(self.clock_store)
        last_run = self.jobs.last_run_at()
        if last_run is not None:
            self.clock.restore(last_run)
        self.jobs.recover()
        self.clock.add_job_source(self.jobs)

    def all_ids(self) -> list[Ids]:
        """Every id sequence of the app (an app with more than ``ids`` adds its own)."""
        return [self.ids]

    def after_fork(self) -> None:
        """In a freshly forked server worker: new database connections, fresh id blocks, dead workers' jobs back.

        The parent's pooled connections must not be shared with it, and ids drawn from the parent's block
        would repeat another worker's.
        """
        self.db.engine.dispose(close=False)
        for ids in self.all_ids():
            ids.move_to_fresh_block()
        self.jobs.recover()
        self.jobs.invalidate()

    def empty(self) -> None:
        """Empty every table and restart the ids; the clock and the session secret stay."""
        # The clock's row stays (its version only grows, so other workers see every change of it), and so does
        # the secret: other workers on this database still sign with it.
        kept = [self.clock_store.table] + ([self.secrets.table] if self.secrets else [])
        self.db.empty_tables(keep=tuple(kept))
        self.clock_store.save_clock_state(self.clock.state())
        self.jobs.invalidate()
        self.ids.reseed(self.id_seed)

    def close(self) -> None:
        """Save the clock's time, detach from the clock and close the database."""
        # A running clock only saves on advances; without this a restart would resume in the past.
        self.clock_store.save_clock_state(self.clock.state())
        self.clock.remove_job_source(self.jobs)
        self.clock.remove_store(self.clock_store)
        self.db.dispose()
