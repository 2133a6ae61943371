"""AMI adapter over panoramisk 1.4.

Every action is sent with ``as_list=False`` unless a list is asked for (an
awaited QueueAdd & co. never resolves otherwise) and wrapped in a timeout.
Events reach listeners as plain dicts with the call's uniqueid bound in the
log context; a listener that fails is logged, never allowed to stop the
stream.  After a (re)connect the ``on_booted`` callbacks run once Asterisk
says ``FullyBooted``, so the engine can reconcile its picture.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import unquote

import structlog
from panoramisk import Manager
from panoramisk.ami_protocol import AMIProtocol

log = structlog.get_logger()
# panoramisk logs every failed reconnect at ERROR through stdlib logging;
# this adapter reports connection state itself, once, as structured events.
logging.getLogger("panoramisk").setLevel(logging.CRITICAL)

Listener = Callable[[dict[str, str]], None]


class AmiError(Exception):
    def __init__(self, code: str, message: str, details: dict[str, Any] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.details = details or {}


_PANORAMISKS = ("Event: Shutdown", "Event: FullyBooted")  # it acts on these itself


class EventsFirst(AMIProtocol):  # type: ignore[misc]
    """panoramisk's protocol, with plain events parsed here straight into the
    dict the listeners take: its Message (a case-insensitive dict built key
    by key), the response lookup and the pattern match per event were most
    of the engine's AMI cost.  Responses, events that answer an action
    (ActionID), Shutdown and FullyBooted (panoramisk sends the actions it
    held while disconnected on it) still go panoramisk's way."""

    def __init__(self, on_event: Callable[[dict[str, str]], None]) -> None:
        super().__init__()
        self.on_event = on_event

    def data_received(self, data: bytes) -> None:
        if self.version is None:  # the banner first: panoramisk reads it
            super().data_received(data)
            return
        text = data.decode("ascii", "ignore")
        if self.queue:  # the end of a frame that began in the last read
            text = self.queue.popleft() + text
        frames = text.split("\r\n\r\n")
        rest = frames.pop()
        for i, frame in enumerate(frames):
            frame = frame.strip()
            if not frame.startswith("Event: ") or "\r\nActionID: " in frame \
                    or frame.startswith(_PANORAMISKS):
                # panoramisk takes it from here, with what is left
                super().data_received("\r\n\r\n".join([*frames[i:], rest]).encode())
                return
            self.on_event(_fields(frame))
        self.queue.append(rest)


def _fields(frame: str) -> dict[str, str]:
    """``Key: Value`` lines; a key given twice keeps both as panoramisk did."""
    event: dict[str, str] = {}
    twice: dict[str, list[str]] = {}
    for line in frame.split("\r\n"):
        key, sep, value = line.partition(": ")
        if not sep:
            continue
        if key.lower() == "result":  # as panoramisk's Message reads it
            value = unquote(value).strip()
        if key in event:
            twice.setdefault(key, [event[key]]).append(value)
            event[key] = str(twice[key])
        else:
            event[key] = value
    return event


class Ami:
    def __init__(
        self,
        host: str,
        port: int,
        username: str,
        secret: str,
        *,
        action_timeout: float = 5.0,
        reconnect_timeout: int = 1,
    ) -> None:
        self._manager = Manager(
            host=host,
            port=port,
            username=username,
            secret=secret,
            ping_delay=5,
            ping_interval=5,
            reconnect_timeout=reconnect_timeout,
            on_disconnect=self._on_disconnect,
            protocol_factory=lambda: EventsFirst(self._event),
        )
        self.action_timeout = action_timeout
        self.listeners: list[Listener] = []
        self.on_booted: list[Callable[[], Awaitable[None]]] = []
        self.booted = asyncio.Event()
        self._manager.register_event("*", self._dispatch)
        self._tasks: set[asyncio.Task[None]] = set()

    async def connect(self, timeout: float = 15.0) -> None:
        """Connect and wait for FullyBooted (a login alone comes too early)."""
        await asyncio.wait_for(self._manager.connect(), timeout)
        await asyncio.wait_for(self.booted.wait(), timeout)

    def close(self) -> None:
        # panoramisk reconnects on any lost connection: stop that first.
        self._manager.connection_lost = lambda exc: None
        self._manager.close()
        for t in self._tasks:
            t.cancel()

    def _on_disconnect(self, _manager: Manager, exc: Exception | None) -> None:
        self.booted.clear()
        log.warning("ami.disconnected", error=str(exc) if exc else None)

    def _dispatch(self, _manager: Manager, message: Any) -> None:
        """Events panoramisk parsed itself (those ``EventsFirst`` passed on)."""
        try:
            event = {k if type(k) is str else str(k): v if type(v) is str else str(v)
                     for k, v in message.items()}
        except Exception as e:  # a garbled frame must not stop the stream
            log.warning("ami.event_malformed", error=str(e))
            return
        self._event(event)

    def _event(self, event: dict[str, str]) -> None:
        name = event.get("Event", "")
        if name == "TestEvent":
            return
        if name == "FullyBooted":
            self.booted.set()
            for cb in self.on_booted:
                self._spawn(cb())
        # The call's uniqueid in every log line its handling writes (set and
        # reset by hand: the context manager cost more than the parsing).
        tokens = structlog.contextvars.bind_contextvars(uniqueid=event.get("Uniqueid"))
        try:
            for listener in list(self.listeners):
                try:
                    listener(event)
                except Exception:
                    log.exception("ami.listener_failed", ami_event=name)
        finally:
            structlog.contextvars.reset_contextvars(**tokens)

    def _spawn(self, coro: Awaitable[None]) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def action(self, name: str, **fields: Any) -> dict[str, str]:
        """One action, one response; Response: Error raises AmiError."""
        msg = {"Action": name, **{k: str(v) for k, v in fields.items()}}
        try:
            resp = await asyncio.wait_for(
                self._manager.send_action(msg, as_list=False), self.action_timeout
            )
        except TimeoutError:
            raise AmiError("ami.timeout", f"{name} got no response", {"action": name}) from None
        except (AttributeError, ConnectionError) as e:  # no protocol: not connected
            raise AmiError("ami.not_connected", f"{name}: {e}", {"action": name}) from None
        out = {str(k): str(v) for k, v in dict(resp).items()}
        if out.get("Response", "").lower() == "error":
            raise AmiError("ami.error", out.get("Message", "error"), {"action": name, **out})
        return out

    async def action_list(self, name: str, **fields: Any) -> list[dict[str, str]]:
        """An action answered by a list of events (CoreShowChannels, ...)."""
        msg = {"Action": name, **{k: str(v) for k, v in fields.items()}}
        try:
            resp = await asyncio.wait_for(
                self._manager.send_action(msg, as_list=True), self.action_timeout
            )
        except TimeoutError:
            raise AmiError("ami.timeout", f"{name} got no response", {"action": name}) from None
        except (AttributeError, ConnectionError) as e:
            raise AmiError("ami.not_connected", f"{name}: {e}", {"action": name}) from None
        return [{str(k): str(v) for k, v in dict(m).items()} for m in resp]
