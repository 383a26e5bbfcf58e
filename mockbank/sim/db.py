"""A world's databases: one SQLAlchemy engine per app, SQLite by default, any URL by configuration.

Each app declares its tables on its own declarative base and hands it to ``Database``; ``prepare`` builds a
new database or upgrades an older one with the app's Alembic revisions (``sim.migrations``).

A SQLite file is opened in WAL mode with a busy timeout, so several server workers share it: writers queue
(each write transaction takes the lock when it begins), readers read a snapshot without waiting for them.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from sqlalchemy import DateTime
from sqlalchemy import TypeDecorator
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import inspect
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from mockbank.sim.calendar import UTC
from mockbank.sim.errors import OutdatedDatabase
from mockbank.sim.migrations import Migrations
from mockbank.sim.migrations import outdated_message
from mockbank.sim.migrations import upgrade

__all__ = ["LEAN_READ", "Database", "Migrations", "OutdatedDatabase", "UTCDateTime", "make_engine"]
# Execution option of the engine ``Database.reading`` sessions use.
READ_ONLY = "mockbank_read_only"
# Execution option of ``Database.lean_read`` connections: one SELECT, no transaction of its own.
LEAN_READ = "mockbank_lean_read"


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime column that reads back aware on every database."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use aware UTC times")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


def make_engine(url: str) -> Engine:
    """An engine for ``url``; in-memory SQLite is shared by all threads of the app."""
    if url.startswith("sqlite"):
        in_memory = url in ("sqlite://", "sqlite:///:memory:") or "mode=memory" in url
        kwargs = {"connect_args": {"check_same_thread": False}}
        if in_memory:
            kwargs["poolclass"] = StaticPool
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record):
            # Our own transaction control: pysqlite's implicit BEGIN would defer locking.
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if not in_memory:
                cursor.execute("PRAGMA journal_mode=WAL")
                # WAL's recommended durability: a commit waits for no fsync (a power cut may lose the last ones,
                # never corrupt the file); seeding commits hundreds of times.
                cursor.execute("PRAGMA synchronous=NORMAL")
                cursor.execute("PRAGMA busy_timeout=10000")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            options = conn.get_execution_options()
            if options.get(LEAN_READ):
                # One SELECT is atomic on its own (autocommit): no BEGIN, no lock, no ROLLBACK after it.
                return
            if options.get(READ_ONLY):
                # A reader takes no lock: in WAL mode it reads a snapshot while another worker writes.
                conn.exec_driver_sql("BEGIN")
                return
            # Take the write lock up front, so concurrent writers queue instead of failing.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


class Database:
    """An engine, its session factory, and a write lock for the single-connection SQLite case."""

    def __init__(self, url: str, base: type[DeclarativeBase]):
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._read_sessions = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)
        self.base = base
        # One shared in-memory SQLite connection cannot interleave transactions from two threads.
        self._serial = threading.RLock() if isinstance(self.engine.pool, StaticPool) else None

    @property
    def in_memory(self) -> bool:
        """Whether the database lives in this process only (in-memory SQLite): no other process can write it."""
        return self._serial is not None

    def prepare(self, migrations: Migrations | None = None) -> str:
        """Make the database ready: new ones built and stamped, older ones upgraded (``sim.migrations.upgrade``).

        Without ``migrations`` (an app that has none, such as a test's) tables are only created. Returns
        ``created``, ``current`` or ``upgraded``.
        """
        if migrations is None:
            self.create_all()
            return "current"
        if self._serial is None:
            return upgrade(self, migrations, check=self.check_columns)
        with self._serial:
            return upgrade(self, migrations, check=self.check_columns)

    def create_all(self) -> None:
        """Create every table that does not exist yet; refuse a database whose tables lack columns."""
        self.base.metadata.create_all(self.engine)
        self.check_columns()

    def check_columns(self, connection=None) -> None:
        """``OutdatedDatabase`` when an existing table misses a column (a file from an older mockbank).

        ``create_all`` adds tables, never columns; without this the first query would fail deep inside.
        """
        inspector = inspect(connection if connection is not None else self.engine)
        names = [table.name for table in self.base.metadata.sorted_tables]
        # One query for every table where the dialect can (PostgreSQL), not one per table.
        present = {key[1]: cols for key, cols in inspector.get_multi_columns(filter_names=names).items()}
        missing = []
        for table in self.base.metadata.sorted_tables:
            have = {column["name"] for column in present.get(table.name, [])}
            missing += [f"{table.name}.{column.name}" for column in table.columns if column.name not in have]
        if missing:
            raise OutdatedDatabase(outdated_message(self.engine.url, missing))

    def empty_tables(self, *, keep: tuple = ()) -> None:
        """Delete every row of every table but ``keep`` in one transaction; numbering starts again at 1 (a reset).

        Cheaper than dropping and creating the tables, and the schema (with its migration stamp) stays.
        """
        tables = [table for table in self.base.metadata.sorted_tables if table not in keep]
        with self.transaction() as session:
            if self.engine.dialect.name == "postgresql":
                names = ", ".join(self.engine.dialect.identifier_preparer.format_table(table) for table in tables)
                session.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
                return
            # SQLite numbers a table without AUTOINCREMENT from its largest id: an empty table starts at 1 again.
            for table in reversed(tables):
                session.execute(table.delete())

    def drop_all(self) -> None:
        """Drop every table (reset)."""
        self.base.metadata.drop_all(self.engine)

    @contextmanager
    def transaction(self):
        """A session in one transaction: committed on success, rolled back on any error."""
        if self._serial is None:
            with self.sessions.begin() as session:
                yield session
            return
        with self._serial:
            with self.sessions.begin() as session:
                yield session

    @contextmanager
    def reading(self):
        """A session for reads (on SQLite it takes no write lock: never write through it)."""
        if self._serial is None:
            with self._read_sessions() as session:
                yield session
            return
        with self._serial:
            with self._read_sessions() as session:
                yield session

    @contextmanager
    def lean_read(self):
        """A Core connection for a read of one statement, the hot path's: no session, no ORM, no BEGIN on SQLite.

        Only for a single ``SELECT`` (two statements would not share a snapshot); never write through it.
        """
        if self._serial is None:
            with self.engine.connect() as connection:
                yield connection.execution_options(**{LEAN_READ: True})
            return
        with self._serial:
            with self.engine.connect() as connection:
                yield connection.execution_options(**{LEAN_READ: True})

    def dispose(self) -> None:
        """Close every connection."""
        self.engine.dispose()
