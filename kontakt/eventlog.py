"""The engine's event log: every call and agent-state event is written to
the database and delivered to MQTT from there (an outbox), QoS 1, in order.

``record()`` never blocks a call: it queues the event; a writer task stores
queued events in batches (one transaction each), and a publisher task sends
stored, unpublished rows to the broker and marks them published.  A broker
that is down or restarts loses nothing: rows wait in the table.  QoS 1 can
deliver twice, so consumers drop duplicates by ``event_id`` (``Deduper``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

import aiomqtt
from sqlalchemy import Boolean, DateTime, Integer, String, Text, select, update
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import Mapped, mapped_column

from kontakt.db import Base
from kontakt.logs import get_logger

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
    published: Mapped[bool] = mapped_column(Boolean, default=False, index=True)


class EventLog:
    def __init__(self, sessionmaker: async_sessionmaker[Any], *, mqtt_host: str = "127.0.0.1",
                 mqtt_port: int = 1883, batch: int = 500, backoff_max: float = 10.0) -> None:
        self.sessionmaker = sessionmaker
        self.mqtt_host, self.mqtt_port = mqtt_host, mqtt_port
        self.batch = batch
        self.backoff_max = backoff_max
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._stored = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self.connected = False

    def record(self, topic: str, payload: dict[str, Any]) -> None:
        self._queue.put_nowait((topic, payload))

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._writer()), asyncio.create_task(self._publisher())]

    async def stop(self) -> None:
        await self.flush()
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await t

    async def flush(self) -> None:
        """Store everything queued so far (used at shutdown and by tests)."""
        await self._store(self._drain())

    def _drain(self) -> list[tuple[str, dict[str, Any]]]:
        items = []
        while not self._queue.empty() and len(items) < self.batch:
            items.append(self._queue.get_nowait())
        return items

    async def _writer(self) -> None:
        while True:
            first = await self._queue.get()
            items = [first, *self._drain()]
            try:
                await self._store(items)
            except Exception:
                log.exception("eventlog.store_failed", events=len(items))
                for item in items:  # keep them: try again shortly
                    self._queue.put_nowait(item)
                await asyncio.sleep(1)

    async def _store(self, items: list[tuple[str, dict[str, Any]]]) -> None:
        if not items:
            return
        async with self.sessionmaker() as session, session.begin():
            for topic, p in items:
                session.add(CallEvent(
                    event_id=p["event_id"], ts=datetime.fromisoformat(p["ts"]), topic=topic,
                    type=p["type"], uniqueid=p.get("uniqueid"), agent=p.get("agent"),
                    payload=json.dumps(p, ensure_ascii=False)))
        self._stored.set()

    async def _publisher(self) -> None:
        delay = 0.5
        while True:
            try:
                async with aiomqtt.Client(self.mqtt_host, self.mqtt_port, timeout=5) as client:
                    self.connected, delay = True, 0.5
                    log.info("mqtt.connected", host=self.mqtt_host, port=self.mqtt_port)
                    await self._publish_forever(client)
            except aiomqtt.MqttError as e:
                if self.connected:
                    log.warning("mqtt.disconnected", error=str(e))
                self.connected = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)

    async def _publish_forever(self, client: aiomqtt.Client) -> None:
        while True:
            self._stored.clear()
            async with self.sessionmaker() as session:
                rows = (await session.execute(
                    select(CallEvent.id, CallEvent.topic, CallEvent.payload)
                    .where(CallEvent.published.is_(False)).order_by(CallEvent.id)
                    .limit(self.batch))).all()
            for row in rows:
                await client.publish(row.topic, row.payload, qos=1)  # waits for PUBACK
            if rows:
                # Marked after the broker acknowledged them all: a drop in the
                # middle re-sends some, which consumers drop by event_id.
                async with self.sessionmaker() as session, session.begin():
                    await session.execute(update(CallEvent)
                                          .where(CallEvent.id.in_([r.id for r in rows]))
                                          .values(published=True))
            if not rows:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stored.wait(), 1.0)


def new_event(type_: str, **fields: Any) -> dict[str, Any]:
    import uuid

    return {"event_id": str(uuid.uuid4()), "ts": datetime.now(UTC).isoformat(),
            "type": type_, **fields}


class Deduper:
    """Drops events whose ``event_id`` was seen recently (QoS 1 redelivery)."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._seen: OrderedDict[str, None] = OrderedDict()

    def first_time(self, event_id: str) -> bool:
        if event_id in self._seen:
            self._seen.move_to_end(event_id)
            return False
        self._seen[event_id] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True
