"""Agent, department and supervisor in three browsers: a ticket goes from
the agent to the department, is resolved, and the agent's page and the
wallboard show the change within one second (live feed over MQTT)."""

from __future__ import annotations

import time

import pytest
from browser_helpers import login_page

pytestmark = [pytest.mark.browser, pytest.mark.mqtt]


def test_ticket_round_trip_shows_live(browser, live_server):
    agent = login_page(browser, live_server, "agent01")
    assert agent.url.endswith("/agent")
    agent.click("#btn-login")
    agent.wait_for_selector("#agent-state[data-state=available]")
    agent.select_option("#t-kind", "complaint")
    agent.select_option("#t-department", "vodovod")
    agent.fill("#t-subject", "Пукла цев у Футошкој")
    agent.fill("#t-description", "Вода тече по тротоару")
    agent.click("#btn-open")
    row = agent.wait_for_selector("#my-tickets tbody tr[data-status=forwarded]")
    number = row.get_attribute("data-number")

    board = login_page(browser, live_server, "sup")
    assert board.url.endswith("/wallboard")
    board.wait_for_selector("#w-agents tr[data-agent=agent01][data-state=available]")
    board.wait_for_selector("#w-tickets tr[data-department=vodovod]")

    dep = login_page(browser, live_server, "vod1")
    assert dep.url.endswith("/department")
    dep.click(f"#inbox tr[data-number='{number}']")
    dep.wait_for_selector("#ticket-detail:not([hidden])")
    dep.select_option("#d-assignee", "vod2")
    dep.click("#btn-assign")
    dep.wait_for_selector(f"#inbox tr[data-number='{number}'] >> text=vod2")
    dep.select_option("#d-to", "resolved")
    dep.fill("#d-comment", "Поправљено")
    t0 = time.monotonic()
    dep.click("#btn-status")
    agent.wait_for_selector(f"#my-tickets tr[data-number='{number}'][data-status=resolved]",
                            timeout=1000)
    board.wait_for_function(
        "() => { const r = document.querySelector('#w-tickets tr[data-department=vodovod]');"
        " return r && r.children[4].textContent === '1'; }", timeout=1000)
    assert time.monotonic() - t0 < 1.5  # click to both screens, including the click itself
    dep.wait_for_selector("#d-history >> text=Поправљено")

    # Agent state change reaches the wallboard live too.
    agent.select_option("#pause-reason", "meeting")
    agent.click("#btn-pause")
    board.wait_for_selector("#w-agents tr[data-agent=agent01][data-state=paused]", timeout=1000)
    for p in (agent, board, dep):
        p.context.close()


def test_latin_and_english_labels(browser, live_server):
    page = login_page(browser, live_server, "sup")
    page.goto(f"{live_server.url}/wallboard?lang=sr-Latn")
    assert "Tabla supervizora" in page.inner_text("header")
    page.goto(f"{live_server.url}/wallboard?lang=en")
    assert "Supervisor wallboard" in page.inner_text("header")
    # fits 1366x768 without horizontal scrolling
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    page.context.close()


def test_citizen_submits_and_looks_up(browser, live_server):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.goto(f"{live_server.url}/citizen")
    page.wait_for_selector("#c-service option[value=vodovod]", state="attached")
    page.select_option("#c-service", "vodovod")
    page.fill("#c-description", "Шахт без поклопца")
    page.fill("#c-address", "Булевар ослобођења 1")
    page.click("#c-submit")
    page.wait_for_selector("#c-ok:has-text('-')")
    number = page.inner_text("#c-ok").rsplit(" ", 1)[-1]
    page.fill("#c-number", number)
    page.click("#lookup-form button")
    page.wait_for_selector(f"#c-status:has-text('{number}')")
    ctx.close()
