"""World versions: change counters that tell an app's caches of rarely changing state when to forget.

An app names its counters and the tables whose writes move them (``Watch``). Every write to a watched table
that goes through the app's ``Database`` moves the counter; a cache keeps the version it was filled at and
refills when ``version(name)`` differs. No service has to remember to invalidate: an ``UPDATE`` written by any
code path (ORM flush, Core statement, a due job) is seen.

- One process (the default): the counters live in memory and move right after the writing transaction
  commits, so a reader that filled its cache before the commit is stale at once, and none fills from data the
  commit has not made visible yet.
- Several processes on one database (``shared``): the counters are also rows of ``world_versions``, moved
  by the writing transaction itself, as its last statement before the commit, and a request reads them once
  (one ``SELECT``, memoised for the request by ``request_scope``). A worker sees another worker's revocation
  on its very next request.

A reset (tables dropped and made again) is no row write: the backend calls ``bump_all`` after it. The table
lives outside the app's own metadata, so a reset never drops it and its counters never go back.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from collections.abc import Hashable
from collections.abc import Iterable
from collections.abc import Iterator
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic
from typing import TypeVar

from sqlalchemy import BigInteger
from sqlalchemy import Column
from sqlalchemy import MetaData
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import event
from sqlalchemy import select
from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql.dml import UpdateBase

from mockbank.sim.db import Database

__all__ = ["VERSIONS_TABLE", "VersionedCache", "Watch", "WorldVersions"]

# Kept out of every app's metadata: a reset drops the app's tables, never these counters.
VERSIONS_TABLE = Table(
    "world_versions",
    MetaData(),
    Column("name", String(64), primary_key=True),
    Column("value", BigInteger, nullable=False),
)
_SESSION_CONNECTIONS = "mockbank_versions_connections"
V = TypeVar("V")


@dataclass(frozen=True)
class Watch:
    """The tables whose writes move one counter.

    ``inserts``: whether a new row moves it too. A cache looked up by key (a token) is not made wrong by a new
    row, only by a changed or deleted one; a cache of "every row" (the live faults) is.
    """

    tables: tuple[str, ...]
    inserts: bool = False


class WorldVersions:
    """The change counters of one app's database; ``version(name)`` is what a cache compares."""

    def __init__(self, db: Database, watch: Mapping[str, Watch], *, shared: bool = False):
        self.db = db
        self.shared = shared
        self.names = tuple(sorted(watch))
        self._index = {name: i for i, name in enumerate(self.names)}
        self._updates: dict[str, tuple[str, ...]] = {}
        self._inserts: dict[str, tuple[str, ...]] = {}
        for name in self.names:
            for table in watch[name].tables:
                self._updates[table] = (*self._updates.get(table, ()), name)
                if watch[name].inserts:
                    self._inserts[table] = (*self._inserts.get(table, ()), name)
        self._lock = threading.Lock()
        self._local = (0,) * len(self.names)
        self._scope = threading.local()
        # Counters a connection's open transaction has moved, until it commits or rolls back.
        self._pending: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
        self._in_sessions: weakref.WeakSet = weakref.WeakSet()
        if shared:
            self._create_rows()
        event.listen(db.engine, "after_execute", self._after_execute)
        event.listen(db.engine, "commit", self._engine_commit)
        event.listen(db.engine, "rollback", self._engine_rollback)
        event.listen(db.sessions, "after_begin", self._session_begin)
        event.listen(db.sessions, "after_commit", self._session_commit)
        event.listen(db.sessions, "after_rollback", self._session_rollback)

    # --- reading ---------------------------------------------------------------------------------

    def version(self, name: str) -> tuple[int, int]:
        """What a cache of ``name``'s state keeps and compares: it is stale when this differs."""
        i = self._index[name]
        if not self.shared:
            return 0, self._local[i]
        return self._shared_values()[i], self._local[i]

    def read(self) -> dict[str, int]:
        """The stored counters (shared mode), else this process's."""
        values = self._shared_values() if self.shared else self._local
        return dict(zip(self.names, values, strict=True))

    @contextmanager
    def request_scope(self) -> Iterator[None]:
        """Read the shared counters at most once inside (one request): every cache of the request agrees."""
        self.open_scope()
        try:
            yield
        finally:
            self.close_scope()

    def open_scope(self) -> None:
        """Start a request (``request_scope`` for Flask's hooks); scopes nest (a request inside a request)."""
        stack = getattr(self._scope, "stack", None)
        if stack is None:
            stack = self._scope.stack = []
        stack.append(None)

    def close_scope(self) -> None:
        """End the innermost request scope."""
        stack = getattr(self._scope, "stack", None)
        if stack:
            stack.pop()

    def _shared_values(self) -> tuple[int, ...]:
        stack = getattr(self._scope, "stack", None)
        if stack:
            if stack[-1] is None:
                stack[-1] = self._read_rows()
            return stack[-1]
        return self._read_rows()

    def _read_rows(self) -> tuple[int, ...]:
        with self.db.lean_read() as connection:
            stored = dict(connection.execute(select(VERSIONS_TABLE.c.name, VERSIONS_TABLE.c.value)).all())
        return tuple(stored.get(name, 0) for name in self.names)

    # --- moving ----------------------------------------------------------------------------------

    def bump(self, *names: str) -> None:
        """Move counters outside any write (after a reset, which drops and makes tables and writes no row)."""
        names = tuple(names) or self.names
        if self.shared:
            with self.db.engine.begin() as connection:
                self._bump_rows(connection, names)
        self._bump_local(names)

    def bump_all(self) -> None:
        """Move every counter: the whole database changed (a reset)."""
        self.bump(*self.names)

    def _bump_local(self, names: Iterable[str]) -> None:
        with self._lock:
            values = list(self._local)
            for name in names:
                values[self._index[name]] += 1
            self._local = tuple(values)

    def _bump_rows(self, connection, names: Iterable[str]) -> None:
        connection.execute(
            update(VERSIONS_TABLE)
            .where(VERSIONS_TABLE.c.name.in_(sorted(names)))
            .values(value=VERSIONS_TABLE.c.value + 1)
        )

    def _create_rows(self) -> None:
        VERSIONS_TABLE.create(self.db.engine, checkfirst=True)
        with self.db.engine.begin() as connection:
            present = set(connection.scalars(select(VERSIONS_TABLE.c.name)))
        for name in self.names:
            if name in present:
                continue
            try:
                with self.db.engine.begin() as connection:
                    connection.execute(VERSIONS_TABLE.insert().values(name=name, value=0))
            except IntegrityError:
                pass  # another worker made it first

    # --- the database's events -------------------------------------------------------------------

    def _names_moved_by(self, statement) -> tuple[str, ...]:
        if not isinstance(statement, UpdateBase):
            return ()
        table = getattr(statement.table, "name", None)
        if statement.is_insert:
            return self._inserts.get(table, ())
        if statement.is_update or statement.is_delete:
            return self._updates.get(table, ())
        return ()

    def _after_execute(self, connection, statement, *_args) -> None:
        names = self._names_moved_by(statement)
        if not names:
            return
        pending = self._pending.get(connection)
        if pending is None:
            pending = self._pending[connection] = set()
        pending.update(names)

    def _session_begin(self, session, _transaction, connection) -> None:
        session.info.setdefault(_SESSION_CONNECTIONS, []).append(connection)
        self._in_sessions.add(connection)

    def _session_commit(self, session) -> None:
        # After the commit: a reader that filled a cache from the old data in between is stale now.
        moved: set[str] = set()
        for connection in session.info.pop(_SESSION_CONNECTIONS, ()):
            moved |= self._pending.pop(connection, set())
        if moved:
            self._bump_local(moved)

    def _session_rollback(self, session) -> None:
        for connection in session.info.pop(_SESSION_CONNECTIONS, ()):
            self._pending.pop(connection, None)

    def _engine_commit(self, connection) -> None:
        moved = self._pending.get(connection)
        if not moved:
            return
        if self.shared:
            # The last statement of the writer's own transaction: other workers see the counters move exactly when
            # the write lands, and the rows are locked only for the commit, always in one order (no deadlock).
            self._bump_rows(connection, moved)
        if connection not in self._in_sessions:
            # A Core connection outside any session: no after-commit event exists, so move before the commit.
            self._bump_local(self._pending.pop(connection))

    def _engine_rollback(self, connection) -> None:
        if connection not in self._in_sessions:
            self._pending.pop(connection, None)


class VersionedCache(Generic[V]):
    """Values loaded from the database, kept while one counter of ``versions`` stands still.

    A value is stored with the version read *before* it was loaded, so a write that lands while it loads makes
    it stale at once. Past ``limit`` values the cache starts again (bounded memory, not an LRU).
    """

    def __init__(self, versions: WorldVersions, name: str, *, limit: int = 10_000):
        self.versions = versions
        self.name = name
        self.limit = limit
        self._lock = threading.Lock()
        self._version: tuple[int, int] | None = None
        self._values: dict[Hashable, V] = {}

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        """The value of ``key``: cached while the version stands, else ``load()`` (which may raise: nothing kept)."""
        version = self.versions.version(self.name)
        if self._version == version:
            value = self._values.get(key, _MISSING)
            if value is not _MISSING:
                return value
        value = load()
        with self._lock:
            if self._version != version:
                self._values = {}
                self._version = version
            if len(self._values) >= self.limit:
                self._values = {}
            self._values[key] = value
        return value

    def forget(self, key: Hashable | None = None) -> None:
        """Drop one value (or all): the next ``get`` loads it again."""
        with self._lock:
            if key is None:
                self._values = {}
            else:
                self._values.pop(key, None)


_MISSING = object()
