"""tickets, their calls, history and counters; the outbox; full text index

Revision ID: 0001_tickets_outbox
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_tickets_outbox"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(36), nullable=False),
        sa.Column("topic", sa.String(300), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("published_at", TS, nullable=True),
    )
    op.create_index("ix_outbox_event_id", "outbox", ["event_id"])
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])

    op.create_table(
        "tickets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("number", sa.String(24), nullable=False, unique=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("phone", sa.String(20)),
        sa.Column("citizen_name", sa.String(200)),
        sa.Column("email", sa.String(254)),
        sa.Column("address", sa.String(300)),
        sa.Column("lat", sa.Float),
        sa.Column("lon", sa.Float),
        sa.Column("department", sa.String(32)),
        sa.Column("opened_by", sa.String(64), nullable=False),
        sa.Column("assignee", sa.String(64)),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("language", sa.String(8), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_tickets_phone_created", "tickets", ["phone", "created_at"])
    op.create_index("ix_tickets_department_status", "tickets",
                    ["department", "status", "created_at"])
    op.create_index("ix_tickets_status_created", "tickets", ["status", "created_at"])
    op.create_index("ix_tickets_kind_created", "tickets", ["kind", "created_at"])
    op.create_index("ix_tickets_created", "tickets", ["created_at"])
    op.create_index("ix_tickets_opened_by", "tickets", ["opened_by", "created_at"])

    op.create_table(
        "ticket_calls",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("uniqueid", sa.String(40), nullable=False),
        sa.Column("wait_seconds", sa.Float),
        sa.Column("talk_seconds", sa.Float),
        sa.Column("agent", sa.String(64)),
    )
    op.create_index("ix_ticket_calls_ticket_id", "ticket_calls", ["ticket_id"])
    op.create_index("ix_ticket_calls_uniqueid", "ticket_calls", ["uniqueid"])

    op.create_table(
        "ticket_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("ticket_id", sa.Integer, sa.ForeignKey("tickets.id"), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("old_status", sa.String(16)),
        sa.Column("new_status", sa.String(16)),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("details", sa.Text, nullable=False),
        sa.Column("event_id", sa.String(36)),
    )
    op.create_index("ix_ticket_history_ticket_id", "ticket_history", ["ticket_id"])

    op.create_table(
        "ticket_counters",
        sa.Column("year", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("last", sa.Integer, nullable=False),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute("CREATE INDEX ix_tickets_fulltext ON tickets USING gin "
                   "(to_tsvector('simple', coalesce(subject, '') || ' ' || "
                   "coalesce(description, '')))")
    else:
        # External-content FTS5 table kept in step by triggers.
        op.execute("CREATE VIRTUAL TABLE tickets_fts USING fts5(subject, description, "
                   "content='tickets', content_rowid='id', "
                   "tokenize='unicode61 remove_diacritics 2')")
        op.execute("CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets BEGIN "
                   "INSERT INTO tickets_fts(rowid, subject, description) "
                   "VALUES (new.id, new.subject, new.description); END")
        op.execute("CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets BEGIN "
                   "INSERT INTO tickets_fts(tickets_fts, rowid, subject, description) "
                   "VALUES ('delete', old.id, old.subject, old.description); END")
        op.execute("CREATE TRIGGER tickets_fts_au AFTER UPDATE OF subject, description "
                   "ON tickets BEGIN "
                   "INSERT INTO tickets_fts(tickets_fts, rowid, subject, description) "
                   "VALUES ('delete', old.id, old.subject, old.description); "
                   "INSERT INTO tickets_fts(rowid, subject, description) "
                   "VALUES (new.id, new.subject, new.description); END")


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for trig in ("tickets_fts_ai", "tickets_fts_ad", "tickets_fts_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {trig}")
        op.execute("DROP TABLE IF EXISTS tickets_fts")
    for table in ("ticket_counters", "ticket_history", "ticket_calls", "tickets", "outbox"):
        op.drop_table(table)
