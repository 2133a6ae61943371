"""The Alembic revision builds the table the model describes, on SQLite and PostgreSQL."""

from __future__ import annotations

import secrets

import asyncpg
import pytest
import sqlalchemy as sa

from infra.db import make_engine, make_sessionmaker
from kontakt.migrate import downgrade, upgrade
from tickets.notify.jobs import Notification, enqueue, for_ticket

PG_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def empty_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/migrated.db"
        return
    name = f"kontakt_test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(PG_ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


def _schema(conn):
    insp = sa.inspect(conn)
    cols = {c["name"]: (type(c["type"]).__name__, c["nullable"])
            for c in insp.get_columns("notifications")}
    uniques = {tuple(u["column_names"]) for u in insp.get_unique_constraints("notifications")}
    return cols, uniques


async def test_revision_matches_the_model_and_works(empty_url):
    await upgrade(empty_url)
    engine = make_engine(empty_url)
    try:
        async with engine.connect() as conn:
            cols, uniques = await conn.run_sync(_schema)
        model = {c.name for c in Notification.__table__.columns}
        assert set(cols) == model
        assert ("event_id", "channel") in uniques
        sm = make_sessionmaker(engine)
        for _ in range(2):
            async with sm() as session, session.begin():
                await enqueue(session, ticket_number="NS-2027-000001", event_id="e1",
                              status="resolved", language="ro", phone="+40712345678",
                              email="a@example.org", outcome="Rezolvat.")
        async with sm() as session:
            rows = await for_ticket(session, "NS-2027-000001")
        assert [(r["channel"], r["language"]) for r in rows] == [("sms", "ro"), ("email", "ro")]
    finally:
        await engine.dispose()
    await downgrade(empty_url, "0001_tickets_outbox")
    engine = make_engine(empty_url)
    try:
        async with engine.connect() as conn:
            tables = await conn.run_sync(lambda c: sa.inspect(c).get_table_names())
        assert "notifications" not in tables and "tickets" in tables
    finally:
        await engine.dispose()
