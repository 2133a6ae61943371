"""`kontakt run`: the production service (real clock, settings from file and
environment, AMI with reconnect and backoff, FastAGI, control socket)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
from pathlib import Path
from typing import Any

from acd.agent import State
from asterisk.ami import Ami
from kontakt.control import ControlServer
from kontakt.logs import configure, get_logger
from kontakt.runtime import Engine
from kontakt.settings import Settings, SettingsError

log = get_logger()


class AgentStore:
    """Who is logged in or paused survives an engine restart."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> dict[str, dict[str, Any]]:
        try:
            data = json.loads(self.path.read_text("utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    _last: dict[str, Any] | None = None

    def save(self, engine: Engine) -> None:
        """Write when who is logged in or paused changed (not on every ring)."""
        data = {
            a.id: {
                "state": "paused"
                if a.state is State.PAUSED
                else "logged_out"
                if a.state is State.LOGGED_OUT
                else "logged_in",
                "reason": a.reason,
                "skills": sorted(a.skills),
            }
            for a in engine.acd.agents.values()
        }
        if data == self._last:
            return
        self._last = data
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), "utf-8")
        tmp.replace(self.path)


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


async def restore_agents(engine: Engine, store: AgentStore) -> None:
    for agent_id, saved in store.load().items():
        if agent_id not in engine.acd.agents or saved.get("state") == "logged_out":
            continue
        with contextlib.suppress(Exception):
            await engine.agent_login(agent_id, saved.get("skills"))
            if saved.get("state") == "paused":
                await engine.agent_pause(agent_id, saved.get("reason") or "other")
    log.info(
        "agents.restored",
        count=sum(a.state is not State.LOGGED_OUT for a in engine.acd.agents.values()),
    )


def control_handler(engine: Engine, reload: Any) -> Any:
    async def handle(req: dict[str, Any]) -> dict[str, Any]:
        op = req["op"]
        if op == "status":
            return engine.snapshot()
        if op == "config.reload":
            return await reload()
        agents = list(engine.acd.agents) if req.get("agent") == "all" else [req["agent"]]
        for agent in agents:
            if op == "agent.login":
                await engine.agent_login(agent, req.get("skills"))
            elif op == "agent.logout":
                await engine.agent_logout(agent)
            elif op == "agent.pause":
                await engine.agent_pause(agent, req.get("reason", "break"))
            elif op == "agent.ready":
                await engine.agent_ready(agent)
            else:
                raise ValueError(f"unknown op {op!r}")
        return {"agents": [a for a in engine.snapshot()["agents"] if a["id"] in agents]}

    return handle


async def serve(settings: Settings) -> None:
    if not settings.ami_secret:
        raise SettingsError("setting ami_secret (KONTAKT_AMI_SECRET) is required by `kontakt run`")
    configure(settings.log_level, json=settings.log_json)
    run_dir = Path(settings.run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (once, at start)
    from kontakt.wiring import build_router, reload_config, start_services

    ami = await connect_ami(settings)
    router = build_router(settings)
    engine = Engine(settings, ami, router=router)
    store = AgentStore(run_dir / "agents.json")
    await restore_agents(engine, store)
    engine.on_agent_change = lambda: store.save(engine)
    await engine.start()
    await engine.reconcile()
    services = await start_services(settings, engine, router)
    control = ControlServer(
        run_dir / "control.sock", control_handler(engine, lambda: reload_config(settings, router))
    )
    await control.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    loop.add_signal_handler(
        signal.SIGHUP, lambda: asyncio.ensure_future(reload_config(settings, router))
    )
    (run_dir / "kontakt.pid").write_text(str(__import__("os").getpid()))
    log.info("service.started", agi_port=engine.agi.port, control=str(control.path))
    try:
        await stop.wait()
    finally:
        log.info("service.stopping")
        await control.stop()
        for s in services:
            with contextlib.suppress(Exception):
                await s.stop()
        await engine.stop()
        ami.close()
