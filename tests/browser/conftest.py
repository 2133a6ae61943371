"""A real uvicorn with the HTTP service, fed by the real Mosquitto, and
Debian's Chromium driven by Playwright (no browser download)."""

from __future__ import annotations

import asyncio
import secrets
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "http"))  # http_fakes, http_server
sys.path.insert(0, str(Path(__file__).parent))  # browser_helpers
from browser_helpers import PASSWORD, Publisher, PublishingEngine
from http_server import ThreadedServer

from dialplan.holder import ConfigHolder
from infra.db import make_engine, make_sessionmaker
from kontakt.http.app import create_app
from kontakt.http.context import HttpContext
from kontakt.http.users import add_user
from kontakt.migrate import upgrade
from kontakt.outbox import OutboxPublisher
from kontakt.settings import Settings
from tickets.service import TicketService

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
USERS = {"agent01": ("agent", None, "agent01"), "sup": ("supervisor", None, None),
         "vod1": ("department", "vodovod", None), "vod2": ("department", "vodovod", None),
         "adm": ("admin", None, None)}


@pytest.fixture(scope="module")
def live_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("browser") / "kontakt.db"
    prefix = f"kontakt-test-{secrets.token_hex(4)}"
    holder: dict[str, Any] = {}

    async def build():
        url = f"sqlite+aiosqlite:///{db}"
        await upgrade(url)
        engine = make_engine(url)
        sm = make_sessionmaker(engine)
        for name, (role, dep, agent) in USERS.items():
            await add_user(sm, name, PASSWORD, role, department=dep, agent_id=agent)
        pub = Publisher(prefix)
        await pub.start()
        # The real ticket service and its outbox to the real Mosquitto.
        outbox = OutboxPublisher(sm, "127.0.0.1", 1883, prefix)
        await outbox.start()
        holder.update(db=engine, pub=pub, outbox=outbox)
        tickets = TicketService(sm, on_commit=outbox.notify)
        ctx = HttpContext(sessionmaker=sm, tickets=tickets, settings=Settings(),
                          engine=PublishingEngine(pub), config_holder=ConfigHolder(),
                          mqtt_host="127.0.0.1", mqtt_port=1883, mqtt_prefix=prefix)
        app = create_app(ctx)
        return app

    async def teardown():
        await holder["outbox"].stop()
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
