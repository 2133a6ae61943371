"""/readyz over real parts: SQLite, the outbox publisher against the real
Mosquitto on 127.0.0.1:1883 (or a free port where nothing listens), a real
FastAGI listener, and `kontakt status` over real HTTP.  AMI is a stand-in
whose FullyBooted flag the test sets (the rig tests boot Asterisk)."""

from __future__ import annotations

import asyncio
import json
from types import SimpleNamespace

import pytest

from asterisk.fastagi import FastAgiServer
from asterisk.ports import free_tcp_port
from infra.outbox import add_event
from kontakt.cli import main as cli_main
from kontakt.health import readiness_for
from kontakt.http.context import HttpContext
from kontakt.http.serve import start_http
from kontakt.outbox import OutboxPublisher
from kontakt.settings import Settings

pytestmark = pytest.mark.mqtt


async def _system(sessionmaker, mqtt_port: int, **settings):
    agi = FastAgiServer({}, "127.0.0.1", 0)
    await agi.start()
    booted = asyncio.Event()
    booted.set()
    outbox = OutboxPublisher(sessionmaker, "127.0.0.1", mqtt_port, "kontakt-health-test",
                             poll=0.05, backoff_max=0.3)
    await outbox.start()
    return SimpleNamespace(ami=SimpleNamespace(booted=booted),
                           engine=SimpleNamespace(agi=agi), sessionmaker=sessionmaker,
                           outbox=outbox, settings=Settings(**settings))


async def _stop(system):
    await system.outbox.stop(drain=0)
    await system.engine.agi.stop()


async def _serve(system):
    ctx = HttpContext(sessionmaker=system.sessionmaker, tickets=None, settings=system.settings,
                      readiness=readiness_for(system))
    return await start_http(ctx, "127.0.0.1", 0)


async def _until_connected(outbox, timeout=10.0):
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not outbox.connected:
        assert loop.time() < end, "the outbox never connected to 127.0.0.1:1883"
        await asyncio.sleep(0.05)


async def _status(*argv):
    return await asyncio.to_thread(cli_main, ["status", *argv])


def _answer(capsys) -> str:
    """The command's own lines (the in-process service logs to stdout too)."""
    lines = capsys.readouterr().out.splitlines()
    return "\n".join(ln for ln in lines if ln.startswith(("kontakt at", "  ", "{")))


async def test_ready_with_everything_up(sessionmaker, capsys):
    system = await _system(sessionmaker, 1883)
    svc = await _serve(system)
    try:
        await _until_connected(system.outbox)
        assert await _status("--url", svc.url) == 0
        out = _answer(capsys)
        assert out.splitlines()[0] == f"kontakt at {svc.url}: READY"
        for name in ("ami", "fastagi", "database", "broker", "outbox", "notifications"):
            assert f"ok   {name}" in out
        assert await _status("--url", svc.url, "--json") == 0
        body = json.loads(_answer(capsys))
        assert body["ready"] is True and body["not_ready"] == []
    finally:
        await svc.stop()
        await _stop(system)


async def test_not_ready_names_the_broker_when_it_is_unreachable(sessionmaker, capsys):
    port = free_tcp_port()  # nothing listens here
    system = await _system(sessionmaker, port, ready_outbox_max_age=0.5)
    svc = await _serve(system)
    try:
        async with sessionmaker() as s, s.begin():
            add_event(s, "tickets/test/N1", {"type": "t"})
        await asyncio.sleep(0.7)  # the undelivered row grows older than max_age
        assert await _status("--url", svc.url, "--json") == 1
        body = json.loads(_answer(capsys))
        assert body["not_ready"] == ["broker", "outbox"]
        by = {c["name"]: c for c in body["checks"]}
        assert by["broker"]["detail"] == f"not connected to MQTT broker at 127.0.0.1:{port}"
        assert by["outbox"]["figures"]["kontakt_outbox_backlog"] == 1
        assert by["outbox"]["figures"]["kontakt_outbox_oldest_seconds"] >= 0.5
        import httpx

        async with httpx.AsyncClient() as c:
            r = await c.get(f"{svc.url}/readyz")
            assert r.status_code == 503 and "broker" in r.json()["message"]
            metrics = (await c.get(f"{svc.url}/metrics")).text
        assert 'kontakt_ready_check{check="broker"} 0.0' in metrics
        assert "kontakt_outbox_backlog 1.0" in metrics
    finally:
        await svc.stop()
        await _stop(system)


async def test_not_ready_when_fastagi_closed_and_ami_not_booted(sessionmaker, capsys):
    system = await _system(sessionmaker, 1883)
    svc = await _serve(system)
    try:
        await _until_connected(system.outbox)
        await system.engine.agi.stop()
        system.ami.booted.clear()
        assert await _status("--url", svc.url) == 1
        out = _answer(capsys)
        assert "FAIL ami" in out and "FAIL fastagi" in out and "ok   broker" in out
    finally:
        await svc.stop()
        await _stop(system)


async def test_status_when_nothing_answers(capsys):
    url = f"http://127.0.0.1:{free_tcp_port()}"
    assert await _status("--url", url) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"kontakt status: no answer from {url}/readyz")
    assert len(err.strip().splitlines()) == 1
