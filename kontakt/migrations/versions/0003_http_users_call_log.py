"""workstation users (argon2 hashes) and the call log behind the wallboard's
figures per day and hour (kontakt/http)

Revision ID: 0003_http_users_call_log
Revises: 0002_notifications
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_http_users_call_log"
down_revision = "0002_notifications"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("username", sa.String(32), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("department", sa.String(32), nullable=True),
        sa.Column("agent_id", sa.String(32), nullable=True),
        sa.Column("full_name", sa.String(100), nullable=False),
        sa.Column("lang", sa.String(8), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "call_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uniqueid", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("wait", sa.Float, nullable=False),
        sa.Column("agent", sa.String(32), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_call_log_uniqueid", "call_log", ["uniqueid"])
    op.create_index("ix_call_log_at", "call_log", ["at"])


def downgrade() -> None:
    op.drop_index("ix_call_log_at", "call_log")
    op.drop_index("ix_call_log_uniqueid", "call_log")
    op.drop_table("call_log")
    op.drop_table("users")
