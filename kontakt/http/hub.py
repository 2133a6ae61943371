"""The live feed: a ring buffer of the engine's MQTT events with a sequence
number each, so a browser that reconnects with ``Last-Event-ID`` gets what
it missed.  ``visible`` decides what each role may see of an event.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from typing import Any


class Hub:
    def __init__(self, size: int = 5000) -> None:
        self._buf: deque[tuple[int, str, dict[str, Any]]] = deque(maxlen=size)
        self.seq = 0
        self._changed = asyncio.Event()
        self.clients = 0
        self.closed = False

    def close(self) -> None:
        """End every live stream (the service is stopping)."""
        self.closed = True
        self._changed.set()

    def publish(self, topic: str, event: dict[str, Any]) -> int:
        self.seq += 1
        self._buf.append((self.seq, topic, event))
        # Wake every waiting stream, then arm a fresh event for the next round.
        self._changed.set()
        self._changed = asyncio.Event()
        return self.seq

    def since(self, last: int) -> list[tuple[int, str, dict[str, Any]]]:
        if last > self.seq:  # the service restarted under the browser: start over
            last = 0
        return [item for item in self._buf if item[0] > last]

    async def wait(self, seconds: float) -> None:
        """Until something is published or ``seconds`` pass."""
        if self.closed:
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), seconds)


def topic_parts(topic: str, prefix: str) -> list[str]:
    parts = topic.split("/")
    if parts and parts[0] == prefix:
        parts = parts[1:]
    return parts


def visible(user: Any, topic: str, event: dict[str, Any], prefix: str) -> dict[str, Any] | None:
    """What of this event the user may see; None for nothing."""
    parts = topic_parts(topic, prefix)
    kind = parts[0] if parts else ""
    if user.role in ("supervisor", "admin"):
        return {"topic": kind, **event}
    if kind == "tickets":
        dep = parts[1] if len(parts) > 1 else None
        if user.role == "department":
            return {"topic": kind, **event} if dep == user.department else None
        # Agents learn that a ticket changed, not its content: their page
        # re-reads the tickets it may see through the API.
        return {"topic": kind, "type": event.get("type"), "number": event.get("number"),
                "status": event.get("status") or event.get("to"), "department": dep}
    if kind == "users":  # users/{opened_by}/tickets/{number}: the opener's copy
        mine = len(parts) > 1 and parts[1] == user.username
        return {"topic": "tickets", **event} if mine else None
    if user.role != "agent":
        return None
    if kind == "chats":  # ids and states only: the text is read through the API
        if event.get("agent") == user.agent_id:
            return {"topic": kind, **event}
        return {"topic": kind, "type": event.get("type")} if event.get("type") == "chat.queue" \
            else None
    if kind == "agents":
        return {"topic": kind, **event} if event.get("agent") == user.agent_id else None
    if kind == "queue":
        if event.get("agent") == user.agent_id:
            return {"topic": kind, **event}
        return {"topic": kind, "type": event.get("type")}
    return None
