"""The bank's schema migrations (Alembic revisions in ``versions/``), applied by ``mockbank.sim.migrations``.

Write a revision by hand for every change of the models, and move ``HEAD`` to it: tests/serve/test_migrations.py
checks that a database upgraded from empty matches the models and that ``HEAD`` is the scripts' head.
"""

from mockbank.sim.migrations import Migrations

HEAD = "0002"
BASELINE = "0001"
MIGRATIONS = Migrations(package=__name__, head=HEAD, baseline=BASELINE, version_table="mockbank_alembic_version")
