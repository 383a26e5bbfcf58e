"""Schema migrations with Alembic: each app's database is brought to its head revision at start-up.

Each app ships its revisions in a package of its own (``mockbank/migrations``, ``consent_server/migrations``)
and names it in a ``Migrations``. ``upgrade`` runs in one transaction (PostgreSQL and SQLite both roll DDL
back) under a lock, so two processes starting on one database do not both build it:

- a new database gets every table at once (``create_all``) and is stamped at the head revision;
- a database at the head revision is only checked (a column dropped by hand is still refused);
- a database at an older revision is upgraded by Alembic, its data kept;
- a database made before mockbank had migrations (tables, no version table) is adopted at the baseline
  revision when it has every column of it, and upgraded from there; an older one is refused with
  ``OutdatedDatabase`` before anything in it is changed.

Alembic itself is imported only when there is something to upgrade: start-up on a current database stays fast.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from importlib import resources

from sqlalchemy import Column
from sqlalchemy import MetaData
from sqlalchemy import PrimaryKeyConstraint
from sqlalchemy import String
from sqlalchemy import Table
from sqlalchemy import create_engine
from sqlalchemy import inspect
from sqlalchemy import select
from sqlalchemy import text
from sqlalchemy.engine import Connection

from mockbank.sim.errors import OutdatedDatabase


@dataclass(frozen=True)
class Migrations:
    """Where an app's Alembic revisions live: the package, its head and baseline revisions, the version table.

    ``head`` is written down (and tested against the scripts) so that a current database needs no Alembic import.
    """

    package: str
    head: str
    baseline: str
    version_table: str

    @property
    def location(self) -> str:
        """The folder of the package, as Alembic's ``script_location``."""
        return str(resources.files(self.package))

    def config(self):
        """An Alembic ``Config`` for these revisions (for ``alembic`` commands and tests)."""
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", self.location)
        config.set_main_option("version_table", self.version_table)
        return config


def version_table(name: str) -> Table:
    """Alembic's version table, declared here so a new database is stamped without importing Alembic."""
    return Table(
        name,
        MetaData(),
        Column("version_num", String(32), nullable=False),
        PrimaryKeyConstraint("version_num", name=f"{name}_pkc"),
    )


def current_revision(connection: Connection, migrations: Migrations) -> str | None:
    """The revision the database is stamped with (None: no version table, or an empty one)."""
    if not inspect(connection).has_table(migrations.version_table):
        return None
    return connection.scalar(select(version_table(migrations.version_table).c.version_num))


def upgrade(database, migrations: Migrations, *, check) -> str:
    """Bring ``database`` to the head revision (see the module's description); returns what was done.

    ``check(connection)`` raises ``OutdatedDatabase`` when a table misses a column.
    """
    metadata = database.base.metadata
    with database.engine.connect() as connection:
        with connection.begin():
            _lock(connection, migrations)
            tables = set(inspect(connection).get_table_names()) - {migrations.version_table}
            if not tables:
                metadata.create_all(connection)
                _stamp(connection, migrations, migrations.head)
                return "created"
            revision = current_revision(connection, migrations)
            if revision == migrations.head:
                check(connection)
                return "current"
            adopted = revision is None
            if adopted:
                _refuse_older_than_baseline(connection, migrations, database.engine.url)
                _stamp(connection, migrations, migrations.baseline)
                revision = migrations.baseline
            if revision != migrations.head:
                _run_alembic(connection, migrations, metadata)
            if adopted:
                # A table the old file never had (a later feature's) is made as the models have it now.
                metadata.create_all(connection)
            check(connection)
            return "upgraded"


def _lock(connection: Connection, migrations: Migrations) -> None:
    # SQLite: the transaction began IMMEDIATE and holds the write lock already.
    if connection.dialect.name == "postgresql":
        key = zlib.crc32(migrations.version_table.encode())
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _stamp(connection: Connection, migrations: Migrations, revision: str) -> None:
    table = version_table(migrations.version_table)
    table.create(connection, checkfirst=True)
    connection.execute(table.delete())
    connection.execute(table.insert().values(version_num=revision))


def _run_alembic(connection: Connection, migrations: Migrations, metadata: MetaData) -> None:
    """Alembic's upgrade to head on ``connection``, inside the caller's transaction."""
    from alembic.runtime.environment import EnvironmentContext
    from alembic.script import ScriptDirectory

    config = migrations.config()
    script = ScriptDirectory.from_config(config)

    def steps(revision, _context):
        return script._upgrade_revs("head", revision)

    with EnvironmentContext(config, script, fn=steps, destination_rev="head") as environment:
        environment.configure(
            connection=connection, target_metadata=metadata, version_table=migrations.version_table
        )
        with environment.begin_transaction():
            environment.run_migrations()


def baseline_columns(migrations: Migrations) -> dict[str, set[str]]:
    """Every table and column of the baseline revision (built by its migration in an in-memory SQLite)."""
    engine = create_engine("sqlite://")
    try:
        with engine.connect() as connection:
            with connection.begin():
                from alembic.runtime.environment import EnvironmentContext
                from alembic.script import ScriptDirectory

                config = migrations.config()
                script = ScriptDirectory.from_config(config)

                def steps(revision, _context):
                    return script._upgrade_revs(migrations.baseline, revision)

                with EnvironmentContext(config, script, fn=steps, destination_rev=migrations.baseline) as env:
                    env.configure(connection=connection, version_table=migrations.version_table)
                    with env.begin_transaction():
                        env.run_migrations()
                inspector = inspect(connection)
                return {
                    table: {column["name"] for column in inspector.get_columns(table)}
                    for table in inspector.get_table_names()
                    if table != migrations.version_table
                }
    finally:
        engine.dispose()


def _refuse_older_than_baseline(connection: Connection, migrations: Migrations, url) -> None:
    """``OutdatedDatabase`` for a database made before migrations that lacks a column of the baseline."""
    present = inspect(connection)
    tables = set(present.get_table_names())
    missing = []
    for table, columns in baseline_columns(migrations).items():
        if table not in tables:
            continue  # made after the upgrade, as the models have it
        have = {column["name"] for column in present.get_columns(table)}
        missing += [f"{table}.{column}" for column in sorted(columns - have)]
    if missing:
        raise OutdatedDatabase(outdated_message(url, missing))


def outdated_message(url, missing: list[str]) -> str:
    """What to tell about a database from an older mockbank, and what to do."""
    return (
        f"the database {url.render_as_string(hide_password=True)} was made by an older mockbank "
        f"(missing {', '.join(missing[:5])}{'...' if len(missing) > 5 else ''}); delete it (or the data "
        "folder) to start afresh, or point DATABASE_URL elsewhere"
    )


def run_environment(metadata: MetaData, migrations: Migrations) -> None:
    """The body of an app's Alembic ``env.py``: run on the connection handed over in ``config.attributes``, or on
    the config's ``sqlalchemy.url`` (``alembic -x`` style use by an operator)."""
    from alembic import context

    connection = context.config.attributes.get("connection")
    if connection is not None:
        _configure_and_run(context, connection, metadata, migrations)
        return
    engine = create_engine(context.config.get_main_option("sqlalchemy.url"))
    try:
        with engine.begin() as own:
            _configure_and_run(context, own, metadata, migrations)
    finally:
        engine.dispose()


def _configure_and_run(context, connection: Connection, metadata: MetaData, migrations: Migrations) -> None:
    context.configure(connection=connection, target_metadata=metadata, version_table=migrations.version_table)
    with context.begin_transaction():
        context.run_migrations()
