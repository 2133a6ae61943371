"""Helpers for the browser tests (tests/browser is on sys.path)."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import aiomqtt
from http_fakes import FakeEngine

PASSWORD = "browser-pass-1"


class Publisher:
    """Publishes to Mosquitto the way the engine does (for the fake engine of
    the tests without a rig, and to inject events)."""

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


class PublishingEngine(FakeEngine):
    def __init__(self, pub: Publisher) -> None:
        super().__init__()
        self.pub = pub

    def _move(self, agent_id, allowed, to, reason=None):
        super()._move(agent_id, allowed, to, reason)
        asyncio.get_running_loop().create_task(
            self.pub.publish(f"agents/{agent_id}", "agent.state", agent=agent_id, state=to,
                             reason=reason))


def login_page(browser, server, username):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_url(lambda u: "/login" not in u)
    page.wait_for_load_state("load")
    if page.is_visible("#live"):  # a page with a live feed (others show no badge)
        page.wait_for_selector("#live.on")  # the live feed is connected
    return page


def js_errors(page) -> list[str]:
    """The page's console errors and uncaught exceptions, collected from now on."""
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    return errors
