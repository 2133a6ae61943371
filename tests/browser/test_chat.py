"""Web chat between real peers: a citizen's Chromium page on /citizen and an
operator's on /agent, through the real HTTP service, the real conversation
service and blended ACD, the real database and the live feed over the real
Mosquitto.  Also the bad input of the citizen's side over plain HTTP."""

from __future__ import annotations

import asyncio
import re
import secrets
import time
from typing import Any

import httpx
import pytest
from browser_helpers import PASSWORD, login_page
from http_server import ThreadedServer

from acd.blend import Blender
from acd.distributor import Distributor
from dialplan.holder import ConfigHolder
from infra.db import make_engine, make_sessionmaker
from kontakt.calls.stats import Stats, snapshot
from kontakt.chat.service import ConversationService, Limits
from kontakt.chat.store import ConversationStore
from kontakt.http.app import create_app
from kontakt.http.context import HttpContext
from kontakt.http.users import add_user
from kontakt.migrate import upgrade
from kontakt.outbox import OutboxPublisher
from kontakt.settings import Settings
from tickets.domain import Actor
from tickets.service import TicketService

pytestmark = [pytest.mark.browser, pytest.mark.mqtt]
CITIZEN_TIMEOUT = 12.0


class AcdEngine:
    """The workstations' engine facade over a real distributor (no telephony
    here): agent states change in the ACD and the chats follow."""

    def __init__(self, acd: Distributor) -> None:
        self.acd = acd
        self.chats: Any = None

    def snapshot(self) -> dict[str, Any]:
        return snapshot(self.acd, Stats(), time.time())

    async def _after(self) -> None:
        await self.chats.sync()

    async def agent_login(self, agent_id, skills=None):
        self.acd.login(agent_id, time.time(), skills)
        await self._after()

    async def agent_logout(self, agent_id):
        self.acd.logout(agent_id, time.time())
        await self._after()

    async def agent_pause(self, agent_id, reason):
        self.acd.pause(agent_id, time.time(), reason)
        await self._after()

    async def agent_ready(self, agent_id):
        self.acd.ready(agent_id, time.time())
        await self._after()


@pytest.fixture(scope="module")
def chat_server(tmp_path_factory):
    db = tmp_path_factory.mktemp("chat") / "kontakt.db"
    prefix = f"kontakt-chat-{secrets.token_hex(4)}"
    held: dict[str, Any] = {}

    async def build():
        url = f"sqlite+aiosqlite:///{db}"
        await upgrade(url)
        engine = make_engine(url)
        sm = make_sessionmaker(engine)
        await add_user(sm, "agent01", PASSWORD, "agent", agent_id="agent01")
        await add_user(sm, "sup", PASSWORD, "supervisor")
        outbox = OutboxPublisher(sm, "127.0.0.1", 1883, prefix)
        await outbox.start()
        tickets = TicketService(sm, on_commit=outbox.notify)
        acd = Distributor()
        acd.add_agent("agent01", ("sr",))
        chats = ConversationService(
            ConversationStore(sm, on_commit=outbox.notify), Blender(acd), clock=time.time,
            run_voice=lambda commands: None, tickets=tickets,
            limits=Limits(max_length=300, citizen_timeout=CITIZEN_TIMEOUT))
        await chats.start()
        facade = AcdEngine(acd)
        facade.chats = chats
        held.update(db=engine, outbox=outbox, chats=chats, tickets=tickets)
        settings = Settings(chat_max_length=300, chat_flood_messages=5, chat_flood_window=30)
        ctx = HttpContext(sessionmaker=sm, tickets=tickets, settings=settings, engine=facade,
                          config_holder=ConfigHolder(), chats=chats,
                          mqtt_host="127.0.0.1", mqtt_port=1883, mqtt_prefix=prefix)
        return create_app(ctx)

    async def teardown():
        await held["chats"].stop()
        await held["outbox"].stop()
        await held["db"].dispose()

    srv = ThreadedServer(build, teardown).start()
    web = srv.app.state.web
    srv.run_coro(asyncio.wait_for(web.feed_ready.wait(), 10))
    srv.held = held
    yield srv
    srv.stop()


def citizen_page(browser, server, lang="sr-Cyrl"):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.goto(f"{server.url}/citizen?lang={lang}")
    return ctx, page


