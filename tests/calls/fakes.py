"""Fakes for the call core's ports and a scripted FastAGI session, so the
core runs in unit tests without Asterisk (the rig tests use the real one)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

from acd.distributor import Distributor
from asterisk import agi_reply
from asterisk.fastagi import CallHungUp
from asterisk.queue_log import QueueLog
from dialplan.outcome import Outcome, straight_to_operator
from ivr.prompts import PromptLibrary
from kontakt.calls.core import CallCore
from kontakt.calls.engine import Engine
from kontakt.calls.fastpath import FastPath
from kontakt.calls.ports import Channel
from kontakt.calls.publish import Publisher
from kontakt.calls.voice import PromptVoice, StockVoice
from kontakt.calls.waiting import WaitingRoom
from kontakt.settings import Settings

FIXTURES = Path(__file__).parent / "fixtures"


def recorded(name: str) -> list[dict[str, str]]:
    """AMI events recorded on the real rig (tests/calls/record_ami.py)."""
    return json.loads((FIXTURES / f"{name}.json").read_text("utf-8"))


def caller_uid(events: list[dict[str, str]], nth: int = 0) -> str:
    joins = [e["Uniqueid"] for e in events if e["Event"] == "Newchannel"
             and e["Channel"].startswith("PJSIP/trunk")]
    return joins[nth]


class FakePbx:
    def __init__(self) -> None:
        self.globals: dict[str, str] = {}
        self.originated: list[tuple[str, str, str]] = []
        self.callback_leg: str | None = "callback-leg-1"  # None: the agent does not answer
        self.live: list[Channel] = []

    async def set_global(self, name: str, value: str) -> None:
        self.globals[name] = value

    async def originate_callback(self, agent: str, number: str, call_id: str,
                                 ring_timeout: float) -> str | None:
        self.originated.append((agent, number, call_id))
        return self.callback_leg

    async def channels(self) -> list[Channel]:
        return list(self.live)


class MemoryQueueLog(QueueLog):
    def __init__(self) -> None:
        super().__init__(None)
        self.lines: list[str] = []

    def write(self, callid: str, agent: str, event: str, *data: object,
              now: float | None = None) -> str:
        line = super().write(callid, agent, event, *data, now=now)
        self.lines.append(line)
        return line


class Clock:
    """Real time from a fixed start; a test moves it on with ``now += s``."""

    def __init__(self) -> None:
        self.now = 1_000_000.0
        self._t0 = time.monotonic()

    def __call__(self) -> float:
        return self.now + time.monotonic() - self._t0


class Recorder:
    """The callback port: what would become callback tickets."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str]] = []

    async def __call__(self, uid: str, caller: str, language: str) -> None:
        self.calls.append((uid, caller, language))


class FakeAgi:
    """A FastAGI session the test scripts: ``keys`` maps a substring of a
    command to the key the caller presses during it; GOSUB (the ring) waits
    for the test to ``ring_done``."""

    def __init__(self, uid: str, *, caller: str | None = "0214001001",
                 channel: str | None = None, keys: dict[str, str] | None = None) -> None:
        self.headers = {"agi_uniqueid": uid, "agi_channel": channel or f"PJSIP/trunk-{uid}",
                        "agi_callerid": caller or "", "agi_dnid": "0800021021",
                        "agi_extension": "0800021021"}
        self.uniqueid, self.channel, self.caller = uid, self.headers["agi_channel"], caller
        self.dialled = "0800021021"
        self.keys = keys or {}
        self.sent: list[str] = []
        self.vars: dict[str, str] = {}
        self.hung_up = False
        self._ring: asyncio.Future[str] | None = None

    async def command(self, line: str, timeout: float = 30.0) -> dict[str, Any]:
        if self.hung_up:
            raise CallHungUp(line)
        self.sent.append(line)
        await asyncio.sleep(0)
        if line.startswith("GOSUB"):
            self._ring = asyncio.get_running_loop().create_future()
            # What the real session returns (result=-1 comes back as AGIAppError).
            return agi_reply.parse(f"200 result={await self._ring}")
        for part, key in self.keys.items():
            if part in line:
                return {"result": (str(ord(key)), "")}
        return {"result": ("0", "")}

    def ring_done(self, result: str = "0") -> None:
        assert self._ring is not None, "nothing rings"
        self._ring.set_result(result)

    async def set_var(self, name: str, value: str) -> None:
        await self.command(f'SET VARIABLE {name} "{value}"')
        self.vars[name] = value

    async def get_var(self, name: str) -> str | None:
        return self.vars.get(name)

    async def exec(self, app: str, args: str = "") -> dict[str, Any]:
        return await self.command(f'EXEC {app} "{args}"' if args else f"EXEC {app}")

    def streamed(self) -> list[str]:
        return [line.split()[2] for line in self.sent if line.startswith("STREAM FILE")]


class World:
    """The real call core and engine on fakes: one per test."""

    def __init__(self, tmp: Path, *, agents: tuple[str, ...] = ("agent01",),
                 router_outcome: Outcome | None = None, prompts: bool = False,
                 **settings: Any) -> None:
        self.settings = Settings.load(environ={}).replace(
            **{"agi_port": 0, "ring_timeout": 3.0, "announce_every": 0.0, "max_wait": 0.0,
               **settings})
        self.clock, self.pbx, self.callbacks = Clock(), FakePbx(), Recorder()
        self.published: list[dict[str, Any]] = []
        self.queue_log = MemoryQueueLog()
        acd = Distributor(wrapup=self.settings.wrapup)
        for a in agents:
            acd.add_agent(a, ("sr", "hu"))
        self.core = CallCore(
            acd, pbx=self.pbx, publisher=Publisher("t", [lambda t, p: self.published.append(p)]),
            queue_log=self.queue_log, callbacks=self.callbacks,
            fast=FastPath(acd, self.pbx, enabled=self.settings.fast_path),
            ring_timeout=self.settings.ring_timeout, clock=self.clock)
        voice = PromptVoice(PromptLibrary(tmp / "prompts"), ("sr", "hu"), "sr") if prompts \
            else StockVoice()
        self.waiting = WaitingRoom(self.core, voice, announce_every=self.settings.announce_every,
                                   max_wait=self.settings.max_wait)
        outcome = router_outcome or straight_to_operator()

        async def router(agi: Any) -> Outcome:
            return outcome

        self.engine = Engine(self.settings, self.core, router=router, waiting=self.waiting)

    def feed(self, events: list[dict[str, str]]) -> None:
        for e in events:
            self.core.on_ami(dict(e))

    def types(self) -> list[str]:
        return [p["type"] for p in self.published if p["type"] != "agent.state"]

    def log_events(self) -> list[str]:
        return [line.split("|")[4] for line in self.queue_log.lines]
