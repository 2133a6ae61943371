"""The message to the citizen, previewed in Chromium: department staff tick
"for the citizen", type, and see the SMS and e-mail the citizen would get
(the real templates, the ticket's language); unticked, the pane says the
comment stays internal.  Nothing is queued by previewing."""

from __future__ import annotations

import pytest
from browser_helpers import js_errors, login_page
from sqlalchemy import func, select

from tickets.domain import Actor
from tickets.notify.jobs import Notification

pytestmark = [pytest.mark.browser, pytest.mark.mqtt]
SUP = Actor("sup", "supervisor")


def _seed(server):
    async def go():
        t = await server.web.ctx.tickets.open_ticket(
            SUP, kind="complaint", subject="Пукла цев у Темеринској", department="vodovod",
            phone="+381641112223", email="marko@example.rs")
        return t["number"]

    return server.run_coro(go())


def _queued(server) -> int:
    async def go():
        async with server.web.ctx.sessionmaker() as s:
            return int(await s.scalar(select(func.count()).select_from(Notification)))

    return server.run_coro(go())


def test_department_previews_the_message_to_the_citizen(browser, live_server):
    number = _seed(live_server)
    page = login_page(browser, live_server, "vod1")
    errors = js_errors(page)
    page.goto(f"{live_server.url}/department#{number}")
    page.wait_for_selector(f"#d-number:has-text('{number}')")
    page.wait_for_selector("#pv-internal:visible")  # unticked: internal
    page.check("#d-for-citizen")
    page.wait_for_selector("#pv-internal", state="hidden")
    page.type("#d-comment", "Екипа долази у 10 часова", delay=20)
    page.wait_for_selector("#pv-web:has-text('Екипа долази у 10 часова')")
    assert page.is_hidden("#pv-sms-box")  # a comment alone: the lookup page, no SMS
    page.select_option("#d-to", "resolved")
    page.wait_for_selector("#pv-sms:has-text('Екипа долази у 10 часова')")
    sms = page.inner_text("#pv-sms")
    assert sms.startswith("Град Нови Сад") and number in sms and "решен" in sms
    assert number in page.inner_text("#pv-subject")
    assert "Исход: Екипа долази у 10 часова" in page.inner_text("#pv-body")
    assert "Грађанин ће добити" in page.inner_text("#pv-citizen")
    page.uncheck("#d-for-citizen")
    page.wait_for_selector("#pv-internal:visible")
    assert "интерни" in page.inner_text("#pv-internal")
    # the status change still tells the citizen, without the internal words
    page.wait_for_function("() => !document.getElementById('pv-sms')"
                           ".textContent.includes('Екипа')")
    assert "Промена статуса се ипак шаље" in page.inner_text("#pv-note")
    page.select_option("#d-to", "")
    page.wait_for_selector("#pv-citizen", state="hidden")
    assert _queued(live_server) == 0  # previewing sent nothing
    # labels in the other scripts
    page.goto(f"{live_server.url}/department?lang=en#{number}")
    page.wait_for_selector(f"#d-number:has-text('{number}')")
    page.check("#d-for-citizen")
    page.fill("#d-comment", "Crew comes at 10")
    page.wait_for_selector("#pv-citizen:has-text('The citizen will receive')")
    page.goto(f"{live_server.url}/department?lang=sr-Latn#{number}")
    page.wait_for_selector("#pv-internal:has-text('Komentar ostaje interni')")
    assert errors == []
    page.context.close()
