"""A private Kannel (bearerbox + smsbox from Debian's ``kannel``) with two
fake SMSCs (``fakesmsc`` from ``kannel-extras``): one takes what kontakt
sends (``received()``), the other injects citizens' SMS (``send_mo``), which
Kannel's sms-service delivers to kontakt's get-url.  For ``kontakt demo``
and the tests; generated configuration on given ports in a private
directory; ``stop()`` ends every process it started.
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

from asterisk.lifeline import die_with_parent

FAKESMSC = "/usr/lib/kannel/test/fakesmsc"
USERNAME, PASSWORD, SENDER = "kontakt", "demo-sendsms", "NoviSad"
CITY_SMS = "1999"  # the contact center's short number citizens write to
_LINE = re.compile(r"Got message \d+: <(\S+) (\S+) (\S+) (.*)>\s*$")


def kannel_missing() -> str | None:
    """Why a private Kannel cannot run here, or None."""
    for name in ("bearerbox", "smsbox"):
        if not (shutil.which(name) or os.path.exists(f"/usr/sbin/{name}")):
            return f"{name} not installed (run tickets/notify/install-kannel.sh)"
    if not os.path.exists(FAKESMSC):
        return f"{FAKESMSC} not installed (Debian kannel-extras; tickets/notify/install-kannel.sh)"
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _binary(name: str) -> str:
    return shutil.which(name) or f"/usr/sbin/{name}"


@dataclass(frozen=True)
class Sms:
    sender: str
    to: str
    coding: str
    text: str
    parts: int = 1


def _bytes(data: str) -> bytes:
    return urllib.parse.unquote_to_bytes(data.replace("+", "%20"))


class KannelBox:
    def __init__(self, workdir: Path, get_url: str, *, sendsms_port: int | None = None) -> None:
        self.dir = workdir
        self.dir.mkdir(parents=True, exist_ok=True)
        self.get_url = get_url
        self.sendsms_port = sendsms_port or free_port()
        self.admin_port, self.box_port = free_port(), free_port()
        self.out_port, self.in_port = free_port(), free_port()
        self.procs: list[subprocess.Popen[bytes]] = []
        self.fake_out = self.dir / "fakesmsc.out"
        self._mo = asyncio.Lock()
        self.mo_sent = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sendsms_port}"

    def config(self) -> str:
        d = self.dir
        get_url = self.get_url.replace('"', "%22")
        return f"""group = core
admin-port = {self.admin_port}
admin-interface = 127.0.0.1
admin-password = admin-{self.admin_port}
smsbox-port = {self.box_port}
box-allow-ip = 127.0.0.1
log-file = "{d}/bearerbox.log"
log-level = 1
access-log = "{d}/access.log"

group = smsc
smsc = fake
smsc-id = out
port = {self.out_port}
connect-allow-ip = 127.0.0.1

group = smsc
smsc = fake
smsc-id = citizens
port = {self.in_port}
connect-allow-ip = 127.0.0.1
allowed-smsc-id = never-out

group = smsbox
bearerbox-host = 127.0.0.1
sendsms-port = {self.sendsms_port}
sendsms-interface = 127.0.0.1
log-file = "{d}/smsbox.log"
log-level = 1
http-request-retry = 3
http-queue-delay = 1

group = sendsms-user
username = {USERNAME}
password = {PASSWORD}
concatenation = true
max-messages = 10
default-sender = {SENDER}

group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = "{get_url}"
"""

    async def start(self, within: float = 15.0) -> KannelBox:
        conf = self.dir / "kannel.conf"
        conf.write_text(self.config())
        self._spawn([_binary("bearerbox"), "-v", "1", str(conf)], "bearerbox.out")
        await _wait_port(self.out_port, within)
        self._spawn([FAKESMSC, "-H", "127.0.0.1", "-r", str(self.out_port), "-m", "0",
                     "1 2 text unused"], "fakesmsc.out")
        self._spawn([_binary("smsbox"), "-v", "1", str(conf)], "smsbox.out")
        await _wait_port(self.sendsms_port, within)
        return self

    def _spawn(self, argv: list[str], out: str) -> subprocess.Popen[bytes]:
        with open(self.dir / out, "ab") as fh:
            # Dies with us even on SIGKILL (PDEATHSIG), like the rig's Asterisk and sipp.
            p = subprocess.Popen(argv, stdout=fh, stderr=subprocess.STDOUT, cwd=self.dir,
                                 start_new_session=True, preexec_fn=die_with_parent())
        self.procs.append(p)
        return p

    async def send_mo(self, sender: str, text: str, to: str = CITY_SMS,
                      within: float = 10.0) -> None:
        """A citizen's SMS into Kannel, through the second fake SMSC."""
        if text.isascii() and text.isprintable():
            msg = f"{sender} {to} text {text}"
        else:
            msg = f"{sender} {to} ucs2 {urllib.parse.quote(text.encode('utf-16-be'))}"
        async with self._mo:
            self.mo_sent += 1
            p = await asyncio.create_subprocess_exec(
                FAKESMSC, "-H", "127.0.0.1", "-r", str(self.in_port), "-m", "1", msg,
                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                cwd=self.dir, start_new_session=True, preexec_fn=die_with_parent())
            seen: list[bytes] = []
            try:
                # fakesmsc never exits by itself: it says when the message went.
                async with asyncio.timeout(within):
                    assert p.stdout is not None
                    while not any(b"sent message 1" in line for line in seen[-1:]):
                        line = await p.stdout.readline()
                        if not line:
                            raise RuntimeError(f"fakesmsc ended: {b''.join(seen)[-300:]!r}")
                        seen.append(line)
                await asyncio.sleep(0.2)  # let bearerbox read it before the link drops
            finally:
                if p.returncode is None:
                    p.terminate()
                try:
                    await asyncio.wait_for(p.wait(), 2)
                except TimeoutError:
                    p.kill()
                    await p.wait()

    def received(self) -> list[Sms]:
        """Messages the outgoing fake SMSC got; concatenated parts joined."""
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
                raw = _bytes(data)
                text = data if kind == "text" else raw.decode(
                    "utf-16-be" if kind.startswith("ucs") else "latin-1")
                out.append(Sms(sender, to, kind, text))
                continue
            udh_text, _, payload = data.partition(" data ")
            udh, body = _bytes(udh_text), _bytes(payload)
            ref, total, seq = udh[3], udh[4], udh[5]  # concatenation IE 00 03 ref total seq
            got = parts.setdefault((sender, to, ref), {})
            got[seq] = body
            if len(got) == total:
                joined = b"".join(got[i] for i in sorted(got))
                out.append(Sms(sender, to, "ucs-2", joined.decode("utf-16-be"), total))
        return out

    async def wait_received(self, count: int, within: float = 15.0) -> list[Sms]:
        deadline = time.monotonic() + within
        # fakesmsc is another process writing a file: polling is the only signal.
        while len(self.received()) < count and time.monotonic() < deadline:  # noqa: ASYNC110
            await asyncio.sleep(0.1)
        return self.received()

    def stop(self) -> None:
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
