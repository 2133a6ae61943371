"""The outbox through real Mosquitto: QoS 1 delivery in order, nothing lost
while the broker is down or restarting, duplicates dropped by event id, and
the operator's and supervisor's subscriptions seeing a status change."""

from __future__ import annotations

import asyncio
import json

import aiomqtt
import pytest

from infra.outbox import add_event
from kontakt.outbox import (
    Deduplicator,
    OutboxPublisher,
    Subscriber,
    pending,
)
from tickets.domain import Actor
from tickets.service import TicketService

pytestmark = pytest.mark.mqtt


async def _until(pred, timeout=10.0):
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not await pred():
        if loop.time() > end:
            raise AssertionError("timed out")
        await asyncio.sleep(0.05)


async def test_broker_restart_loses_nothing(sm, broker):
    """Publisher started before the broker, broker stopped and restarted in
    the middle: every event arrives, in order.  The subscriber keeps a
    persistent session (and the broker its store), so it misses nothing
    while either side reconnects."""
    prefix = "t" + broker.conf.parent.name[-6:]
    await broker.start()
    async with Subscriber("127.0.0.1", broker.port, f"{prefix}/#", backoff_max=0.3,
                          persistent=True) as sub:
        await asyncio.wait_for(sub.ready.wait(), 10)
        broker.stop()
        pub = OutboxPublisher(sm, "127.0.0.1", broker.port, prefix, poll=0.05,
                              backoff_max=0.3)
        await pub.start()  # the broker is down
        try:
            async with sm() as s, s.begin():
                for i in range(5):
                    add_event(s, f"tickets/vodovod/N{i}", {"type": "t", "i": i})
            await asyncio.sleep(0.3)
            assert await pending(sm) == 5
            await broker.start()
            got = [await sub.get(15) for _ in range(5)]
            broker.stop()  # a restart with rows waiting
            async with sm() as s, s.begin():
                for i in range(5, 10):
                    add_event(s, f"tickets/vodovod/N{i}", {"type": "t", "i": i})
            await asyncio.sleep(0.5)
            assert await pending(sm) == 5
            await broker.start()
            got += [await sub.get(15) for _ in range(5)]
            await _until(lambda: _zero(sm))
        finally:
            await pub.stop()
    assert [p["i"] for _, p in got] == list(range(10))
    assert got[0][0] == f"{prefix}/tickets/vodovod/N0"
    assert len({p["event_id"] for _, p in got}) == 10


async def _zero(sm):
    return await pending(sm) == 0


async def test_duplicates_dropped_by_event_id(broker):
    await broker.start()
    async with Subscriber("127.0.0.1", broker.port, "dup/#") as sub:
        await asyncio.wait_for(sub.ready.wait(), 10)
        async with aiomqtt.Client("127.0.0.1", broker.port) as c:
            for body in ({"event_id": "a", "n": 1}, {"event_id": "a", "n": 1},
                         {"event_id": "b", "n": 2}):
                await c.publish("dup/x", json.dumps(body), qos=1)
            await c.publish("dup/x", b"\xff garbled", qos=1)  # logged, skipped
            await c.publish("dup/x", json.dumps({"event_id": "c", "n": 3}), qos=1)
        got = [(await sub.get(5))[1]["n"] for _ in range(3)]
    assert got == [1, 2, 3] and sub.dedup.dropped == 1


def test_deduplicator_forgets_oldest():
    d = Deduplicator(size=2)
    assert d.fresh("a") and d.fresh("b") and not d.fresh("a") and d.fresh("c")
    assert d.fresh("b")  # pushed out by c after a was touched


