"""A real sipp call rings agent01's real sipp phone through a private
Asterisk and the engine; the agent desktop in Chromium shows the caller at
once, the agent opens a ticket and transfers, the department resolves it,
and the agent's page and the wallboard show it within one second."""

from __future__ import annotations

import asyncio
import secrets
import shutil
import time

import pytest
from browser_helpers import PASSWORD, login_page
from http_server import ThreadedServer

pytestmark = [
    pytest.mark.rig, pytest.mark.browser, pytest.mark.mqtt,
    pytest.mark.skipif(shutil.which("asterisk") is None or shutil.which("sipp") is None,
                       reason="asterisk and sipp are installed by `make install`"),
]


@pytest.fixture
def rig_server(tmp_path):
    from asterisk.rig import FREE_NUMBER, Rig
    from dialplan.holder import ConfigHolder
    from infra.db import make_engine, make_sessionmaker
    from kontakt.bootstrap import Options, bootstrap
    from kontakt.http.app import create_app
    from kontakt.http.context import HttpContext
    from kontakt.http.users import add_user
    from kontakt.migrate import upgrade
    from kontakt.settings import Settings

    prefix = f"kontakt-test-{secrets.token_hex(4)}"
    parts: dict = {}

    async def build():
        url = f"sqlite+aiosqlite:///{tmp_path}/kontakt.db"
        await upgrade(url)
        db = make_engine(url)
        sm = make_sessionmaker(db)
        for name, role, dep, agent in [("agent01", "agent", None, "agent01"),
                                       ("sup", "supervisor", None, None),
                                       ("vod1", "department", "vodovod", None)]:
            await add_user(sm, name, PASSWORD, role, department=dep, agent_id=agent)
        rig = Rig(tmp_path / "rig", agents=2)
        parts.update(db=db, rig=rig)
        ami = await rig.start()
        parts["ami_events"] = ami_events = []
        ami.listeners.append(ami_events.append)
        settings = rig.engine_settings(Settings.load(environ={})).replace(
            queue_log=str(tmp_path / "queue_log"), mqtt_prefix=prefix, router="direct",
            database_url=url)
        # The whole system but HTTP, which the test serves itself.
        system = await bootstrap(settings, ami, Options())
        parts["system"] = system
        ctx = HttpContext(sessionmaker=sm, tickets=system.tickets, settings=settings,
                          engine=system.engine, config_holder=ConfigHolder(),
                          mqtt_host="127.0.0.1", mqtt_port=1883, mqtt_prefix=prefix)
        return create_app(ctx)

    async def teardown():
        if "system" in parts:
            await parts["system"].stop()
        if "rig" in parts:
            await parts["rig"].stop()
        if "db" in parts:
            await parts["db"].dispose()

    srv = ThreadedServer(build, teardown).start()

    async def ready():
        await asyncio.wait_for(srv.app.state.web.feed_ready.wait(), 10)

    srv.run_coro(ready())
    srv.parts, srv.free_number = parts, FREE_NUMBER
    yield srv
    srv.stop()


def _dialled_city(events: list[dict]) -> bool:
    return any(e.get("Event") == "DialBegin" and "city" in e.get("DialString", "")
               + e.get("DestChannel", "") for e in events)


def test_real_call_rings_screen_shows_caller_then_ticket_and_transfer(browser, rig_server):
    agent = login_page(browser, rig_server, "agent01")
    agent.click("#btn-login")
    agent.wait_for_selector("#agent-state[data-state=available]")
    board = login_page(browser, rig_server, "sup")

    async def call():
        await rig_server.parts["rig"].call([("0214445566", rig_server.free_number)])

    t0 = time.monotonic()
    rig_server.run_coro(call())
    agent.wait_for_selector("#call-panel.ringing", timeout=10_000)
    agent.wait_for_selector("#call-caller:has-text('4445566')", timeout=1000)
    shown = time.monotonic() - t0
    assert agent.inner_text("#call-language").strip() in ("sr", "hu", "en")
    board.wait_for_selector("#w-agents tr[data-agent=agent01][data-state=talking]",
                            timeout=5000)

    agent.select_option("#t-kind", "request")
    agent.select_option("#t-department", "vodovod")
    agent.fill("#t-subject", "Нема воде у Лиману")
    agent.click("#btn-transfer")
    row = agent.wait_for_selector("#my-tickets tbody tr[data-status=forwarded]")
    number = row.get_attribute("data-number")
    # The citizen's call really went to the department: Asterisk dialled the
    # department's number (the rig's "city" phone) after the Redirect.
    assert not agent.inner_text("#ticket-error")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and not _dialled_city(rig_server.parts["ami_events"]):
        time.sleep(0.1)
    assert _dialled_city(rig_server.parts["ami_events"])

    dep = login_page(browser, rig_server, "vod1")
    dep.click(f"#inbox tr[data-number='{number}']")
    dep.wait_for_selector("#ticket-detail:not([hidden])")
    dep.select_option("#d-to", "resolved")
    dep.click("#btn-status")
    agent.wait_for_selector(f"#my-tickets tr[data-number='{number}'][data-status=resolved]",
                            timeout=1000)
    board.wait_for_function(
        "() => { const r = document.querySelector('#w-tickets tr[data-department=vodovod]');"
        " return r && r.children[4].textContent === '1'; }", timeout=1000)
    # The per-hour figures come from the engine's event log: the call is there.
    hist = board.evaluate("async () => (await fetch('/api/stats/history?by=hour&days=1'))"
                          ".json()")
    assert sum(r["answered"] for r in hist["rows"]) == 1, hist
    print(f"caller on screen {shown:.2f} s after the call was placed")
    for p in (agent, board, dep):
        p.context.close()
