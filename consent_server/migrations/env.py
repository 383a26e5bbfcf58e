"""Alembic's environment for the portal's revisions (``alembic`` commands; start-up applies them without it)."""

import consent_server.app  # noqa: F401  (every table of the portal is declared once its views are imported)
from consent_server.migrations import MIGRATIONS
from consent_server.models import Base
from mockbank.sim.migrations import run_environment

run_environment(Base.metadata, MIGRATIONS)
