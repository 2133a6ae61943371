"""The department work queue in Chromium: open work is never hidden behind
newer closed tickets, the detail opens in view (mouse and keyboard, and by
URL), a comment without a status change is saved, history is readable."""

from __future__ import annotations

import pytest
from browser_helpers import js_errors, login_page

from tickets.domain import Actor

pytestmark = [pytest.mark.browser, pytest.mark.mqtt]
SUP = Actor("sup", "supervisor")
VOD = Actor("vod1", "department", "vodovod")


def _seed(server):
    svc = server.web.ctx.tickets

    async def go():
        old = await svc.open_ticket(SUP, kind="complaint", subject="Стара цев у Футошкој",
                                    department="vodovod", phone="+381641112223",
                                    name="Марко Марковић", address="Футошка 12")
        await svc.change_status(VOD, old["number"], "active")
        await svc.assign(VOD, old["number"], "vod2")
        for i in range(60):
            t = await svc.open_ticket(SUP, kind="request", subject=f"Решено {i}",
                                      department="vodovod")
            await svc.change_status(VOD, t["number"], "resolved")
        return old["number"]

    return server.run_coro(go())


def test_open_ticket_stays_in_view_and_comment_is_saved(browser, live_server):
    number = _seed(live_server)
    page = login_page(browser, live_server, "vod1")
    errors = js_errors(page)
    first = page.wait_for_selector("#inbox tbody tr")
    assert first.get_attribute("data-number") == number  # older, but open: first
    assert first.get_attribute("data-status") == "active"
    page.wait_for_selector("#pg-info:has-text('61')")
    # keyboard: the search box is the first stop, rows are reachable and open with Enter
    assert page.evaluate("document.activeElement.id") == "f-q"
    page.focus(f"#inbox tr[data-number='{number}']")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#d-number:has-text('{number}')")
    page.wait_for_function("() => document.activeElement.id === 'd-title'")
    box = page.locator("#d-title").bounding_box()
    assert box and 0 <= box["y"] < 768  # the detail is in view, not below the fold
    assert "Футошка 12" in page.inner_text("#d-address")
    assert "Марко" in page.inner_text("#d-contact")
    assert page.inner_text("#d-channel") == "телефон"
    assert page.url.endswith("#" + number)  # bookmarkable
    # a comment alone (no status change) is saved as a comment
    page.fill("#d-comment", "Екипа излази сутра")
    page.click("#btn-status")
    page.wait_for_selector("#d-history li[data-note=internal] >> text=Екипа излази сутра")
    assert page.inner_text("#detail-error") == ""
    assert page.inner_text("#d-status") == "активан"
    history = page.inner_text("#d-history")
    assert "прослеђен служби" in history and "status" not in history
    assert "T" not in history.split("\n")[0][:12]  # local time, not raw ISO
    # paging and filters
    page.click("#pg-next")
    page.wait_for_selector("#pg-info:has-text('51–61')")
    page.select_option("#f-status", "state:open")
    page.wait_for_selector("#pg-info:has-text('1–1')")
    page.fill("#f-q", "футошк")
    page.press("#f-q", "Enter")
    page.wait_for_selector(f"#inbox tbody tr[data-number='{number}']")
    # the URL opens the ticket by itself
    page.goto(f"{live_server.url}/department#{number}")
    page.wait_for_selector(f"#d-number:has-text('{number}')")
    assert errors == []
    page.context.close()
