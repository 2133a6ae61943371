"""Routing an inbound message after it was logged, for the SMS door and the
SMTP handler alike: the sender waits up to ``answer_within`` for the outcome
("kept" after that, the routing goes on), and ``drain()`` lets what is still
being routed finish on stop."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any


class Routing:
    def __init__(self, answer_within: float) -> None:
        self.answer_within = answer_within
        self.pending: set[asyncio.Task[str]] = set()

    async def answer(self, routed: Coroutine[Any, Any, str]) -> str:
        """The outcome of ``routed`` if it comes within the answer time, else "kept"."""
        task = asyncio.ensure_future(routed)
        self.pending.add(task)
        task.add_done_callback(self._done)
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.answer_within)
        except TimeoutError:
            return "kept"
        except Exception:
            return "kept; an operator will see it"

    def _done(self, task: asyncio.Task[str]) -> None:
        self.pending.discard(task)
        if not task.cancelled():
            task.exception()  # retrieved: route() already logged and wrote it down

    async def drain(self, within: float = 3.0) -> None:
        """Let messages being routed finish (on stop), then cancel what is left."""
        if self.pending:
            await asyncio.wait(set(self.pending), timeout=within)
        for task in list(self.pending):
            task.cancel()
