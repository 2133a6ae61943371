"""The ticket service on SQLite and PostgreSQL: open, lifecycle, history,
outbox rows in the same transaction, department scope, search, counts."""

from __future__ import annotations

import asyncio
import json

import pytest
from sqlalchemy import func, select

from infra.outbox import OutboxRow
from tickets.domain import (
    Actor,
    Forbidden,
    IllegalTransition,
    InvalidTicket,
    KindNotTaken,
    NotFound,
    UnknownDepartment,
)
from tickets.ports import TransferFailed
from tickets.service import TicketService

OP = Actor("op1", "agent")
OP2 = Actor("op2", "agent")
VOD = Actor("vod1", "department", "vodovod")
CIS = Actor("cis1", "department", "cistoca")
SUP = Actor("sup", "supervisor")


@pytest.fixture
def svc(sm, clock):
    return TicketService(sm, clock=clock)


async def _outbox(sm) -> list[tuple[str, dict]]:
    async with sm() as s:
        rows = (await s.execute(select(OutboxRow.topic, OutboxRow.payload)
                                .order_by(OutboxRow.id))).all()
    return [(r.topic, json.loads(r.payload)) for r in rows]


async def test_open_forward_resolve_close_with_history_and_outbox(svc, sm):
    t = await svc.open_ticket(OP, kind="complaint", subject="Нема воде у Лиману",
                              description="Од јутрос нема воде", phone="064 123 4567",
                              department="vodovod", email="pera@example.rs",
                              call={"uniqueid": "1700000000.7", "wait_seconds": 4.5,
                                    "talk_seconds": 61.0, "agent": "agent01"})
    n = t["number"]
    assert n == "NS-2027-000001" and t["status"] == "forwarded" and t["department"] == "vodovod"
    assert t["phone"] == "+381641234567" and t["calls"][0]["uniqueid"] == "1700000000.7"
    await svc.change_status(VOD, n, "active", "преузето")
    await svc.assign(VOD, n, "vod2")
    await svc.comment(VOD, n, "екипа изашла")
    done = await svc.change_status(VOD, n, "resolved", "поправљена цев")
    assert done["status"] == "resolved" and done["assignee"] == "vod2"
    await svc.change_status(OP, n, "closed")
    h = await svc.history(SUP, n)
    assert [(e["action"], e["old_status"], e["new_status"]) for e in h] == [
        ("opened", None, "new"), ("call_linked", None, None),
        ("forwarded", "new", "forwarded"), ("status", "forwarded", "active"),
        ("assigned", None, None), ("comment", None, None),
        ("status", "active", "resolved"), ("status", "resolved", "closed")]
    assert h[6]["actor"] == "vod1" and h[6]["comment"] == "поправљена цев"
    assert all(e["event_id"] for e in h)
    out = await _outbox(sm)
    topics = {topic for topic, _ in out}
    assert f"tickets/vodovod/{n}" in topics and f"users/op1/tickets/{n}" in topics
    resolved = [p for _, p in out if p["status"] == "resolved" and p["type"] == "ticket.status"]
    assert len(resolved) == 2 and resolved[0]["event_id"] == resolved[1]["event_id"]
    # the citizen is told (tickets/notify) in the same transaction
    from tickets.notify.jobs import Notification

    async with sm() as s:
        notes = (await s.scalars(select(Notification))).all()
    assert {(x.channel, x.ticket_status) for x in notes} == {("sms", "resolved"),
                                                           ("email", "resolved")}


async def test_illegal_step_is_refused_and_writes_nothing(svc, sm):
    t = await svc.open_ticket(OP, kind="request", subject="Одвоз кабастог отпада",
                              department="cistoca")
    before = len(await _outbox(sm))
    with pytest.raises(IllegalTransition) as e:
        await svc.change_status(CIS, t["number"], "closed")
    assert e.value.details["state"] == "forwarded" and e.value.details["to"] == "closed"
    with pytest.raises(Forbidden):
        await svc.change_status(VOD, t["number"], "active")  # not their department
    assert len(await _outbox(sm)) == before
    assert len(await svc.history(SUP, t["number"])) == 2


