"""/readyz with a private Mosquitto that is stopped while the system runs:
200 while it runs, then 503 naming the broker (the system's own Mosquitto
on 1883 is never touched)."""

from __future__ import annotations

import asyncio
import io
import shutil
import subprocess

import httpx
import pytest

from asterisk.lifeline import die_with_parent
from asterisk.ports import free_tcp_port
from asterisk.rig import Rig
from kontakt.bootstrap import Options, bootstrap
from kontakt.settings import Settings

from .conftest import needs_rig

pytestmark = [pytest.mark.rig, needs_rig,
              pytest.mark.skipif(shutil.which("mosquitto") is None, reason="no mosquitto")]


async def _readyz(url: str, want: int, timeout: float = 60.0) -> dict:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    async with httpx.AsyncClient(timeout=10) as c:
        while (r := await c.get(f"{url}/readyz")).status_code != want:
            assert loop.time() < end, f"/readyz stayed {r.status_code}: {r.text}"
            await asyncio.sleep(0.2)
    return r.json()


async def test_readyz_503_naming_the_broker_when_it_stops(tmp_path):
    port = free_tcp_port()
    conf = tmp_path / "mosquitto.conf"
    conf.write_text(f"listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\n")
    broker = await asyncio.create_subprocess_exec(
        shutil.which("mosquitto") or "mosquitto", "-c", str(conf),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=die_with_parent())
    rig = Rig(tmp_path / "rig", agents=1)
    system = None
    try:
        ami = await rig.start()
        s = rig.engine_settings(Settings.load(environ={})).replace(
            queue_log=str(tmp_path / "queue_log"), router="direct", mqtt_port=port,
            database_url=f"sqlite+aiosqlite:///{tmp_path}/kontakt.db")
        system = await bootstrap(s, ami, Options(http="demo", http_port=0,
                                                 http_out=io.StringIO()))
        body = await _readyz(system.http.url, 200)
        assert body["not_ready"] == []
        broker.terminate()  # our own broker, by its process
        await broker.wait()
        body = await _readyz(system.http.url, 503)
        assert body["not_ready"] == ["broker"], body
        assert "broker" in body["message"]
    finally:
        if system is not None:
            await system.stop()
        await rig.stop()
        if broker.returncode is None:
            broker.kill()
            await broker.wait()
