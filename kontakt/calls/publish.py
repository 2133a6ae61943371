"""Where the core's call and agent events go: the structured log, then every
subscriber (the event log to the database and MQTT, the demo's desk, a
test).  A subscriber that fails is logged and never stops the call."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from infra.logs import get_logger
from kontakt.calls.ports import Subscriber

log = get_logger()


class Publisher:
    def __init__(self, prefix: str, subscribers: Iterable[Subscriber] = ()) -> None:
        self.prefix = prefix
        self._subscribers: list[Subscriber] = list(subscribers)

    def subscribe(self, subscriber: Subscriber) -> None:
        self._subscribers.append(subscriber)

    def unsubscribe(self, subscriber: Subscriber) -> None:
        if subscriber in self._subscribers:
            self._subscribers.remove(subscriber)

    def call(self, uid: str, type_: str, **fields: Any) -> None:
        self._emit("queue", "uniqueid", uid, type_, fields)

    def agent(self, agent: str, type_: str, **fields: Any) -> None:
        self._emit("agents", "agent", agent, type_, {"agent": agent, **fields})

    def _emit(self, kind: str, key_name: str, key: str, type_: str,
              fields: dict[str, Any]) -> None:
        payload = {"event_id": str(uuid.uuid4()), "ts": datetime.now(UTC).isoformat(),
                   "type": type_, key_name: key, **fields}
        # Every event is kept in call_events and sent over MQTT; the log line
        # is for following a call, so an agent's every ring and hang-up (3-4
        # a call, the most frequent lines) is at debug.
        (log.debug if kind == "agents" else log.info)(
            type_, **{k: v for k, v in payload.items() if k not in ("type", "ts")})
        topic = f"{self.prefix}/{kind}/{key}"
        for subscriber in list(self._subscribers):
            try:
                subscriber(topic, payload)
            except Exception:
                log.exception("events.subscriber_failed", type=type_)
