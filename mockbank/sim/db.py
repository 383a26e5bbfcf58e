"""A world's databases: one SQLAlchemy engine per app, SQLite by default, any URL by configuration.

Each app declares its tables on its own declarative base and hands it to ``Database``.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

from sqlalchemy import DateTime
from sqlalchemy import TypeDecorator
from sqlalchemy import create_engine
from sqlalchemy import event
from sqlalchemy import inspect
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import sessionmaker
from sqlalchemy.pool import StaticPool

from mockbank.sim.calendar import UTC
from mockbank.sim.errors import OutdatedDatabase

__all__ = ["LEAN_READ", "Database", "OutdatedDatabase", "UTCDateTime", "make_engine"]
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
            if conn.get_execution_options().get(LEAN_READ):
                # One SELECT is atomic on its own (autocommit): no BEGIN, no lock, no ROLLBACK after it.
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
        self.base = base
        # One shared in-memory SQLite connection cannot interleave transactions from two threads.
        self._serial = threading.RLock() if isinstance(self.engine.pool, StaticPool) else None

    @property
    def in_memory(self) -> bool:
        """Whether the database lives in this process only (in-memory SQLite): no other process can write it."""
        return self._serial is not None

    def create_all(self) -> None:
        """Create every table that does not exist yet; refuse a database whose tables lack columns."""
        self.base.metadata.create_all(self.engine)
        self.check_columns()

    def check_columns(self) -> None:
        """``OutdatedDatabase`` when an existing table misses a column (a file from an older mockbank).

        ``create_all`` adds tables, never columns; without this the first query would fail deep inside.
        """
        inspector = inspect(self.engine)
        missing = []
        for table in self.base.metadata.sorted_tables:
            present = {column["name"] for column in inspector.get_columns(table.name)}
            missing += [f"{table.name}.{column.name}" for column in table.columns if column.name not in present]
        if missing:
            raise OutdatedDatabase(
                f"the database {self.engine.url.render_as_string(hide_password=True)} was made by an older mockbank "
                f"(missing {', '.join(missing[:5])}{'...' if len(missing) > 5 else ''}); delete it (or the data "
                "folder) to start afresh, or point DATABASE_URL elsewhere"
            )

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
        """A session for reads."""
        if self._serial is None:
            with self.sessions() as session:
                yield session
            return
        with self._serial:
            with self.sessions() as session:
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
