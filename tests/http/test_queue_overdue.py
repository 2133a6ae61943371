"""The work queue's overdue filter (``GET /api/queue?overdue=true``) with the
real deadline policy of the shipped configuration (working hours, the
department's deadlines) and a clock moved forward: a ticket past its
deadline is found before the overdue job marks it and after; one still in
time, or done, is not; each row carries its due time and overdue flag."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from http_helpers import bearer, login

from kontakt.overdue import OverdueWatch, policy_for
from tickets.domain import Actor
from tickets.service import TicketService

SUP = Actor("sup", "supervisor")
VOD = Actor("vod1", "department", "vodovod")


async def test_overdue_filter(client, web_app, sessionmaker, config_holder):
    now = [datetime(2026, 3, 2, 8, 0, tzinfo=UTC)]  # a Monday, in working hours
    clock = lambda: now[0]  # noqa: E731
    svc = TicketService(sessionmaker, clock=clock, sla=policy_for(lambda: config_holder.current))
    web_app.state.web.ctx.tickets = svc
    late = await svc.open_ticket(SUP, kind="complaint", subject="Пукла цев",
                                 department="vodovod")  # 16 working hours to resolve
    now[0] += timedelta(days=2)
    fresh = await svc.open_ticket(SUP, kind="request", subject="Нов прикључак",
                                  department="vodovod")  # 24 working hours
    await svc.change_status(VOD, fresh["number"], "active")  # answered within its 4 hours
    done = await svc.open_ticket(SUP, kind="complaint", subject="Решена цев",
                                 department="vodovod")
    now[0] += timedelta(days=1, hours=1)  # late: past 16 working hours, fresh: not yet 24
    await svc.change_status(VOD, done["number"], "resolved")
    vod = bearer(await login(client, "vod1"))

    async def found(**params):
        r = await client.get("/api/queue", headers=vod, params=params)
        assert r.status_code == 200, r.text
        return {t["number"]: t for t in r.json()["tickets"]}, r.json()["total"]

    rows, total = await found(overdue="true")
    assert set(rows) == {late["number"]} and total == 1  # before the job marks it
    assert rows[late["number"]]["deadline"]["overdue"] is True
    assert rows[late["number"]]["deadline"]["due_at"] <= now[0].isoformat()
    assert await OverdueWatch(svc, 60, clock).run_once() == [late["number"]]
    rows, _ = await found(overdue="true")
    assert set(rows) == {late["number"]}  # and after
    rows, total = await found()
    assert total == 3
    assert rows[fresh["number"]]["deadline"]["overdue"] is False
    assert rows[fresh["number"]]["deadline"]["due_at"] > now[0].isoformat()
    assert (await found(overdue="false"))[1] == 3
    rows, _ = await found(overdue="true", kind="request")
    assert rows == {}
    r = await client.get("/api/queue", headers=vod, params={"overdue": "maybe"})
    assert r.status_code == 422
