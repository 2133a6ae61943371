"""Full text in one spelling: subject and description folded by
``tickets.fold`` (Serbian Cyrillic written in Latin, no diacritics, lower
case) into ``tickets.search_text``, which the full text index is built from;
queries are folded the same way, so "Bulevar oslobođenja" and "Булевар
ослобођења" find each other.  The application writes the column on every
create and update; this revision backfills the rows already there.

SQLite: the FTS5 table now indexes ``search_text`` (external content,
kept in step by triggers).  PostgreSQL: ``search_tsv`` is generated from
``search_text`` (``to_tsvector('simple', ...)``: no stemming, the folded
words as they are) under the same GIN index.

Revision ID: 0010_ticket_search_fold
Revises: 0009_deadlines_returns_merges
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from tickets.fold import search_text

revision = "0010_ticket_search_fold"
down_revision = "0009_deadlines_returns_merges"
branch_labels = None
depends_on = None

OLD_PG = "to_tsvector('simple', coalesce(subject, '') || ' ' || coalesce(description, ''))"
NEW_PG = "to_tsvector('simple', coalesce(search_text, ''))"
BATCH = 5000


def _sqlite_fts(columns: str, body_new: str, body_old: str) -> None:
    for trig in ("tickets_fts_ai", "tickets_fts_ad", "tickets_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trig}")
    op.execute("DROP TABLE IF EXISTS tickets_fts")
    op.execute(f"CREATE VIRTUAL TABLE tickets_fts USING fts5({columns}, "
               "content='tickets', content_rowid='id', "
               "tokenize='unicode61 remove_diacritics 2')")
    op.execute("CREATE TRIGGER tickets_fts_ai AFTER INSERT ON tickets BEGIN "
               f"INSERT INTO tickets_fts(rowid, {columns}) VALUES (new.id, {body_new}); END")
    op.execute("CREATE TRIGGER tickets_fts_ad AFTER DELETE ON tickets BEGIN "
               f"INSERT INTO tickets_fts(tickets_fts, rowid, {columns}) "
               f"VALUES ('delete', old.id, {body_old}); END")
    op.execute(f"CREATE TRIGGER tickets_fts_au AFTER UPDATE OF {columns} ON tickets BEGIN "
               f"INSERT INTO tickets_fts(tickets_fts, rowid, {columns}) "
               f"VALUES ('delete', old.id, {body_old}); "
               f"INSERT INTO tickets_fts(rowid, {columns}) VALUES (new.id, {body_new}); END")
    op.execute("INSERT INTO tickets_fts(tickets_fts) VALUES ('rebuild')")


def _backfill() -> None:
    conn = op.get_bind()
    last = 0
    while True:
        rows = conn.execute(sa.text(
            "SELECT id, subject, description FROM tickets WHERE id > :last "
            "ORDER BY id LIMIT :n"), {"last": last, "n": BATCH}).all()
        if not rows:
            return
        conn.execute(sa.text("UPDATE tickets SET search_text = :s WHERE id = :id"),
                     [{"id": r.id, "s": search_text(r.subject or "", r.description)}
                      for r in rows])
        last = rows[-1].id


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:  # the generated column reads search_text: drop it first
        op.execute("DROP INDEX IF EXISTS ix_tickets_search_tsv")
        op.execute("ALTER TABLE tickets DROP COLUMN IF EXISTS search_tsv")
    op.add_column("tickets", sa.Column("search_text", sa.Text, nullable=False,
                                       server_default=""))
    _backfill()
    if postgres:
        op.execute(f"ALTER TABLE tickets ADD COLUMN search_tsv tsvector "
                   f"GENERATED ALWAYS AS ({NEW_PG}) STORED")
        op.execute("CREATE INDEX ix_tickets_search_tsv ON tickets USING gin (search_tsv)")
    else:
        _sqlite_fts("search_text", "new.search_text", "old.search_text")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_tickets_search_tsv")
        op.execute("ALTER TABLE tickets DROP COLUMN search_tsv")
        op.drop_column("tickets", "search_text")
        op.execute(f"ALTER TABLE tickets ADD COLUMN search_tsv tsvector "
                   f"GENERATED ALWAYS AS ({OLD_PG}) STORED")
        op.execute("CREATE INDEX ix_tickets_search_tsv ON tickets USING gin (search_tsv)")
        return
    for trig in ("tickets_fts_ai", "tickets_fts_ad", "tickets_fts_au"):
        op.execute(f"DROP TRIGGER IF EXISTS {trig}")
    op.execute("DROP TABLE IF EXISTS tickets_fts")
    op.execute("ALTER TABLE tickets DROP COLUMN search_text")
    _sqlite_fts("subject, description", "new.subject, new.description",
                "old.subject, old.description")
