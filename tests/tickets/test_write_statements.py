"""The ticket writes' own statements (Core, no unit of work), on SQLite and
PostgreSQL: a change UPDATEs only what it changed, a ticket loads with all
its calls, and a new ticket's rows, built before its number was drawn, name
the drawn number."""

from __future__ import annotations

import json

from sqlalchemy import event, select

from infra.outbox import OutboxRow
from tickets.domain import Actor
from tickets.service import TicketService

OP = Actor("op1", "agent")
VOD = Actor("vod1", "department", "vodovod")


async def test_a_status_change_updates_only_what_changed(sm, clock):
    svc = TicketService(sm, clock=clock)
    t = await svc.open_ticket(OP, kind="complaint", subject="Пукла цев", description="Футошка",
                              department="vodovod", phone="064 111 2222")
    updates: list[str] = []

    def seen(conn, cursor, statement, *_):
        if statement.lstrip().upper().startswith("UPDATE TICKETS"):
            updates.append(statement)

    engine = sm.kw["bind"].sync_engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        await svc.change_status(VOD, t["number"], "active", "преузето")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(updates) == 1
    set_part = updates[0].split("WHERE")[0]
    # Subject and description untouched: SQLite's full text trigger stays quiet.
    assert "status" in set_part and "updated_at" in set_part
    assert "subject" not in set_part and "description" not in set_part
    assert [x["number"] for x in await svc.search(VOD, text="цев")] == [t["number"]]


async def test_a_ticket_loads_with_all_its_calls_in_order(sm, clock):
    svc = TicketService(sm, clock=clock)
    t = await svc.open_ticket(OP, kind="complaint", subject="Три позива", department="vodovod",
                              call={"uniqueid": "1700.1", "wait_seconds": 3})
    await svc.link_call(OP, t["number"], {"uniqueid": "1700.2", "talk_seconds": 12.5})
    await svc.link_call(OP, t["number"], {"uniqueid": "1700.1"})  # the same call: no-op
    got = await svc.change_status(VOD, t["number"], "active")
    assert [(c["uniqueid"], c["wait_seconds"], c["talk_seconds"]) for c in got["calls"]] == \
        [("1700.1", 3.0, None), ("1700.2", None, 12.5)]
    bare = await svc.open_ticket(OP, kind="request", subject="Без позива", department="vodovod")
    assert (await svc.change_status(VOD, bare["number"], "active"))["calls"] == []


async def test_the_rows_of_a_new_ticket_name_its_drawn_number(sm, clock):
    from tickets.notify.jobs import Notification

    svc = TicketService(sm, clock=clock)
    t = await svc.open_ticket(OP, kind="information", subject="Радно време", resolve_now=True,
                              comment="8-16h", phone="+381217777777")
    n = t["number"]
    async with sm() as s:
        outbox = (await s.execute(select(OutboxRow.topic, OutboxRow.payload)
                                  .order_by(OutboxRow.id))).all()
        texts = (await s.scalars(select(Notification.text)
                                 .where(Notification.ticket_number == n))).all()
    assert [topic for topic, _ in outbox] == [f"tickets/-/{n}", f"users/op1/tickets/{n}"] * 2
    assert all(json.loads(p)["number"] == n for _, p in outbox)
    assert texts and all(n in text for text in texts)
    assert not any("PENDING" in topic + p for topic, p in outbox)
