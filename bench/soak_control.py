"""Two small pieces between the soak and the engine's public interfaces:
the control socket (one JSON request per connection, one JSON line back, as
`kontakt agent` speaks it) and the TCP proxy in front of Asterisk's AMI
(bench.soak_amiproxy), so the soak can cut the engine's AMI connection
without touching Asterisk."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
import time
from pathlib import Path
from typing import Any


async def control_call(path: Path, request: dict[str, Any], timeout: float = 5.0
                       ) -> dict[str, Any]:
    reader, writer = await asyncio.wait_for(asyncio.open_unix_connection(str(path)), timeout)
    try:
        writer.write((json.dumps(request) + "\n").encode())
        await writer.drain()
        line = await asyncio.wait_for(reader.readline(), timeout)
    finally:
        writer.close()
        with contextlib.suppress(Exception):
            await writer.wait_closed()
    answer: dict[str, Any] = json.loads(line)
    return answer


class AmiProxy:
    """``bench.soak_amiproxy`` as a child process: a TCP proxy in front of
    Asterisk's AMI.  ``cut()`` drops every live connection (SIGUSR1);
    ``connects`` are the wall times of the connections it accepted."""

    def __init__(self, upstream_port: int, log: Path, children: Any) -> None:
        self.upstream_port, self.log, self.children = upstream_port, log, children
        self.port = 0
        self.proc: Any = None

    def _lines(self) -> list[str]:
        try:
            return self.log.read_text("utf-8").splitlines()
        except OSError:
            return []

    async def start(self) -> None:
        self.proc = self.children.spawn(
            [sys.executable, "-m", "bench.soak_amiproxy", str(self.upstream_port)],
            log=self.log, cwd=Path(__file__).resolve().parent.parent)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            ports = [int(x.split()[1]) for x in self._lines() if x.startswith("port ")]
            if ports:
                self.port = ports[0]
                return
            await asyncio.sleep(0.05)
        raise RuntimeError(f"the AMI proxy did not start; see {self.log}")

    @property
    def connects(self) -> list[float]:
        return [float(x.split()[1]) for x in self._lines() if x.startswith("connect ")]

    def cut(self) -> None:
        self.proc.send_signal(signal.SIGUSR1)

    def cuts(self) -> list[tuple[float, int]]:
        return [(float(x.split()[1]), int(x.split()[2])) for x in self._lines()
                if x.startswith("cut ")]

    async def stop(self) -> None:
        from bench.soak_procs import stop_proc

        await stop_proc(self.proc, signal.SIGTERM, 5)
