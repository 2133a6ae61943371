"""Every page in normal use, in Chromium at 1366x768, in all three scripts:
no JavaScript error or failed request in the console (the favicon
included), the live badge only where a live feed exists, the keyboard
starts at the page's main form, and no raw code shown.

With ``KONTAKT_SCREENSHOTS=docs/screenshots`` set, it also saves one PNG
per role for the README (``make screenshots``)."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from browser_helpers import js_errors, login_page

from tickets.domain import Actor

pytestmark = [pytest.mark.browser, pytest.mark.mqtt]
SUP, VOD = Actor("sup", "supervisor"), Actor("vod1", "department", "vodovod")
# page: (user or None, live feed?, the element the keyboard starts at)
PAGES = {"/agent": ("agent01", True, "t-phone"), "/department": ("vod1", True, "f-q"),
         "/wallboard": ("sup", True, "f-q"), "/admin": ("adm", False, "cfg-text"),
         "/citizen": (None, False, "c-description"), "/login": (None, False, "username")}
SHOTS = {"/agent": "operator", "/department": "department", "/wallboard": "supervisor",
         "/admin": "administrator", "/citizen": "citizen"}
RAW = ("forwarded", "active", "resolved", "vodovod", "ticket.", "agent.", "T0", "T1")


def _seed(server):
    svc, engine = server.web.ctx.tickets, server.web.ctx.engine

    async def go():
        for i, (dep, subject) in enumerate([("vodovod", "Пукла цев у Футошкој"),
                                            ("vodovod", "Нема воде у Лиману 4"),
                                            ("cistoca", "Контејнер није испражњен")]):
            t = await svc.open_ticket(SUP, kind="complaint", subject=subject, department=dep,
                                      phone=f"+38164123450{i}", address="Футошка 12")
            if i == 1:
                await svc.change_status(VOD, t["number"], "active")
        engine.agents["agent01"].update(
            state="talking", since=datetime.now(UTC).isoformat(), in_state=65.0,
            call={"uniqueid": "1700000000.7", "caller": "+381641234500", "language": "sr",
                  "wait": 18.0, "channel": "PJSIP/trunk-7"})

    server.run_coro(go())


@pytest.fixture(scope="module")
def seeded(live_server):
    _seed(live_server)
    return live_server


@pytest.mark.parametrize("path", list(PAGES))
def test_every_page_in_every_script(browser, seeded, path):
    live_server, out = seeded, os.environ.get("KONTAKT_SCREENSHOTS")
    user, has_feed, first = PAGES[path]
    if user:
        page = login_page(browser, live_server, user)
    else:
        page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    errors = js_errors(page)
    # (the previous page's requests are cut when we navigate: not a failure)
    page.on("requestfailed", lambda r: None if "ABORTED" in (r.failure or "")
            else errors.append(r.url))
    for lang in ("sr-Cyrl", "sr-Latn", "en"):
        page.goto(f"{live_server.url}{path}?lang={lang}")
        if has_feed:
            page.wait_for_selector("#live.on")
        else:
            page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)
        assert page.is_visible("#live") == has_feed, (path, lang)
        assert page.evaluate("document.activeElement.id") == first, (path, lang)
        if path == "/department":
            page.click("#inbox tbody tr")
            page.wait_for_selector("#d-body:not([hidden])")
        shown = page.inner_text("main")
        raw = RAW if lang != "en" else RAW[3:]  # "active" is the English label itself
        assert not [w for w in raw if f" {w} " in f" {shown} "], (path, lang)
        assert page.evaluate("document.documentElement.scrollWidth") <= 1366, (path, lang)
        assert errors == [], (path, lang, errors)
        if out and lang == "sr-Cyrl" and path in SHOTS:
            Path(out).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(Path(out) / f"{SHOTS[path]}.png"))
    page.context.close()
