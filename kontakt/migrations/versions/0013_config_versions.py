"""The configuration editor's earlier versions (kontakt.config_versions):
the text each apply or rollback replaced, who replaced it and when; the
newest 20 are kept, so a rollback works after a restart of the service.

Revision ID: 0013_config_versions
Revises: 0012_recordings
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_config_versions"
down_revision = "0012_recordings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "config_versions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("replaced_by", sa.String(64), nullable=False),
        sa.Column("replaced_at", sa.DateTime(timezone=True), nullable=False, index=True),
    )


def downgrade() -> None:
    op.drop_table("config_versions")
