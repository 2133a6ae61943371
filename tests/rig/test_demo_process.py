"""`kontakt demo` as its own process, in its endless mode with the
workstations on: SIGTERM and SIGINT end it within 10 s with the summary
printed and nothing left running (no Asterisk, no sipp of its own), even
with a live event stream open; a SIGKILL leaves nothing either (the
children die with it)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path

import httpx
import pytest

from .conftest import needs_rig

pytestmark = [pytest.mark.rig, needs_rig]

SUMMARY = re.compile(r"^offered=(\d+)\s.*answered=(\d+)\s.*lost=(\d+)", re.M)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _processes_naming(*needles: str) -> list[tuple[int, str]]:
    """Every process whose command line names one of ``needles``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmd = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:  # gone meanwhile
            continue
        if any(n in cmd for n in needles):
            found.append((int(entry.name), cmd.strip()))
    return found


class Demo:
    """One `kontakt demo --http-port P` with its output in files."""

    def __init__(self, tmp_path: Path) -> None:
        self.tmp = tmp_path
        self.http_port = _free_port()
        self.out_path, self.err_path = tmp_path / "demo.out", tmp_path / "demo.err"
        self.proc: subprocess.Popen[bytes] | None = None
        self.base = ""  # the demo's private folder, named in every child's command line
        self.sip_port = ""

    def start(self) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("KONTAKT_")}
        env.update(TMPDIR=str(self.tmp), KONTAKT_MQTT_PREFIX=f"demo-{uuid.uuid4().hex[:8]}")
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "kontakt", "demo", "--http-port", str(self.http_port)],
                stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env,
                start_new_session=True,  # like systemd: the test's own group gets no signal
            )

    def out(self) -> str:
        return self.out_path.read_text("utf-8", "replace")

    def err(self) -> str:
        return self.err_path.read_text("utf-8", "replace")

    def answered(self) -> int:
        counts = re.findall(r"answered (\d+)", self.out())
        return int(counts[-1]) if counts else 0

    async def until_serving(self, timeout: float = 120.0) -> str:
        """Until a citizen was answered and the workstations answer; their password."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, f"demo ended: {self.out()[-2000:]} {self.err()}"
            m = re.search(r"logs in (\S+)", self.out())
            pw = re.search(r"^\s+supervisor\s+(\S+)", self.out(), re.M)
            sip = re.search(r"Asterisk SIP 127\.0\.0\.1:(\d+)", self.out())
            if m and pw and sip and self.answered() > 0:
                self.base, self.sip_port = m.group(1), sip.group(1)
                return pw.group(1)
            await asyncio.sleep(0.5)
        raise AssertionError(f"demo not serving in {timeout} s: {self.out()[-2000:]}")

    def children(self) -> list[tuple[int, str]]:
        return _processes_naming(self.base, f"127.0.0.1:{self.sip_port} ")

    def kill_all(self) -> None:
        """The test's own safety net: the demo and whatever it left, by pid."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.base:
            for pid, _ in self.children():
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)


@pytest.fixture
def demo(tmp_path):
    d = Demo(tmp_path)
    yield d
    d.kill_all()


async def _open_event_stream(url: str, password: str) -> tuple[httpx.AsyncClient, asyncio.Task]:
    # A browser's request: it says where it comes from; the session is the cookie.
    client = httpx.AsyncClient(base_url=url, timeout=10, headers={"Origin": url.rstrip("/")})
    r = await client.post("/api/login", json={"username": "supervisor", "password": password})
    assert r.status_code == 200, r.text
    opened = asyncio.Event()

    async def read() -> None:
        async with client.stream("GET", "/api/events") as resp:
            assert resp.status_code == 200
            async for _ in resp.aiter_lines():
                opened.set()

    task = asyncio.create_task(read())
    await asyncio.wait_for(opened.wait(), 10)
    return client, task


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
async def test_a_signal_ends_the_endless_demo_within_10s_leaving_nothing(demo, sig):
    demo.start()
    password = await demo.until_serving()
    url = f"http://127.0.0.1:{demo.http_port}"
    async with httpx.AsyncClient(base_url=url, timeout=10) as c:
        assert (await c.get("/wallboard", follow_redirects=True)).status_code == 200
    client, stream = await _open_event_stream(url, password)
    try:
        assert demo.children(), "the demo's Asterisk and sipp should be running"
        started = time.monotonic()
        demo.proc.send_signal(sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            await asyncio.to_thread(demo.proc.wait, 12)
        took = time.monotonic() - started
        assert demo.proc.poll() is not None, f"still running {took:.1f} s after {sig.name}"
        assert took < 10, f"{sig.name}: {took:.1f} s"
        # The event stream ended with the server, it did not hold the stop up.
        await asyncio.wait_for(asyncio.gather(stream, return_exceptions=True), 5)
    finally:
        stream.cancel()
        await client.aclose()
    summary = SUMMARY.search(demo.out())
    assert summary, f"no summary printed: {demo.out()[-1500:]}"
    offered, answered, lost = map(int, summary.groups())
    assert answered > 0 and offered >= answered
    assert demo.proc.returncode == (0 if lost == 0 else 1)
    assert "Traceback" not in demo.err() and "timeout graceful shutdown" not in demo.err()
    assert demo.children() == []


async def test_sigkill_of_the_demo_leaves_no_child_behind(demo):
    demo.start()
    await demo.until_serving()
    assert demo.children()
    demo.proc.send_signal(signal.SIGKILL)
    demo.proc.wait()
    deadline = time.monotonic() + 5
    while demo.children() and time.monotonic() < deadline:  # noqa: ASYNC110 (polling /proc)
        await asyncio.sleep(0.1)
    assert demo.children() == []
