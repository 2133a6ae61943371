"""SMS and e-mail that came in or went out, and the e-mail attachments kept
with their ticket (kontakt.channels.store).

Revision ID: 0011_channel_messages
Revises: 0010_ticket_search_fold
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_channel_messages"
down_revision = "0010_ticket_search_fold"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "channel_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("direction", sa.String(4), nullable=False),
        sa.Column("fate", sa.String(12), nullable=False),
        sa.Column("address", sa.String(254), nullable=False),
        sa.Column("subject", sa.String(300), nullable=True),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("conversation_id", sa.Integer, nullable=True),
        sa.Column("ticket_number", sa.String(24), nullable=True),
        sa.Column("reason", sa.String(300), nullable=True),
        sa.Column("gateway_id", sa.String(200), nullable=True),
    )
    op.create_index("ix_channel_messages_kind", "channel_messages",
                    ["channel", "direction", "fate"])
    op.create_index("ix_channel_messages_address", "channel_messages", ["address", "at"])
    op.create_index("ix_channel_messages_ticket", "channel_messages", ["ticket_number"])
    op.create_table(
        "channel_attachments",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("message_id", sa.Integer, nullable=False),
        sa.Column("conversation_id", sa.Integer, nullable=True),
        sa.Column("ticket_number", sa.String(24), nullable=True),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("data", sa.LargeBinary, nullable=False),
    )
    op.create_index("ix_channel_attachments_ticket", "channel_attachments", ["ticket_number"])
    op.create_index("ix_channel_attachments_conv", "channel_attachments", ["conversation_id"])


def downgrade() -> None:
    op.drop_table("channel_attachments")
    op.drop_table("channel_messages")
