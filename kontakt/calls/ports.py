"""The call core's side effects, as small ports (cosmicpython): the PBX's
actions, where events go, where callback requests are recorded, the
queue_log.  ``kontakt.calls.adapters`` has the real ones; the unit tests in
``tests/calls`` have fakes, so the core runs without Asterisk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol


class PbxError(Exception):
    """An action the PBX did not carry out (not connected, timeout, error)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code


@dataclass(frozen=True)
class Channel:
    """One live channel as the PBX lists it (reconcile)."""

    uid: str
    name: str


class Pbx(Protocol):
    async def set_global(self, name: str, value: str) -> None: ...

    async def originate_callback(self, agent: str, number: str, call_id: str,
                                 ring_timeout: float) -> str | None:
        """Ring ``agent``, then dial ``number``; the agent leg's uniqueid when
        the agent answered, None when it did not."""
        ...

    async def channels(self) -> list[Channel]: ...


class CallbackRecorder(Protocol):
    async def __call__(self, uid: str, caller: str, language: str) -> None:
        """Record that ``caller`` asked to be called back (a ticket)."""
        ...


class QueueLogPort(Protocol):
    def write(self, callid: str, agent: str, event: str, *data: object,
              now: float | None = None) -> str: ...

    def close(self) -> None: ...


Subscriber = Callable[[str, dict[str, Any]], None]  # (topic, payload); must not block


class NoCallbacks:
    """For an engine without tickets: callback requests are only logged."""

    async def __call__(self, uid: str, caller: str, language: str) -> None:
        return None
