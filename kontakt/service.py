"""`kontakt run`: the production service (real clock, settings from file and
environment, AMI with reconnect and backoff, FastAGI, control socket).

SIGTERM or SIGINT: the FastAGI listener closes first, so new calls and the
callers still waiting go to the dialplan's app_queue fallback; talking calls
are not touched (they are Asterisk's bridges); the event log and the outbox
are flushed; exit 0.  SIGHUP reloads the configuration."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path
from typing import Any

from asterisk.ami import Ami
from infra.logs import configure, get_logger
from kontakt.bootstrap import Options, System, bootstrap
from kontakt.control import ControlServer
from kontakt.privacy.retention import start_retention
from kontakt.settings import Settings, SettingsError

log = get_logger()


async def connect_ami(settings: Settings) -> Ami:
    delay = 0.5
    while True:
        ami = Ami(
            settings.ami_host, settings.ami_port, settings.ami_username, settings.ami_secret or ""
        )
        try:
            await ami.connect(timeout=10)
            log.info("ami.connected", host=settings.ami_host, port=settings.ami_port)
            return ami
        except (OSError, TimeoutError) as e:
            ami.close()
            log.warning("ami.connect_failed", error=str(e) or type(e).__name__, retry_in=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, 30)


async def _connect_or_stop(settings: Settings, stop: asyncio.Event) -> Ami | None:
    """Asterisk may be down for a while; a SIGTERM meanwhile still stops us."""
    connect = asyncio.ensure_future(connect_ami(settings))
    stopped = asyncio.ensure_future(stop.wait())
    await asyncio.wait({connect, stopped}, return_when=asyncio.FIRST_COMPLETED)
    stopped.cancel()
    if connect.done():
        return connect.result()
    connect.cancel()
    return None


AGENT_OPS = ("agent.login", "agent.logout", "agent.pause", "agent.ready")


def control_handler(system: System) -> Any:
    engine = system.engine

    async def handle(req: dict[str, Any]) -> dict[str, Any]:
        op = req["op"]
        if op == "status":
            return engine.snapshot()
        if op == "config.reload":
            return await system.reload()
        if op not in AGENT_OPS:
            raise ValueError(f"unknown op {op!r}")
        agents = list(engine.acd.agents) if req.get("agent") == "all" else [req["agent"]]
        for agent in agents:
            if op == "agent.login":
                await engine.agent_login(agent, req.get("skills"))
            elif op == "agent.logout":
                await engine.agent_logout(agent)
            elif op == "agent.pause":
                await engine.agent_pause(agent, req.get("reason", "break"))
            else:
                await engine.agent_ready(agent)
        return {"agents": [a for a in engine.snapshot()["agents"] if a["id"] in agents]}

    return handle


async def serve(settings: Settings) -> None:
    if not settings.ami_secret:
        raise SettingsError("setting ami_secret (KONTAKT_AMI_SECRET) is required by `kontakt run`")
    configure(settings.log_level, json=settings.log_json)
    run_dir = Path(settings.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (once, at start)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    ami = await _connect_or_stop(settings, stop)
    if ami is None:
        return
    system: System | None = None
    control: ControlServer | None = None
    try:
        system = await bootstrap(settings, ami, Options(
            agent_store=run_dir / "agents.json", http="run" if settings.http else "off",
            extras=(start_retention,)))
        control = ControlServer(run_dir / "control.sock", control_handler(system))
        await control.start()
        reload_ = system.reload
        loop.add_signal_handler(signal.SIGHUP, lambda: asyncio.ensure_future(reload_()))
        (run_dir / "kontakt.pid").write_text(str(os.getpid()))
        log.info("service.started", agi_port=system.engine.agi.port, control=str(control.path))
        await stop.wait()
    finally:
        log.info("service.stopping")
        if control is not None:
            await control.stop()
        if system is not None:
            await system.stop()
        ami.close()
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
            loop.remove_signal_handler(sig)
        log.info("service.stopped")
