"""The engine's event log: every call and agent-state event is written to
the database (``call_events``) and, in the same transaction, to the outbox
(``infra.outbox``) whose publisher (``kontakt.outbox``) delivers it to MQTT
with QoS 1, in order, so a broker that is down or restarts loses nothing.  Consumers drop
QoS 1 duplicates by ``event_id`` (``kontakt.outbox.Deduplicator``).

``record()`` never blocks a call: it queues the event; a writer task stores
queued events in batches, one transaction each.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sqlite3
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, DateTime, Integer, String, Text, insert
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from infra.db import Base, BatchWriter
from infra.logs import get_logger
from infra.outbox import (
    MARK_PUBLISHED,
    Committed,
    Delivered,
    OutboxRow,
    mark_batches,
    mark_published_raw,
    outbox_values,
)
from infra.raw_sqlite import RawInsert

log = get_logger()


class CallEvent(Base):
    __tablename__ = "call_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), unique=True)
    ts: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    topic: Mapped[str] = mapped_column(String(200))
    type: Mapped[str] = mapped_column(String(40), index=True)
    uniqueid: Mapped[str | None] = mapped_column(String(40), index=True)
    agent: Mapped[str | None] = mapped_column(String(20), index=True)
    payload: Mapped[str] = mapped_column(Text)


# Built once (the writer runs a batch several times a second).
_INSERT_EVENTS = insert(CallEvent.__table__)
_RAW_EVENTS = RawInsert(CallEvent.__table__,
                        ("event_id", "ts", "topic", "type", "uniqueid", "agent", "payload"))
_RAW_OUTBOX = RawInsert(OutboxRow.__table__,
                        ("event_id", "topic", "payload", "created_at", "published_at"))
# RETURNING the event id beside the row id: matched by it, the rows need no
# order, and SQLite then takes the batch in one statement (asked to keep the
# order, SQLAlchemy sends a statement a row).
_INSERT_OUTBOX = insert(OutboxRow.__table__).returning(OutboxRow.__table__.c.id,
                                                       OutboxRow.__table__.c.event_id)


class Outbox(Protocol):
    """What the event log needs of the publisher (``kontakt.outbox``)."""

    delivered: Delivered

    def notify(self, rows: Sequence[Committed] | None = None) -> None: ...


class EventLog:
    def __init__(
        self,
        sessionmaker: async_sessionmaker[Any],
        *,
        batch: int = 500,
        linger: float = 0.2,
        outbox: Outbox | None = None,
        writer: BatchWriter | None = None,
    ) -> None:
        self.sessionmaker = sessionmaker
        self.batch = batch
        self.linger = linger
        # Hands the committed outbox rows to the publisher (no read-back)
        # and marks what it delivered since, in the same transaction.
        self.outbox = outbox
        self._writer, self._own_writer = writer, writer is None
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None

    def record(self, topic: str, payload: dict[str, Any]) -> None:
        self._queue.put_nowait((topic, payload))

    async def start(self) -> None:
        self._writer = self._writer or BatchWriter(self.sessionmaker)
        self._task = asyncio.create_task(self._write_forever())

    async def stop(self) -> None:
        await self.flush()
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._writer is not None and self._own_writer:
            self._writer.close()
            self._writer = None

    async def flush(self) -> None:
        """Store everything queued so far (at shutdown, and for tests)."""
        if self._writer is None:  # never started: a writer for this flush alone
            self._writer = BatchWriter(self.sessionmaker)
            try:
                await self.flush()
            finally:
                self._writer.close()
                self._writer = None
            return
        while not self._queue.empty():
            await self._store(self._drain())
        # What the broker acknowledged while this flush waited is marked too:
        # after a flush, the unpublished rows are exactly the undelivered ones.
        if self.outbox is not None and self.outbox.delivered:
            await self._store([])

    def _drain(self) -> list[tuple[str, dict[str, Any]]]:
        items = []
        while not self._queue.empty() and len(items) < self.batch:
            items.append(self._queue.get_nowait())
        return items

    async def _write_forever(self) -> None:
        while True:
            first = await self._queue.get()
            # Linger a moment so one transaction carries the bursts calls make
            # (ringing, connected, agent states): far less CPU, and less
            # contention with the calls' own path, for a 200 ms later feed.
            # With SQLite in the engine's process the database was about half
            # of the engine's CPU per call (py-spy, setup bench).
            await asyncio.sleep(self.linger)
            items = [first, *self._drain()]
            try:
                await self._store(items)
            except Exception:
                log.exception("eventlog.store_failed", events=len(items))
                for item in items:  # keep them: try again shortly
                    self._queue.put_nowait(item)
                await asyncio.sleep(1)

    async def _store(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        """Write ``items`` and mark what the publisher delivered since."""
        # Two multi-row INSERTs (Core, no unit of work): an event costs its two
        # rows' values, not an ORM object each (the profile's biggest part).
        events, outbox = [], []
        now = datetime.now(UTC)
        for topic, p in items:
            body = json.dumps(p, ensure_ascii=False, default=str)
            events.append({"event_id": p["event_id"], "ts": datetime.fromisoformat(p["ts"]),
                           "topic": topic, "type": p["type"], "uniqueid": p.get("uniqueid"),
                           "agent": p.get("agent"), "payload": body})
            outbox.append(outbox_values(topic, p, body, now))
        # Core, not a session, in one trip to the writer's thread (SQLite).
        # RETURNING gives the outbox rows' ids: the publisher needn't read
        # them back; and the rows it delivered since are marked here too.
        marks = self.outbox.delivered.snapshot() if self.outbox is not None else []
        if not items and not marks:
            return
        assert self._writer is not None, "EventLog.start() first"
        ids = await self._writer.run(lambda conn: _write(conn, events, outbox, marks, now),
                                     lambda db: _write_raw(db, events, outbox, marks, now))
        if self.outbox is not None:
            self.outbox.delivered.marked(marks)
            self.outbox.notify([Committed(ids[o["event_id"]], o["topic"], o["payload"])
                                for o in outbox])


def _write(conn: Connection, events: list[dict[str, Any]], outbox: list[dict[str, Any]],
           marks: list[int], now: datetime) -> dict[str, int]:
    """The batch's statements (PostgreSQL)."""
    ids = {}
    if events:
        conn.execute(_INSERT_EVENTS, events)
        ids = {event_id: row_id for row_id, event_id in conn.execute(_INSERT_OUTBOX, outbox)}
    for params in mark_batches(marks, now):
        conn.execute(MARK_PUBLISHED, params)
    return ids


def _write_raw(db: sqlite3.Connection, events: list[dict[str, Any]],
               outbox: list[dict[str, Any]], marks: list[int], now: datetime) -> dict[str, int]:
    """The same statements on SQLite's own cursor (in the writer's thread)."""
    cur = db.cursor()
    ids = {}
    if events:
        _RAW_EVENTS.many(cur, events)
        ids = {event_id: row_id for row_id, event_id
               in _RAW_OUTBOX.returning(cur, outbox, "id", "event_id")}
    mark_published_raw(cur, marks, now)
    return ids


def new_event(type_: str, **fields: Any) -> dict[str, Any]:
    import uuid

    return {
        "event_id": str(uuid.uuid4()),
        "ts": datetime.now(UTC).isoformat(),
        "type": type_,
        **fields,
    }
