"""The follow-through in the ticket service, on SQLite and PostgreSQL:
deadlines shown and stored, overdue marked and escalated, wrong-department
returns, merges with every reporter notified, look-alike tickets."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from dialplan.deadlines import Deadline, Deadlines
from dialplan.loader import load_config
from dialplan.workclock import WorkClock
from infra.outbox import OutboxRow
from tickets.domain import Actor, Forbidden, IllegalTransition, InvalidTicket, UnknownDepartment
from tickets.service import TicketService
from tickets.sla import SlaPolicy

OP = Actor("op1", "agent")
OP2 = Actor("op2", "agent")
VOD = Actor("vod1", "department", "vodovod")
SUP = Actor("sup", "supervisor")
H = 3600


@pytest.fixture
def svc(sm, clock):
    policy = SlaPolicy(Deadlines(Deadline(8, 40), {"vodovod": {"complaint": Deadline(2, 16)}}),
                       WorkClock(load_config().hours))
    return TicketService(sm, clock=clock, sla=policy)


async def _topics(sm, number: str) -> list[tuple[str, str]]:
    async with sm() as s:
        rows = (await s.execute(select(OutboxRow.topic, OutboxRow.payload)
                                .order_by(OutboxRow.id))).all()
    return [(r.topic, json.loads(r.payload)["type"]) for r in rows if number in r.topic]


async def _open(svc, who=OP, **kw):
    fields = {"kind": "complaint", "subject": "Пукла цев у Футошкој",
              "description": "Вода тече низ улицу", "department": "vodovod",
              "address": "Футошка 12", "phone": "064 111 2222", **kw}
    return await svc.open_ticket(who, **fields)


async def test_a_ticket_shows_its_due_time_and_what_is_left_and_pauses(svc, clock):
    # 2027-03-01 09:00 UTC is Monday 10:00 in Novi Sad: 16 working hours
    # are 5.5 today, 8 on Tuesday and 2.5 on Wednesday: due 10:00 (09:00 UTC).
    t = await _open(svc)
    due = t["deadline"]["due_at"]
    assert due - datetime(2027, 3, 3, 9, 0, tzinfo=UTC) < timedelta(seconds=1)  # 1 ms ticks
    assert t["deadline"]["clock"] == "running" and t["deadline"]["left_seconds"] == 16 * H
    n = t["number"]
    await svc.change_status(VOD, n, "active")
    clock.advance(hours=1)
    await svc.change_status(VOD, n, "waiting", "чекамо приступ стану")
    clock.advance(days=2)  # waiting for the citizen: not counted
    w = await svc.get(SUP, n)
    assert w["deadline"]["clock"] == "stopped" and w["deadline"]["due_at"] is None
    assert w["deadline"]["left_seconds"] == 15 * H
    back = await svc.change_status(VOD, n, "active", "грађанин јавио")
    assert back["deadline"]["left_seconds"] == 15 * H and back["status"] == "active"


async def test_overdue_is_marked_once_and_escalated(svc, sm, clock):
    t = await _open(svc)
    n = t["number"]
    assert await svc.due_numbers(clock.now) == []
    clock.advance(hours=2, minutes=1)  # the 2 h response deadline passed
    assert await svc.due_numbers(clock.now) == [n]
    marked = await svc.mark_overdue(n)
    assert marked["deadline"]["overdue"] and marked["deadline"]["overdue_deadline"] == "response"
    assert await svc.due_numbers(clock.now) == [] and await svc.mark_overdue(n) is None
    topics = await _topics(sm, n)
    assert (f"escalations/vodovod/{n}", "ticket.overdue") in topics
    assert (f"tickets/vodovod/{n}", "ticket.overdue") in topics
    assert (f"users/op1/tickets/{n}", "ticket.overdue") in topics
    h = await svc.history(SUP, n)
    assert h[-1]["action"] == "overdue" and h[-1]["details"]["deadline"] == "response"
    clock.advance(days=3)  # past the resolution deadline too: marked a second time
    assert await svc.due_numbers(clock.now) == [n]
    assert (await svc.mark_overdue(n))["deadline"]["overdue_deadline"] == "resolution"
    figures = await svc.followup(clock.now - timedelta(days=7))
    assert figures["overdue_open"] == 1 and figures["by_department"]["vodovod"]["overdue"] == 2
    assert (await svc.followup_totals())["overdue"] == 1


async def test_wrong_department_returns_with_a_reason_and_is_forwarded_again(svc, sm, clock):
    t = await _open(svc)
    n = t["number"]
    with pytest.raises(InvalidTicket):
        await svc.give_back(VOD, n, "   ")
    with pytest.raises(UnknownDepartment):
        await svc.give_back(VOD, n, "Није наше", suggested="nowhere")
    with pytest.raises(Forbidden):
        await svc.give_back(OP, n, "Није наше")
    r = await svc.give_back(VOD, n, "Ово је атмосферска канализација", suggested="komunalna")
    assert r["status"] == "returned" and r["department"] is None
    assert r["deadline"]["clock"] == "stopped"
    with pytest.raises(Forbidden):  # it left the department
        await svc.get(VOD, n)
    returned = await svc.search(OP, status="returned")
    assert [x["number"] for x in returned] == [n]
    h = (await svc.history(SUP, n))[-1]
    assert h["action"] == "returned" and h["comment"] == "Ово је атмосферска канализација"
    assert h["details"] == {"from_department": "vodovod", "suggested_department": "komunalna"}
    assert (f"users/op1/tickets/{n}", "ticket.returned") in await _topics(sm, n)
    again = await svc.forward(OP, n, "komunalna", "према предлогу")
    assert again["status"] == "forwarded" and again["department"] == "komunalna"
    assert again["deadline"]["left_seconds"] == 40 * H
    figures = await svc.followup(clock.now - timedelta(days=1))
    assert figures["by_department"]["vodovod"]["returned"] == 1
    assert (await svc.followup_totals())["returned"] == 1


async def test_merge_keeps_reporters_calls_history_and_notifies_everyone(svc, sm, clock):
    first = await _open(svc, email="prvi@example.rs", call={"uniqueid": "1.1"})
    n1 = first["number"]
    alike = await svc.look_alikes(OP2, department="vodovod", kind="complaint",
                                  subject="Цев пукла, Футошка улица",
                                  description="тече вода", address="футошка 12")
    assert [a["number"] for a in alike] == [n1] and alike[0]["similarity"] >= 0.5
    assert await svc.look_alikes(OP2, department="vodovod", kind="request",
                                 subject="Пукла цев") == []
    second = await _open(svc, OP2, email="drugi@example.rs", phone="063 333 4444",
                         call={"uniqueid": "2.2"})
    n2 = second["number"]
    third = await _open(svc, OP2, email="treci@example.rs", phone=None, attach_to=n1)
    assert third["number"] == n1  # attached instead of a new ticket
    with pytest.raises(Forbidden):
        await svc.merge(VOD, n2, n1)
    with pytest.raises(IllegalTransition):  # only into an open ticket
        await svc.merge(SUP, n2, (await _closed(svc))["number"])
    survivor = await svc.merge(SUP, n2, n1)
    assert {c["uniqueid"] for c in survivor["calls"]} == {"1.1", "2.2"}
    dup = await svc.get(SUP, n2)
    assert dup["status"] == "merged"
    assert [e["action"] for e in await svc.history(SUP, n2)][-1] == "merged"
    assert "absorbed" in [e["action"] for e in await svc.history(SUP, n1)]
    await svc.change_status(VOD, n1, "resolved", "цев замењена")
    from tickets.notify.jobs import Notification

    async with sm() as s:
        mails = sorted(x.recipient for x in (await s.scalars(
            select(Notification).where(Notification.ticket_number == n1,
                                       Notification.channel == "email"))).all())
    assert mails == ["drugi@example.rs", "prvi@example.rs", "treci@example.rs"]
    assert (await svc.followup_totals())["merged"] == 2


async def _closed(svc):
    t = await svc.open_ticket(OP, kind="information", subject="Радно време", resolve_now=True)
    return t


async def test_a_report_attached_to_a_ticket_merged_meanwhile_goes_where_it_went(svc):
    """The operator was shown n2 as the same problem; a supervisor merged n2
    into n1 before the operator pressed "attach": the report joins n1."""
    n1 = (await _open(svc, email="prvi@example.rs"))["number"]
    n2 = (await _open(svc, OP2, email="drugi@example.rs"))["number"]
    await svc.merge(SUP, n2, n1)
    third = await _open(svc, OP2, email="treci@example.rs", attach_to=n2.lower())
    assert third["number"] == n1 and "not_attached" not in third
    assert (await svc.followup_totals())["merged"] == 2


async def test_a_report_attached_to_a_ticket_resolved_meanwhile_stands_on_its_own(svc):
    """The shown ticket was resolved before "attach": the new report is the
    problem reported again, registered as a ticket of its own and said so,
    not an error after the ticket was written."""
    n1 = (await _open(svc))["number"]
    await svc.change_status(VOD, n1, "resolved", "поправљено")
    again = await _open(svc, OP2, attach_to=n1)
    assert again["number"] != n1 and again["status"] == "forwarded"
    assert again["not_attached"]["code"] == "ticket.illegal_transition"
    assert again["not_attached"]["number"] == n1
    assert (await svc.get(SUP, again["number"]))["status"] == "forwarded"
