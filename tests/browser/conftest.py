"""A real uvicorn with the HTTP service, fed by the real Mosquitto, and
Debian's Chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import asyncio
import json
import secrets
import shutil
import sys
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiomqtt
import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "http"))  # http_fakes, http_server
sys.path.insert(0, str(Path(__file__).parent))  # browser_helpers
from browser_helpers import PASSWORD  # noqa: E402
from http_fakes import FakeConfigHolder, FakeEngine, FakeTickets  # noqa: E402
from http_server import ThreadedServer  # noqa: E402

from kontakt.db import Base, make_engine, make_sessionmaker  # noqa: E402
from kontakt.http.app import create_app  # noqa: E402
from kontakt.http.context import HttpContext  # noqa: E402
from kontakt.http.users import add_user  # noqa: E402
from kontakt.settings import Settings  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
USERS = {"agent01": ("agent", None, "agent01"), "sup": ("supervisor", None, None),
         "vod1": ("department", "vodovod", None), "vod2": ("department", "vodovod", None)}


class Publisher:
    """Publishes to Mosquitto the way the ticket outbox and the engine do."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.client: aiomqtt.Client | None = None

    async def start(self) -> None:
        self.client = aiomqtt.Client("127.0.0.1", 1883)
        await self.client.__aenter__()

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.__aexit__(None, None, None)

    async def publish(self, topic: str, type_: str, **fields: Any) -> None:
        event = {"event_id": str(uuid.uuid4()), "ts": datetime.now(UTC).isoformat(),
                 "type": type_, **fields}
        assert self.client is not None
        await self.client.publish(f"{self.prefix}/{topic}", json.dumps(event), qos=1)


class PublishingTickets(FakeTickets):
    """Stand-in until the ticket service's outbox is wired: every change goes
    out on MQTT as ``{prefix}/tickets/{department}/{number}``."""

    def __init__(self, pub: Publisher) -> None:
        super().__init__()
        self.pub = pub

    async def _out(self, t: dict[str, Any], type_: str) -> dict[str, Any]:
        await self.pub.publish(f"tickets/{t['department']}/{t['number']}", type_,
                               number=t["number"], status=t["status"],
                               department=t["department"])
        return t

    async def open_ticket(self, actor, **kw):
        return await self._out(await super().open_ticket(actor, **kw), "ticket.opened")

    async def change_status(self, actor, number, to, comment):
        return await self._out(await super().change_status(actor, number, to, comment),
                               "ticket.status_changed")

    async def assign(self, actor, number, assignee):
        return await self._out(await super().assign(actor, number, assignee), "ticket.assigned")


class PublishingEngine(FakeEngine):
    def __init__(self, pub: Publisher) -> None:
        super().__init__()
        self.pub = pub

    def _move(self, agent_id, allowed, to, reason=None):
        super()._move(agent_id, allowed, to, reason)
        asyncio.get_running_loop().create_task(
            self.pub.publish(f"agents/{agent_id}", "agent.state", agent=agent_id, state=to,
                             reason=reason))


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "kontakt.db"
    prefix = f"kontakt-test-{secrets.token_hex(4)}"
    holder: dict[str, Any] = {}

    async def build():
        engine = make_engine(f"sqlite+aiosqlite:///{db}")
        async with engine.begin() as conn:
            await conn.run_sync(Base.metadata.create_all)
        sm = make_sessionmaker(engine)
        for name, (role, dep, agent) in USERS.items():
            await add_user(sm, name, PASSWORD, role, department=dep, agent_id=agent)
        pub = Publisher(prefix)
        await pub.start()
        holder.update(db=engine, pub=pub)
        ctx = HttpContext(sessionmaker=sm, tickets=PublishingTickets(pub), settings=Settings(),
                          engine=PublishingEngine(pub), config_holder=FakeConfigHolder(),
                          mqtt_host="127.0.0.1", mqtt_port=1883, mqtt_prefix=prefix)
        app = create_app(ctx)
        return app

    async def teardown():
        await holder["pub"].stop()
        await holder["db"].dispose()

    srv = ThreadedServer(build, teardown).start()
    web = srv.app.state.web

    async def ready():
        await asyncio.wait_for(web.feed_ready.wait(), 10)

    srv.run_coro(ready())
    srv.web, srv.pub = web, holder["pub"]
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()
