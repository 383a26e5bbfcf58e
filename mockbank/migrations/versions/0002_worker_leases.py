"""Several server workers on one database: the clock's version and holder, the claims of due jobs.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """The clock row's version and holder with its lease; which process claimed a due job, until when."""
    with op.batch_alter_table("clock_state") as table:
        table.add_column(sa.Column("version", sa.Integer(), nullable=False, server_default="0"))
        table.add_column(sa.Column("holder", sa.String(length=200), nullable=True))
        table.add_column(sa.Column("held_until", sa.DateTime(), nullable=True))
    with op.batch_alter_table("due_jobs") as table:
        table.add_column(sa.Column("claimed_by", sa.String(length=200), nullable=True))
        table.add_column(sa.Column("lease_until", sa.DateTime(), nullable=True))


def downgrade() -> None:
    """Drop the columns again."""
    with op.batch_alter_table("due_jobs") as table:
        table.drop_column("lease_until")
        table.drop_column("claimed_by")
    with op.batch_alter_table("clock_state") as table:
        table.drop_column("held_until")
        table.drop_column("holder")
        table.drop_column("version")
