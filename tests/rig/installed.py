"""A server installation as `kontakt setup --root` writes it, run without
systemd: the Asterisk it configured (`asterisk -C` as the unit does), phones
that register with the generated passwords, and `kontakt run` from the
written settings.  Only the server paths are re-rooted (environment), and
every port is a private one."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import uuid
from pathlib import Path

from asterisk import sipp
from asterisk.ami import Ami
from asterisk.instance import AsteriskInstance
from asterisk.ledger import Ledger
from asterisk.lifeline import die_with_parent
from asterisk.ports import PortBlock, free_tcp_port
from asterisk.sipp.register import register

PCAP = "/usr/share/sip-tester/g711a.pcap"  # a spoken sample, A-law


def talking_phone(talk_ms: int = 3_600_000, plays: int = 25) -> str:
    """An operator's phone that speaks (the pcap, again and again) once answered."""
    s = sipp.uas_scenario(ring_ms=100, talk_ms=talk_ms)
    s = s.replace("m=audio [media_port] RTP/AVP 0 101\na=rtpmap:0 PCMU/8000",
                  "m=audio [media_port] RTP/AVP 8 101\na=rtpmap:8 PCMA/8000")
    play = "".join(f'  <nop><action><exec play_pcap_audio="{PCAP}"/></action></nop>\n'
                   '  <pause milliseconds="6500"/>\n' for _ in range(plays))
    return s.replace('  <recv request="ACK" crlf="true"/>\n',
                     '  <recv request="ACK" crlf="true"/>\n' + play, 1)


def _prompt_cache() -> Path:
    """Prompts built once per version of the shipped configuration and prompt code."""
    import hashlib

    from dialplan.loader import default_path
    from ivr import prompts

    h = hashlib.sha256(Path(default_path()).read_bytes())
    h.update(Path(prompts.__file__).read_bytes())
    return Path(tempfile.gettempdir()) / f"kontakt-test-prompts-{h.hexdigest()[:16]}"


