"""Transactional outbox: changes and their MQTT messages commit together.

``infra.outbox.add_event(session, topic, payload)`` writes a row in the
caller's transaction (a ticket change, an ACD event...).  ``OutboxPublisher``
delivers unpublished rows to MQTT with QoS 1, in order, and marks them
published after the broker's PUBACK; a broker that is down or restarts loses nothing (rows
wait), and a drop mid-batch re-sends a few, which consumers drop by
``event_id`` (``Subscriber``).

Topics are stored without the prefix (``tickets/vodovod/NS-2027-000123``);
the publisher puts ``{prefix}/`` in front unless the topic already has it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import uuid
from collections import OrderedDict, deque
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import aiomqtt
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import async_sessionmaker

from infra.db import core_read, core_write
from infra.logs import get_logger
from infra.outbox import Committed, Delivered, OutboxRow, mark_published

log = get_logger()


def full_topic(prefix: str, topic: str) -> str:
    if not prefix or topic == prefix or topic.startswith(prefix + "/"):
        return topic
    return f"{prefix}/{topic}"


HANDED_MAX = 5000  # committed rows kept in memory for sending, at most
IN_FLIGHT = 10  # messages published at once


class OutboxPublisher:
    """Delivers the outbox to MQTT (QoS 1, in order).  ``await run()`` runs
    until cancelled; ``start()``/``stop()`` wrap it in a task."""

    def __init__(self, sessionmaker: async_sessionmaker[Any], host: str = "127.0.0.1",
                 port: int = 1883, prefix: str = "kontakt", *, batch: int = 200,
                 poll: float = 1.0, linger: float = 0.05, mark_every: float = 1.0,
                 backoff_max: float = 5.0) -> None:
        self.sessionmaker = sessionmaker
        self.host, self.port, self.prefix = host, port, prefix
        # poll: rows committed by other processes (no notify) wait at most
        # this long; each poll is a SELECT. linger: after a wake, wait for the
        # other commits of the moment, so one SELECT and UPDATE carry them.
        # mark_every: delivered rows are marked published at most this often
        # (one UPDATE for many batches; a crash before it re-sends them, and
        # consumers drop QoS 1 repeats by event_id anyway).
        self.batch, self.poll, self.backoff_max = batch, poll, backoff_max
        self.linger, self.mark_every = linger, mark_every
        self.connected = False
        self.published = 0
        self.db_errors = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._handed: deque[Committed] = deque()  # committed here, not yet sent
        self.delivered = Delivered()  # sent, not yet marked published
        self._poll_due = True
        self._last_mark = 0.0

    def notify(self, rows: Sequence[Committed] | None = None) -> None:
        """Wake the publisher now (after a commit) instead of at the next poll.
        ``rows``: the outbox rows just committed, sent as they are (the event
        log's batches); without them the publisher reads the table."""
        if rows is None:
            self._poll_due = True
        elif len(self._handed) + len(rows) > HANDED_MAX:
            # The broker is away (or slow): the rows wait in the table, not in
            # memory, and the next poll reads them in order.
            self._handed.clear()
            self._poll_due = True
        else:
            self._handed.extend(rows)
        self._wake.set()

    async def start(self) -> None:
        self._task = asyncio.create_task(self.run())

    async def stop(self, drain: float = 5.0) -> None:
        """Deliver what is committed (for at most ``drain`` seconds while the
        broker is reachable), then stop; what is left waits in the database
        for the next start."""
        await self.drain(drain)
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        try:  # what was delivered since the drain's last look
            await self._mark()
        except (SQLAlchemyError, OSError) as e:
            log.warning("outbox.mark_failed", rows=len(self.delivered),
                        error=str(e).splitlines()[0][:200])

    async def drain(self, timeout: float) -> int:
        """Rows still undelivered after at most ``timeout`` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        left = await self._pending()
        while (left and self.connected and self._task is not None and not self._task.done()
               and loop.time() < deadline):
            self.notify()
            await asyncio.sleep(0.05)
            left = await self._pending()
        if left:
            log.warning("outbox.left_for_next_start", rows=left)
        return left

    async def _pending(self) -> int:
        """Rows undelivered; with the database away, 0 (they wait there for
        the next start; the stop must go on)."""
        try:
            await self._mark()
            return await pending(self.sessionmaker)
        except (SQLAlchemyError, OSError) as e:
            log.warning("outbox.pending_unknown", error=str(e).splitlines()[0][:200])
            return 0

    async def run(self) -> None:
        delay = 0.2
        while True:
            try:
                async with aiomqtt.Client(self.host, self.port, timeout=5,
                                          identifier=f"kontakt-outbox-{uuid.uuid4().hex[:8]}"
                                          ) as client:
                    self.connected, delay = True, 0.2
                    log.info("outbox.connected", host=self.host, port=self.port)
                    await self._deliver_forever(client)
            except aiomqtt.MqttError as e:
                if self.connected:
                    log.warning("outbox.disconnected", error=str(e))
                self.connected = False
                with contextlib.suppress(SQLAlchemyError, OSError):
                    await self._mark()  # what the broker acknowledged before it went
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)
            except (SQLAlchemyError, OSError) as e:
                # The database away or busy (a restart, SQLite's lock past its
                # timeout). asyncpg's "connection refused" while PostgreSQL
                # restarts comes as a bare OSError, not wrapped by SQLAlchemy:
                # the publisher died on it and 9,065 events waited for the next
                # start. The rows wait there; try again, never die.
                log.warning("outbox.database_unavailable",
                            error=(str(e).splitlines() or [type(e).__name__])[0][:200])
                self.connected = False
                self.db_errors += 1
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)
            except Exception:  # a bug must not stop delivery for the rest of the day
                log.exception("outbox.failed")
                self.connected = False
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)

    async def _deliver_forever(self, client: aiomqtt.Client) -> None:
        self._poll_due = True  # after a (re)connect: whatever waits in the table
        loop = asyncio.get_running_loop()
        while True:
            self._wake.clear()
            sent = await self.deliver_once(client)
            if sent < self.batch and not self._handed:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), self.poll)
                if not self._wake.is_set():
                    self._poll_due = True  # rows other processes committed
                elif self._poll_due and self.linger:
                    await asyncio.sleep(self.linger)
            if self.delivered and loop.time() - self._last_mark >= self.mark_every:
                await self._mark()
            # Idle, nothing is published, so nothing raises when the broker
            # goes away: ask aiomqtt's own disconnect future (no public API in
            # 2.x), so /readyz names the broker within a poll.
            gone = getattr(client, "_disconnected", None)
            if gone is not None and gone.done():
                raise aiomqtt.MqttError("outbox: the broker closed the connection")

    async def deliver_once(self, client: aiomqtt.Client) -> int:
        rows: Sequence[Any] = []
        if self._poll_due:
            self._poll_due = False
            await self._mark()  # so the SELECT returns none of them again
            rows = await self._select()
            if len(rows) >= self.batch:  # more wait in the table
                self._poll_due = True
            if rows:  # handed rows the SELECT found too go out once, now
                found = {r.id for r in rows}
                self._handed = deque(r for r in self._handed if r.id not in found)
        if not rows:
            rows = self._take_handed()
        await self._publish(client, rows)
        # Marked (later, by _mark) only after every PUBACK of the batch: a
        # drop in the middle re-sends some next time (duplicates, dropped by
        # event_id).
        self.delivered.add(r.id for r in rows)
        self.published += len(rows)
        return len(rows)

    async def _publish(self, client: aiomqtt.Client, rows: Sequence[Any]) -> None:
        """QoS 1, in order, the whole batch in flight at once: paho queues
        the messages in order and writes them in one go, instead of a write
        and a wait for its PUBACK each.  One deadline for the batch."""
        try:
            async with asyncio.timeout(5.0 + 0.1 * len(rows)):
                # At most ten in flight: aiomqtt warns of more (a leak, to it).
                for i in range(0, len(rows), IN_FLIGHT):
                    done = await asyncio.gather(
                        *(client.publish(full_topic(self.prefix, row.topic), row.payload,
                                         qos=1, timeout=math.inf)
                          for row in rows[i:i + IN_FLIGHT]),
                        return_exceptions=True)
                    failed = next((e for e in done if isinstance(e, BaseException)), None)
                    if failed is not None:
                        raise failed
        except TimeoutError:
            raise aiomqtt.MqttError("outbox: the broker did not acknowledge in time") from None

    def _take_handed(self) -> list[Committed]:
        rows: list[Committed] = []
        while self._handed and len(rows) < self.batch:
            row = self._handed.popleft()
            if row.id not in self.delivered:
                rows.append(row)
        return rows

    async def _select(self) -> Sequence[Any]:
        async with core_read(self.sessionmaker) as conn:
            return (await conn.execute(
                select(OutboxRow.id, OutboxRow.topic, OutboxRow.payload)
                .where(OutboxRow.published_at.is_(None)).order_by(OutboxRow.id)
                .limit(self.batch))).all()

    async def _mark(self) -> None:
        """Mark the delivered rows published: one UPDATE for all of them."""
        self._last_mark = asyncio.get_running_loop().time()
        ids = self.delivered.snapshot()
        if not ids:
            return
        async with core_write(self.sessionmaker) as conn:
            await mark_published(conn, ids, datetime.now(UTC))
        self.delivered.marked(ids)
        log.debug("outbox.marked", rows=len(ids))


async def pending(sessionmaker: async_sessionmaker[Any]) -> int:
    """Rows not yet delivered (for tests, health and the demo)."""
    from sqlalchemy import func

    async with sessionmaker() as session:
        n = await session.scalar(select(func.count()).select_from(OutboxRow)
                                 .where(OutboxRow.published_at.is_(None)))
    return int(n or 0)


async def prune(sessionmaker: async_sessionmaker[Any], older_than: timedelta) -> int:
    """Delete rows published more than ``older_than`` ago (never unpublished
    ones); returns how many went.  For a daily housekeeping task."""
    from sqlalchemy import delete

    cutoff = datetime.now(UTC) - older_than
    async with sessionmaker() as session, session.begin():
        result = await session.execute(delete(OutboxRow)
                                       .where(OutboxRow.published_at.is_not(None))
                                       .where(OutboxRow.published_at < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)


class Deduplicator:
    """Remembers the last ``size`` event ids; ``fresh(id)`` is False for a repeat."""

    def __init__(self, size: int = 10_000) -> None:
        self.size = size
        self._seen: OrderedDict[str, None] = OrderedDict()
        self.dropped = 0

    def fresh(self, event_id: str) -> bool:
        if event_id in self._seen:
            self._seen.move_to_end(event_id)
            self.dropped += 1
            return False
        self._seen[event_id] = None
        if len(self._seen) > self.size:
            self._seen.popitem(last=False)
        return True


class Subscriber:
    """Subscribes to a topic filter and yields ``(topic, payload)`` once per
    event id, reconnecting with backoff::

        async with Subscriber(host, port, "kontakt/tickets/#") as sub:
            async for topic, payload in sub:
                ...

    ``ready`` is set once the subscription is in place.  With
    ``persistent=True`` (and a stable ``identifier``) the broker keeps what
    arrives while the subscriber is reconnecting.  A payload that is
    not JSON with an ``event_id`` is logged and skipped, never raised.
    """

    def __init__(self, host: str, port: int, topic_filter: str, *, qos: int = 1,
                 dedup: Deduplicator | None = None, backoff_max: float = 5.0,
                 identifier: str | None = None, persistent: bool = False) -> None:
        self.host, self.port, self.filter, self.qos = host, port, topic_filter, qos
        self.persistent = persistent
        self.dedup = dedup or Deduplicator()
        self.backoff_max = backoff_max
        self.ready = asyncio.Event()
        self._queue: asyncio.Queue[tuple[str, dict[str, Any]]] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self._id = identifier or f"kontakt-sub-{uuid.uuid4().hex[:8]}"

    async def __aenter__(self) -> Subscriber:
        self._task = asyncio.create_task(self._run())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    def __aiter__(self) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[tuple[str, dict[str, Any]]]:
        while True:
            yield await self._queue.get()

    async def get(self, timeout: float) -> tuple[str, dict[str, Any]]:
        return await asyncio.wait_for(self._queue.get(), timeout)

    async def _run(self) -> None:
        delay = 0.2
        while True:
            try:
                # persistent: the broker keeps QoS 1 messages for this
                # identifier while we reconnect (clean_session=False); give a
                # stable identifier then, or sessions pile up on the broker.
                async with aiomqtt.Client(self.host, self.port, identifier=self._id,
                                          clean_session=not self.persistent,
                                          timeout=5) as client:
                    await client.subscribe(self.filter, qos=self.qos)
                    self.ready.set()
                    delay = 0.2
                    async for msg in client.messages:
                        self._accept(str(msg.topic), msg.payload)
            except aiomqtt.MqttError as e:
                log.warning("outbox.subscriber_disconnected", error=str(e))
                self.ready.clear()
                await asyncio.sleep(delay)
                delay = min(delay * 2, self.backoff_max)

    def _accept(self, topic: str, raw: Any) -> None:
        try:
            payload = json.loads(raw)
            event_id = payload["event_id"]
        except (ValueError, TypeError, KeyError):
            log.warning("outbox.bad_message", topic=topic)
            return
        if self.dedup.fresh(str(event_id)):
            self._queue.put_nowait((topic, payload))
