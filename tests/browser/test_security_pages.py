"""In Chromium, with the CSP and the JSON-only state changes: the login's
``next`` stays on this site, and the administrator sees a throttled login
and clears it."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from browser_helpers import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.mqtt]


def _login(browser, server, username, next_=None):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.goto(f"{server.url}/login" + (f"?next={next_}" if next_ else ""))
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_url(lambda u: "/login" not in u)
    return page


def test_next_never_leaves_the_site(browser, live_server):
    for next_ in ("https://evil.example/", "//evil.example", "/%5Cevil.example",
                  "javascript:alert(1)"):
        page = _login(browser, live_server, "sup", next_)
        assert urlsplit(page.url).netloc == urlsplit(live_server.url).netloc, (next_, page.url)
        page.context.close()


def test_the_administrator_sees_and_clears_a_throttle(browser, live_server):
    for _ in range(4):  # three are free; the fourth failure starts the delay
        httpx.post(f"{live_server.url}/api/token",
                   json={"username": "vod2", "password": "wrong-guess"})
    page = _login(browser, live_server, "adm")
    assert page.url.endswith("/admin")
    page.wait_for_selector("#throttles tr[data-key='account:vod2']")
    page.click("#throttles tr[data-key='account:vod2'] button")
    page.wait_for_selector("#throttles tr[data-key='account:vod2']", state="detached")
    page.click("#btn-clear-all")  # the address and the pair keys too
    page.wait_for_selector("#throttles tbody tr", state="detached")
    r = httpx.post(f"{live_server.url}/api/token", json={"username": "vod2", "password": PASSWORD})
    assert r.status_code == 200
    page.context.close()
