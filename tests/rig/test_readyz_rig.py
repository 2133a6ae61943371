"""/readyz of the whole bootstrapped system on a real private Asterisk:
200 with the real Mosquitto on 127.0.0.1:1883, then 503 naming the broker
when the outbox points at a port where nothing listens."""

from __future__ import annotations

import asyncio
import io

import httpx
import pytest

from asterisk.ports import free_tcp_port
from asterisk.rig import Rig
from kontakt.bootstrap import Options, bootstrap
from kontakt.settings import Settings

from .conftest import needs_rig

pytestmark = [pytest.mark.rig, pytest.mark.mqtt, needs_rig]


async def _readyz(url: str, want: int, timeout: float = 15.0) -> dict:
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    async with httpx.AsyncClient() as c:
        while (r := await c.get(f"{url}/readyz")).status_code != want:
            assert loop.time() < end, f"/readyz stayed {r.status_code}: {r.text}"
            await asyncio.sleep(0.1)
    return r.json()


async def test_readyz_of_the_bootstrapped_system(tmp_path):
    rig = Rig(tmp_path / "rig", agents=1)
    ami = await rig.start()
    try:
        base = rig.engine_settings(Settings.load(environ={})).replace(
            queue_log=str(tmp_path / "queue_log"), router="direct",
            database_url=f"sqlite+aiosqlite:///{tmp_path}/kontakt.db")
        for mqtt_port, want in ((1883, 200), (free_tcp_port(), 503)):
            system = await bootstrap(base.replace(mqtt_port=mqtt_port), ami, Options(
                http="demo", http_port=0, http_out=io.StringIO()))
            try:
                body = await _readyz(system.http.url, want)
            finally:
                await system.stop()
            names = {c["name"] for c in body["checks"]}
            assert names == {"ami", "fastagi", "database", "broker", "outbox", "notifications"}
            assert body["not_ready"] == ([] if want == 200 else ["broker"])
    finally:
        await rig.stop()
