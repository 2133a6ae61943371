"""The engine: a thin facade over the call core for the service, the
workstations, the CLI and the tests.  Built by ``kontakt.bootstrap`` with
every dependency passed in; ``start()`` opens the FastAGI listener (the
dialplan's way in) last, ``stop()`` closes it first."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import Any

from acd.distributor import Distributor
from asterisk.fastagi import FastAgiServer
from kontakt.calls.core import CallCore
from kontakt.calls.reconcile import reconcile
from kontakt.calls.routes import AgentOp, Router, Routes
from kontakt.calls.stats import Stats, snapshot
from kontakt.calls.waiting import WaitingRoom
from kontakt.settings import Settings


class Engine:
    def __init__(self, settings: Settings, core: CallCore, *, router: Router,
                 waiting: WaitingRoom) -> None:
        self.settings, self.core = settings, core
        features: dict[str, AgentOp] = {
            "*71": self.agent_login, "*72": self.agent_logout, "*73": self._pause_break,
            "*74": self.agent_ready}
        self.routes = Routes(core, router, waiting, features)
        self.agi = FastAgiServer(self.routes.table(), settings.agi_host, settings.agi_port,
                                 permit=settings.agi_permit)
        self._ticker: asyncio.Task[None] | None = None

    # -- what the rest of the system reads ----------------------------------------
    @property
    def acd(self) -> Distributor:
        return self.core.acd

    @property
    def stats(self) -> Stats:
        return self.core.stats

    @property
    def clock(self) -> Callable[[], float]:
        return self.core.clock

    def snapshot(self) -> dict[str, Any]:
        return snapshot(self.core.acd, self.core.stats, self.core.clock())

    # -- life cycle ---------------------------------------------------------------------
    async def start(self) -> None:
        self._ticker = asyncio.create_task(self._tick())
        await self.agi.start()

    async def stop(self) -> None:
        """New calls go to app_queue from now on; waiting callers' sessions end
        and the dialplan hands them to app_queue; talking calls go on."""
        await self.agi.stop()
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
        await self.core.fast.stop()
        await self.core.stop()
        self.core.queue_log.close()

    async def _tick(self) -> None:
        while True:  # wrap-up ends
            await asyncio.sleep(0.5)
            self.core.run(self.core.acd.tick(self.core.clock()))

    def on_ami(self, raw: dict[str, str]) -> None:
        self.core.on_ami(raw)

    async def reconcile(self) -> None:
        await reconcile(self.core)

    # -- agents -------------------------------------------------------------------------
    async def agent_login(self, agent_id: str, skills: list[str] | None = None) -> None:
        self.core.run(self.core.acd.login(agent_id, self.core.clock(), skills))

    async def agent_logout(self, agent_id: str) -> None:
        self.core.run(self.core.acd.logout(agent_id, self.core.clock()))

    async def agent_pause(self, agent_id: str, reason: str) -> None:
        self.core.run(self.core.acd.pause(agent_id, self.core.clock(), reason))

    async def _pause_break(self, agent_id: str) -> None:  # *73
        await self.agent_pause(agent_id, "break")

    async def agent_ready(self, agent_id: str) -> None:
        self.core.run(self.core.acd.ready(agent_id, self.core.clock()))
