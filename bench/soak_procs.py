"""Private servers for the soak, each on a free port in the run's own folder:
a Mosquitto broker and a PostgreSQL cluster that can be restarted (faults),
and the engine itself as a `kontakt run` process that can be SIGKILLed and
started again.  Nothing here touches the system's broker or database.

Every process is started in its own session (process group) and recorded in
one ``Children`` registry, so the soak stops all of them on its way out,
whether it ends normally, on Ctrl-C or on SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


def _pg_bin() -> Path:
    """The newest installed PostgreSQL's programs (initdb, pg_ctl)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"),
                   key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0)
    return found[-1].parent if found else Path("/usr/lib/postgresql/15/bin")


PG_BIN = _pg_bin()
CLK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


class Children:
    """Every process the soak started; ``kill_all`` is the last resort."""

    def __init__(self) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.pidfiles: list[Path] = []  # daemons started by a tool (pg_ctl): pid on line 1

    def spawn(self, args: list[str], *, log: Path, env: dict[str, str] | None = None,
              cwd: Path | None = None) -> subprocess.Popen[bytes]:
        with open(log, "ab") as out:
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                    env=env, cwd=cwd, start_new_session=True)
        self.procs.append(proc)
        return proc

    def forget(self, proc: subprocess.Popen[bytes]) -> None:
        if proc in self.procs:
            self.procs.remove(proc)

    def kill_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
        for proc in self.procs:
            with contextlib.suppress(Exception):
                proc.wait(5)
        self.procs.clear()
        for pidfile in self.pidfiles:
            with contextlib.suppress(OSError, ValueError, IndexError):
                os.kill(int(pidfile.read_text().split()[0]), signal.SIGKILL)


async def until(cond: Callable[[], bool], timeout: float, step: float = 0.1) -> bool:
    """Poll ``cond`` until it holds (True) or ``timeout`` passes (False).  The
    things the soak waits for (a process, a file, a count fed by AMI) have
    no event to await."""
    deadline = time.monotonic() + timeout
    while True:
        if cond():
            return True
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(step)


async def wait_exit(proc: subprocess.Popen[bytes], timeout: float) -> bool:
    return await until(lambda: proc.poll() is not None, timeout, 0.05)


async def stop_proc(proc: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM,
                    timeout: float = 10.0) -> None:
    """``sig`` to the process, SIGKILL to its group if it lingers."""
    if proc is None or proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.send_signal(sig)
    if not await wait_exit(proc, timeout):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        await wait_exit(proc, 5)


