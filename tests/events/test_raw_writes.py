"""The event log's SQLite batch runs on the raw cursor (``infra.raw_sqlite``):
what it stores must read back through SQLAlchemy exactly as the Core path
stores it (PostgreSQL runs the Core path itself), and a failed batch must
leave nothing behind."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from infra.db import make_engine, make_sessionmaker
from infra.outbox import Delivered, OutboxRow
from kontakt.eventlog import CallEvent, EventLog, new_event
from kontakt.migrate import upgrade


class _Outbox:
    def __init__(self) -> None:
        self.delivered = Delivered()
        self.handed: list = []

    def notify(self, rows=None) -> None:
        self.handed += rows or []


async def _stored(url: str, via_raw: bool) -> tuple[list, list, list]:
    await upgrade(url)
    db = make_engine(url)
    sm = make_sessionmaker(db)
    outbox = _Outbox()
    log = EventLog(sm, outbox=outbox)
    if not via_raw:  # the Core statements, as PostgreSQL runs them
        log._writer = _CoreOnly(sm)
    await log.start()
    at = datetime(2026, 12, 7, 13, 5, 1, 123456, tzinfo=UTC)
    for i in range(3):
        e = new_event("call.ringing", uniqueid=f"1.{i}", agent="agent05", name="Ђорђе")
        e["ts"] = at.isoformat()
        log.record(f"kontakt/queue/1.{i}", e)
    await log.flush()
    outbox.delivered.add([outbox.handed[0].id])  # the broker took the first
    e = new_event("agent.state", agent="agent05")
    e["ts"] = at.isoformat()
    log.record("kontakt/agents/agent05", e)
    await log.stop()
    async with sm() as s:
        events = (await s.execute(select(CallEvent.ts, CallEvent.type, CallEvent.uniqueid,
                                         CallEvent.agent, CallEvent.topic))).all()
        rows = (await s.execute(select(OutboxRow.id, OutboxRow.topic,
                                       OutboxRow.published_at.is_not(None)))).all()
    await db.dispose()
    return events, rows, [(r.id, r.topic) for r in outbox.handed]


class _CoreOnly:
    def __init__(self, sm) -> None:
        self.engine = sm.kw["bind"]

    async def run(self, core, raw):
        async with self.engine.begin() as conn:
            return await conn.run_sync(core)

    def close(self) -> None:
        pass


async def test_raw_batch_stores_what_the_core_batch_stores(tmp_path):
    raw = await _stored(f"sqlite+aiosqlite:///{tmp_path}/raw.db", via_raw=True)
    core = await _stored(f"sqlite+aiosqlite:///{tmp_path}/core.db", via_raw=False)
    assert raw == core
    events, rows, handed = raw
    assert events[0][0] == datetime(2026, 12, 7, 13, 5, 1, 123456)  # as SQLite keeps it
    assert [r[2] for r in rows] == [True, False, False, False]  # marked in the next batch
    assert handed == [(r[0], r[1]) for r in rows]


async def test_a_failed_raw_batch_leaves_nothing(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path}/k.db"
    await upgrade(url)
    sm = make_sessionmaker(make_engine(url))
    log = EventLog(sm)
    await log.start()
    e = new_event("call.ringing", uniqueid="1.1")
    log.record("kontakt/queue/1.1", e)
    log.record("kontakt/queue/1.1", dict(e))  # the same event id twice: UNIQUE fails
    with pytest.raises(sqlite3.IntegrityError):
        await log.flush()
    await log.stop()
    db = sqlite3.connect(tmp_path / "k.db")
    counts = [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("call_events", "outbox")]
    db.close()
    assert counts == [0, 0]