class Installation:
    def __init__(self, tmp: Path, *, agents: int = 2, supervisors: int = 1,
                 talk_ms: int = 3_600_000, extra_settings: dict[str, str] | None = None,
                 always_open: bool = False) -> None:
        # always_open: the written configuration's hours become every day,
        # all day, so a test through the IVR does not depend on the clock (it
        # failed after 15:30 Belgrade time: "closed", a callback).
        self.always_open = always_open
        self.tmp, self.root = tmp, tmp / "root"
        self.agents, self.supervisors, self.talk_ms = agents, supervisors, talk_ms
        self.ports = PortBlock(8 * (agents + supervisors) + 2200)
        self.sip_port = self.ports.take()
        self.ami_port, self.agi_port, self.http_port = (free_tcp_port() for _ in range(3))
        rtp = self.ports.take(2001)
        rtp += rtp & 1
        self.rtp = (rtp, rtp + 1999)
        self.prefix = f"kontakt-test-{uuid.uuid4().hex[:8]}"
        self.extra = extra_settings or {}
        self.asterisk: asyncio.subprocess.Process | None = None
        self.engine: asyncio.subprocess.Process | None = None
        self.ami: Ami | None = None
        self.ledger = Ledger()
        self.events: list[dict[str, str]] = []
        self.phones: dict[str, sipp.SippProcess] = {}
        self.phone_ports: dict[str, int] = {}
        self.citizens: list[sipp.SippProcess] = []
        self.setup_out = ""
        self.engine_logs: list[Path] = []

    @property
    def ast_base(self) -> Path:
        return self.root / "var/lib/kontakt/asterisk"

    @property
    def conf(self) -> Path:
        return self.ast_base / "etc/asterisk.conf"

    @property
    def secrets(self) -> dict:
        return json.loads((self.ast_base / "kontakt-secrets.json").read_text())

    def setup_args(self) -> list[str]:
        return ["setup", "--root", str(self.root), "--agents", str(self.agents),
                "--supervisors", str(self.supervisors), "--carrier", "127.0.0.1",
                "--city", "127.0.0.1", "--bind", "127.0.0.1",
                "--sip-port", str(self.sip_port), "--ami-port", str(self.ami_port),
                "--agi-port", str(self.agi_port), "--http-port", str(self.http_port),
                "--carrier-port", str(self.ports.take()), "--city-port", str(self.ports.take()),
                "--rtp", f"{self.rtp[0]}-{self.rtp[1]}"]

    def env(self) -> dict[str, str]:
        """`kontakt` with the written settings; the server's paths under the root."""
        lib, etc = self.root / "var/lib/kontakt", self.root / "etc/kontakt"
        base = {k: v for k, v in os.environ.items() if not k.startswith("KONTAKT_")}
        return {**base, "KONTAKT_SETTINGS": str(etc / "kontakt.toml"),
                "KONTAKT_CONFIG": str(etc / "kontakt.yaml"),
                "KONTAKT_PROMPTS_DIR": str(lib / "prompts"),
                "KONTAKT_DATABASE_URL": f"sqlite+aiosqlite:///{lib / 'kontakt.db'}",
                "KONTAKT_QUEUE_LOG": str(self.root / "var/log/kontakt/queue_log"),
                "KONTAKT_RUN_DIR": str(self.root / "run/kontakt"),
                "KONTAKT_BACKUP_DIR": str(lib / "backups"),
                "KONTAKT_RECORDINGS_DIR": str(lib / "recordings"),
                "KONTAKT_MQTT_PREFIX": self.prefix, **self.extra}

    def _open_all_day(self) -> None:
        config = self.root / "etc/kontakt/kontakt.yaml"
        text = config.read_text(encoding="utf-8")
        head, rest = text.split("\nhours:\n", 1)
        body = rest.split("\n\n", 1)[1]  # the hours block ends at the first blank line
        config.write_text(f"{head}\nhours:\n  weekly:\n    mon-sun: 00:00-24:00\n"
                          f"  public_holidays: none\n  callback: true\n\n{body}",
                          encoding="utf-8")

    async def kontakt(self, *args: str, env: dict[str, str] | None = None
                      ) -> subprocess.CompletedProcess[str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "kontakt", *args, env=env or self.env(),
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = await proc.communicate()
        return subprocess.CompletedProcess(args, proc.returncode or 0, out.decode(), err.decode())

    async def start(self, *, engine: bool = True) -> None:
        prompts = self.root / "var/lib/kontakt/prompts"
        cache = _prompt_cache()
        if cache.exists():  # setup's build step then finds them unchanged (minutes saved)
            shutil.copytree(cache, prompts)
        r = await self.kontakt(*self.setup_args())
        assert r.returncode == 0, r.stderr
        self.setup_out = r.stdout
        if self.always_open:
            self._open_all_day()
        if not cache.exists():
            tmp = cache.with_name(f"{cache.name}.{os.getpid()}")
            shutil.copytree(prompts, tmp)
            with contextlib.suppress(OSError):
                tmp.rename(cache)
        await self.start_asterisk()
        for i in range(1, self.agents + 1):
            await self.start_phone(f"agent{i:02d}")
        if engine:
            await self.start_engine()
            r = await self.kontakt("agent", "login", "all")
            assert r.returncode == 0, r.stderr

    async def start_asterisk(self) -> None:
        log = open(self.ast_base / "log" / "console.log", "ab")  # noqa: SIM115
        self.asterisk = await asyncio.create_subprocess_exec(
            AsteriskInstance.binary(), "-C", str(self.conf), "-f", "-n", "-q",
            stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
            preexec_fn=die_with_parent())
        log.close()
        s = self.secrets
        loop = asyncio.get_running_loop()
        end = loop.time() + 20
        while True:
            ami = Ami("127.0.0.1", self.ami_port, "monitor", s["monitor_secret"])
            try:
                await ami.connect(timeout=2)
                break
            except (OSError, TimeoutError):
                ami.close()
                assert loop.time() < end and self.asterisk.returncode is None, "no Asterisk"
                await asyncio.sleep(0.1)
        ami.listeners.append(self.ledger.feed)
        ami.listeners.append(self.events.append)
        self.ami = ami

    async def start_phone(self, name: str, *, talk_ms: int | None = None,
                          scenario: Path | None = None) -> int:
        """A phone (sipp UAS, or ``scenario``) that registers as ``name``."""
        lease = sipp.Lease(self.ports)
        port = lease.take()
        work = self.tmp / "sipp"
        if scenario is None:
            phone = await sipp.agent_phone(work, name, sip_port=port, media_port=lease.take(4),
                                           control_port=lease.take(), ring_ms=100,
                                           talk_ms=talk_ms or self.talk_ms, lease=lease)
        else:
            phone = await sipp.spawn(name, work, [
                "-sf", str(scenario), *sipp.port_args(port, lease.take(4), lease.take()),
                "-trace_err", "-error_file", str(work / f"{name}.errors")], lease=lease)
        self.phones[name] = phone
        self.phone_ports[name] = port
        password = self.secrets["agents" if name.startswith("agent") else "supervisors"][name]
        reg_lease = sipp.Lease(self.ports)
        reg = await register(work, f"{name}-register", target_port=self.sip_port, agent=name,
                             password=password, contact_port=port,
                             sip_port=reg_lease.take(), media_port=reg_lease.take(4),
                             control_port=reg_lease.take(), lease=reg_lease)
        try:
            assert await reg.wait(15) == 0, f"{name} did not register: {reg.stats()}"
        finally:
            await reg.close(keep_files=reg.returncode != 0)
        return port

    async def start_engine(self) -> None:
        log_path = self.tmp / f"engine{len(self.engine_logs) + 1}.log"
        self.engine_logs.append(log_path)
        with open(log_path, "wb") as log:
            self.engine = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "kontakt", "run", env=self.env(),
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log)
        for _ in range(150):
            r = await self.kontakt("agent", "status")
            if r.returncode == 0:
                return
            assert self.engine.returncode is None, log_path.read_text()[-3000:]
            await asyncio.sleep(0.2)
        raise AssertionError(f"engine did not come up: {log_path.read_text()[-3000:]}")

    async def stop_engine(self) -> int:
        assert self.engine is not None
        self.engine.send_signal(signal.SIGTERM)
        return await asyncio.wait_for(self.engine.wait(), 20)

    async def call(self, calls: list[tuple[str, str]], *, dtmf: str = "",
                   hold_ms: int = 3_600_000, rate: float = 10,
                   dtmf_delay_ms: int = 1500) -> sipp.SippProcess:
        lease = sipp.Lease(self.ports)
        proc = await sipp.citizens(
            self.tmp / "sipp", f"citizens{len(self.citizens) + 1}", target_port=self.sip_port,
            calls=calls, sip_port=lease.take(), media_port=lease.take(4),
            control_port=lease.take(), rate=rate, hold_ms=hold_ms, dtmf=dtmf,
            dtmf_delay_ms=dtmf_delay_ms, lease=lease)
        self.citizens.append(proc)
        return proc

    async def until(self, cond, timeout: float = 30.0, what: str = "") -> None:  # type: ignore[no-untyped-def]
        loop = asyncio.get_running_loop()
        end = loop.time() + timeout
        while not cond():
            if loop.time() > end:
                raise AssertionError(f"timed out waiting for {what}: {self.ledger.summary()}")
            await asyncio.sleep(0.05)

    async def cli(self, command: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            AsteriskInstance.binary(), "-C", str(self.conf), "-rx", command,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        out, _ = await asyncio.wait_for(proc.communicate(), 10)
        return out.decode("utf-8", "replace")

    async def operators_hang_up(self) -> int:
        """Every operator ends the call they are in (their channels hung up)."""
        out = await self.cli("core show channels concise")
        names = [line.split("!")[0] for line in out.splitlines()
                 if line.startswith("PJSIP/agent")]
        for name in names:
            await self.cli(f"channel request hangup {name}")
        return len(names)

    def admin_password(self) -> str:
        m = re.search(r"administrator admin: password (\S+)", self.setup_out)
        assert m, self.setup_out
        return m[1]

    async def stop(self) -> None:
        if self.engine is not None and self.engine.returncode is None:
            self.engine.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.engine.wait(), 15)
            except TimeoutError:
                self.engine.kill()
                await self.engine.wait()
        for p in [*self.citizens, *self.phones.values()]:
            p.kill()
        for p in [*self.citizens, *self.phones.values()]:
            with contextlib.suppress(Exception):
                await p.close(keep_files=True)
        if self.ami is not None:
            self.ami.close()
        if self.asterisk is not None and self.asterisk.returncode is None:
            self.asterisk.terminate()
            try:
                await asyncio.wait_for(self.asterisk.wait(), 5)
            except TimeoutError:
                os.killpg(self.asterisk.pid, signal.SIGKILL)
                await self.asterisk.wait()
