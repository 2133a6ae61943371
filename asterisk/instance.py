"""A private Asterisk instance: own config, run, log and spool dirs, own ports.

Started with ``asterisk -C /abs/asterisk.conf -f``; ready when AMI says
``FullyBooted``; stopped with SIGTERM (then SIGKILL if it lingers).
It runs in a session of its own and dies with the process that started it
(asterisk.lifeline), so not even a SIGKILL of that process leaves it behind.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
from pathlib import Path

import structlog

from asterisk.ami import Ami
from asterisk.lifeline import die_with_parent
from asterisk.render import RigConfig, render

log = structlog.get_logger()


class AsteriskNotInstalled(RuntimeError):
    pass


class AsteriskInstance:
    def __init__(self, cfg: RigConfig) -> None:
        self.cfg = cfg
        self.proc: asyncio.subprocess.Process | None = None
        self.conf: Path | None = None

    @staticmethod
    def binary() -> str:
        exe = shutil.which("asterisk") or (
            "/usr/sbin/asterisk" if os.path.exists("/usr/sbin/asterisk") else None
        )
        if exe is None:
            raise AsteriskNotInstalled(
                "asterisk is not installed: run `make install` (asterisk/install.sh)"
            )
        return exe

    async def start(self, timeout: float = 20.0) -> Ami:
        """Render, launch, and return an AMI client connected after FullyBooted."""
        self.conf = render(self.cfg)
        logfile = open(self.cfg.base / "log" / "console.log", "ab")  # noqa: SIM115
        self.proc = await asyncio.create_subprocess_exec(
            self.binary(),
            "-C",
            str(self.conf),
            "-f",
            "-n",
            "-q",
            stdin=subprocess.DEVNULL,
            stdout=logfile,
            stderr=logfile,
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )
        logfile.close()
        ami = self._ami()
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            if self.proc.returncode is not None:
                raise RuntimeError(
                    f"asterisk exited with {self.proc.returncode}; see {self.cfg.base}/log"
                )
            try:
                await ami.connect(timeout=max(0.5, deadline - loop.time()))
                break
            except (OSError, TimeoutError):
                ami.close()
                if loop.time() > deadline:
                    await self.stop()
                    raise RuntimeError("asterisk did not boot in time") from None
                await asyncio.sleep(0.05)
                ami = self._ami()
        log.info(
            "asterisk.booted",
            pid=self.proc.pid,
            sip_port=self.cfg.sip_port,
            ami_port=self.cfg.ami_port,
        )
        return ami

    def _ami(self) -> Ami:
        # The rig's own connection sees every event (the ledger needs them);
        # an engine logs in as ami_user and gets only what it acts on.
        return Ami("127.0.0.1", self.cfg.ami_port, self.cfg.monitor_user, self.cfg.monitor_secret)

    async def cli(self, command: str, timeout: float = 10.0) -> str:
        assert self.conf is not None
        proc = await asyncio.create_subprocess_exec(
            self.binary(),
            "-C",
            str(self.conf),
            "-rx",
            command,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            preexec_fn=die_with_parent(),
        )
        try:
            out, _ = await asyncio.wait_for(proc.communicate(), timeout)
        finally:  # timed out or cancelled: the remote console goes too
            if proc.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.kill()
                await proc.wait()
        return out.decode("utf-8", "replace")

    async def stop(self, timeout: float = 3.0) -> None:
        """SIGTERM (Asterisk's own "core stop now", without starting a remote
        console first: 0.3 s here); SIGKILL when not gone within ``timeout``."""
        proc = self.proc
        if proc is None or proc.returncode is not None:
            self.proc = None
            return
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(proc.wait(), timeout)
        if proc.returncode is None:
            _killpg(proc)
            await proc.wait()
        self.proc = None
        log.info("asterisk.stopped", exit=proc.returncode)

    def kill(self) -> None:
        """SIGKILL now, without waiting (a last resort)."""
        if self.proc is not None and self.proc.returncode is None:
            _killpg(self.proc)


def _killpg(proc: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
