"""A citizen looks up a ticket opened by phone in Chromium: found with its
number and the last four digits of the phone, not with wrong ones (and the
guessing is rate limited); the answer is the ticket's public timeline with
department names in the page's script."""

from __future__ import annotations

import pytest

from tickets.domain import Actor

pytestmark = [pytest.mark.browser, pytest.mark.mqtt]
AGENT = Actor("agent01", "agent")
VOD = Actor("vod1", "department", "vodovod")


def _lookup(page, number, last4=None):
    page.fill("#c-number", number)
    page.fill("#c-last4", last4 or "")
    page.click("#lookup-form button")


def test_phone_ticket_found_with_the_right_four_digits(browser, live_server):
    svc = live_server.web.ctx.tickets

    async def seed():
        t = await svc.open_ticket(AGENT, kind="complaint", subject="Нема воде",
                                  department="vodovod", phone="+381641234567")
        await svc.change_status(VOD, t["number"], "active")
        await svc.comment(VOD, t["number"], "интерно: вентил 7")
        await svc.change_status(VOD, t["number"], "resolved", "Вода је пуштена.",
                                for_citizen=True)
        return t["number"]

    number = live_server.run_coro(seed())
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{live_server.url}/citizen?lang=sr-Latn")
    assert page.is_hidden("#live")  # no live feed here: no badge
    page.wait_for_selector("#c-service option[value=vodovod]", state="attached")
    assert "Vodovod i kanalizacija" in page.inner_text("#c-service option[value=vodovod]")
    _lookup(page, number)
    page.wait_for_selector("#c-status:has-text('Nije pronađeno')")
    _lookup(page, number, "4568")
    page.wait_for_selector("#c-status:has-text('Nije pronađeno')")
    assert page.inner_text("#c-timeline") == ""
    _lookup(page, number, "4567")
    page.wait_for_selector(f"#c-status:has-text('{number}')")
    story = page.inner_text("#c-timeline")
    assert "Zahtev je primljen" in story
    assert "Prosleđen službi JKP „Vodovod i kanalizacija“" in story
    assert "rešen" in story and "Voda je puštena." in story
    assert "ventil" not in story  # the internal note stays inside
    page.goto(f"{live_server.url}/citizen?lang=en")
    _lookup(page, number, "4567")
    page.wait_for_selector("#c-timeline li[data-action=forwarded]")
    assert "Water and Sewage" in page.inner_text("#c-timeline")
    # guessing the digits is rate limited (10 failures per number in 10 minutes)
    codes = page.evaluate("""async (n) => { const out = [];
        for (let i = 0; i < 9; i++) { try { await api('POST', '/api/lookup', {number: n,
          phone_last4: String(1000 + i)}); out.push(200); } catch (e) { out.push(e.status); } }
        return out; }""", number)
    assert codes[:8] == [404] * 8 and codes[8] == 429
    _lookup(page, number, "4567")
    page.wait_for_selector("#c-status:has-text('Too many attempts')")
    assert errors == []
    page.context.close()
