"""Users and the call log on PostgreSQL too (a private database per run)."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import asyncpg
import pytest

from infra.db import make_engine, make_sessionmaker
from kontakt.eventlog import EventLog, new_event
from kontakt.http import callstats
from kontakt.http.users import UserError, add_user, authenticate, list_users
from kontakt.migrate import upgrade

pytestmark = pytest.mark.postgres
ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"


@pytest.fixture
async def pg_sessionmaker():
    name = f"kontakt_test_{secrets.token_hex(6)}"
    admin = await asyncpg.connect(ADMIN_DSN)
    await admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    engine = make_engine(url)
    try:
        await upgrade(url)  # the same Alembic revisions as SQLite
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await admin.close()


async def test_users_and_call_log_on_postgres(pg_sessionmaker):
    sm = pg_sessionmaker
    await add_user(sm, "vod1", "correct-horse-1", "department", department="vodovod")
    with pytest.raises(UserError):
        await add_user(sm, "vod1", "correct-horse-1", "department", department="vodovod")
    assert (await authenticate(sm, "vod1", "correct-horse-1")).department == "vodovod"
    assert [u.username for u in await list_users(sm, department="vodovod")] == ["vod1"]
    now = datetime.now(UTC)
    log = EventLog(sm)
    log.record("kontakt/queue/1.2", new_event("call.connected", uniqueid="1.2", wait=4.0))
    await log.flush()
    rows = await callstats.load(sm, now, 1)
    assert [(r.outcome, r.wait) for r in rows] == [("answered", 4.0)]


async def test_audit_log_append_only_and_retention_on_postgres(pg_sessionmaker):
    import sqlalchemy.exc
    from sqlalchemy import text

    from kontakt.privacy.audit import AuditLog, Entry
    from kontakt.privacy.retention import RetentionJob
    from tickets.domain import Actor
    from tickets.service import TicketService

    sm = pg_sessionmaker
    now = datetime.now(UTC)
    long_ago = now.replace(year=now.year - 3)
    svc = TicketService(sm, clock=lambda: long_ago)
    t = await svc.open_ticket(Actor("agent01", "agent"), kind="complaint", subject="Цев",
                              description="Петар, Лиман", department="vodovod",
                              phone="0641234567", email="p@example.rs")
    await svc.change_status(Actor("vod1", "department", "vodovod"), t["number"], "resolved")
    report = await RetentionJob(sm, 730).run_once()
    assert report.tickets == 1
    got = await svc.get(Actor("adm", "admin"), t["number"])
    assert (got["phone"], got["email"], got["description"]) == (None, None, "")
    assert await svc.search(Actor("adm", "admin"), text="Лиман") == []  # tsvector follows
    audit = AuditLog(sm)
    await audit.record([Entry("adm", "admin", "ticket.read", t["number"], "role")])
    assert [e["action"] for e in await audit.read()] == ["retention.run", "ticket.read"]
    for sql in ("UPDATE audit_log SET reason = 'x'", "DELETE FROM audit_log",
                "TRUNCATE audit_log"):
        async with sm() as s:
            try:
                async with s.begin():
                    await s.execute(text(sql))
            except sqlalchemy.exc.DBAPIError as e:
                assert "append-only" in str(e)
            else:
                raise AssertionError(f"{sql} went through")
    assert len(await audit.read()) == 2