async def test_department_scope_and_errors(svc):
    a = await svc.open_ticket(OP, kind="complaint", subject="Цев", department="vodovod")
    b = await svc.open_ticket(OP, kind="complaint", subject="Смеће", department="cistoca")
    assert (await svc.get(VOD, a["number"]))["number"] == a["number"]
    with pytest.raises(Forbidden):
        await svc.get(VOD, b["number"])
    with pytest.raises(Forbidden):
        await svc.history(VOD, b["number"])
    with pytest.raises(Forbidden):
        await svc.search(VOD, department="cistoca")
    assert [t["number"] for t in await svc.search(VOD)] == [a["number"]]
    with pytest.raises(NotFound) as e:
        await svc.get(OP, "NS-2027-999999")
    assert e.value.code == "ticket.not_found"
    with pytest.raises(UnknownDepartment):
        await svc.open_ticket(OP, kind="complaint", subject="x", department="nowhere")
    with pytest.raises(InvalidTicket):
        await svc.open_ticket(OP, kind="complaint", subject="x", phone="abc")
    with pytest.raises(Forbidden):
        await svc.open_ticket(VOD, kind="complaint", subject="x")


async def test_kind_not_taken(sm, clock):
    from dialplan.departments import Department

    deps = (Department("vodovod", "Водовод", "Water", "+381214888001", kinds=("complaint",)),)
    svc = TicketService(sm, deps, clock=clock)
    with pytest.raises(KindNotTaken):
        await svc.open_ticket(OP, kind="suggestion", subject="x", department="vodovod")


async def test_information_opened_and_resolved_in_one_step(svc):
    t = await svc.open_ticket(OP, kind="information", subject="Радно време управе",
                              phone="+381641112223", resolve_now=True, comment="8-16h")
    assert t["status"] == "resolved"
    h = await svc.history(OP, t["number"])
    assert [(e["action"], e["new_status"]) for e in h] == [("opened", "new"),
                                                          ("status", "resolved")]


async def test_forward_to_another_department_and_reopen(svc):
    t = await svc.open_ticket(OP, kind="complaint", subject="Рупа", department="vodovod")
    t = await svc.forward(OP, t["number"], "saobracaj", "рупа на путу")
    assert t["department"] == "saobracaj" and t["status"] == "forwarded"
    s = Actor("s1", "department", "saobracaj")
    await svc.change_status(s, t["number"], "resolved")
    t = await svc.change_status(OP, t["number"], "active", "није поправљено")
    assert t["status"] == "active"


async def test_http_aliases_and_web_channel(svc):
    cit = Actor("open311", "citizen")
    t = await svc.open_ticket(cit, channel="web", kind="request", department="zelenilo",
                              subject="Орезати дрво", description="Грана на тротоару",
                              caller="0641234567", citizen_email="a@b.rs",
                              citizen_name="Ана", address="Булевар 1", lat=45.25, long=19.84)
    assert t["phone"] == "+381641234567" and t["lon"] == 19.84 and t["status"] == "forwarded"
    assert (await svc.get(cit, t["number"]))["name"] == "Ана"
    p = await svc.open_ticket(OP, kind="request", subject="Телефоном", department="zelenilo")
    with pytest.raises(NotFound):
        await svc.get(cit, p["number"])
    assert [x["number"] for x in await svc.search(cit)] == [t["number"]]


async def test_numbers_are_unique_under_concurrent_writers(svc):
    """50 writers at once: no "database is locked", every number distinct."""
    made = await asyncio.gather(*[
        svc.open_ticket(Actor(f"op{i}", "agent"), kind="complaint", subject=f"Пријава {i}",
                        phone="+381641234567", department="vodovod") for i in range(50)])
    numbers = {t["number"] for t in made}
    assert len(numbers) == 50
    await asyncio.gather(*[svc.change_status(VOD, n, "active") for n in numbers])
    counts = await svc.counts()
    assert counts["vodovod"] == {"active": 50}
    assert (await svc.totals())["opened"] == 50


