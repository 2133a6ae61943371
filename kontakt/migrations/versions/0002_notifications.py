"""citizen notifications (tickets/notify): one row per message and channel

Revision ID: 0002_notifications
Revises: 0001_tickets_outbox
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_notifications"
down_revision = "0001_tickets_outbox"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Times are naive UTC (tickets/notify/jobs.py), the same on SQLite and PostgreSQL.
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ticket_number", sa.String(32), nullable=False),
        sa.Column("event_id", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("recipient", sa.String(254), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("ticket_status", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(300), nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime, nullable=True),
        sa.Column("last_error", sa.Text, nullable=True),
        sa.Column("message_id", sa.String(300), nullable=True),
        sa.Column("created_at", sa.DateTime, nullable=False),
        sa.Column("sent_at", sa.DateTime, nullable=True),
        sa.UniqueConstraint("event_id", "channel", name="uq_notifications_event"),
    )
    op.create_index("ix_notifications_ticket_number", "notifications", ["ticket_number"])
    op.create_index("ix_notifications_status", "notifications", ["status"])
    op.create_index("ix_notifications_next_attempt_at", "notifications", ["next_attempt_at"])


def downgrade() -> None:
    op.drop_table("notifications")
