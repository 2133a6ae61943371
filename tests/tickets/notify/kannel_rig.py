"""A private Kannel for tests: bearerbox + smsbox + fakesmsc as the SMSC.

Generated config on free ports in a temp dir; ``received()`` reads what the
fake SMSC got (it prints each message as ``Got message N: <from to type data>``).
Every process started is stopped by ``stop()``.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
USERNAME, PASSWORD, SENDER = "kontakt", "tajna-lozinka", "NoviSad"


def kannel_missing() -> str | None:
    """Why the Kannel tests cannot run here, or None."""
    for name in ("bearerbox", "smsbox"):
        if not (shutil.which(name) or os.path.exists(f"/usr/sbin/{name}")):
            return f"{name} not installed (run tickets/notify/install-kannel.sh)"
    if not os.path.exists(FAKESMSC):
        return f"{FAKESMSC} not installed (Debian kannel-extras; tickets/notify/install-kannel.sh)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _binary(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}"


@dataclass
class Sms:
    sender: str
    to: str
    coding: str
    text: str


_LINE = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>\s*$")


def _bytes(data: str) -> bytes:
    return urllib.parse.unquote_to_bytes(data.replace("+", "%20"))


def _decode(kind: str, data: str) -> str:
    if kind == "text":
        return data
    raw = _bytes(data)
    if kind.startswith("ucs"):
        return raw.decode("utf-16-be")
    return raw.decode("latin-1")


class KannelRig:
    def __init__(self, workdir: Path, sendsms_port: int | None = None) -> None:
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.sendsms_port = sendsms_port or free_port()
        self.admin_port, self.box_port, self.smsc_port = free_port(), free_port(), free_port()
        self.procs: list[subprocess.Popen[bytes]] = []
        self.fake_out = self.dir / "fakesmsc.out"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}"

    def config(self) -> str:
        d = self.dir
        return f"""group = core
admin-port = {self.admin_port}
admin-interface = 127.0.0.1
admin-password = admin-{self.admin_port}
smsbox-port = {self.box_port}
box-allow-ip = 127.0.0.1
log-file = "{d}/bearerbox.log"
log-level = 0
access-log = "{d}/access.log"

group = smsc
smsc = fake
smsc-id = fake
port = {self.smsc_port}
connect-allow-ip = 127.0.0.1

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = {self.sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{d}/smsbox.log"
log-level = 0

group = sendsms-user
username = {USERNAME}
password = {PASSWORD}
concatenation = true
max-messages = 10
default-sender = {SENDER}

group = sms-service
keyword = default
text = "no service"
"""

    async def start(self, within: float = 15.0) -> None:
        conf = self.dir / "kannel.conf"
        conf.write_text(self.config())
        self._spawn([_binary("bearerbox"), "-v", "1", str(conf)], "bearerbox.out")
        await _wait_port(self.smsc_port, within)
        self._spawn([FAKESMSC, "-H", "127.0.0.1", "-r", str(self.smsc_port), "-m", "0",
                     "1 2 text unused"], "fakesmsc.out")
        self._spawn([_binary("smsbox"), "-v", "1", str(conf)], "smsbox.out")
        await _wait_port(self.sendsms_port, within)

    def _spawn(self, argv: list[str], out: str) -> None:
        with open(self.dir / out, "wb") as fh:
            self.procs.append(subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT,
                                               cwd=self.dir, start_new_session=True))

    def received(self) -> list[Sms]:
        """Messages the fake SMSC got; concatenated parts joined (their payload is UCS-2)."""
        if not self.fake_out.exists():
            return []
        out: list[Sms] = []
        parts: dict[tuple[str, str, int], dict[int, bytes]] = {}
        for line in self.fake_out.read_text("utf-8", "replace").splitlines():
            m = _LINE.search(line)
            if not m:
                continue
            sender, to, kind, data = m[1], m[2], m[3], m[4]
            if kind != "udh":
                out.append(Sms(sender, to, kind, _decode(kind, data)))
                continue
            udh_text, _, payload = data.partition(" data ")
            udh, body = _bytes(udh_text), _bytes(payload)
            # Concatenation IE: 05 00 03 <ref> <total> <seq>
            ref, total, seq = udh[3], udh[4], udh[5]
            got = parts.setdefault((sender, to, ref), {})
            got[seq] = body
            if len(got) == total:
                joined = b"".join(got[i] for i in sorted(got))
                out.append(Sms(sender, to, "ucs-2", joined.decode("utf-16-be")))
        return out

    async def wait_received(self, count: int, within: float = 15.0) -> list[Sms]:
        deadline = time.monotonic() + within
        # fakesmsc is another process writing a file: polling is the only signal.
        while len(self.received()) < count and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        return self.received()

    def stop(self) -> None:
        # bearerbox takes ~3 s to shut down on SIGTERM and holds nothing we
        # need (no store): a short grace, then SIGKILL.
        for p in reversed(self.procs):
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 0.3
        for p in self.procs:
            try:
                p.wait(max(0.01, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        self.procs.clear()


async def _wait_port(port: int, within: float) -> None:
    deadline = time.monotonic() + within
    while True:
        try:
            _, w = await asyncio.open_connection("127.0.0.1", port)
            w.close()
            await w.wait_closed()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listens on 127.0.0.1:{port}") from None
            await asyncio.sleep(0.05)
