"""Random and truncated AMI and AGI frames at a running engine while real
citizens call: the engine keeps serving every call.

The engine's AMI connection runs through a proxy that, between Asterisk's
real frames, slips in garbage: random bytes, non-UTF-8, lines without a
colon, overlong values, truncated copies of real frames (their ids made
up), known events with fields missing, answers to no action.  Forged events that are well
formed (a made-up caller joining an agent's queue) are not garbage but
lies, which only the AMI's own login keeps out; they are not sent.  A line
cut in the middle of a frame while calls wait has its own test.  At the
same time other clients open FastAGI sessions with random bytes, truncated,
doctored or oversized environments, and sessions that stall.  (A session
with a well-formed environment from loopback is a call as far as the
engine can tell; garbage replies to its commands are tested without the
rig, in tests/asterisk/test_agi_guard.py.)  Every real call must be
answered, none lost, and the engine must log no failed handler or listener.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections import Counter

import pytest
from structlog.testing import capture_logs

from asterisk.ami import Ami
from asterisk.ledger import Ledger
from asterisk.rig import FREE_NUMBER, PhoneBehaviour, Rig
from kontakt.bootstrap import Options, System, bootstrap
from kontakt.settings import Settings

from .conftest import needs_rig

pytestmark = [pytest.mark.rig, needs_rig]
END = b"\r\n\r\n"


def _made_up_ids(frame: bytes, rng: random.Random) -> bytes:
    lines = []
    for line in frame.split(b"\r\n"):
        key = line.split(b":", 1)[0].lower()
        if key in (b"uniqueid", b"linkedid", b"destuniqueid", b"destlinkedid", b"actionid"):
            line = line.split(b":", 1)[0] + b": 99%d.%d" % (rng.randrange(10**6), rng.randrange(99))
        elif key in (b"channel", b"destchannel"):
            line = line.split(b":", 1)[0] + b": PJSIP/nobody-%08x" % rng.randrange(2**32)
        lines.append(line)
    return b"\r\n".join(lines)


def garbage_frame(rng: random.Random, last_real: bytes) -> tuple[str, bytes]:
    kind = rng.choice(["random", "not_utf8", "no_colon", "overlong", "truncated",
                       "fields_missing", "stray_response", "unknown_event", "empty"])
    if kind == "random":
        body = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 200)))
        body = body.replace(b"\r\n\r\n", b"\r\n")
    elif kind == "not_utf8":
        body = b"Event: Hangup\r\nUniqueid: \xff\xfe\xfd\r\nCause: \xc3\x28"
    elif kind == "no_colon":
        body = b"this is not a header\r\nneither\x00 is this"
    elif kind == "overlong":
        body = b"Event: DialEnd\r\nDestChannel: PJSIP/agent" + b"9" * 20000
    elif kind == "truncated" and last_real:
        copy = _made_up_ids(last_real, rng)
        body = copy[: rng.randrange(1, len(copy) + 1)].rstrip(b"\r\n")
        body = body.replace(b"QueueCallerJoin", b"QueueCallerJ")  # no lies, only damage
    elif kind == "fields_missing":
        body = rng.choice([b"Event: DialEnd", b"Event: DialEnd\r\nDestChannel: PJSIP/agent01",
                           b"Event: DialBegin\r\nDestChannel: PJSIP/agent02",
                           b"Event: Hangup", b"Event: Hangup\r\nUniqueid:",
                           b"Event: HangupRequest\r\nUniqueid: 1.2.3.4",
                           b"Event: UserEvent\r\nUserEvent: KontaktOutcome",
                           b"Event: OriginateResponse\r\nResponse: Failure",
                           b"Event: AgentConnect\r\nQueue: kontakt-agent0",
                           b"Event: QueueCallerJoin\r\nQueue: kontakt-agentXX"])
    elif kind == "stray_response":
        body = b"Response: Success\r\nActionID: %d\r\nMessage: nobody asked" % rng.randrange(10**9)
    elif kind == "unknown_event":
        body = b"Event: Kontakt%x\r\nX: y" % rng.randrange(2**32)
    else:
        body = b""
    return kind, body + END


class AmiFuzzProxy:
    """Asterisk -> engine: every real frame passes; garbage goes in between."""

    def __init__(self, upstream_port: int, rng: random.Random, rate: float = 0.5) -> None:
        self.upstream_port, self.rng, self.rate = upstream_port, rng, rate
        self.sent: Counter[str] = Counter()
        self.cut = asyncio.Event()
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()
        self._writers: list[asyncio.StreamWriter] = []

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        assert self._server is not None
        self._server.close()
        for w in self._writers:
            w.close()
        for t in list(self._tasks):
            t.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def _client(self, er: asyncio.StreamReader, ew: asyncio.StreamWriter) -> None:
        ar, aw = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        self._writers += [ew, aw]
        up = asyncio.create_task(self._copy(er, aw))
        down = asyncio.create_task(self._down(ar, ew))
        self._tasks |= {up, down}
        await asyncio.wait({up, down}, return_when=asyncio.FIRST_COMPLETED)
        for t in (up, down):
            t.cancel()
        for w in (ew, aw):
            w.close()

    @staticmethod
    async def _copy(r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        while data := await r.read(65536):
            w.write(data)
            await w.drain()

    async def _down(self, r: asyncio.StreamReader, w: asyncio.StreamWriter) -> None:
        w.write(await r.readline())  # the banner: "Asterisk Call Manager/5.0.x"
        last = b""
        while True:
            frame = await r.readuntil(END)
            if self.cut.is_set():  # half a frame, then the line goes dead
                self.cut.clear()
                self.sent["cut_mid_frame"] += 1
                w.write(frame[: len(frame) // 2])
                await w.drain()
                return
            w.write(frame)
            last = frame[: -len(END)]
            while self.rng.random() < self.rate:
                kind, junk = garbage_frame(self.rng, last)
                self.sent[kind] += 1
                w.write(junk)
            await w.drain()


AGI_ENV = {"agi_network": "yes", "agi_network_script": "call",
           "agi_channel": "PJSIP/trunk-fuzz", "agi_context": "kontakt-inbound",
           "agi_callerid": "0214009999", "agi_dnid": FREE_NUMBER}


async def agi_fuzz(port: int, rng: random.Random, stop: asyncio.Event, sent: Counter[str]) -> None:
    while not stop.is_set():
        kind = rng.choice(["random", "truncated_env", "doctored_env", "stall", "no_blank_line",
                           "huge_env"])
        env = {**AGI_ENV, "agi_uniqueid": f"88{rng.randrange(10**6)}.{rng.randrange(99)}"}
        block = "".join(f"{k}: {v}\n" for k, v in env.items()).encode() + b"\n"
        try:
            _, w = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            sent["refused_connect"] += 1
            continue
        try:
            if kind == "random":
                w.write(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 300))))
            elif kind == "truncated_env":
                w.write(block[: rng.randrange(1, len(block) - 1)])
            elif kind == "doctored_env":
                w.write(block[:-1] + rng.choice([b"agi_arg_1: dial:agent01\n", b"x: y\n",
                                                 b"agi_network_script: call\n"]) + b"\n")
            elif kind == "stall":
                w.write(block[:10])
                await w.drain()
                await asyncio.sleep(rng.uniform(0.2, 1.5))
            elif kind == "no_blank_line":
                w.write(block[:-1])
                await w.drain()
                await asyncio.sleep(rng.uniform(0, 0.3))
            elif kind == "huge_env":
                w.write(b"agi_network: yes\nagi_callerid: " + b"9" * 70000 + b"\n\n")
            await w.drain()
            sent[kind] += 1
        except (ConnectionError, OSError):
            sent[kind] += 1
        finally:
            w.close()
            with contextlib.suppress(Exception):
                await w.wait_closed()
        await asyncio.sleep(rng.uniform(0, 0.05))


class _Wired:
    """A rig and an engine whose AMI runs through the fuzzing proxy."""

    def __init__(self, tmp_path, rate: float) -> None:
        self.rng = random.Random(1021)
        self.rig = Rig(tmp_path / "rig", agents=3, default_phone=PhoneBehaviour(talk_ms=800))
        self.proxy = AmiFuzzProxy(0, self.rng, rate)
        self.ledger = Ledger()
        self.ami: Ami | None = None
        self.system: System | None = None
        self.tmp = tmp_path

    async def start(self) -> None:
        direct = await self.rig.start()
        direct.listeners.append(self.ledger.feed)  # the count comes from the clean line
        self.proxy.upstream_port = self.rig.cfg.ami_port
        await self.proxy.start()
        settings = self.rig.engine_settings(Settings.load(environ={})).replace(
            queue_log=str(self.tmp / "queue_log"), router="direct", ami_port=self.proxy.port)
        self.ami = Ami("127.0.0.1", self.proxy.port, self.rig.cfg.ami_user,
                       self.rig.cfg.ami_secret)
        await self.ami.connect(timeout=15)
        agents = [f"agent{i:02d}" for i in range(1, self.rig.agents + 1)]
        self.system = await bootstrap(settings, self.ami, Options(
            tickets=False, logins={a: ["sr"] for a in agents}))

    async def stop(self) -> None:
        if self.system is not None:
            await self.system.stop()
        if self.ami is not None:
            self.ami.close()
        if self.proxy.port:
            await self.proxy.stop()
        await self.rig.stop()

    async def calls(self, n: int, first: int = 0) -> None:
        await self.rig.call([(f"021400{i:04d}", FREE_NUMBER) for i in range(first, first + n)],
                            rate=2, hold_ms=60_000)


async def test_garbage_on_ami_and_agi_while_citizens_call(tmp_path, capsys):
    w = _Wired(tmp_path, rate=0.5)
    stop = asyncio.Event()
    agi_sent: Counter[str] = Counter()
    ledger = w.ledger
    try:
        with capture_logs() as logs:
            await w.start()
            agi = asyncio.gather(*(agi_fuzz(w.rig.agi_port, random.Random(seed), stop, agi_sent)
                                   for seed in range(4)))  # four clients at once
            await w.calls(10)
            await _until(lambda: ledger.offered == 10 and ledger.in_progress == 0, 90, ledger)
            stop.set()
            await agi
            await w.calls(2, first=100)  # and afterwards the engine still takes calls
            await _until(lambda: ledger.offered == 12 and ledger.in_progress == 0, 60, ledger)
        summary = ledger.summary()
        failures = [e for e in logs if e["event"] in ("agi.handler_failed", "ami.listener_failed")
                    or e.get("log_level") in ("error", "critical")]
        with capsys.disabled():
            print(f"\nwire fuzz: AMI garbage {sum(w.proxy.sent.values())} frames "
                  f"{dict(w.proxy.sent)}; AGI sessions {sum(agi_sent.values())} "
                  f"{dict(agi_sent)}; calls {summary}")
        assert (summary["answered"], summary["lost"]) == (12, 0), summary
        assert sum(w.proxy.sent.values()) > 50 and sum(agi_sent.values()) > 30
        assert not failures, failures[:3]
        assert any(e["event"] == "agi.refused" for e in logs)
    finally:
        stop.set()
        await w.stop()


async def test_ami_line_cut_mid_frame_while_calls_wait(tmp_path):
    w = _Wired(tmp_path, rate=0.0)
    ledger = w.ledger
    try:
        await w.start()
        await w.calls(6)
        await _until(lambda: ledger.offered >= 3, 30, ledger)
        w.proxy.cut.set()  # half a frame, then the line to the engine is dead
        await _until(lambda: ledger.offered == 6 and ledger.in_progress == 0, 45, ledger)
        assert w.proxy.sent["cut_mid_frame"] == 1
        assert (ledger.summary()["answered"], ledger.summary()["lost"]) == (6, 0)
    finally:
        await w.stop()


async def _until(cond, timeout: float, ledger: Ledger) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not cond():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out: {ledger.summary()}")
        await asyncio.sleep(0.05)
