"""The test and demo rig: a private Asterisk, answering agent phones (sipp
UAS) and the citizens' carrier (sipp UAC), all on free ports in one folder.

Each batch of citizens (one sipp process) gives back what it took when it
ends: its ports go back to the rig's block, its files are removed (those of
a failed batch are kept, the newest ``keep_failed`` of them), it leaves
``citizen_procs``.  So a demo that places a batch every few seconds runs for
hours.  Every child dies with the process that started it (asterisk.lifeline).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, TypeVar

import structlog

from asterisk import sipp
from asterisk.ami import Ami
from asterisk.instance import AsteriskInstance
from asterisk.ports import PortBlock, free_tcp_port
from asterisk.render import RigConfig, agent_id

_S = TypeVar("_S", bound="_Replaceable")


class _Replaceable(Protocol):  # kontakt.settings.Settings, without importing kontakt
    def replace(self: _S, **changes: Any) -> _S: ...


log = structlog.get_logger()

FREE_NUMBER = "0800021021"  # 0800-021-021, free from area 021 only
CITY_NUMBER = "0214807900"  # 021-4807-900, from anywhere


class RigStopped(RuntimeError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


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
    app_queue_ivr_number: str | None = None  # benchmarks: app_queue behind a dialplan IVR
    app_queue_prompts: str | None = None  # ... playing these generated/ prompts
    city_talk_ms: int = 3_600_000  # how long a department talks to a transferred citizen
    keep_failed: int = 20  # files of this many failed citizen batches are kept to read

    def __post_init__(self) -> None:
        self.base = Path(self.base).resolve()
        # Media: a port pair per channel, 100 ports an agent (at most 2000): a
        # small rig's block stays small enough to be found on a busy machine.
        rtp = min(2000, max(400, 100 * self.agents))
        self.ports = PortBlock(8 * self.agents + 400 + rtp + 2)
        self.agi_port = self.agi_port or free_tcp_port()
        phone_ports = {agent_id(i): self.ports.take(1) for i in range(1, self.agents + 1)}
        self.cfg = RigConfig(
            base=self.base / "asterisk",
            sip_port=self.ports.take(),
            ami_port=free_tcp_port(),
            agi_port=self.agi_port,
            carrier_port=self.ports.take(),
            city_port=self.ports.take(),
            rtp_start=self._even(self.ports.take(rtp + 1)),
            rtp_end=0,
            phone_ports=phone_ports,
            ring_timeout=self.ring_timeout,
            app_queue_number=self.app_queue_number,
            app_queue_ivr_number=self.app_queue_ivr_number,
            app_queue_prompts=self.app_queue_prompts,
        )
        self.cfg.rtp_end = self.cfg.rtp_start + rtp - 1
        self.instance = AsteriskInstance(self.cfg)
        self.ami: Ami | None = None
        self.phone_procs: dict[str, sipp.SippProcess] = {}
        self.city: sipp.SippProcess | None = None
        self.carrier: sipp.SippProcess | None = None
        self.citizen_procs: list[sipp.SippProcess] = []
        self._batch_no = itertools.count(1)
        self._reapers: set[asyncio.Task[None]] = set()
        self._failed: deque[sipp.SippProcess] = deque()
        self._stopped = False

    @staticmethod
    def _even(port: int) -> int:
        return port + (port & 1)  # RTP ranges start on an even port

    @property
    def sip_port(self) -> int:
        return self.cfg.sip_port

    async def start(self) -> Ami:
        self.ami = await self.instance.start()
        await asyncio.gather(*(self.start_phone(a) for a in self.cfg.phone_ports))
        lease = sipp.Lease(self.ports)
        self.city = await sipp.agent_phone(
            self.base / "sipp",
            "city",
            sip_port=self.cfg.city_port,
            media_port=lease.take(4),
            control_port=lease.take(),
            ring_ms=50,
            talk_ms=self.city_talk_ms,
            lease=lease,
        )
        # The carrier's side of callbacks: citizens answer when called back.
        lease = sipp.Lease(self.ports)
        self.carrier = await sipp.agent_phone(
            self.base / "sipp",
            "carrier",
            sip_port=self.cfg.carrier_port,
            media_port=lease.take(4),
            control_port=lease.take(),
            ring_ms=200,
            lease=lease,
        )
        return self.ami

    async def start_phone(self, agent: str, behaviour: PhoneBehaviour | None = None) -> None:
        old = self.phone_procs.pop(agent, None)
        if old is not None:  # its media and control ports go back; its SIP port is the agent's
            await old.close(keep_files=True)
        b = behaviour or self.phones.get(agent, self.default_phone)
        self.phones[agent] = b
        lease = sipp.Lease(self.ports)
        self.phone_procs[agent] = await sipp.agent_phone(
            self.base / "sipp",
            agent,
            sip_port=self.cfg.phone_ports[agent],
            media_port=lease.take(4),
            control_port=lease.take(),
            ring_ms=b.ring_ms,
            talk_ms=b.talk_ms,
            lease=lease,
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
        """Citizens call: ``calls`` is a list of (caller number, dialled number).

        The batch gives its ports, files and place back when its sipp ends.
        Raises ``PortBlockError`` (code ``ports.exhausted``) when too many
        batches are still running to lend it ports; nothing is started then."""
        if self._stopped:
            raise RigStopped("rig.stopped", f"the rig in {self.base} is stopped: no new calls")
        name = name or f"citizens{next(self._batch_no)}"
        lease = sipp.Lease(self.ports)
        try:
            proc = await sipp.citizens(
                self.base / "sipp",
                name,
                target_port=self.cfg.sip_port,
                calls=calls,
                sip_port=lease.take(),
                media_port=lease.take(4),
                control_port=lease.take(),
                rate=rate,
                patience_ms=patience_ms,
                hold_ms=hold_ms,
                dtmf=dtmf,
                dtmf_delay_ms=dtmf_delay_ms,
                lease=lease,
            )
        except BaseException:
            lease.give_back()
            raise
        self.citizen_procs.append(proc)
        reaper = asyncio.create_task(self._reap(proc))
        self._reapers.add(reaper)
        reaper.add_done_callback(self._reapers.discard)
        return proc

    async def _reap(self, proc: sipp.SippProcess) -> None:
        await proc.proc.wait()
        await self.release(proc)

    async def release(self, proc: sipp.SippProcess) -> None:
        """End a batch of citizens and give back what it took."""
        with contextlib.suppress(ValueError):
            self.citizen_procs.remove(proc)
        if self._stopped:  # the last ones stay in the rig's folder to be read
            await proc.close(keep_files=True)
            return
        failed = proc.returncode != 0
        await proc.close(keep_files=failed)
        if failed:  # kept to read, within a bound
            self._failed.append(proc)
            while len(self._failed) > self.keep_failed:
                self._failed.popleft().remove_files()

    async def feature(
        self, agent: str, code: str, password: str | None = None, timeout: float = 20.0
    ) -> int:
        """The agent's phone dials a feature code; returns sipp's exit status
        (-1 when Asterisk never accepted it within ``timeout``)."""
        lease = sipp.Lease(self.ports)
        sip_port = lease.take()
        proc = await sipp.agent_feature(
            self.base / "sipp",
            f"{agent}-{code[1:]}-{sip_port}",
            target_port=self.cfg.sip_port,
            agent=agent,
            password=password if password is not None else self.cfg.agent_passwords[agent],
            code=code,
            sip_port=sip_port,
            media_port=lease.take(4),
            control_port=lease.take(),
            lease=lease,
        )
        try:
            return await proc.wait(timeout)
        except TimeoutError:
            return -1
        finally:
            await proc.close(keep_files=proc.returncode != 0)

    def engine_settings(self, settings: _S) -> _S:
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

    def _procs(self) -> list[sipp.SippProcess]:
        return [
            *self.citizen_procs,
            *self.phone_procs.values(),
            *([self.city] if self.city else []),
            *([self.carrier] if self.carrier else []),
        ]

    async def stop(self, timeout: float = 3.0) -> None:
        """Every sipp killed at once, then Asterisk (SIGTERM, SIGKILL
        after ``timeout``).  Idempotent; the batches' files stay to be read."""
        if self._stopped and self.instance.proc is None:
            return
        self._stopped = True
        log.info("rig.stopping", sipp=len(self._procs()))
        for reaper in list(self._reapers):
            reaper.cancel()
        await asyncio.gather(*self._reapers, return_exceptions=True)
        for p in self._procs():  # all at once, then wait for each
            p.kill()
        await asyncio.gather(*(p.stop() for p in self._procs()), return_exceptions=True)
        for proc in [*self.citizen_procs]:
            await self.release(proc)
        if self.ami is not None:
            self.ami.close()
            self.ami = None
        log.info("rig.sipp_stopped")
        with contextlib.suppress(Exception):
            await self.instance.stop(timeout)

    def kill(self) -> None:
        """SIGKILL every child now, without waiting (a last resort)."""
        for p in self._procs():
            p.kill()
        self.instance.kill()

    async def __aenter__(self) -> Rig:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()
