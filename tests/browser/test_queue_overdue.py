"""The work queue's overdue filter in Chromium: the rows show the due time
(local) and an overdue marker; with "overdue only" the late ticket is found
and the one still in time is not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from browser_helpers import js_errors, login_page
from sqlalchemy import update

from tickets.domain import Actor
from tickets.store import TicketRow

pytestmark = [pytest.mark.browser, pytest.mark.mqtt]
SUP = Actor("sup", "supervisor")


def _seed(server):
    svc, sm = server.web.ctx.tickets, server.web.ctx.sessionmaker
    now = datetime.now(UTC)

    async def go():
        late = await svc.open_ticket(SUP, kind="complaint", subject="Цев пукла пре три дана",
                                     department="vodovod")
        fresh = await svc.open_ticket(SUP, kind="complaint", subject="Цев пукла јутрос",
                                      department="vodovod")
        # The deadline clock as the ticket service keeps it with deadlines
        # configured; the late one as the overdue job marks it.
        async with sm() as s, s.begin():
            for number, due, mark in ((late["number"], now - timedelta(hours=3), "resolution"),
                                      (fresh["number"], now + timedelta(hours=5), None)):
                await s.execute(update(TicketRow).where(TicketRow.number == number).values(
                    sla_response_s=7200.0, sla_resolution_s=57600.0,
                    sla_started_at=now - timedelta(days=3), sla_running_since=now,
                    due_at=due, overdue=mark, overdue_at=due if mark else None))
        return late["number"], fresh["number"], now - timedelta(hours=3)

    return server.run_coro(go())


def test_overdue_filter(browser, live_server):
    late, fresh, due = _seed(live_server)
    page = login_page(browser, live_server, "vod1")
    errors = js_errors(page)
    row = page.wait_for_selector(f"#inbox tr[data-number='{late}']")
    assert row.get_attribute("data-overdue") == "1" and "overdue" in row.get_attribute("class")
    cell = row.query_selector_all("td")[4].inner_text()
    local = due.astimezone(ZoneInfo("Europe/Belgrade")).strftime("%H:%M")
    assert local in cell and "Прекорачен рок" in cell
    other = page.wait_for_selector(f"#inbox tr[data-number='{fresh}']")
    assert other.get_attribute("data-overdue") == "0"
    assert "Прекорачен рок" not in other.inner_text()
    page.check("#f-overdue")
    page.wait_for_selector(f"#inbox tr[data-number='{fresh}']", state="detached")
    assert page.is_visible(f"#inbox tr[data-number='{late}']")
    assert page.eval_on_selector_all("#inbox tbody tr", "r => r.length") == 1
    assert page.inner_text("#pg-info").startswith("1–1")
    page.uncheck("#f-overdue")
    page.wait_for_selector(f"#inbox tr[data-number='{fresh}']")
    assert errors == []
    page.context.close()
