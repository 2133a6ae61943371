"""Helpers for the browser tests (tests/browser is on sys.path)."""

from __future__ import annotations

PASSWORD = "browser-pass-1"


def login_page(browser, server, username):
    ctx = browser.new_context(viewport={"width": 1366, "height": 768})
    page = ctx.new_page()
    page.goto(f"{server.url}/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-button")
    page.wait_for_url(lambda u: "/login" not in u)
    page.wait_for_selector("#live.on")  # the live feed is connected
    return page
