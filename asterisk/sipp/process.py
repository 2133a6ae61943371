"""One running sipp: started in its own session, killed with its process
group, dying with its parent (asterisk.lifeline); the ports it was lent and
the files it wrote are given back by ``close()``."""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from asterisk.lifeline import die_with_parent
from asterisk.ports import PortBlock

# Long-running peers (agent phones) log every ring timeout as an "unexpected"
# event: rotate sipp's error log so an all-day demo keeps at most ~2 MB each.
LOG_ROTATION = ["-ringbuffer_files", "1", "-ringbuffer_size", "1000000"]


def sipp_binary() -> str:
    exe = shutil.which("sipp")
    if exe is None:
        raise RuntimeError("sipp is not installed: run `make install` (asterisk/install.sh)")
    return exe


@dataclass
class Lease:
    """The ports one sipp process was lent, given back together."""

    block: PortBlock
    runs: list[tuple[int, int]] = field(default_factory=list)  # (first port, count)

    def take(self, n: int = 1) -> int:
        port = self.block.take(n)
        self.runs.append((port, n))
        return port

    def give_back(self) -> None:
        runs, self.runs = self.runs, []
        for port, n in runs:
            self.block.give_back(port, n)


@dataclass
class SippProcess:
    """One running sipp; ``stop()`` ends it, ``wait()`` for a UAC's end,
    ``close()`` ends it and gives back its ports and (``keep_files=False``)
    the files named after it."""

    name: str
    proc: asyncio.subprocess.Process
    workdir: Path
    lease: Lease | None = None

    @property
    def returncode(self) -> int | None:
        return self.proc.returncode

    async def wait(self, timeout: float | None = None) -> int:
        return await asyncio.wait_for(self.proc.wait(), timeout)

    async def stop(self) -> None:
        self.kill()
        await self.proc.wait()

    def kill(self) -> None:
        """SIGKILL its process group now (sipp has no children, but a group
        kill also ends one that forked)."""
        if self.proc.returncode is None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)

    async def close(self, *, keep_files: bool = False) -> None:
        await self.stop()
        if self.lease is not None:
            self.lease.give_back()
        if not keep_files:
            self.remove_files()

    def files(self) -> list[Path]:
        """name.xml, .csv, .log, .errors, .stat.csv and rotated logs.  Not a
        glob: each batch's own pattern would sit in pathlib's and re's caches."""
        prefix = f"{self.name}."
        return sorted(p for p in self.workdir.iterdir() if p.name.startswith(prefix))

    def remove_files(self) -> None:
        for f in self.files():
            f.unlink(missing_ok=True)

    def stats(self) -> str:
        log = self.workdir / f"{self.name}.log"
        return log.read_text("utf-8", "replace") if log.exists() else ""


async def spawn(
    name: str, workdir: Path, args: list[str], *, lease: Lease | None = None
) -> SippProcess:
    workdir.mkdir(parents=True, exist_ok=True)
    log = open(workdir / f"{name}.log", "wb")  # noqa: SIM115
    try:
        proc = await asyncio.create_subprocess_exec(
            sipp_binary(),
            *args,
            *LOG_ROTATION,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            cwd=str(workdir),
            start_new_session=True,
            preexec_fn=die_with_parent(),
        )
    finally:
        log.close()
    return SippProcess(name, proc, workdir, lease)


def port_args(sip_port: int, media_port: int, control_port: int) -> list[str]:
    """Own SIP, media and control ports, so parallel sipp processes never clash."""
    return [
        "-i",
        "127.0.0.1",
        "-p",
        str(sip_port),
        "-mp",
        str(media_port),
        "-cp",
        str(control_port),
        "-nostdin",
    ]


def write_scenario(workdir: Path, name: str, scenario: str) -> Path:
    """``workdir/name.xml`` holding ``scenario`` (the folder made if need be)."""
    workdir.mkdir(parents=True, exist_ok=True)
    sf = workdir / f"{name}.xml"
    sf.write_text(scenario, "utf-8")
    return sf


async def one_call(
    workdir: Path,
    name: str,
    scenario: str,
    *,
    target_port: int,
    sip_port: int,
    media_port: int,
    control_port: int,
    lease: Lease | None = None,
) -> SippProcess:
    """A UAC that places one call (a feature code, a registration) to ``target_port``."""
    sf = write_scenario(workdir, name, scenario)
    return await spawn(
        name,
        workdir,
        [
            f"127.0.0.1:{target_port}",
            "-sf", str(sf),
            "-m", "1",
            *port_args(sip_port, media_port, control_port),
            "-trace_err", "-error_file", str(workdir / f"{name}.errors"),
        ],
        lease=lease,
    )  # fmt: skip
