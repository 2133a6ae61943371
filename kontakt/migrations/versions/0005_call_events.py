"""the engine's event log: one row per call and agent-state event

Revision ID: 0005_call_events
Revises: 0004_ticket_number_sequence
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_call_events"
down_revision = "0004_ticket_number_sequence"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "call_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False, unique=True),
        sa.Column("ts", sa.DateTime(timezone=True), nullable=False),
        sa.Column("topic", sa.String(200), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("uniqueid", sa.String(40), nullable=True),
        sa.Column("agent", sa.String(20), nullable=True),
        sa.Column("payload", sa.Text, nullable=False),
    )
    op.create_index("ix_call_events_ts", "call_events", ["ts"])
    op.create_index("ix_call_events_type", "call_events", ["type"])
    op.create_index("ix_call_events_uniqueid", "call_events", ["uniqueid"])
    op.create_index("ix_call_events_agent", "call_events", ["agent"])


def downgrade() -> None:
    op.drop_table("call_events")
