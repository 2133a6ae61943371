"""The personal-data audit log (append-only: the database itself refuses
UPDATE and DELETE on it) and the mark of an anonymised ticket.

Revision ID: 0007_audit_log_retention
Revises: 0006_ticket_search_vector
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_audit_log_retention"
down_revision = "0006_ticket_search_vector"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
REFUSED = "audit_log is append-only"


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("ticket_number", sa.String(24), nullable=True),
        sa.Column("reason", sa.String(300), nullable=False),
        sa.Column("client", sa.String(64), nullable=True),
        sa.Column("details", sa.Text, nullable=False),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_ticket", "audit_log", ["ticket_number", "at"])
    op.create_index("ix_audit_log_actor", "audit_log", ["actor", "at"])
    op.add_column("tickets", sa.Column("anonymised_at", TS, nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""CREATE FUNCTION audit_log_refuse() RETURNS trigger AS $$
            BEGIN RAISE EXCEPTION '{REFUSED}'; END $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
                   "ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse()")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(f"CREATE TRIGGER audit_log_no_{verb.lower()} BEFORE {verb} ON audit_log "
                       f"BEGIN SELECT RAISE(ABORT, '{REFUSED}'); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_refuse()")
    else:
        for verb in ("update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{verb}")
    op.drop_column("tickets", "anonymised_at")  # SQLite >= 3.35 drops a column in place
    op.drop_table("audit_log")
