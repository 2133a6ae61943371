"""Call recordings (MixMonitor): one row per recorded call, its file, the
language of the notice the citizen heard, and the department it is shared
with (none: supervisors and the operator who handled it only).

Revision ID: 0012_recordings
Revises: 0011_channel_messages
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_recordings"
down_revision = "0011_channel_messages"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "recordings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("uniqueid", sa.String(40), nullable=False, unique=True),
        sa.Column("path", sa.String(400), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("shared_department", sa.String(64), nullable=True),
    )


def downgrade() -> None:
    op.drop_table("recordings")
