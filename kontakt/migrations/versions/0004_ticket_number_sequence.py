"""PostgreSQL: ticket numbers from a sequence (no row lock shared by every
opener); the year's first sequence value makes numbers restart each year.

Revision ID: 0004_ticket_number_sequence
Revises: 0003_http_users_call_log
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_ticket_number_sequence"
down_revision = "0003_http_users_call_log"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticket_number_years",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("first_seq", sa.BigInteger, nullable=False),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE SEQUENCE ticket_number_seq")
        # Carry on from numbers already handed out by the counter table.
        op.execute("INSERT INTO ticket_number_years (year, first_seq) "
                   "SELECT year, 1 - last FROM ticket_counters")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP SEQUENCE IF EXISTS ticket_number_seq")
    op.drop_table("ticket_number_years")