async def test_operator_and_supervisor_see_status_changes_on_shared_broker(sm):
    """Through the machine's Mosquitto on 1883, with a private prefix."""
    import uuid

    prefix = f"kt-{uuid.uuid4().hex[:8]}"
    pub = OutboxPublisher(sm, "127.0.0.1", 1883, prefix, poll=0.05)
    svc = TicketService(sm, on_commit=pub.notify)
    async with Subscriber("127.0.0.1", 1883, f"{prefix}/tickets/#") as supervisor, \
            Subscriber("127.0.0.1", 1883, f"{prefix}/users/op1/tickets/#") as operator:
        await asyncio.wait_for(supervisor.ready.wait(), 10)
        await asyncio.wait_for(operator.ready.wait(), 10)
        await pub.start()
        try:
            t = await svc.open_ticket(Actor("op1", "agent"), kind="complaint", subject="Цев",
                                      department="vodovod")
            dep = Actor("vod1", "department", "vodovod")
            await svc.change_status(dep, t["number"], "active")
            await svc.change_status(dep, t["number"], "resolved", "готово")
            for sub in (supervisor, operator):
                seen = []
                while "resolved" not in seen:
                    _, p = await sub.get(10)
                    assert p["number"] == t["number"]
                    seen.append(p["status"])
                assert seen[-2:] == ["active", "resolved"]
        finally:
            await pub.stop()


async def test_prune_keeps_unpublished(sm):
    from datetime import timedelta

    from sqlalchemy import update

    from infra.outbox import OutboxRow
    from kontakt.outbox import prune

    async with sm() as s, s.begin():
        add_event(s, "a", {"n": 1})
        add_event(s, "b", {"n": 2})
    async with sm() as s, s.begin():
        from datetime import UTC, datetime

        await s.execute(update(OutboxRow).where(OutboxRow.topic == "a")
                        .values(published_at=datetime.now(UTC) - timedelta(days=10)))
    assert await prune(sm, timedelta(days=7)) == 1
    assert await pending(sm) == 1


async def test_a_database_error_does_not_stop_the_publisher(tmp_path, broker):
    """The database away (here: not migrated yet, so every read fails) is
    retried: once it is there, the rows committed meanwhile are delivered."""
    from infra.db import Base, make_engine, make_sessionmaker

    prefix = "t" + broker.conf.parent.name[-6:] + "db"
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path}/late.db")
    sm = make_sessionmaker(engine)
    await broker.start()
    pub = OutboxPublisher(sm, "127.0.0.1", broker.port, prefix, poll=0.05, backoff_max=0.2)
    try:
        async with Subscriber("127.0.0.1", broker.port, f"{prefix}/#") as sub:
            await asyncio.wait_for(sub.ready.wait(), 10)
            await pub.start()
            await _until(lambda: _true(pub.db_errors >= 2))
            async with engine.begin() as conn:
                await conn.run_sync(Base.metadata.create_all)
            async with sm() as s, s.begin():
                add_event(s, "tickets/vodovod/N1", {"type": "t", "i": 1})
            _, payload = await sub.get(15)
            assert payload["i"] == 1
            assert not pub._task.done()
    finally:
        await pub.stop()
        await engine.dispose()


async def _true(value: bool) -> bool:
    return value


async def test_a_database_refusing_connections_does_not_stop_the_publisher(broker):
    """PostgreSQL restarting refuses connections, and asyncpg's refusal comes
    as a bare OSError (not a SQLAlchemy error): the publisher retries it too
    (the soak's database restart left 9,065 events for the next start)."""
    from asterisk.ports import free_tcp_port
    from infra.db import make_engine, make_sessionmaker

    engine = make_engine(f"postgresql+asyncpg://kontakt@127.0.0.1:{free_tcp_port()}/none")
    await broker.start()
    pub = OutboxPublisher(make_sessionmaker(engine), "127.0.0.1", broker.port, "tdead",
                          poll=0.05, backoff_max=0.2)
    try:
        await pub.start()
        await _until(lambda: _true(pub.db_errors >= 3))
        assert not pub._task.done()
    finally:
        await pub.stop(drain=0.1)
        await engine.dispose()
