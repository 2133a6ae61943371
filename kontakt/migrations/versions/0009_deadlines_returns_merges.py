"""Deadlines, returns and merges: the deadline clock on each ticket, the
ticket a merged duplicate points at, and the reporters a surviving ticket
took over from its duplicates.

Revision ID: 0009_deadlines_returns_merges
Revises: 0008_conversations
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_deadlines_returns_merges"
down_revision = "0008_conversations"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
COLUMNS = [("sla_response_s", sa.Float), ("sla_resolution_s", sa.Float),
           ("sla_started_at", TS), ("sla_response_due_at", TS), ("sla_responded_at", TS),
           ("sla_used_s", sa.Float), ("sla_running_since", TS), ("due_at", TS),
           ("overdue", sa.String(12)), ("overdue_at", TS), ("merged_into", sa.String(24))]


def upgrade() -> None:
    # Plain ADD COLUMN (no batch copy): the SQLite full text triggers stay.
    for name, type_ in COLUMNS:
        op.add_column("tickets", sa.Column(name, type_, nullable=True))
    op.create_index("ix_tickets_status_due", "tickets", ["status", "due_at"])
    op.create_index("ix_tickets_status_response_due", "tickets",
                    ["status", "sla_response_due_at"])
    op.create_table(
        "ticket_reporters",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("from_number", sa.String(24), nullable=False),
        sa.Column("phone", sa.String(20), nullable=True),
        sa.Column("citizen_name", sa.String(200), nullable=True),
        sa.Column("email", sa.String(254), nullable=True),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("added_at", TS, nullable=False),
    )
    op.create_index("ix_ticket_reporters_ticket_id", "ticket_reporters", ["ticket_id"])


def downgrade() -> None:
    op.drop_table("ticket_reporters")
    op.drop_index("ix_tickets_status_response_due", "tickets")
    op.drop_index("ix_tickets_status_due", "tickets")
    for name, _ in reversed(COLUMNS):
        op.drop_column("tickets", name)  # SQLite >= 3.35 drops a column in place