def test_citizen_and_operator_chat_live(browser, chat_server):
    operator = login_page(browser, chat_server, "agent01")
    assert operator.url.endswith("/agent")
    operator.wait_for_selector("#chat-none")

    # The operator is not in the queue yet: the citizen waits and sees its place.
    c1ctx, c1 = citizen_page(browser, chat_server, "sr-Latn")
    c1.fill("#chat-text", "Dobar dan <b>kanta</b> <script>alert(1)</script>")
    c1.press("#chat-text", "Enter")
    c1.wait_for_selector("#chat-panel[data-state=queued]")
    status = c1.inner_text("#chat-status")
    assert "Mesto u redu: 1" in status and "Očekivano čekanje" in status
    assert c1.locator("#chat-log li.citizen").inner_text().endswith(
        "Dobar dan <b>kanta</b> <script>alert(1)</script>")  # markup shown as text
    assert c1.locator("#chat-log li b:text('kanta')").count() == 0

    # The operator joins: the chat is given to her, the citizen is told live.
    operator.click("#btn-login")
    card = operator.locator(".chatcard").first
    card.wait_for()
    assert "<script>alert(1)</script>" in card.locator(".chat-log li.citizen").inner_text()
    c1.wait_for_selector("#chat-panel[data-state=active]")

    # Answer: the citizen sees the operator's message live.
    card.locator(".chat-answer").fill("Izvolite, o kojoj adresi je reč?")
    card.locator(".chat-answer").press("Enter")
    c1.wait_for_selector("#chat-log li.operator")
    assert "o kojoj adresi" in c1.locator("#chat-log li.operator").inner_text()
    c1.fill("#chat-text", "Futoška 12")
    c1.click("#chat-send")
    card.locator(".chat-log li.citizen:has-text('Futoška 12')").wait_for()

    # A second citizen: the operator answers several chats at once.
    c2ctx, c2 = citizen_page(browser, chat_server, "en")
    c2.fill("#chat-text", "Water pipe burst")
    c2.click("#chat-send")
    c2.wait_for_selector("#chat-panel[data-state=active]")
    operator.locator(".chatcard").nth(1).wait_for()
    assert operator.locator(".chatcard").count() == 2

    # A ticket from the first chat in one action: the transcript goes on it.
    card.locator(".chat-kind").select_option("complaint")
    card.locator(".chat-ticket").click()
    card.locator(".ok:has-text('NS-')").wait_for()
    number = re.search(r"NS-\d{4}-\d+", card.locator(".ok").inner_text()).group(0)
    tickets = chat_server.held["tickets"]
    t = chat_server.run_coro(tickets.get(Actor("sup", "supervisor"), number))
    assert "Futoška 12" in t["description"] and "o kojoj adresi" in t["description"]
    assert t["channel"] == "chat"
    sup = httpx.post(f"{chat_server.url}/api/token",
                     json={"username": "sup", "password": PASSWORD}).json()["token"]
    kept = httpx.get(f"{chat_server.url}/api/tickets/{number}/conversations",
                     headers={"Authorization": f"Bearer {sup}"}).json()
    texts = [m["text"] for m in kept["conversations"][0]["messages"]]
    assert "Futoška 12" in texts and kept["conversations"][0]["channel"] == "chat"

    # The second chat is forwarded to a department: the citizen gets the number.
    second = operator.locator(".chatcard").nth(1)
    second.locator(".chat-department").select_option("vodovod")
    second.locator(".chat-forward").click()
    c2.wait_for_selector("#chat-panel[data-state=ended]")
    assert "NS-" in c2.inner_text("#chat-status")
    c2ctx.close()

    # The wallboard's figures: the operator's load per channel.
    board = httpx.get(f"{chat_server.url}/api/chats",
                      headers={"Authorization": f"Bearer {sup}"}).json()
    assert {"agent": "agent01", "load": {"call": 0, "chat": 1, "sms": 0, "email": 0}} \
        .items() <= next(x for x in board["loads"] if x["agent"] == "agent01").items()

    # The first citizen disappears (the page is closed): the chat ends after
    # the timeout and the operator is told.
    c1ctx.close()
    card.locator(".chat-gone:visible").wait_for(timeout=(CITIZEN_TIMEOUT + 15) * 1000)
    operator.context.close()


def test_citizen_bad_input_is_refused_clearly(chat_server):
    url = chat_server.url
    origin = {"Origin": url}
    with httpx.Client(base_url=url, headers=origin) as c:
        assert c.get("/api/chat/me").status_code == 404  # no chat in this browser
        r = c.post("/api/chat", json={"text": "x" * 301})
        assert r.status_code == 422 and r.json()["details"]["reason"] == "too_long"
        assert c.post("/api/chat", json={"text": "   "}).status_code == 422
        r = c.post("/api/chat", json={"text": "Здраво"})
        assert r.status_code == 201, r.text
        assert "kontakt_chat" in r.headers["set-cookie"]
        assert "httponly" in r.headers["set-cookie"].lower()
        assert c.get("/api/chat/me").json()["state"] in ("queued", "active")
        # a forged cookie names no chat
        bad = httpx.get(f"{url}/api/chat/me", cookies={"kontakt_chat": "1.forged"})
        assert bad.status_code == 404
        # another site cannot write into the chat with the citizen's cookie
        r = c.post("/api/chat/me/messages", json={"text": "x"},
                   headers={"Origin": "https://evil.example"})
        assert r.status_code == 403 and r.json()["error"] == "request.cross_origin"
        codes = [c.post("/api/chat/me/messages", json={"text": f"flood {i}"}).status_code
                 for i in range(12)]
        assert 429 in codes and 500 not in codes
        assert codes[:4] == [200] * 4
        r = c.post("/api/chat/me/end", json={})
        assert r.status_code in (200, 429)