async def port_open(port: int, timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            _, w = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            await asyncio.sleep(0.05)
            continue
        w.close()
        with contextlib.suppress(Exception):
            await w.wait_closed()
        return True
    return False


# -- Mosquitto -----------------------------------------------------------------

@dataclass
class Broker:
    """A private Mosquitto with persistence: a subscriber's QoS 1 session and
    its queued messages survive a graceful restart (as in production)."""

    base: Path
    port: int
    children: Children
    proc: subprocess.Popen[bytes] | None = None

    def _conf(self) -> Path:
        self.base.mkdir(parents=True, exist_ok=True)
        conf = self.base / "mosquitto.conf"
        # Run as root, mosquitto drops to its own user and then cannot write
        # its persistence file here: stay the soak's user.
        user = "user root\n" if os.geteuid() == 0 else ""
        conf.write_text(
            f"{user}listener {self.port} 127.0.0.1\nallow_anonymous true\n"
            f"persistence true\npersistence_location {self.base}/\n"
            "max_queued_messages 1000000\nmax_inflight_messages 100\n"
            f"log_dest file {self.base}/mosquitto.log\nlog_type error\nlog_type warning\n"
            "log_type notice\n", "utf-8")
        return conf

    async def start(self) -> None:
        exe = shutil.which("mosquitto") or "/usr/sbin/mosquitto"
        self.proc = self.children.spawn([exe, "-c", str(self._conf())],
                                        log=self.base / "stdout.log")
        if not await port_open(self.port):
            raise RuntimeError(f"mosquitto did not listen on {self.port}; see {self.base}")

    async def stop(self) -> None:
        proc, self.proc = self.proc, None
        await stop_proc(proc)  # SIGTERM: it saves its persistence file first
        if proc is not None:
            self.children.forget(proc)

    async def restart(self, down: float) -> None:
        await self.stop()
        await asyncio.sleep(down)
        await self.start()


# -- PostgreSQL ----------------------------------------------------------------

@dataclass
class Postgres:
    """A private cluster (initdb + pg_ctl) in a folder of its own, trust auth
    on 127.0.0.1 and its socket in that folder; never the system's server.
    As root, the tools run as the ``postgres`` user (initdb refuses root)."""

    base: Path
    port: int
    children: Children
    started: bool = False

    @property
    def url(self) -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/kontakt"

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if os.geteuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        with open(self.base / "pg_ctl.log", "ab") as log:
            subprocess.run(cmd, check=True, stdout=log, stderr=log,
                           stdin=subprocess.DEVNULL, timeout=120)

    def _ctl(self, *args: str) -> None:
        self._run(str(PG_BIN / "pg_ctl"), "-D", str(self.base / "data"), *args)

    async def start(self) -> None:
        if not (PG_BIN / "initdb").exists():
            raise RuntimeError(f"PostgreSQL is not installed ({PG_BIN}/initdb missing)")
        self.base.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            shutil.chown(self.base, "postgres", "postgres")
        self.children.pidfiles.append(self.base / "data" / "postmaster.pid")
        if not (self.base / "data").exists():
            await asyncio.to_thread(self._run, str(PG_BIN / "initdb"), "-D",
                                    str(self.base / "data"), "-U", "postgres", "-A", "trust",
                                    "-E", "UTF8", "--no-sync")
        await self._up()
        await asyncio.to_thread(self._run, str(PG_BIN / "createdb"), "-h", "127.0.0.1", "-p",
                                str(self.port), "-U", "postgres", "kontakt")

    async def _up(self) -> None:
        opts = (f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 "
                "-c max_connections=60")
        await asyncio.to_thread(self._ctl, "-o", opts, "-l", str(self.base / "server.log"),
                                "-w", "-t", "60", "start")
        self.started = True

    async def stop(self) -> None:
        if self.started:
            self.started = False
            with contextlib.suppress(subprocess.SubprocessError):
                await asyncio.to_thread(self._ctl, "-m", "fast", "-w", "-t", "30", "stop")

    async def restart(self, down: float) -> None:
        await self.stop()
        await asyncio.sleep(down)
        await self._up()


# -- the engine ----------------------------------------------------------------

@dataclass(frozen=True)
class Usage:
    """What /proc says about one process at one moment."""

    at: float  # seconds into the soak
    pid: int
    rss_mb: float
    fds: int
    cpu_s: float


def usage(pid: int, at: float) -> Usage | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        rss_pages = int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        fds = len(os.listdir(f"/proc/{pid}/fd"))
    except (OSError, IndexError, ValueError):
        return None
    return Usage(at, pid, rss_pages * PAGE / 2**20, fds, (int(stat[11]) + int(stat[12])) / CLK)


@dataclass
class EngineProcess:
    """`kontakt run` with a settings file; ``kill()`` is SIGKILL, ``start()``
    again brings up a new process on the same database and run folder."""

    base: Path
    settings_file: Path
    children: Children
    proc: subprocess.Popen[bytes] | None = None
    starts: list[float] = field(default_factory=list)  # seconds each start took to be ready
    stop_s: float | None = None  # how long the last SIGTERM took

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KONTAKT_")}
        return {**env, "KONTAKT_SETTINGS": str(self.settings_file)}

    def cli(self, *args: str, extra_env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "kontakt", *args],
                              env={**self.env(), **(extra_env or {})}, capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL)

    @property
    def pid(self) -> int | None:
        return self.proc.pid if self.proc is not None and self.proc.poll() is None else None

    async def start(self, control: Path, timeout: float = 180.0) -> float:
        """Start and wait until its control socket answers; seconds it took."""
        t0 = time.monotonic()
        n = len(self.starts) + 1
        self.proc = self.children.spawn([sys.executable, "-m", "kontakt", "run"],
                                        log=self.base / f"engine-{n}.log", env=self.env())
        from bench.soak_control import control_call

        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"kontakt run exited with {self.proc.returncode}; "
                                   f"see {self.base}/engine-{n}.log")
            with contextlib.suppress(OSError, TimeoutError, ValueError):
                if (await control_call(control, {"op": "status"}, timeout=2)).get("ok"):
                    self.starts.append(time.monotonic() - t0)
                    return self.starts[-1]
            await asyncio.sleep(0.1)
        raise RuntimeError(f"kontakt run did not come up in {timeout:g} s")

    async def kill(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None:
            await stop_proc(proc, signal.SIGKILL, 5)
            self.children.forget(proc)

    async def stop(self) -> int | None:
        """SIGTERM, as systemd would; the exit status (SIGKILL after 15 s)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return None
        t = time.monotonic()
        await stop_proc(proc, signal.SIGTERM, 15)
        self.children.forget(proc)
        self.stop_s = round(time.monotonic() - t, 2)
        return proc.returncode
