"""Schema migrations: the revisions build exactly the models' schema, and a database of an older revision (or
from before migrations) is upgraded with its data kept, on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine
from sqlalchemy import inspect
from sqlalchemy import text

import consent_server
import mockbank
from consent_server.migrations import MIGRATIONS as PORTAL_MIGRATIONS
from consent_server.models import Base as PortalBase
from mockbank.migrations import MIGRATIONS as BANK_MIGRATIONS
from mockbank.models import Base as BankBase
from mockbank.sim.clock import SimClock
from mockbank.sim.errors import OutdatedDatabase
from mockbank.sim.migrations import current_revision

APPS = {
    "bank": (mockbank.create_app, BANK_MIGRATIONS, BankBase, "mockbank"),
    "portal": (consent_server.create_app, PORTAL_MIGRATIONS, PortalBase, "consent_server"),
}


def alembic_upgrade(url: str, migrations, revision: str) -> None:
    """Run the app's revisions up to ``revision`` with Alembic's own command, as an operator would."""
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            config = migrations.config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


@pytest.mark.parametrize("name", list(APPS))
def test_the_written_head_is_the_head_of_the_scripts(name):
    _, migrations, _, _ = APPS[name]
    assert ScriptDirectory.from_config(migrations.config()).get_current_head() == migrations.head


@pytest.mark.parametrize("name", list(APPS))
def test_the_revisions_build_exactly_the_tables_of_the_models(name, storage_url):
    create, migrations, base, extension = APPS[name]
    # An app built once has declared every table (some are declared by the services' modules).
    create({"DATABASE_URL": "sqlite://"}, clock=SimClock()).extensions[extension].close()
    alembic_upgrade(storage_url, migrations, "head")
    engine = create_engine(storage_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"version_table": migrations.version_table})
        differences = compare_metadata(context, base.metadata)
    engine.dispose()
    assert differences == []


@pytest.mark.parametrize("name", list(APPS))
def test_a_new_database_is_stamped_at_the_head(name, storage_url):
    create, migrations, _, extension = APPS[name]
    app = create({"DATABASE_URL": storage_url}, clock=SimClock())
    with app.extensions[extension].db.engine.connect() as connection:
        assert current_revision(connection, migrations) == migrations.head
    app.extensions[extension].close()


def test_a_bank_database_of_the_first_revision_is_upgraded_with_its_data(storage_url):
    alembic_upgrade(storage_url, BANK_MIGRATIONS, "0001")
    engine = create_engine(storage_url)
    with engine.begin() as conn:
        conn.execute(
            text("INSERT INTO customers (id, kind, name, created_at) VALUES (1, 'retail', 'Jan Jansen', :at)"),
            {"at": dt.datetime(2026, 1, 5, 8)},
        )
        conn.execute(
            text(
                "INSERT INTO accounts (id, iban, customer_id, product, currency, holder_name, has_own_iban, "
                "balance_cents, credit_limit_cents, booking_count, opened_at) VALUES (1, 'NL91ABNA0417164300', 1, "
                "'current', 'EUR', 'Jan Jansen', :yes, 12345, 0, 0, :at)"
            ),
            {"at": dt.datetime(2026, 1, 5, 8), "yes": True},
        )
        conn.execute(
            text("INSERT INTO clock_state (id, state) VALUES (1, :state)"),
            {"state": '{"mode": "frozen", "now": "2026-02-01T10:00:00+00:00", "offset": 0}'},
        )
        conn.execute(
            text(
                "INSERT INTO due_jobs (id, kind, due_at, payload, status, attempts, created_at) "
                "VALUES (1, 'consent.expire', :due, '{\"consent_id\": 99}', 'pending', 0, :at)"
            ),
            {"due": dt.datetime(2026, 3, 1), "at": dt.datetime(2026, 1, 5)},
        )
    engine.dispose()

    app = mockbank.create_app({"DATABASE_URL": storage_url}, clock=SimClock(start="2026-01-05T09:00"))
    backend = app.extensions["mockbank"]
    with backend.db.engine.connect() as connection:
        assert current_revision(connection, BANK_MIGRATIONS) == BANK_MIGRATIONS.head
        columns = {c["name"] for c in inspect(connection).get_columns("due_jobs")}
    assert {"claimed_by", "lease_until"} <= columns
    assert backend.bank.account("NL91ABNA0417164300").balance_cents == 12345
    assert backend.clock.now() == dt.datetime(2026, 2, 1, 10, tzinfo=dt.UTC)
    assert [(j.kind, j.status) for j in backend.jobs.jobs()] == [("consent.expire", "pending")]
    backend.close()


@pytest.mark.parametrize("name", list(APPS))
def test_a_database_made_before_migrations_is_adopted_and_upgraded(name, tmp_path):
    create, migrations, _, extension = APPS[name]
    url = f"sqlite:///{tmp_path / 'old.db'}"
    alembic_upgrade(url, migrations, "0001")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {migrations.version_table}"))  # as today's files have none
        conn.execute(text("DROP TABLE app_secrets"))  # as files made before the session secret was kept
    engine.dispose()

    app = create({"DATABASE_URL": url}, clock=SimClock())
    with app.extensions[extension].db.engine.connect() as connection:
        assert current_revision(connection, migrations) == migrations.head
        assert inspect(connection).has_table("app_secrets")
    app.extensions[extension].close()


def test_a_file_older_than_the_first_revision_is_refused_and_left_as_it_was(tmp_path):
    url = f"sqlite:///{tmp_path / 'older.db'}"
    alembic_upgrade(url, BANK_MIGRATIONS, "0001")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP TABLE {BANK_MIGRATIONS.version_table}"))
        conn.execute(text("ALTER TABLE bookings DROP COLUMN counterparty_name"))
    before = set(inspect(engine).get_table_names())

    with pytest.raises(OutdatedDatabase, match=r"older mockbank \(missing bookings\.counterparty_name\); delete it"):
        mockbank.create_app({"DATABASE_URL": url}, clock=SimClock())

    assert set(inspect(engine).get_table_names()) == before
    assert "claimed_by" not in {c["name"] for c in inspect(engine).get_columns("due_jobs")}
    engine.dispose()


@pytest.mark.parametrize("name", list(APPS))
def test_alembic_downgrades_to_the_first_revision_and_up_again(name, tmp_path):
    _, migrations, _, _ = APPS[name]
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    alembic_upgrade(url, migrations, "head")
    engine = create_engine(url)
    with engine.begin() as connection:
        config = migrations.config()
        config.attributes["connection"] = connection
        command.downgrade(config, migrations.baseline)
        assert current_revision(connection, migrations) == migrations.baseline
        command.upgrade(config, "head")
        assert current_revision(connection, migrations) == migrations.head
    engine.dispose()


def test_mockbank_db_upgrade_creates_then_finds_both_databases_current(tmp_path, monkeypatch, capsys):
    from scenarios import cli

    for name in ("MOCKBANK_DATABASE_URL", "MOCKBANK_PORTAL_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    assert cli.main(["db", "upgrade", "--data-dir", str(tmp_path)]) == 0
    assert cli.main(["db", "upgrade", "--data-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" (")[0] for line in lines] == [
        "bank: created, at revision 0002",
        "portal: created, at revision 0002",
        "bank: current, at revision 0002",
        "portal: current, at revision 0002",
    ]
    assert (tmp_path / "bank.db").exists() and (tmp_path / "portal.db").exists()
