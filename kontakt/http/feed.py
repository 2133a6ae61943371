"""MQTT subscriber that feeds the hub (and the call log) from the engine's
events.  Reconnects by itself; a garbled payload is logged and skipped."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiomqtt

from infra.logs import get_logger
from kontakt.http.hub import Hub

log = get_logger("kontakt.http.feed")


def decode(payload: Any) -> dict[str, Any] | None:
    try:
        event = json.loads(payload)
    except (ValueError, UnicodeDecodeError, TypeError):
        return None
    return event if isinstance(event, dict) else None


async def run_feed(hub: Hub, host: str, port: int, prefix: str, ready: asyncio.Event,
                   on_event: Callable[[str, dict[str, Any]], Awaitable[None]] | None = None,
                   retry: float = 1.0) -> None:
    while True:
        try:
            async with aiomqtt.Client(host, port) as client:
                await client.subscribe(f"{prefix}/#", qos=1)
                log.info("feed.subscribed", host=host, port=port, prefix=prefix)
                ready.set()
                async for msg in client.messages:
                    topic = str(msg.topic)
                    event = decode(msg.payload)
                    if event is None:
                        log.warning("feed.bad_payload", topic=topic)
                        continue
                    hub.publish(topic, event)
                    if on_event is not None:
                        try:
                            await on_event(topic, event)
                        except Exception:
                            log.exception("feed.handler_failed", topic=topic)
        except aiomqtt.MqttError as e:
            ready.clear()
            log.warning("feed.disconnected", error=str(e), retry=retry)
            await asyncio.sleep(retry)
