"""The fast path (setting ``fast_path``, only with ``router = direct``): the
engine publishes in the global KONTAKT_NEXT the agent the next call gets, the
dialplan rings it with no round trip, and the engine learns of the call from
``QueueCallerJoin`` (``CallCore._claimed``).  One publish per loop turn, and
only when the answer changed."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from acd.distributor import Distributor
from infra.logs import get_logger
from kontakt.calls.ports import Pbx, PbxError

log = get_logger()


class FastPath:
    def __init__(self, acd: Distributor, pbx: Pbx, *, enabled: bool) -> None:
        self.acd, self.pbx, self.enabled = acd, pbx, enabled
        self.published: str | None = None  # what KONTAKT_NEXT holds, None: unknown
        self._pending = False
        self._tasks: set[asyncio.Task[Any]] = set()

    def schedule(self) -> None:
        if self.enabled and not self._pending:
            self._pending = True
            asyncio.get_running_loop().call_soon(self._publish)

    def _publish(self) -> None:
        self._pending = False
        nxt = self.acd.next_free("sr") or ""
        if nxt != self.published:
            self.published = nxt
            task = asyncio.ensure_future(self._set(nxt))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _set(self, value: str) -> None:
        try:
            await self.pbx.set_global("KONTAKT_NEXT", value)
        except PbxError as e:
            self.published = None  # unknown: publish again on the next change
            log.warning("fastpath.publish_failed", error=str(e))

    async def stop(self) -> None:
        """Nothing published for a dead engine to own."""
        for task in list(self._tasks):
            task.cancel()
        if self.enabled:
            with contextlib.suppress(PbxError):
                await self.pbx.set_global("KONTAKT_NEXT", "")
