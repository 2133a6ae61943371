"""Text conversations (web chat, SMS, e-mail) and their messages: the
transcript kept with the ticket opened from them.

Revision ID: 0008_conversations
Revises: 0007_audit_log_retention
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_conversations"
down_revision = "0007_audit_log_retention"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "conversations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("agent", sa.String(64), nullable=True),
        sa.Column("outcome", sa.String(16), nullable=True),
        sa.Column("ticket_number", sa.String(24), nullable=True),
        sa.Column("department", sa.String(32), nullable=True),
        sa.Column("secret_hash", sa.String(64), nullable=True),
        sa.Column("opened_at", TS, nullable=False),
        sa.Column("answered_at", TS, nullable=True),
        sa.Column("ended_at", TS, nullable=True),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_conversations_state", "conversations", ["state", "opened_at"])
    op.create_index("ix_conversations_channel", "conversations", ["channel", "opened_at"])
    op.create_index("ix_conversations_address", "conversations", ["address", "opened_at"])
    op.create_index("ix_conversations_ticket", "conversations", ["ticket_number"])
    op.create_table(
        "conversation_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("conversation_id", sa.Integer,
                  sa.ForeignKey("conversations.id", ondelete="CASCADE"), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("agent", sa.String(64), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
    )
    op.create_index("ix_conversation_messages_conv", "conversation_messages",
                    ["conversation_id", "id"])


def downgrade() -> None:
    op.drop_table("conversation_messages")
    op.drop_table("conversations")
