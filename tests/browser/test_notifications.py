"""The citizen's notifications in Chromium: the department's ticket detail
lists them (what, channel, status, local time, attempts, last error) and
retries a failed one; the supervisor's wallboard lists the ones stuck on
every ticket and retries them."""

from __future__ import annotations

from datetime import UTC
from zoneinfo import ZoneInfo

import pytest
from browser_helpers import js_errors, login_page
from sqlalchemy import select, update

from tickets.domain import Actor
from tickets.notify.jobs import Notification

pytestmark = [pytest.mark.browser, pytest.mark.mqtt]
SUP = Actor("sup", "supervisor")
VOD = Actor("vod1", "department", "vodovod")


def _seed(server):
    svc, sm = server.web.ctx.tickets, server.web.ctx.sessionmaker

    async def go():
        t = await svc.open_ticket(SUP, kind="complaint", subject="Пукла цев у Темеринској",
                                  department="vodovod", phone="+381641112223",
                                  email="marko@example.rs")
        await svc.change_status(VOD, t["number"], "resolved", "Поправљено")
        async with sm() as s, s.begin():
            rows = {n.channel: n for n in (await s.scalars(select(Notification).where(
                Notification.ticket_number == t["number"]))).all()}
            await s.execute(update(Notification).where(Notification.id == rows["email"].id)
                            .values(status="failed", attempts=3, next_attempt_at=None,
                                    last_error="smtp.rejected (550 no such user)"))
            await s.execute(update(Notification).where(Notification.id == rows["sms"].id)
                            .values(status="gave_up", attempts=8, next_attempt_at=None,
                                    last_error="kannel.unreachable"))
        return t["number"], rows["email"].id, rows["sms"].id, rows["email"].created_at

    return server.run_coro(go())


def _watch(page):
    errors = js_errors(page)
    return errors


def test_ticket_notifications_and_retry(browser, live_server):
    number, email_id, sms_id, created = _seed(live_server)
    page = login_page(browser, live_server, "vod1")
    errors = _watch(page)
    page.goto(f"{live_server.url}/department#{number}")
    row = page.wait_for_selector(f"#d-notifications tr[data-id='{email_id}']")
    cells = [c.inner_text() for c in row.query_selector_all("td")]
    assert cells[0].startswith("тикет решен")
    assert cells[1].split("\n") == ["е-пошта", "marko@example.rs"]
    assert cells[2] == "неуспело" and cells[4] == "3"
    assert cells[5] == "smtp.rejected (550 no such user)"
    local = created.replace(tzinfo=UTC).astimezone(ZoneInfo("Europe/Belgrade"))
    assert local.strftime("%H:%M") in cells[3] and "T" not in cells[3]
    sms = page.inner_text(f"#d-notifications tr[data-id='{sms_id}']")
    assert "SMS\n+381641112223" in sms and "неуспело после свих покушаја" in sms
    box = page.locator(f"#d-notifications tr[data-id='{email_id}'] button.retry").bounding_box()
    pane = page.locator("#ticket-detail").bounding_box()
    assert box and pane and box["x"] + box["width"] <= pane["x"] + pane["width"]  # in view
    page.click(f"#d-notifications tr[data-id='{email_id}'] button.retry")
    page.wait_for_selector(f"#d-notifications tr[data-id='{email_id}'][data-status='pending']")
    assert page.inner_text("#d-notifications-ok") == "Обавештење ће бити поново послато"
    assert not page.query_selector(f"#d-notifications tr[data-id='{email_id}'] button.retry")
    assert page.inner_text("#detail-error") == ""
    assert errors == []
    page.context.close()

    # the supervisor: what is still stuck on any ticket, retried from the wallboard
    page = login_page(browser, live_server, "sup")
    errors = _watch(page)
    row = page.wait_for_selector(f"#n-stuck tr[data-id='{sms_id}']")
    assert row.query_selector("td").inner_text() == number
    assert not page.query_selector(f"#n-stuck tr[data-id='{email_id}']")  # pending, fresh
    assert page.inner_text("#n-stuck-total") == "1"
    page.click(f"#n-stuck tr[data-id='{sms_id}'] td.clickable")  # opens the ticket beside
    page.wait_for_selector(f"#d-number:has-text('{number}')")
    page.wait_for_selector(f"#d-notifications tr[data-id='{sms_id}'][data-status='gave_up']")
    page.click(f"#n-stuck tr[data-id='{sms_id}'] button.retry")
    page.wait_for_selector("#n-stuck-total:has-text('0')")
    assert not page.query_selector(f"#n-stuck tr[data-id='{sms_id}']")
    assert page.inner_text("#n-stuck-ok") == "Обавештење ће бити поново послато"
    assert errors == []
    page.context.close()
