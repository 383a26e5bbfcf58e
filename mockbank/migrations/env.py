"""Alembic's environment for the bank's revisions (``alembic`` commands; start-up applies them without it)."""

import mockbank.backend  # noqa: F401  (every table of the bank is declared once the backend is imported)
from mockbank.migrations import MIGRATIONS
from mockbank.models import Base
from mockbank.sim.migrations import run_environment

run_environment(Base.metadata, MIGRATIONS)
