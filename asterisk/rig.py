"""The test and demo rig: a private Asterisk, answering agent phones (sipp
UAS) and the citizens' carrier (sipp UAC), all on free ports in one folder.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from asterisk import sipp
from asterisk.ami import Ami
from asterisk.instance import AsteriskInstance
from asterisk.ports import PortBlock, free_tcp_port
from asterisk.render import RigConfig, agent_id

FREE_NUMBER = "0800021021"  # 0800-021-021, free from area 021 only
CITY_NUMBER = "0214807900"  # 021-4807-900, from anywhere


@dataclass
class PhoneBehaviour:
    ring_ms: int = 100  # > ring timeout: never answers
    talk_ms: int = 3_600_000  # agent hangs up after this


@dataclass
class Rig:
    base: Path
    agents: int = 20
    agi_port: int = 0
    ring_timeout: int = 15
    phones: dict[str, PhoneBehaviour] = field(default_factory=dict)
    default_phone: PhoneBehaviour = field(default_factory=PhoneBehaviour)
    app_queue_number: str | None = None  # benchmarks: straight to app_queue
    city_talk_ms: int = 3_600_000  # how long a department talks to a transferred citizen

    def __post_init__(self) -> None:
        self.base = Path(self.base).resolve()
        self.ports = PortBlock(8 * self.agents + 2400)
        self.agi_port = self.agi_port or free_tcp_port()
        phone_ports = {agent_id(i): self.ports.take(1) for i in range(1, self.agents + 1)}
        self.cfg = RigConfig(
            base=self.base / "asterisk",
            sip_port=self.ports.take(),
            ami_port=free_tcp_port(),
            agi_port=self.agi_port,
            carrier_port=self.ports.take(),
            city_port=self.ports.take(),
            rtp_start=self._even(self.ports.take(2001)),
            rtp_end=0,
            phone_ports=phone_ports,
            ring_timeout=self.ring_timeout,
            app_queue_number=self.app_queue_number,
        )
        self.cfg.rtp_end = self.cfg.rtp_start + 1999
        self.instance = AsteriskInstance(self.cfg)
        self.ami: Ami | None = None
        self.phone_procs: dict[str, sipp.SippProcess] = {}
        self.city: sipp.SippProcess | None = None
        self.carrier: sipp.SippProcess | None = None
        self.citizen_procs: list[sipp.SippProcess] = []

    @staticmethod
    def _even(port: int) -> int:
        return port + (port & 1)  # RTP ranges start on an even port

    @property
    def sip_port(self) -> int:
        return self.cfg.sip_port

    async def start(self) -> Ami:
        self.ami = await self.instance.start()
        await asyncio.gather(*(self.start_phone(a) for a in self.cfg.phone_ports))
        self.city = await sipp.agent_phone(
            self.base / "sipp",
            "city",
            sip_port=self.cfg.city_port,
            media_port=self.ports.take(4),
            control_port=self.ports.take(),
            ring_ms=50,
            talk_ms=self.city_talk_ms,
        )
        # The carrier's side of callbacks: citizens answer when called back.
        self.carrier = await sipp.agent_phone(
            self.base / "sipp",
            "carrier",
            sip_port=self.cfg.carrier_port,
            media_port=self.ports.take(4),
            control_port=self.ports.take(),
            ring_ms=200,
        )
        return self.ami

    async def start_phone(self, agent: str, behaviour: PhoneBehaviour | None = None) -> None:
        old = self.phone_procs.pop(agent, None)
        if old is not None:
            await old.stop()
        b = behaviour or self.phones.get(agent, self.default_phone)
        self.phones[agent] = b
        self.phone_procs[agent] = await sipp.agent_phone(
            self.base / "sipp",
            agent,
            sip_port=self.cfg.phone_ports[agent],
            media_port=self.ports.take(4),
            control_port=self.ports.take(),
            ring_ms=b.ring_ms,
            talk_ms=b.talk_ms,
        )

    async def call(
        self,
        calls: list[tuple[str, str]],
        *,
        rate: float = 5.0,
        patience_ms: int = 3_600_000,
        hold_ms: int = 3_600_000,
        dtmf: str = "",
        dtmf_delay_ms: int = 1500,
        name: str | None = None,
    ) -> sipp.SippProcess:
        """Citizens call: ``calls`` is a list of (caller number, dialled number)."""
        name = name or f"citizens{len(self.citizen_procs) + 1}"
        proc = await sipp.citizens(
            self.base / "sipp",
            name,
            target_port=self.cfg.sip_port,
            calls=calls,
            sip_port=self.ports.take(),
            media_port=self.ports.take(4),
            control_port=self.ports.take(),
            rate=rate,
            patience_ms=patience_ms,
            hold_ms=hold_ms,
            dtmf=dtmf,
            dtmf_delay_ms=dtmf_delay_ms,
        )
        self.citizen_procs.append(proc)
        return proc

    async def feature(
        self, agent: str, code: str, password: str | None = None, timeout: float = 20.0
    ) -> int:
        """The agent's phone dials a feature code; returns sipp's exit status
        (-1 when Asterisk never accepted it within ``timeout``)."""
        proc = await sipp.agent_feature(
            self.base / "sipp",
            f"{agent}-{code[1:]}-{self.ports.take()}",
            target_port=self.cfg.sip_port,
            agent=agent,
            password=password if password is not None else self.cfg.agent_passwords[agent],
            code=code,
            sip_port=self.ports.take(),
            media_port=self.ports.take(4),
            control_port=self.ports.take(),
        )
        try:
            return await proc.wait(timeout)
        except TimeoutError:
            await proc.stop()
            return -1

    def engine_settings(self, settings):  # type: ignore[no-untyped-def]
        """Settings that point an engine at this rig."""
        return settings.replace(
            ami_host="127.0.0.1",
            ami_port=self.cfg.ami_port,
            ami_username=self.cfg.ami_user,
            ami_secret=self.cfg.ami_secret,
            agi_host="127.0.0.1",
            agi_port=self.agi_port,
            ring_timeout=float(self.ring_timeout),
            seats=self.agents,
        )

    async def stop(self) -> None:
        procs = [
            *self.citizen_procs,
            *self.phone_procs.values(),
            *([self.city] if self.city else []),
            *([self.carrier] if self.carrier else []),
        ]
        await asyncio.gather(*(p.stop() for p in procs), return_exceptions=True)
        if self.ami is not None:
            self.ami.close()
        with contextlib.suppress(Exception):
            await self.instance.stop()

    async def __aenter__(self) -> Rig:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