async def test_search(svc, clock):
    a = await svc.open_ticket(OP, kind="complaint", subject="Нема воде",
                              description="Цев пукла у Футошкој", phone="+381641234567",
                              department="vodovod")
    clock.advance(days=2)
    b = await svc.open_ticket(OP2, kind="suggestion", subject="Више клупа",
                              description="Дунавски парк", phone="064/123-4567",
                              department="zelenilo")
    clock.advance(days=2)
    c = await svc.open_ticket(OP, kind="information", subject="Радно време",
                              phone="+381217777777", resolve_now=True)
    num = lambda found: [t["number"] for t in found]  # noqa: E731
    assert num(await svc.search(OP, number=a["number"].lower())) == [a["number"]]
    # the caller's earlier tickets pop up with the incoming call, newest first
    assert num(await svc.search(OP, phone="0641234567")) == [b["number"], a["number"]]
    assert num(await svc.search(SUP, department="zelenilo")) == [b["number"]]
    assert num(await svc.search(SUP, kind="information")) == [c["number"]]
    assert num(await svc.search(SUP, status="forwarded")) == [b["number"], a["number"]]
    assert num(await svc.search(SUP, since=a["created_at"], until=b["created_at"])) == [
        a["number"]]
    assert num(await svc.search(SUP, since=b["created_at"].isoformat())) == [c["number"],
                                                                            b["number"]]
    assert num(await svc.search(SUP, text="футошкој")) == [a["number"]]
    assert num(await svc.search(SUP, text="пукла цев")) == [a["number"]]
    assert num(await svc.search(SUP, text="клуп")) == [b["number"]]  # a word's beginning
    assert num(await svc.search(SUP, text="дунав парк")) == [b["number"]]
    assert num(await svc.search(SUP, text="' OR 1=1 --\"")) == []
    assert num(await svc.search(OP, opened_by="op2")) == [b["number"]]
    assert len(await svc.search(SUP, limit=1)) == 1
    with pytest.raises(InvalidTicket):
        await svc.search(SUP, status="lost")
    with pytest.raises(InvalidTicket):
        await svc.search(SUP, since="yesterday")


class FakeCalls:
    def __init__(self, fail: str | None = None) -> None:
        self.fail, self.sent = fail, []

    async def blind_transfer(self, channel, number):
        if self.fail:
            raise TransferFailed("transfer.refused", self.fail, reason=self.fail)
        self.sent.append(("blind", channel, number))

    async def attended_transfer(self, channel, number):
        self.sent.append(("attended", channel, number))


async def test_open_and_transfer(sm, clock):
    calls = FakeCalls()
    svc = TicketService(sm, call_control=calls, clock=clock)
    t = await svc.open_and_transfer(OP, kind="complaint", subject="Цев", department="vodovod",
                                    channel_name="PJSIP/trunk-00000001", phone="+381641234567",
                                    uniqueid="1700.1")
    assert t["transfer"]["ok"] and calls.sent == [("blind", "PJSIP/trunk-00000001",
                                                   "+381214888001")]
    assert t["status"] == "forwarded" and t["calls"][0]["uniqueid"] == "1700.1"
    assert (await svc.totals())["transferred"] == 1
    anon = await svc.open_and_transfer(OP, kind="complaint", subject="Без броја",
                                       department="vodovod", channel="PJSIP/trunk-2",
                                       caller="anonymous")
    assert anon["phone"] is None and anon["transfer"]["ok"]


async def test_failed_transfer_keeps_the_ticket_and_says_why(sm, clock):
    svc = TicketService(sm, call_control=FakeCalls(fail="Channel does not exist"), clock=clock)
    t = await svc.open_and_transfer(OP, kind="complaint", subject="Цев", department="vodovod",
                                    channel="PJSIP/gone-1")
    assert t["transfer"]["ok"] is False and "Channel does not exist" in t["transfer"]["message"]
    kept = await svc.get(OP, t["number"])
    assert kept["status"] == "forwarded"
    h = await svc.history(OP, t["number"])
    assert h[-1]["action"] == "transfer_failed"
    async with sm() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxRow)) >= 4


async def test_bad_call_link_and_kind_are_clear_errors(svc):
    for call in ({"wait_seconds": 1}, {"uniqueid": "1.2", "colour": "red"},
                 {"uniqueid": "1.2", "wait_seconds": "long"}):
        with pytest.raises(InvalidTicket) as e:
            await svc.open_ticket(OP, kind="complaint", subject="x", call=call)
        assert e.value.details["field"] == "call"
    with pytest.raises(InvalidTicket) as e:
        await svc.open_ticket(OP, kind="rant", subject="x", department="vodovod")
    assert e.value.details["field"] == "kind"
    with pytest.raises(InvalidTicket):
        await svc.open_ticket(OP, kind="complaint", subject="x", colour="red")
