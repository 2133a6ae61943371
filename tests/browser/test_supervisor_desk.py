"""The supervisor acts from the wallboard in Chromium: pauses and logs out an
operator with a reason (audited), finds a ticket, opens it with its history,
forwards it; exports tickets and call figures as CSV (UTF-8 with BOM,
Cyrillic intact); charts with axes and legends; rejected calls counted;
tickets without a department labelled."""

from __future__ import annotations

import csv
import io

import pytest
from browser_helpers import js_errors, login_page

from kontakt.privacy.audit import AuditLog
from tickets.domain import Actor

pytestmark = [pytest.mark.browser, pytest.mark.mqtt]
SUP = Actor("sup", "supervisor")


def test_supervisor_acts_and_exports(browser, live_server):
    svc, engine = live_server.web.ctx.tickets, live_server.web.ctx.engine
    t = live_server.run_coro(svc.open_ticket(
        SUP, kind="complaint", subject="Пукла цев код Шумадијске", department="vodovod",
        phone="+381641234567"))
    live_server.run_coro(svc.open_ticket(SUP, kind="information", subject="Без службе"))
    live_server.run_coro(engine.agent_login("agent02"))
    engine.stats["rejected"] = 3
    page = login_page(browser, live_server, "sup")
    errors = js_errors(page)
    page.wait_for_selector("#w-rejected:has-text('3')")
    page.wait_for_selector("#w-tickets tr[data-department=''] >> text=без службе")
    # operator control: a reason is required, the step is audited
    page.click("#w-agents tr[data-agent=agent02]")
    page.select_option("#ac-reason", "meeting")
    page.fill("#ac-note", "састанак тима у 10")
    page.click("#ac-pause")
    page.wait_for_selector("#w-agents tr[data-agent=agent02][data-state=paused]")
    page.fill("#ac-note", "крај смене")
    page.click("#ac-logout")
    page.wait_for_selector("#w-agents tr[data-agent=agent02][data-state=logged_out]")
    audit = live_server.run_coro(AuditLog(live_server.web.ctx.sessionmaker).read(actor="sup"))
    assert [(e["action"], e["reason"]) for e in audit if e["action"].startswith("agent.")] == [
        ("agent.pause", "састанак тима у 10"), ("agent.logout", "крај смене")]
    # any ticket: search, open with history, forward
    page.fill("#f-q", "шумадијск")
    page.press("#f-q", "Enter")
    page.click(f"#inbox tbody tr[data-number='{t['number']}']")
    page.wait_for_selector(f"#d-number:has-text('{t['number']}')")
    # The detail takes the focus first and loads its history after: wait for it.
    page.wait_for_selector("#d-history >> text=Водовод")
    page.select_option("#d-forward-to", "cistoca")
    page.click("#btn-forward")
    page.wait_for_selector("#d-history >> text=Чистоћа")
    # CSV exports, parsed with Cyrillic intact
    with page.expect_download() as dl:
        page.click("#export-tickets")
    with open(dl.value.path(), "rb") as f:
        raw = f.read()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:4] == ["број", "отворен", "врста", "статус"]
    mine = next(r for r in rows if r[0] == t["number"])
    assert mine[4] == "ЈКП „Чистоћа“" and mine[6] == "Пукла цев код Шумадијске"
    assert any(r[4] == "без службе" for r in rows[1:])
    assert "+381641234567" not in raw.decode("utf-8-sig")  # no personal data in the export
    resp = page.request.get(f"{live_server.url}/api/export/calls.csv?by=hour&days=2")
    assert resp.headers["content-type"].startswith("text/csv")
    assert resp.body().decode("utf-8-sig").splitlines()[0].startswith("период,понуђени")
    # the chart: axes, labels and a legend, inside 1366 px
    page.wait_for_selector("#w-chart-svg .legend")
    legend = page.eval_on_selector_all("#w-chart-svg .legend", "ns => ns.map(n => n.textContent)")
    assert legend == ["Понуђени", "Одговорени", "Одустали", "Одбијени", "Ниво услуге (20 s)"]
    assert page.eval_on_selector_all("#w-chart-svg .tick-y", "ns => ns.length") == 5
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    assert errors == []
    page.context.close()
