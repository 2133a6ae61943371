"""The engine's event log: database first, then MQTT QoS 1, across a broker restart."""

from __future__ import annotations

import asyncio
import json

import aiomqtt
import pytest
from sqlalchemy import func, select

from infra.outbox import OutboxRow
from kontakt.eventlog import CallEvent, EventLog, new_event
from kontakt.outbox import Deduplicator, OutboxPublisher

pytestmark = pytest.mark.mqtt


async def _collect(port: int, into: list[dict], ready: asyncio.Event) -> None:
    while True:
        try:
            async with aiomqtt.Client(
                "127.0.0.1", port, identifier="t-sub", clean_session=False
            ) as c:
                await c.subscribe("kontakt/#", qos=1)
                ready.set()
                async for m in c.messages:
                    into.append(json.loads(m.payload))
        except aiomqtt.MqttError:
            await asyncio.sleep(0.2)


async def _until(cond, timeout=20.0):
    for _ in range(int(timeout / 0.05)):
        if cond():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("timed out")


async def test_events_reach_db_and_mqtt_and_survive_a_broker_restart(broker, sm):
    sessionmaker = sm
    await broker.start()
    got: list[dict] = []
    ready = asyncio.Event()
    sub = asyncio.create_task(_collect(broker.port, got, ready))
    publisher = OutboxPublisher(sessionmaker, "127.0.0.1", broker.port, backoff_max=0.5)
    log = EventLog(sessionmaker, outbox=publisher)
    await log.start()
    await publisher.start()
    try:
        await asyncio.wait_for(ready.wait(), 10)
        first = [new_event("call.queued", uniqueid=f"u{i}", position=i) for i in range(30)]
        for e in first:
            log.record(f"kontakt/queue/{e['uniqueid']}", e)
        await _until(lambda: len({e["event_id"] for e in got}) >= 30)

        broker.stop()  # the broker goes away; events keep coming
        second = [
            new_event("agent.state", agent=f"agent{i:02d}", state="paused") for i in range(20)
        ]
        for e in second:
            log.record(f"kontakt/agents/{e['agent']}", e)
        await log.flush()
        async with sessionmaker() as s:
            waiting = await s.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.published_at.is_(None))
            )
        assert waiting == 20  # stored, not yet delivered

        await broker.start()
        await _until(lambda: len({e["event_id"] for e in got}) >= 50, 30)
    finally:
        await log.stop()
        await publisher.stop()
        sub.cancel()
    dedupe = Deduplicator()
    unique = [e for e in got if dedupe.fresh(e["event_id"])]
    assert {e["event_id"] for e in unique} == {e["event_id"] for e in first + second}
    async with sessionmaker() as s:
        assert await s.scalar(select(func.count()).select_from(CallEvent)) == 50
        assert (
            await s.scalar(
                select(func.count()).select_from(OutboxRow).where(OutboxRow.published_at.is_(None))
            )
            == 0
        )
