"""Fixtures that boot a private Asterisk with real sipp phones and citizens."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable

import pytest

from asterisk.ledger import Ledger
from asterisk.rig import PhoneBehaviour, Rig
from kontakt.runtime import Engine
from kontakt.settings import Settings

needs_rig = pytest.mark.skipif(
    shutil.which("asterisk") is None or shutil.which("sipp") is None,
    reason="asterisk and sipp are installed by `make install`",
)


class Harness:
    def __init__(self, rig: Rig, engine: Engine | None, ledger: Ledger) -> None:
        self.rig, self.engine, self.ledger = rig, engine, ledger
        self.events: list[dict[str, str]] = []

    async def until(self, cond: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}: {self.ledger.summary()}")
            await asyncio.sleep(0.05)


@pytest.fixture
async def harness(tmp_path):
    made: list[tuple[Rig, Engine | None]] = []

    async def make(
        agents: int = 3,
        *,
        ring_timeout: int = 15,
        talk_ms: int = 3_600_000,
        phones: dict[str, PhoneBehaviour] | None = None,
        engine: bool = True,
        login: bool = True,
        **settings_kw,
    ) -> Harness:
        rig = Rig(
            tmp_path / f"rig{len(made)}",
            agents=agents,
            ring_timeout=ring_timeout,
            default_phone=PhoneBehaviour(talk_ms=talk_ms),
            phones=dict(phones or {}),
        )
        made.append((rig, None))
        ami = await rig.start()
        ledger = Ledger()
        ami.listeners.append(ledger.feed)
        eng = None
        if engine:
            s = rig.engine_settings(Settings.load(environ={})).replace(
                queue_log=str(tmp_path / "queue_log"), **settings_kw
            )
            eng = Engine(s, ami)
            await eng.start()
            made[-1] = (rig, eng)
            if login:
                for a in sorted(eng.acd.agents):
                    await eng.agent_login(a)
        h = Harness(rig, eng, ledger)
        ami.listeners.append(h.events.append)
        return h

    yield make

    for rig, eng in made:
        if eng is not None:
            await eng.stop()
        await rig.stop()
