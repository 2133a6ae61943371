"""The soak's MQTT subscriber and the event-loss check.

It subscribes to ``PREFIX/#`` with QoS 1 on a persistent session (a fixed
client id, clean_session off), so while it or the broker restarts the broker
keeps what arrives for it; it reconnects at once.  At the end every event id
committed to the engine's outbox (and call log) is looked up among the ids
that arrived: one that never did is lost.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiomqtt
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


@dataclass
class EventTap:
    host: str
    port: int
    prefix: str = "kontakt"
    received: dict[str, float] = field(default_factory=dict)  # event id -> first arrival
    topics: set[tuple[str, str]] = field(default_factory=set)  # (event id, topic) seen
    arrivals: list[tuple[float, str]] = field(default_factory=list)  # (wall time, type)
    types: dict[str, int] = field(default_factory=dict)
    duplicates: int = 0
    bad: int = 0
    disconnects: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    listeners: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _id: str = field(default_factory=lambda: f"soak-{uuid.uuid4().hex[:10]}")

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self.ready.wait(), 20)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            try:
                async with aiomqtt.Client(self.host, self.port, identifier=self._id,
                                          clean_session=False, timeout=5) as client:
                    await client.subscribe(f"{self.prefix}/#", qos=1)
                    self.ready.set()
                    async for msg in client.messages:
                        self._accept(str(msg.topic), msg.payload)
            except aiomqtt.MqttError:
                self.disconnects += 1
                self.ready.clear()
                await asyncio.sleep(0.05)

    def _accept(self, topic: str, raw: Any) -> None:
        try:
            payload = json.loads(raw)
            event_id = str(payload["event_id"])
        except (ValueError, TypeError, KeyError):
            self.bad += 1
            return
        # One event may go to several topics (a ticket's department and its
        # operator): a repeat on the same topic is a QoS 1 duplicate.
        if (event_id, topic) in self.topics:
            self.duplicates += 1
            return
        self.topics.add((event_id, topic))
        if event_id in self.received:
            return
        now = time.time()
        self.received[event_id] = now
        kind = str(payload.get("type") or payload.get("event") or "?")
        self.types[kind] = self.types.get(kind, 0) + 1
        self.arrivals.append((now, kind))
        for listener in self.listeners:
            listener(payload)

    def dump(self, path: Any) -> None:
        """Every arrival, for a look afterwards (``--keep``)."""
        path.write_text("\n".join(f"{t:.3f} {i}" for i, t in self.received.items()), "utf-8")

    def first_after(self, t: float, kind: str | None = None) -> float | None:
        """When the first event (of ``kind``) arrived after wall time ``t``."""
        for at, k in self.arrivals:  # in arrival order
            if at > t and (kind is None or k == kind):
                return at
        return None


@dataclass(frozen=True)
class Committed:
    event_id: str
    created: float  # wall time the outbox row was written
    published: bool  # the engine marked it delivered
    topic: str = ""


async def committed_events(url: str) -> list[Committed]:
    """Every outbox row (call events and ticket events alike)."""
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            rows = (await conn.execute(text(
                "SELECT event_id, created_at, published_at, topic FROM outbox"))).all()
    finally:
        await engine.dispose()
    return [Committed(str(r[0]), _epoch(r[1]), r[2] is not None, str(r[3])) for r in rows]


async def pending_outbox(url: str) -> int:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            n = await conn.scalar(text("SELECT count(*) FROM outbox WHERE published_at IS NULL"))
    finally:
        await engine.dispose()
    return int(n or 0)


def _epoch(v: Any) -> float:
    # SQLite hands back naive UTC text, PostgreSQL an aware datetime.
    if isinstance(v, str):
        with contextlib.suppress(ValueError):
            v = datetime.fromisoformat(v)
    if isinstance(v, datetime):
        return (v if v.tzinfo else v.replace(tzinfo=UTC)).timestamp()
    return 0.0
