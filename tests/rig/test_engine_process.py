"""`kontakt run` as its own process against the rig: agents from the CLI,
and SIGKILL with callers waiting loses none of them (app_queue fallback)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import uuid

import aiomqtt
import pytest

from asterisk.ledger import Ledger
from asterisk.rig import FREE_NUMBER, PhoneBehaviour, Rig

from .conftest import Harness, needs_rig

pytestmark = [pytest.mark.rig, needs_rig]


def _env(rig: Rig, run_dir) -> dict[str, str]:
    return {
        **os.environ,
        "KONTAKT_AMI_PORT": str(rig.cfg.ami_port),
        "KONTAKT_AMI_SECRET": rig.cfg.ami_secret,
        "KONTAKT_AGI_PORT": str(rig.agi_port),
        "KONTAKT_RUN_DIR": str(run_dir),
        "KONTAKT_SEATS": str(rig.agents),
        "KONTAKT_RING_TIMEOUT": str(rig.ring_timeout),
        "KONTAKT_LOG_JSON": "true",
        "KONTAKT_HTTP": "false",
        "KONTAKT_ROUTER": "direct",
        "KONTAKT_DATABASE_URL": f"sqlite+aiosqlite:///{run_dir}/k.db",
    }


async def _kontakt(env, *args) -> subprocess.CompletedProcess[str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kontakt",
        *args,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    out, err = await proc.communicate()
    return subprocess.CompletedProcess(args, proc.returncode or 0, out.decode(), err.decode())


async def _start_engine(env, log_path) -> asyncio.subprocess.Process:
    with open(log_path, "wb") as log:
        return await asyncio.create_subprocess_exec(
            sys.executable, "-m", "kontakt", "run", env=env,
            stdout=subprocess.DEVNULL, stderr=log)


async def _wait_engine(env) -> subprocess.CompletedProcess[str]:
    for _ in range(100):
        r = await _kontakt(env, "agent", "status")
        if r.returncode == 0:
            return r
        await asyncio.sleep(0.2)
    raise AssertionError(f"engine did not come up: {r.stderr}")


async def _subscribe(prefix: str, got: list[dict], ready: asyncio.Event) -> None:
    async with aiomqtt.Client("127.0.0.1", 1883) as c:
        await c.subscribe(f"{prefix}/#", qos=1)
        ready.set()
        async for m in c.messages:
            got.append({"topic": str(m.topic), **json.loads(m.payload)})


@pytest.mark.mqtt
async def test_sigkill_with_callers_waiting_loses_none(tmp_path):
    # Talk long enough that "4 talking, 3 waiting" holds a while on a slow machine.
    rig = Rig(tmp_path / "rig", agents=4, default_phone=PhoneBehaviour(talk_ms=12_000))
    engine = None
    prefix = f"kontakt-test-{uuid.uuid4().hex[:8]}"
    published: list[dict] = []
    ready = asyncio.Event()
    sub = asyncio.create_task(_subscribe(prefix, published, ready))
    try:
        await asyncio.wait_for(ready.wait(), 10)
        ami = await rig.start()
        ledger = Ledger()
        ami.listeners.append(ledger.feed)
        h = Harness(rig, None, ledger)
        env = {**_env(rig, tmp_path / "run"), "KONTAKT_MQTT_PREFIX": prefix}
        engine = await _start_engine(env, tmp_path / "engine.log")
        await _wait_engine(env)
        r = await _kontakt(env, "agent", "login", "all")
        assert r.returncode == 0, r.stderr
        assert r.stdout.count("available") == 4
        r = await _kontakt(env, "agent", "pause", "agent09")
        assert r.returncode == 1 and "agent.unknown" in r.stderr and "Traceback" not in r.stderr
        r = await _kontakt(env, "agent", "pause", "agent04", "--reason", "nap")
        assert r.returncode == 1 and "pause reason" in r.stderr

        await rig.call([(f"021400{i:04d}", FREE_NUMBER) for i in range(7)], rate=20)
        await h.until(
            lambda: ledger.talking == 4 and ledger.waiting == 3, 60, "4 talking, 3 waiting"
        )
        # The engine published what it did on MQTT (from its database outbox).
        await h.until(
            lambda: sum(e["type"] == "call.queued" for e in published) >= 3,
            10,
            "call.queued events on MQTT",
        )
        assert sum(e["type"] == "call.connected" for e in published) == 4
        assert {e["topic"].split("/")[1] for e in published} == {"queue", "agents"}
        engine.send_signal(signal.SIGKILL)
        await engine.wait()
        await h.until(lambda: ledger.offered == 7 and ledger.in_progress == 0, 90, "all served")
        s = ledger.summary()
        assert (s["answered"], s["lost"], s["abandoned"]) == (7, 0, 0)
        assert s["fallback"] == 3

        # The engine comes back: agents from its store, new calls are its own again.
        r = await _kontakt(env, "agent", "pause", "agent04", "--reason", "meeting")
        assert r.returncode == 2  # no engine running: a clear one-line error
        assert "no running engine" in r.stderr and "Traceback" not in r.stderr
        engine = await _start_engine(env, tmp_path / "engine2.log")
        r = await _wait_engine(env)
        assert r.stdout.count("available") == 4, r.stdout
        await rig.call([("0214009001", FREE_NUMBER), ("0214009002", FREE_NUMBER)], rate=20)
        await h.until(lambda: ledger.offered == 9 and ledger.in_progress == 0, 60, "after restart")
        s = ledger.summary()
        assert (s["answered"], s["fallback"], s["lost"]) == (9, 3, 0)
    finally:
        sub.cancel()  # and awaited: a client dropped unawaited leaves its socket unclosed
        with contextlib.suppress(asyncio.CancelledError, aiomqtt.MqttError):
            await sub
        if engine is not None and engine.returncode is None:
            engine.kill()
            await engine.wait()
        await rig.stop()


async def test_kontakt_run_refuses_without_secret_naming_the_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("KONTAKT_")}
    r = await _kontakt(env, "run")
    assert r.returncode == 2
    assert "ami_secret" in r.stderr and "KONTAKT_AMI_SECRET" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.mqtt
async def test_sigterm_keeps_talking_calls_sends_new_ones_to_app_queue_and_flushes(tmp_path):
    """`kontakt run` on SIGTERM: stop taking calls (new and waiting callers go
    to app_queue), leave talking calls alone, flush event log and outbox, exit 0."""
    rig = Rig(tmp_path / "rig", agents=3, default_phone=PhoneBehaviour(talk_ms=12_000))
    engine = None
    prefix = f"kontakt-test-{uuid.uuid4().hex[:8]}"
    try:
        ami = await rig.start()
        ledger = Ledger()
        ami.listeners.append(ledger.feed)
        h = Harness(rig, None, ledger)
        env = {**_env(rig, tmp_path / "run"), "KONTAKT_MQTT_PREFIX": prefix}
        engine = await _start_engine(env, tmp_path / "engine.log")
        await _wait_engine(env)
        for agent in ("agent01", "agent02"):
            assert (await _kontakt(env, "agent", "login", agent)).returncode == 0
        await rig.call([("0214001001", FREE_NUMBER), ("0214001002", FREE_NUMBER),
                        ("0214001003", FREE_NUMBER)], rate=20)
        await h.until(lambda: ledger.talking == 2 and ledger.waiting == 1, 30,
                      "2 talking, 1 waiting in the engine")
        t0 = asyncio.get_running_loop().time()
        engine.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(engine.wait(), 10) == 0
        stopped_in = asyncio.get_running_loop().time() - t0
        # talking calls are untouched (the waiting one may be with agent03 already)
        assert ledger.talking >= 2 and ledger.summary()["answered"] == 0
        # The waiting caller and a new one are served by app_queue (agent03 is
        # free to it: app_queue does not know the engine's logins).
        await rig.call([("0214001004", FREE_NUMBER)], rate=20)
        await h.until(lambda: ledger.offered == 4 and ledger.in_progress == 0, 60, "all served")
        s = ledger.summary()
        assert (s["answered"], s["lost"]) == (4, 0) and s["fallback"] == 2, s
        log = (tmp_path / "engine.log").read_text()
        assert "Traceback" not in log and "service.stopped" in log
        import sqlite3

        db = sqlite3.connect(tmp_path / "run" / "k.db")
        connected = db.execute("SELECT count(*) FROM call_events WHERE type = 'call.connected'")
        unsent = db.execute("SELECT count(*) FROM outbox WHERE published_at IS NULL")
        figures = (connected.fetchone()[0], unsent.fetchone()[0])
        db.close()
        assert figures == (2, 0)
        assert stopped_in < 10
    finally:
        if engine is not None and engine.returncode is None:
            engine.kill()
            await engine.wait()
        await rig.stop()
