"""Fixtures that boot a private Asterisk with real sipp phones and citizens."""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Callable

import pytest

from asterisk.ledger import Ledger
from asterisk.rig import PhoneBehaviour, Rig
from kontakt.bootstrap import Options, System, bootstrap
from kontakt.calls.engine import Engine
from kontakt.settings import Settings

needs_rig = pytest.mark.skipif(
    shutil.which("asterisk") is None or shutil.which("sipp") is None,
    reason="asterisk and sipp are installed by `make install`",
)


class Harness:
    def __init__(self, rig: Rig, engine: Engine | None, ledger: Ledger) -> None:
        self.rig, self.engine, self.ledger = rig, engine, ledger
        self.events: list[dict[str, str]] = []  # every AMI event
        self.published: list[dict] = []  # the engine's call and agent events

    async def until(self, cond: Callable[[], bool], timeout: float = 30.0, what: str = "") -> None:
        deadline = time.monotonic() + timeout
        while not cond():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}: {self.ledger.summary()}")
            await asyncio.sleep(0.05)


@pytest.fixture
async def harness(tmp_path):
    made: list[tuple[Rig, System | None]] = []

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
        published: list[dict] = []
        eng = None
        if engine:
            s = rig.engine_settings(Settings.load(environ={})).replace(
                queue_log=str(tmp_path / "queue_log"), router="direct", **settings_kw
            )
            agents = [f"agent{i:02d}" for i in range(1, agents + 1)]
            system = await bootstrap(s, ami, Options(
                tickets=False, logins={a: ["sr"] for a in agents} if login else None,
                subscribers=[lambda topic, payload: published.append(payload)]))
            made[-1] = (rig, system)
            eng = system.engine
        h = Harness(rig, eng, ledger)
        h.published = published
        ami.listeners.append(h.events.append)
        return h

    yield make

    for rig, system in made:
        if system is not None:
            await system.stop()
        await rig.stop()
